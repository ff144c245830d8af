/*
 * The scheduler's results: an attempt's answer taken into its task (a
 * Claude Code prompt's outcome from runner_claude.c), kept in the memory
 * bank, packed for orch-ctl and waiters, and the -w run's summary table
 * and JSON report.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/proto.h"
#include "shm/region.h"
#include "supervisor/runner.h"
#include "supervisor/sched_int.h"
#include "supervisor/supervisor.h"
#include "supervisor/tasktable.h"

static void
sched_store(struct sched *s, const struct stask *t)
{
	char		key[BANK_KEY_MAX + 1];
	size_t		len;
	uint64_t	max;
	int		rc;

	if (s->sup->region == NULL)
		return;
	snprintf(key, sizeof key, "task/%s/result", t->key);
	len = t->output != NULL ? t->output_len : 0;
	max = s->sup->region->bank.value_max;
	if (len > max)
		log_warnx("task %s: the bank keeps the first %zu bytes of its "
		    "%zu of output under %s", t->key, (size_t)max, len, key);
	rc = bank_write(&s->sup->region->bank, key, t->output != NULL ?
	    t->output : "", len > max ? (size_t)max : len, "orch",
	    BANK_SHARED, BANK_ANY, NULL);
	if (rc != 0)
		log_warnx("task %s: cannot keep its result in the bank: %s",
		    t->key, bank_strerror(rc));
	/* Beside it, what a Claude Code prompt cost, as JSON. */
	if (t->turns > 0 || t->cost_usd > 0) {
		char	cost[256];
		int	n;

		snprintf(key, sizeof key, "task/%s/cost", t->key);
		n = snprintf(cost, sizeof cost, "{\"total_cost_usd\": %.6f, "
		    "\"num_turns\": %llu, \"usage\": {\"input_tokens\": %llu, "
		    "\"output_tokens\": %llu}}", t->cost_usd,
		    (unsigned long long)t->turns,
		    (unsigned long long)t->tokens_in,
		    (unsigned long long)t->tokens_out);
		if (bank_write(&s->sup->region->bank, key, cost, (size_t)n,
		    "orch", BANK_SHARED, BANK_ANY, NULL) != 0)
			log_warnx("task %s: cannot keep its cost in the bank",
			    t->key);
	}
}



/*
 * A prompt run by Claude Code: the final result event says whether it
 * worked, and its text is the task's output (what a pipeline passes on).
 */
static void
sched_claude(struct sched *s, struct stask *t, bool *ok)
{
	const struct sched_agent	*a = sched_agent(s, t->agent);
	struct runner_outcome		 o;

	/* An interactive one's output is already its answer (Stop's). */
	if (a == NULL || a->ac->runner != RUNNER_CLAUDE ||
	    agent_config_interactive(a->ac))
		return;
	runner_claude_outcome(t->output, &o);
	if (o.text == NULL) {
		*ok = false;
		snprintf(t->reason, sizeof t->reason, "%s", o.reason);
		/* No result at all: what it resumed may be no conversation. */
		if (t->resumed[0] != '\0' && s->port.session != NULL)
			s->port.session(s->port.ctx, t->agent, NULL);
		return;
	}
	t->cost_usd = o.cost_usd;
	t->turns = o.turns;
	t->tokens_in = o.tokens_in;
	t->tokens_out = o.tokens_out;
	log_info("task %s: claude %s, $%.4f, %llu turns, %llu/%llu tokens, "
	    "session %s", t->key, o.ok ? "succeeded" : "reported an error",
	    o.cost_usd, (unsigned long long)o.turns,
	    (unsigned long long)o.tokens_in, (unsigned long long)o.tokens_out,
	    o.session);
	/* The next prompt on this agent goes on with this conversation. */
	if (strcmp(o.session, "-") != 0 && s->port.session != NULL)
		s->port.session(s->port.ctx, t->agent, o.session);
	*ok = *ok && o.ok;
	if (!o.ok)
		snprintf(t->reason, sizeof t->reason, "%s", o.reason);
	sched_set_output(t, o.text, strlen(o.text), false);
}


int
sched_result_first_line(const struct stask *t)
{
	size_t	n;

	if (t->output == NULL)
		return 0;
	n = strcspn(t->output, "\n");
	return (int)(n > 72 ? 72 : n);
}


bool
sched_has_exit(const struct stask *t)
{
	return t->attempts > 0 && t->st != ST_RUNNING && t->signal == 0 &&
	    t->exit_code >= 0;
}


/* A wall-clock time in ms since the epoch, or nil for one not reached. */
static void
sched_pack_ms(msgpack_packer *pk, const char *key, uint64_t ms)
{
	body_pack_str(pk, key);
	if (ms != 0)
		msgpack_pack_uint64(pk, ms);
	else
		msgpack_pack_nil(pk);
}

void
sched_pack_task(msgpack_packer *pk, const struct stask *t, bool output)
{
	msgpack_pack_map(pk, output ? 20 : 18);
	body_pack_kv_str(pk, "task", t->key);
	/* A failure that continueOnError lets its dependents run past. */
	body_pack_kv_bool(pk, "allowed", t->st == ST_FAILED &&
	    t->t->continue_on_error);
	body_pack_kv_str(pk, "stage", t->run->wf->stages[t->t->stage].name);
	body_pack_kv_str(pk, "status", fsm_task_state_name(t->st));
	body_pack_kv_str(pk, "agent", t->agent);
	body_pack_kv_u64(pk, "attempts", t->attempts);
	body_pack_kv_u64(pk, "duration_ns", t->dur_ns);
	sched_pack_ms(pk, "created", t->created_ms);
	sched_pack_ms(pk, "started", t->started_ms);
	sched_pack_ms(pk, "ended", t->ended_ms);
	/* No exit status (not run, running, killed): nil, not a number. */
	body_pack_str(pk, "exit");
	if (sched_has_exit(t))
		msgpack_pack_int64(pk, t->exit_code);
	else
		msgpack_pack_nil(pk);
	body_pack_str(pk, "signal");
	if (t->signal > 0)
		msgpack_pack_int64(pk, t->signal);
	else
		msgpack_pack_nil(pk);
	body_pack_kv_bool(pk, "timed_out", t->timed_out);
	body_pack_kv_str(pk, "reason", t->reason);
	/* A Claude Code prompt's cost (0 for anything else). */
	body_pack_str(pk, "cost_usd");
	msgpack_pack_double(pk, t->cost_usd);
	body_pack_kv_u64(pk, "turns", t->turns);
	body_pack_kv_u64(pk, "tokens_in", t->tokens_in);
	body_pack_kv_u64(pk, "tokens_out", t->tokens_out);
	/* Every row the same keys: no output is an empty one. */
	if (output) {
		body_pack_kv_bin(pk, "output", t->output != NULL ? t->output :
		    "", t->output != NULL ? t->output_len : 0);
		body_pack_kv_bool(pk, "truncated", t->output_cut);
	}
}


void
sched_pack_result(msgpack_packer *pk, const struct sched_run *run)
{
	size_t	i;

	msgpack_pack_map(pk, 5);
	body_pack_kv_u64(pk, "run", run->no);
	body_pack_kv_str(pk, "workflow", run->wf->name != NULL ?
	    run->wf->name : run->wf->file);
	body_pack_kv_i64(pk, "exit", run->status);
	body_pack_kv_u64(pk, "duration_ns", run->dur_ns);
	body_pack_str(pk, "tasks");
	msgpack_pack_array(pk, run->n);
	for (i = 0; i < run->n; i++)
		sched_pack_task(pk, &run->tasks[i], true);
}

bool
sched_result_take(struct stask *t, int err, const void *body, size_t len)
{
	struct sched		*s = t->run->s;
	msgpack_unpacked	 up;
	const char		*tail;
	char			*out;
	int64_t			 code = -1, sig = 0;
	uint64_t		 dur = 0;
	size_t			 tlen = 0;
	bool			 ok;

	t->dur_ns = clock_now_ns() - t->start_ns;
	msgpack_unpacked_init(&up);
	if (err == IPC_OK && msgpack_unpack_next(&up, body, len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS) {
		body_i64(&up.data, "exit", &code);
		body_i64(&up.data, "signal", &sig);
		body_u64(&up.data, "duration_ns", &dur);
		body_bool(&up.data, "timed_out", &t->timed_out);
		if ((tail = body_bytes(&up.data, "tail", &tlen)) != NULL) {
			out = xmalloc(tlen + 1);
			memcpy(out, tail, tlen);
			out[tlen] = '\0';
			sched_set_output(t, out, tlen, false);
			if (tlen >= IPC_TASK_TAIL_MAX)
				sched_full_output(s, t);
		}
		t->dur_ns = dur;
	}
	t->exit_code = (int)code;
	t->signal = (int)sig;
	ok = err == IPC_OK && code == 0 && !t->timed_out;
	/* Why it failed, when its actor could say more than an exit code. */
	t->reason[0] = '\0';
	if (err == IPC_OK && !ok && body_str(&up.data, "reason", t->reason,
	    sizeof t->reason) != 0)
		t->reason[0] = '\0';
	msgpack_unpacked_destroy(&up);
	/* For Claude Code, the result event decides (and is the output). */
	if (err == IPC_OK && t->t->prompt != NULL)
		sched_claude(s, t, &ok);
	sched_store(s, t);
	return ok;
}

/*
 * Output as a JSON string whatever its bytes: NULs kept (\u0000), bytes
 * that are not UTF-8 each become U+FFFD, so no output is dropped or cut.
 */
static json_t *
sched_json_text(const char *p, size_t len)
{
	struct sched_buf	 b = { NULL, 0, 0 };
	json_t			*j;
	uint32_t		 cp;
	size_t			 i, n, run;

	sched_append(&b, "", 0);
	for (i = 0; i < len; i += run) {
		/* A run of valid UTF-8 in one piece, then what is not. */
		for (run = 0; i + run < len && (n = utf8_seq(p + i + run,
		    len - i - run, &cp)) > 0; run += n)
			;
		sched_append(&b, p + i, run);
		if (i + run < len) {
			sched_append(&b, "\xef\xbf\xbd", 3);
			run++;
		}
	}
	j = json_stringn(b.buf, b.len);
	free(b.buf);
	return j != NULL ? j : json_string("");
}

int
sched_put_file(int fd, const char *text)
{
	struct stat	sb;
	size_t		len = strlen(text), off = 0;
	ssize_t		n;

	/* An earlier, longer file must not leave its end behind. */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0))
		return -1;
	/* In one piece, whatever wrote it (jansson: a few bytes at a time). */
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}

int
sched_report(struct sched_run *run, int code, int fd, const char *path)
{
	json_t		*root, *arr, *o;
	char		*text = NULL;
	struct stask	*t;
	size_t		 i;
	int		 rc;

	root = json_object();
	arr = json_array();
	json_object_set_new(root, "workflow", json_string(run->wf->name !=
	    NULL ? run->wf->name : run->wf->file));
	json_object_set_new(root, "exit", json_integer(code));
	json_object_set_new(root, "duration_s", json_real((double)run->dur_ns /
	    1e9));
	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:o, s:o, s:b}",
		    "task", t->key, "stage", run->wf->stages[t->t->stage].name,
		    "agent", t->agent, "status", fsm_task_state_name(t->st), "attempts",
		    (int)t->attempts, "duration_s", (double)t->dur_ns / 1e9,
		    "exit", sched_has_exit(t) ? json_integer(t->exit_code) :
		    json_null(), "signal", t->signal > 0 ?
		    json_integer(t->signal) : json_null(), "timed_out",
		    t->timed_out);
		if (o == NULL)
			continue;
		if (t->reason[0] != '\0')
			json_object_set_new(o, "reason", json_string(t->reason));
		json_object_set_new(o, "output", sched_json_text(t->output !=
		    NULL ? t->output : "", t->output != NULL ? t->output_len :
		    0));
		json_object_set_new(o, "truncated", json_boolean(t->output_cut));
		/* Claude Code's own account of a prompt. */
		if (t->turns > 0 || t->cost_usd > 0)
			json_object_set_new(o, "claude", json_pack("{s:f, s:I, "
			    "s:{s:I, s:I}}", "total_cost_usd", t->cost_usd,
			    "num_turns", (json_int_t)t->turns, "usage",
			    "input_tokens", (json_int_t)t->tokens_in,
			    "output_tokens", (json_int_t)t->tokens_out));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "tasks", arr);
	rc = (text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS)) ==
	    NULL || sched_put_file(fd, text) != 0 ? -1 : 0;
	free(text);
	if (rc != 0)
		log_warnx("cannot write the report %s: %s", path,
		    strerror(errno));
	json_decref(root);
	return rc;
}

void
sched_summary(struct sched_run *run)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	size_t			 i, ok = 0;

	for (i = 0; i < run->n; i++)
		ok += run->tasks[i].st == ST_OK;
	/* The rows only: the table shows no output (megabytes, maybe). */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, run->n);
	for (i = 0; i < run->n; i++)
		sched_pack_task(&pk, &run->tasks[i], false);
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb.data, sb.size, NULL) ==
	    MSGPACK_UNPACK_SUCCESS) {
		putchar('\n');
		tasktable_print(stdout, &up.data);
	}
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	printf("%zu of %zu tasks succeeded in %.2f s\n", ok, run->n,
	    (double)run->dur_ns / 1e9);
	fflush(stdout);
}

/*
 * An attempt's answer (err, body) from its agent, or the door's for one it
 * held: the task's next step (ok, a retry after its back-off, failed or
 * cancelled), and the queue moves on.
 */
void
sched_done(void *arg, int err, const char *errmsg, const void *body,
    size_t len)
{
	struct stask		*t = arg;
	struct sched		*s = t->run->s;
	double			 backoff;
	struct timeval		 tv;
	bool			 ok;

	/* Held at the door, answered there: denied, cancelled, or its agent gone. */
	if (t->st == ST_WAITING && !t->sent) {
		sched_held_done(t, err, errmsg);
		return;
	}
	/* An answer after the run was marked over (an interrupted -w run). */
	if (t->st != ST_RUNNING && t->st != ST_WAITING)
		return;
	/* Its agent's answer (it may have waited on a person meanwhile). */
	t->sent = false;
	ok = sched_result_take(t, err, body, len);
	if (ok) {
		t->reason[0] = '\0';
		sched_step(t, TE_OK);
		log_info("task %s: ok on %s (%.2f s)%s%.*s", t->key, t->agent,
		    (double)t->dur_ns / 1e9, sched_result_first_line(t) > 0 ?
		    ": " : "", sched_result_first_line(t), t->output != NULL ?
		    t->output : "");
	} else {
		if (t->reason[0] != '\0' && err == IPC_OK && !t->timed_out) {
			/* set by the runner's result */
		} else if (err != IPC_OK)
			snprintf(t->reason, sizeof t->reason, "%s", errmsg);
		else if (t->timed_out)
			snprintf(t->reason, sizeof t->reason, "timed out after "
			    "%g s", t->t->timeout_s);
		else if (t->signal != 0)
			snprintf(t->reason, sizeof t->reason, "killed by signal "
			    "%d", t->signal);
		else
			snprintf(t->reason, sizeof t->reason, "exited %d",
			    t->exit_code);
		/* A crashed actor: the next attempt goes elsewhere if it can. */
		if (err == IPC_E_PEER_GONE)
			snprintf(t->avoid, sizeof t->avoid, "%s", t->agent);
		if (t->cancelled) {
			sched_cancel_reason(t);
			sched_step(t, TE_CANCEL);
			log_warnx("task %s: %s on %s", t->key, t->reason,
			    t->agent);
		} else if (t->attempts <= t->t->retry_max) {
			backoff = t->t->retry_backoff_s;
			for (unsigned i = 1; i < t->attempts; i++)
				backoff *= 2;
			log_warnx("task %s: %s on %s; retry %u of %u in %.2f s",
			    t->key, t->reason, t->agent, t->attempts,
			    t->t->retry_max, backoff);
			sched_step(t, TE_RETRY);
			tv.tv_sec = (time_t)backoff;
			tv.tv_usec = (suseconds_t)((backoff - (double)tv.tv_sec) *
			    1e6);
			evtimer_add(t->retry_ev, &tv);
		} else {
			sched_step(t, TE_FAIL);
			log_warnx("task %s: failed on %s: %s%s", t->key,
			    t->agent, t->reason, t->t->continue_on_error ?
			    " (continueOnError)" : "");
		}
	}
	sched_kick(s);
}
