#include "supervisor/sched.h"
#include "common/clock.h"
#include "shm/events.h"
#include "supervisor/sched_int.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/proto.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "shm/region.h"
#include "supervisor/hub.h"
#include "supervisor/load.h"
#include "supervisor/runner.h"
#include "supervisor/supervisor.h"
#include "supervisor/workflow.h"

/* Did t end so that what depends on it cannot run? */
static bool
st_blocks(const struct stask *t)
{
	return t->st == ST_SKIPPED || t->st == ST_CANCELLED ||
	    (t->st == ST_FAILED && !t->t->continue_on_error);
}

static bool
st_terminal(const struct stask *t)
{
	return fsm_task_over(t->st);
}

/* A task of the same run, by its workflow id (tasks[i] is wf->tasks[i]). */
static struct stask *
sched_find(struct sched_run *run, const char *id)
{
	struct wf_task	*wt = workflow_task(run->wf, id);

	return wt != NULL ? &run->tasks[wt - run->wf->tasks] : NULL;
}

/* Where a task's ORCH_INPUT file goes (made only for tasks with deps). */
static int
sched_input_path(const struct stask *t, char *path, size_t size)
{
	return (size_t)snprintf(path, size, "%s/%u-%s.input", t->run->s->dir,
	    t->run->no, t->t->id) < size ? 0 : -1;
}

/* Where a command too large for an argument goes (see sched_dispatch). */
static int
sched_script_path(const struct stask *t, char *path, size_t size)
{
	return (size_t)snprintf(path, size, "%s/%u-%s.sh", t->run->s->dir,
	    t->run->no, t->t->id) < size ? 0 : -1;
}

/* A task by the name users see. */
static struct stask *
sched_find_key(struct sched *s, const char *key)
{
	struct sched_run	*run;
	size_t			 i;

	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++)
			if (strcmp(run->tasks[i].key, key) == 0)
				return &run->tasks[i];
	return NULL;
}

static struct sched_run *
sched_run_of(const struct sched *s, unsigned no)
{
	struct sched_run	*run;

	for (run = s->runs; run != NULL; run = run->next)
		if (run->no == no)
			return run;
	return NULL;
}

void
sched_kick(struct sched *s)
{
	if (s != NULL)
		event_active(s->pump, EV_TIMEOUT, 0);
}

/* The workflow's name as people see it. */
static const char *
sched_wf_name(const struct sched_run *run)
{
	return run->wf->name != NULL ? run->wf->name : run->wf->file;
}

/* Where t runs, or is to: its agent, or "supervisor" before it has one. */
static const char *
sched_source(const struct stask *t)
{
	return t->agent[0] ? t->agent : t->t->agent != NULL ? t->t->agent :
	    "supervisor";
}

/*
 * A task's step, announced: named as everywhere (RUN:ID), with its
 * workflow, run, attempt, agent, the reason when there is one, and how
 * its attempt ended once it did.
 */
static void
sched_announce(struct stask *t, enum task_event ev, enum task_state from)
{
	struct hub_change	ch;
	msgpack_sbuffer		sb;
	msgpack_packer		pk;
	bool			ended = ev == TE_OK || ev == TE_FAIL ||
				    ev == TE_RETRY || (ev == TE_CANCEL &&
				    from == ST_RUNNING);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6 + (t->reason[0] != '\0') + (ended ? 4 : 0));
	body_pack_kv_str(&pk, "task", t->key);
	body_pack_kv_str(&pk, "workflow", sched_wf_name(t->run));
	body_pack_kv_u64(&pk, "run", t->run->no);
	body_pack_kv_u64(&pk, "attempt", t->attempts);
	body_pack_kv_str(&pk, "agent", t->agent[0] ? t->agent : t->t->agent !=
	    NULL ? t->t->agent : "");
	body_pack_kv_str(&pk, "status", fsm_task_state_name(t->st));
	if (t->reason[0] != '\0')
		body_pack_kv_str(&pk, "reason", t->reason);
	if (ended) {
		body_pack_kv_i64(&pk, "exit", t->exit_code);
		body_pack_kv_i64(&pk, "signal", t->signal);
		body_pack_kv_bool(&pk, "timed_out", t->timed_out);
		body_pack_kv_u64(&pk, "duration_ms", t->dur_ns / 1000000);
	}
	memset(&ch, 0, sizeof ch);
	ch.kind = HUB_TASK;
	ch.name = t->key;
	ch.from = fsm_task_state_name(from);
	ch.to = fsm_task_state_name(t->st);
	ch.why = t->reason[0] != '\0' ? t->reason : NULL;
	ch.bus = fsm_task_event_bus(ev);
	ch.source = sched_source(t);
	ch.body = sb.data;
	ch.len = sb.size;
	ch.subject = t;
	hub_announce(t->run->s->sup->hub, &ch);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * The only writer of a task's state: the step ev if fsm.c allows it,
 * announced. 0, or -1 (nothing changed) when it does not.
 */
static int
sched_step(struct stask *t, enum task_event ev)
{
	enum task_state	from = t->st;
	int		to = fsm_task_next(from, ev);

	if (to < 0) {
		log_warnx("task %s: no step '%s' from %s", t->key,
		    fsm_task_event_name(ev), fsm_task_state_name(from));
		return -1;
	}
	if (!fsm_task_over(from) && fsm_task_over((enum task_state)to))
		t->run->left--;
	t->st = (enum task_state)to;
	sched_announce(t, ev, from);
	return 0;
}

void
sched_append(struct sched_buf *b, const char *p, size_t n)
{
	/* Doubling: outputs of megabytes arrive in many small pieces. */
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 64;
		while (b->cap < b->len + n + 1)
			b->cap *= 2;
		b->buf = xreallocarray(b->buf, b->cap, 1);
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/* t's output is buf (len bytes and a NUL, malloc'd; it takes it). */
static void
sched_set_output(struct stask *t, char *buf, size_t len, bool cut)
{
	free(t->output);
	t->output = buf;
	t->output_len = len;
	t->output_cut = cut;
}

static void
sched_task_output(const struct stask *t, struct sched_buf *out)
{
	size_t	len;

	if (t->output == NULL)
		return;
	len = t->output_len;
	/* Without the final newline, so it fits inside a command line. */
	while (len > 0 && t->output[len - 1] == '\n')
		len--;
	sched_append(out, t->output, len);
}

/* Output of a task or of a whole stage, for {{ }} (checked when loaded). */
static void
sched_output_of(struct sched_run *run, const char *ref, struct sched_buf *out)
{
	char	 name[WF_REF_MAX];
	size_t	 i;
	bool	 first = true;

	switch (workflow_ref_parse(ref, name, sizeof name)) {
	case WF_REF_TASK:
		if (sched_find(run, name) != NULL)
			sched_task_output(sched_find(run, name), out);
		break;
	case WF_REF_STAGE:
		for (i = 0; i < run->n; i++)
			if (strcmp(run->wf->stages[run->tasks[i].t->stage].name,
			    name) == 0) {
				/* One line per task of the stage. */
				if (!first)
					sched_append(out, "\n", 1);
				first = false;
				sched_task_output(&run->tasks[i], out);
			}
		break;
	}
}

/* The command with every {{ tasks.ID.output }} / {{ stages.N.output }}. */
static char *
sched_substitute(struct sched_run *run, const char *cmd)
{
	struct sched_buf	 out = { NULL, 0, 0 };
	const char		*p = cmd, *next, *open;
	char			 ref[WF_REF_MAX];

	sched_append(&out, "", 0);
	while ((next = workflow_ref_next(p, &open, ref, sizeof ref)) != NULL) {
		sched_append(&out, p, (size_t)(open - p));
		sched_output_of(run, ref, &out);
		p = next;
	}
	sched_append(&out, p, strlen(p));
	return out.buf;
}

/* Write what the task's dependencies printed to its ORCH_INPUT file. */
static int
sched_input(struct stask *t, char *path, size_t size)
{
	struct sched_buf	 in = { NULL, 0, 0 };
	struct stask		*d;
	FILE			*f;
	size_t			 i;

	/* Nothing to read: no file to make (1,000 creations cost ~20 ms). */
	if (t->t->depends.n == 0) {
		snprintf(path, size, "/dev/null");
		return 0;
	}
	if (sched_input_path(t, path, size) != 0)
		return -1;
	for (i = 0; i < t->t->depends.n; i++)
		if ((d = t->deps[i])->output != NULL)
			sched_append(&in, d->output, d->output_len);
	if ((f = fopen(path, "we")) == NULL) {
		free(in.buf);
		return -1;
	}
	if (in.len > 0)
		fwrite(in.buf, 1, in.len, f);
	fclose(f);
	free(in.buf);
	return 0;
}

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
}

/* What a dependent may be handed of a task's output. */
#define SCHED_OUTPUT_MAX	(16u << 20)

struct sched_capped {
	struct sched_buf	 b;
	bool			 cut;
};

static ssize_t
sched_capped_write(void *cookie, const char *p, size_t n)
{
	struct sched_capped	*c = cookie;
	size_t			 room = SCHED_OUTPUT_MAX - c->b.len;

	if (n > room)
		c->cut = true;
	if (room > 0)
		sched_append(&c->b, p, n < room ? n : room);
	return (ssize_t)n;
}

/*
 * The actor's answer carries only the last IPC_TASK_TAIL_MAX bytes; when the
 * output filled them, the whole of it (up to SCHED_OUTPUT_MAX) comes from
 * the task's log, for the dependents, the bank and the claude runner.
 */
static void
sched_full_output(struct sched *s, struct stask *t)
{
	static const cookie_io_functions_t	 io = { NULL,
						    sched_capped_write, NULL,
						    NULL };
	struct sched_capped			 c = { { NULL, 0, 0 }, false };
	char					 path[PATH_MAX], *cause = NULL;
	char					 name[WF_ID_MAX + 48];
	FILE					*f;
	int					 rc;

	if (t->output == NULL || t->output_len < IPC_TASK_TAIL_MAX)
		return;
	snprintf(name, sizeof name, "%s@%u", t->key, t->attempts);
	if (tasklog_path(s->sup->instance, name, false, path, sizeof path,
	    &cause) != 0 || (f = fopencookie(&c, "w", io)) == NULL) {
		free(cause);
		return;
	}
	rc = tasklog_read(path, f, &cause);
	fclose(f);
	if (rc != 0 || c.b.buf == NULL) {
		log_warnx("task %s: only the end of its output is passed on: "
		    "%s", t->key, cause != NULL ? cause : "empty log");
		free(cause);
		free(c.b.buf);
		return;
	}
	if (c.cut)
		log_warnx("task %s: its first %u MiB of output are passed on "
		    "(all of it: orch-ctl logs %s)", t->key,
		    SCHED_OUTPUT_MAX >> 20, t->key);
	sched_set_output(t, c.b.buf, c.b.len, c.cut);
}

/* The agent named, as the port shows it, or NULL. */
static const struct sched_agent *
sched_agent(struct sched *s, const char *id)
{
	const struct sched_agent	*v;
	size_t				 i, n = s->port.agents(s->port.ctx, &v);

	for (i = 0; i < n; i++)
		if (strcmp(v[i].ac->id, id) == 0)
			return &v[i];
	return NULL;
}

/*
 * A prompt run by Claude Code: the final result event says whether it
 * worked, and its text is the task's output (what a pipeline passes on).
 */
static bool
sched_claude(struct sched *s, struct stask *t, bool *ok)
{
	const struct sched_agent	*a = sched_agent(s, t->agent);
	char				*text, *session;
	double				 cost;
	bool				 is_error;

	if (a == NULL || a->ac->runner != RUNNER_CLAUDE)
		return false;
	if (t->output == NULL || runner_claude_result(t->output, &is_error,
	    &text, &cost, &session) != 0) {
		*ok = false;
		snprintf(t->reason, sizeof t->reason, "claude gave no result "
		    "event");
		return true;
	}
	log_info("task %s: claude %s, $%.4f, session %s", t->key, is_error ?
	    "reported an error" : "succeeded", cost, session != NULL ? session :
	    "-");
	*ok = *ok && !is_error;
	if (is_error)
		snprintf(t->reason, sizeof t->reason, "claude: %.200s", text);
	sched_set_output(t, text, strlen(text), false);
	free(session);
	return true;
}

/* Length of the first line of a task's output, at most 72 bytes. */
static int
sched_first_line(const struct stask *t)
{
	size_t	n;

	if (t->output == NULL)
		return 0;
	n = strcspn(t->output, "\n");
	return (int)(n > 72 ? 72 : n);
}

static void
sched_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	struct stask	*t = arg;

	(void)fd;
	(void)events;
	sched_step(t, TE_AGAIN);
	sched_kick(t->run->s);
}

static void
sched_cancel_reason(struct stask *t)
{
	struct sched	*s = t->run->s;

	if (s->interrupted[0] != '\0')
		snprintf(t->reason, sizeof t->reason, "interrupted by %s",
		    s->interrupted);
	else
		snprintf(t->reason, sizeof t->reason, "cancelled");
}

/*
 * The door answered a task it held for approval: a person said no, it was
 * cancelled, or its agent went away (it waits for another, and for a new
 * approval there).
 */
static void
sched_held_done(struct stask *t, int err, const char *errmsg)
{
	struct sched	*s = t->run->s;

	t->attempts--;
	if (t->cancelled) {
		sched_cancel_reason(t);
		sched_step(t, TE_CANCEL);
		log_info("task %s: cancelled", t->key);
	} else if (err == IPC_E_DENIED) {
		snprintf(t->reason, sizeof t->reason, "denied");
		sched_step(t, TE_DENY);
		log_info("task %s: denied", t->key);
	} else {
		snprintf(t->reason, sizeof t->reason, "%s", errmsg != NULL ?
		    errmsg : proto_strerror(err));
		log_warnx("task %s: %s", t->key, t->reason);
		t->agent[0] = '\0';
		sched_step(t, TE_AGAIN);
		t->reason[0] = '\0';
	}
	sched_kick(s);
}

static void
sched_done(void *arg, int err, const char *errmsg, const void *body,
    size_t len)
{
	struct stask		*t = arg;
	struct sched		*s = t->run->s;
	msgpack_unpacked	 up;
	const char		*tail;
	char			*out;
	int64_t			 code = -1, sig = 0;
	uint64_t		 dur = 0;
	size_t			 tlen = 0;
	double			 backoff;
	struct timeval		 tv;
	bool			 ok;

	/* Held at the door, answered there: denied, cancelled, or its agent gone. */
	if (t->st == ST_WAITING) {
		sched_held_done(t, err, errmsg);
		return;
	}
	/* An answer after the run was marked over (an interrupted -w run). */
	if (t->st != ST_RUNNING)
		return;
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
	msgpack_unpacked_destroy(&up);
	t->exit_code = (int)code;
	t->signal = (int)sig;
	ok = err == IPC_OK && code == 0 && !t->timed_out;
	/* For Claude Code, the result event decides (and is the output). */
	t->reason[0] = '\0';
	if (err == IPC_OK && t->t->prompt != NULL)
		sched_claude(s, t, &ok);
	sched_store(s, t);
	if (ok) {
		t->reason[0] = '\0';
		sched_step(t, TE_OK);
		log_info("task %s: ok on %s (%.2f s)%s%.*s", t->key, t->agent,
		    (double)t->dur_ns / 1e9, sched_first_line(t) > 0 ? ": " : "",
		    sched_first_line(t), t->output != NULL ? t->output : "");
	} else {
		if (t->reason[0] != '\0' && err == IPC_OK && !t->timed_out) {
			/* set by the runner's result */
		} else if (err != IPC_OK)
			snprintf(t->reason, sizeof t->reason, "%s", errmsg);
		else if (t->timed_out)
			snprintf(t->reason, sizeof t->reason, "timed out after "
			    "%g s", t->t->timeout_s);
		else if (sig != 0)
			snprintf(t->reason, sizeof t->reason, "killed by signal "
			    "%d", (int)sig);
		else
			snprintf(t->reason, sizeof t->reason, "exited %d",
			    (int)code);
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

/* Could a run t, now or once it is idle? */
static bool
sched_fits(const struct stask *t, const struct sched_agent *a)
{
	size_t	i;

	if (t->t->prompt != NULL && !runner_takes_prompts(a->ac))
		return false;
	if (t->t->agent != NULL)
		return strcmp(a->ac->id, t->t->agent) == 0;
	for (i = 0; i < t->t->requires.n; i++)
		if (!strlist_has(&a->ac->caps, t->t->requires.v[i]))
			return false;
	return true;
}

/*
 * The best agent for t now, or NULL: the named one, or the least loaded.
 * *hopeless: every agent that fits is in error or terminated, so waiting
 * would be for ever.
 */
static const struct sched_agent *
sched_route(struct sched *s, struct stask *t, bool *hopeless)
{
	const struct sched_agent	*v, *a, *best = NULL, *fallback = NULL;
	size_t				 i, n = s->port.agents(s->port.ctx, &v);

	*hopeless = true;
	for (i = 0; i < n; i++) {
		a = &v[i];
		if (!sched_fits(t, a))
			continue;
		if (a->status != STATUS_ERROR && a->status != STATUS_TERMINATED)
			*hopeless = false;
		if (a->status != STATUS_IDLE)
			continue;
		if (strcmp(a->ac->id, t->avoid) == 0) {
			fallback = a;
			continue;
		}
		/* Least loaded: the least recent work (see load.h). */
		if (best == NULL || a->load < best->load)
			best = a;
	}
	return best != NULL ? best : fallback;
}

/* t fails before it ever ran: said, published, and the run goes on. */
static void
sched_fail_now(struct stask *t)
{
	sched_step(t, TE_FAIL);
	log_warnx("task %s: failed: %s", t->key, t->reason);
	sched_kick(t->run->s);
}

/* Nothing alive can run t: fail it rather than wait for ever. */
static void
sched_unroutable(struct stask *t)
{
	const struct sched_agent	*a = t->t->agent != NULL ?
					    sched_agent(t->run->s, t->t->agent) :
					    NULL;

	if (a != NULL)
		snprintf(t->reason, sizeof t->reason, "agent %s is %s%s%.160s",
		    a->ac->id, fsm_agent_status_name(a->status),
		    a->last_exit[0] ? ": " : "", a->last_exit);
	else
		snprintf(t->reason, sizeof t->reason, "no agent that could run "
		    "it is left (all in error or terminated)");
	sched_fail_now(t);
}

/* Write script to t's script file (path). 0, or -1 with errno. */
static int
sched_script_file(const struct stask *t, const char *script, char *path,
    size_t size)
{
	size_t	len = strlen(script), off = 0;
	ssize_t	n;
	int	fd, err;

	if (sched_script_path(t, path, size) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, script + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			unlink(path);
			errno = err;
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}


static void
sched_dispatch(struct stask *t, const struct sched_agent *a)
{
	struct strlist	 argv = { NULL, 0 };
	struct agent_task_ctx ctx = { NULL, NULL, 0, NULL };
	struct door_cmd	 dc;
	char		*cmd, *script, input[PATH_MAX + 96];
	char		 path[PATH_MAX + 96];
	const char	*why = NULL;
	int		 rc;

	if (sched_input(t, input, sizeof input) != 0) {
		snprintf(t->reason, sizeof t->reason, "cannot write its "
		    "ORCH_INPUT file: %s", strerror(errno));
		sched_fail_now(t);
		return;
	}
	if (t->t->argv.n > 0) {
		/* orch-ctl exec: as given, no shell. */
		for (size_t i = 0; i < t->t->argv.n; i++)
			strlist_add(&argv, t->t->argv.v[i]);
		cmd = NULL;
	} else if (t->t->command != NULL) {
		cmd = sched_substitute(t->run, t->t->command);
		xasprintf(&script, "ORCH_INPUT='%s'; ORCH_TASK_ID='%s'; export "
		    "ORCH_INPUT ORCH_TASK_ID\n%s", input, t->key, cmd);
		strlist_add(&argv, "/bin/sh");
		/*
		 * Large (outputs pasted in): a file, not an argument (the
		 * kernel takes 128 KiB at most) nor the task.run frame.
		 */
		if (strlen(script) > SCHED_SCRIPT_INLINE_MAX) {
			if (sched_script_file(t, script, path,
			    sizeof path) != 0) {
				snprintf(t->reason, sizeof t->reason, "cannot "
				    "write its command to a file: %s",
				    strerror(errno));
				free(script);
				free(cmd);
				strlist_clear(&argv);
				sched_fail_now(t);
				return;
			}
			strlist_add(&argv, path);
		} else {
			strlist_add(&argv, "-c");
			strlist_add(&argv, script);
		}
		free(script);
	} else {
		/* A prompt: an argument vector, nothing for a shell to parse. */
		cmd = sched_substitute(t->run, t->t->prompt);
		/*
		 * Large, for Claude Code: on its standard input, from a file
		 * (an argument holds 128 KiB at most).
		 */
		if (strlen(cmd) > SCHED_SCRIPT_INLINE_MAX &&
		    a->ac->runner == RUNNER_CLAUDE) {
			if (sched_script_file(t, cmd, path, sizeof path) != 0) {
				snprintf(t->reason, sizeof t->reason, "cannot "
				    "write its prompt to a file: %s",
				    strerror(errno));
				free(cmd);
				strlist_clear(&argv);
				sched_fail_now(t);
				return;
			}
			ctx.stdin_path = path;
			runner_prompt_argv(a->ac, NULL, &argv);
		} else
			runner_prompt_argv(a->ac, cmd, &argv);
	}
	free(cmd);
	memset(&dc, 0, sizeof dc);
	strlist_add(&argv, "");		/* room for the NULL */
	free(argv.v[argv.n - 1]);
	argv.v[argv.n - 1] = NULL;
	t->attempts++;
	t->start_ns = clock_now_ns();
	snprintf(t->agent, sizeof t->agent, "%s", a->ac->id);
	ctx.name = t->key;
	ctx.display = t->t->command != NULL ? t->t->command : t->t->prompt;
	ctx.attempt = t->attempts;
	dc.argv = argv.v;
	dc.argc = argv.n - 1;
	dc.timeout_ms = (unsigned)(t->t->timeout_s * 1000);
	dc.ctx = &ctx;
	dc.approval = t->t->requires_approval && !t->approved;
	rc = t->run->s->port.run(t->run->s->port.ctx, a->ac->id, &dc,
	    sched_done, t, &why);
	if (rc == DOOR_HELD) {
		t->start_ns = 0;
		sched_step(t, TE_HOLD);
		log_info("task %s waits for approval: run 'orch-ctl -L %s "
		    "approve %s' (or deny); agent %s waits with it", t->key,
		    t->run->s->sup->instance, t->key, a->ac->id);
	} else if (rc == IPC_E_BUSY || rc == IPC_E_NO_PEER) {
		/* Taken meanwhile: again once it is idle (that kicks us). */
		t->attempts--;
		t->agent[0] = '\0';
	} else if (rc != 0) {
		/* Cannot be sent at all: a failed attempt, retried or not. */
		log_warnx("task %s: cannot be started on %s: %s", t->key,
		    a->ac->id, why != NULL ? why : proto_strerror(rc));
		sched_step(t, TE_START);
		sched_done(t, rc, why != NULL ? why : proto_strerror(rc), NULL,
		    0);
	} else {
		sched_step(t, TE_START);
		log_msg(sched_live(t->run->s) && t->attempts == 1 ? LOGL_DEBUG :
		    LOGL_INFO, 0, __func__, "task %s: started on %s%s", t->key,
		    a->ac->id, t->attempts > 1 ? " (retry)" : "");
	}
	strlist_clear(&argv);
}

static int
sched_cmp(const void *pa, const void *pb)
{
	const struct stask	*a = *(struct stask *const *)pa;
	const struct stask	*b = *(struct stask *const *)pb;

	if (a->t->priority != b->t->priority)
		return a->t->priority > b->t->priority ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

bool
sched_has_exit(const struct stask *t)
{
	return t->attempts > 0 && t->st != ST_RUNNING && t->signal == 0 &&
	    t->exit_code >= 0;
}

void
sched_pack_task(msgpack_packer *pk, const struct stask *t, bool output)
{
	msgpack_pack_map(pk, output ? 13 : 11);
	body_pack_kv_str(pk, "task", t->key);
	/* A failure that continueOnError lets its dependents run past. */
	body_pack_kv_bool(pk, "allowed", t->st == ST_FAILED &&
	    t->t->continue_on_error);
	body_pack_kv_str(pk, "stage", t->run->wf->stages[t->t->stage].name);
	body_pack_kv_str(pk, "status", fsm_task_state_name(t->st));
	body_pack_kv_str(pk, "agent", t->agent);
	body_pack_kv_u64(pk, "attempts", t->attempts);
	body_pack_kv_u64(pk, "duration_ns", t->dur_ns);
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
	/* Every row the same keys: no output is an empty one. */
	if (output) {
		body_pack_kv_bin(pk, "output", t->output != NULL ? t->output :
		    "", t->output != NULL ? t->output_len : 0);
		body_pack_kv_bool(pk, "truncated", t->output_cut);
	}
}

/* {run, workflow, exit, duration_ns, tasks: [...]}, outputs included. */
static void
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

/* The -w run is over: stop, once work others sent is over too. */
static void
sched_main_over(struct sched *s)
{
	struct sched_run	*run;
	size_t			 active = 0;

	for (run = s->runs; run != NULL; run = run->next)
		active += !run->over;
	if (active == 0)
		s->port.over(s->port.ctx);
	else if (!s->told_waiting) {
		log_info("the workflow is over; waiting for %zu run%s sent "
		    "with orch-ctl (Ctrl-C stops them)", active, active == 1 ?
		    "" : "s");
		s->told_waiting = true;
	}
}

/* Forget the oldest finished runs beyond SCHED_KEEP_RUNS. */
static void	sched_run_free(struct sched_run *run);

static void
sched_prune(struct sched *s)
{
	struct sched_run	*run, **pp;
	size_t			 done = 0;

	for (run = s->runs; run != NULL; run = run->next)
		done += run->over && run->kind != SCHED_MAIN;
	for (pp = &s->runs; *pp != NULL && done > SCHED_KEEP_RUNS;) {
		run = *pp;
		if (run->over && run->kind != SCHED_MAIN) {
			*pp = run->next;
			sched_run_free(run);
			done--;
		} else
			pp = &run->next;
	}
}

/* Answer every waiter of run with err (IPC_OK: its result). */
static void
sched_answer(struct sched_run *run, int err, const char *msg,
    const void *body, size_t len)
{
	struct sched_waiter	*w;

	while ((w = run->waiters) != NULL) {
		run->waiters = w->next;
		w->fn(w->arg, err, msg, body, len);
		free(w);
	}
}

static void
sched_input_unlink(struct sched_run *run)
{
	char	path[PATH_MAX + 96];
	size_t	i;

	for (i = 0; i < run->n; i++) {
		if (run->tasks[i].t->depends.n > 0 &&
		    sched_input_path(&run->tasks[i], path, sizeof path) == 0)
			unlink(path);
		if (sched_script_path(&run->tasks[i], path, sizeof path) == 0)
			unlink(path);
	}
}

static void
sched_run_done(struct sched_run *run)
{
	struct sched	*s = run->s;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	size_t		 i, ok = 0;

	run->over = true;
	run->dur_ns = clock_now_ns() - run->t0;
	run->status = 0;
	for (i = 0; i < run->n; i++) {
		ok += run->tasks[i].st == ST_OK;
		if (st_blocks(&run->tasks[i]))
			run->status = 1;
	}
	sched_input_unlink(run);
	if (run->kind != SCHED_MAIN && run->kind != SCHED_EXEC)
		log_info("run %u (%s) is over: %zu of %zu tasks succeeded",
		    run->no, run->wf->name != NULL ? run->wf->name :
		    run->wf->file, ok, run->n);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	sched_pack_result(&pk, run);
	sched_answer(run, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	/* The summary waits for the end (sched_finish): after the stop's lines. */
	if (run->kind == SCHED_MAIN) {
		sched_progress(s, false);
		s->main_over = true;
	}
}

/* Skips spread down the DAG until nothing changes. */
static void
sched_skip(struct sched_run *run)
{
	struct stask	*t, *d = NULL;
	size_t		 i, j;
	bool		 changed;

	do {
		changed = false;
		for (i = 0; i < run->n; i++) {
			t = &run->tasks[i];
			if (t->st != ST_PENDING && t->st != ST_WAITING)
				continue;
			for (j = 0; j < t->t->depends.n; j++) {
				d = t->deps[j];
				if (st_blocks(d))
					break;
			}
			if (j == t->t->depends.n)
				continue;
			snprintf(t->reason, sizeof t->reason, "%s %s",
			    d->key, d->st == ST_SKIPPED ? "was skipped" :
			    d->st == ST_CANCELLED ? "was cancelled" : "failed");
			sched_step(t, TE_SKIP);
			log_warnx("task %s: skipped: %s", t->key, t->reason);
			changed = true;
		}
	} while (changed);
}

/* Add run's tasks that can go now to ready. */
static void
sched_ready(struct sched_run *run, struct stask **ready, size_t *nready)
{
	struct stask	*t;
	size_t		 i, j;

	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		if (t->st != ST_PENDING)
			continue;
		for (j = 0; j < t->t->depends.n; j++)
			if (!st_terminal(t->deps[j]))
				break;
		if (j < t->t->depends.n)
			continue;
		ready[(*nready)++] = t;
	}
}

static void
sched_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sched		*s = arg;
	struct sched_run	*run, *next;
	struct stask		**ready;
	const struct sched_agent *a;
	size_t			 i, nready = 0, active = 0;
	bool			 over = false, hopeless;

	(void)fd;
	(void)events;
	if (s->sup->stopping)
		return;
	for (run = s->runs; run != NULL; run = run->next)
		if (run->left > 0) {
			sched_skip(run);
			active += run->left;
		}
	ready = xcalloc(active + 1, sizeof *ready);
	for (run = s->runs; run != NULL; run = run->next)
		if (run->left > 0)
			sched_ready(run, ready, &nready);
	qsort(ready, nready, sizeof *ready, sched_cmp);
	for (i = 0; i < nready; i++) {
		if ((a = sched_route(s, ready[i], &hopeless)) != NULL)
			sched_dispatch(ready[i], a);
		else if (hopeless)
			sched_unroutable(ready[i]);
	}
	free(ready);

	/* Runs over now (a failed dispatch can end one too). */
	for (run = s->runs; run != NULL; run = next) {
		next = run->next;
		if (run->left == 0 && !run->over) {
			sched_run_done(run);
			over = true;
		}
	}
	if (over)
		sched_prune(s);
	if (s->main_over)
		sched_main_over(s);
}

static void
sched_key(enum sched_kind kind, unsigned no, const char *id, char *buf,
    size_t size)
{
	if (kind == SCHED_MAIN)
		snprintf(buf, size, "%s", id);
	else if (kind == SCHED_EXEC)
		snprintf(buf, size, "exec-%u", no);
	else
		snprintf(buf, size, "%u:%s", no, id);
}

unsigned
sched_add(struct sched *s, struct workflow *wf, enum sched_kind kind)
{
	struct sched_run	*run = xcalloc(1, sizeof *run), **pp;
	struct stask		*t;
	size_t			 i, j;

	run->s = s;
	run->wf = wf;
	run->no = ++s->next_no;
	run->kind = kind;
	run->n = run->left = wf->ntasks;
	run->t0 = clock_now_ns();
	run->tasks = xcalloc(run->n ? run->n : 1, sizeof *run->tasks);
	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		t->run = run;
		t->t = &wf->tasks[i];
		t->seq = s->next_seq++;
		sched_key(kind, run->no, t->t->id, t->key, sizeof t->key);
		t->retry_ev = evtimer_new(s->sup->base, sched_retry_cb, t);
	}
	/* Validation made sure each dependency names a task of the run. */
	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		t->deps = xcalloc(t->t->depends.n + 1, sizeof *t->deps);
		for (j = 0; j < t->t->depends.n; j++)
			t->deps[j] = sched_find(run, t->t->depends.v[j]);
	}
	for (pp = &s->runs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = run;
	if (kind != SCHED_EXEC)
		log_info("run %u: workflow %s: %zu stage%s, %zu task%s",
		    run->no, sched_wf_name(run), wf->nstages, wf->nstages ==
		    1 ? "" : "s", wf->ntasks, wf->ntasks == 1 ? "" : "s");
	sched_kick(s);
	return run->no;
}

unsigned
sched_exec(struct sched *s, const char *agent, char *const *argv,
    size_t argc, unsigned timeout_ms, proto_done_fn fn, void *arg, int *err,
    const char **why)
{
	const struct sched_agent	*a = sched_agent(s, agent);
	struct wf_task			 t;
	unsigned			 no;
	size_t				 i;

	/* Now or not at all: a busy agent is an answer, not a queue. */
	if (a == NULL || a->status != STATUS_IDLE) {
		*err = a != NULL && (a->status == STATUS_WORKING ||
		    a->status == STATUS_WAITING) ? IPC_E_BUSY : IPC_E_NO_PEER;
		*why = a == NULL ? "no such agent" : *err == IPC_E_BUSY ?
		    "agent is busy" : "agent is not ready";
		return 0;
	}
	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "exec");
	t.agent = xstrdup(agent);
	for (i = 0; i < argc; i++)
		strlist_add(&t.argv, argv[i]);
	t.timeout_s = (double)timeout_ms / 1000;
	/* First in the queue: nothing routed in the meantime takes it. */
	t.priority = WF_PRIORITY_MAX + 1;
	no = sched_add(s, workflow_single(&t), SCHED_EXEC);
	sched_wait(s, no, fn, arg);
	return no;
}

bool
sched_open(const struct sched *s)
{
	return !s->main_over;
}

void
sched_task_name(const struct sched *s, unsigned no, const char *id,
    char *buf, size_t size)
{
	const struct sched_run	*run = sched_run_of(s, no);

	sched_key(run != NULL ? run->kind : SCHED_WORKFLOW, no, id, buf, size);
}

int
sched_wait(struct sched *s, unsigned no, proto_done_fn fn, void *arg)
{
	struct sched_run	*run = sched_run_of(s, no);
	struct sched_waiter	*w;

	if (run == NULL)
		return -1;
	w = xcalloc(1, sizeof *w);
	w->fn = fn;
	w->arg = arg;
	w->next = run->waiters;
	run->waiters = w;
	return 0;
}

/* An agent changed (idle again, gone, ...): the queue may move. */
static void
sched_agent_cb(void *arg, const struct hub_change *ch)
{
	(void)ch;
	sched_kick(arg);
}

struct sched *
sched_new(struct supervisor *sup, const struct sched_port *port,
    const char *report, int report_fd)
{
	struct sched	*s = xcalloc(1, sizeof *s);

	s->sup = sup;
	s->port = *port;
	hub_subscribe(sup->hub, HUB_AGENT, sched_agent_cb, s);
	s->report = report != NULL ? xstrdup(report) : NULL;
	s->report_fd = report_fd;
	snprintf(s->dir, sizeof s->dir, "%s/tasks", sup->rundir);
	mkdir(s->dir, 0700);
	s->pump = event_new(sup->base, -1, 0, sched_pump_cb, s);
	return s;
}

static void
sched_run_free(struct sched_run *run)
{
	size_t	i;

	sched_answer(run, IPC_E_SHUTDOWN, "the supervisor stopped before the "
	    "run was over", NULL, 0);
	sched_input_unlink(run);
	for (i = 0; i < run->n; i++) {
		event_free(run->tasks[i].retry_ev);
		free(run->tasks[i].output);
		free(run->tasks[i].deps);
	}
	free(run->tasks);
	workflow_free(run->wf);
	free(run);
}

void
sched_free(struct sched *s)
{
	struct sched_run	*run;

	if (s == NULL)
		return;
	sched_progress(s, false);
	while ((run = s->runs) != NULL) {
		s->runs = run->next;
		sched_run_free(run);
	}
	rmdir(s->dir);
	event_free(s->pump);
	if (s->report_fd != -1)
		close(s->report_fd);
	free(s->report);
	free(s);
}

void
sched_interrupt(struct sched *s, const char *why)
{
	struct sched_run	*run;
	size_t			 i;

	if (s->main_over || s->interrupted[0] != '\0')
		return;
	for (run = s->runs; run != NULL && run->kind != SCHED_MAIN;
	    run = run->next)
		;
	if (run == NULL)
		return;
	snprintf(s->interrupted, sizeof s->interrupted, "%s", why);
	/* Their actors are being stopped: what comes back is no failure. */
	for (i = 0; i < run->n; i++)
		if (run->tasks[i].st == ST_RUNNING)
			run->tasks[i].cancelled = true;
}

int
sched_finish(struct sched *s, int signo)
{
	struct sched_run	*run;
	struct stask		*t;
	size_t			 i;
	int			 code;

	for (run = s->runs; run != NULL && run->kind != SCHED_MAIN;
	    run = run->next)
		;
	if (run == NULL)
		return -1;
	if (!run->over) {
		/* Interrupted: what was under way is cancelled, the rest skipped. */
		for (i = 0; i < run->n; i++) {
			t = &run->tasks[i];
			if (st_terminal(t))
				continue;
			evtimer_del(t->retry_ev);
			if (t->st == ST_RUNNING || t->st == ST_RETRY) {
				sched_cancel_reason(t);
				sched_step(t, TE_CANCEL);
			} else {
				snprintf(t->reason, sizeof t->reason, "the "
				    "workflow was interrupted by %s",
				    s->interrupted[0] ? s->interrupted :
				    "a shutdown");
				sched_step(t, TE_SKIP);
			}
		}
		sched_run_done(run);
	}
	sched_summary(run);
	code = run->status;
	/* Interrupted: as a shell reports a command killed by the signal. */
	if (s->interrupted[0] != '\0')
		code = signo > 0 ? 128 + signo : 1;
	if (s->report_fd != -1 && sched_report(run, code, s->report_fd,
	    s->report) != 0 && code == 0)
		code = 1;
	return code;
}

int
sched_approve(struct sched *s, const char *task, bool yes, const char **why)
{
	struct stask	*t;

	if ((t = sched_find_key(s, task)) == NULL) {
		*why = "no such task";
		return -1;
	}
	/* Beforehand: it will run (or is denied) as soon as it is ready. */
	if (t->st == ST_PENDING && t->t->requires_approval && !t->approved) {
		if (yes) {
			t->approved = true;
			log_info("task %s: approved beforehand", t->key);
		} else {
			snprintf(t->reason, sizeof t->reason, "denied");
			sched_step(t, TE_DENY);
			log_info("task %s: denied", t->key);
		}
		sched_kick(s);
		return 0;
	}
	if (t->st != ST_WAITING) {
		*why = "the task is not waiting for approval";
		return -1;
	}
	if (yes) {
		t->approved = true;
		t->start_ns = clock_now_ns();
		log_info("task %s: approved", t->key);
		/* Running first: if it cannot be sent, its answer comes now. */
		sched_step(t, TE_APPROVE);
	}
	if (s->port.release(s->port.ctx, t->agent, yes, "denied") != 0)
		log_warnx("task %s: its agent %s held nothing", t->key,
		    t->agent);
	sched_kick(s);
	return 0;
}

int
sched_cancel(struct sched *s, const char *task, const char **why)
{
	struct stask	*t;

	if ((t = sched_find_key(s, task)) == NULL) {
		*why = "no such task";
		return -1;
	}
	if (st_terminal(t)) {
		*why = "the task is over";
		return -1;
	}
	if (t->st == ST_RUNNING || t->st == ST_WAITING) {
		if (t->cancelled) {
			*why = "the task is being cancelled";
			return -1;
		}
		/* Answered by its actor or the door; sched_done sees the flag. */
		t->cancelled = true;
		log_info("task %s: cancelling on %s", t->key, t->agent);
		if (t->st == ST_WAITING)
			s->port.release(s->port.ctx, t->agent, false,
			    "cancelled");
		else
			s->port.kill(s->port.ctx, t->agent);
		return 0;
	}
	evtimer_del(t->retry_ev);
	sched_cancel_reason(t);
	sched_step(t, TE_CANCEL);
	log_info("task %s: cancelled", t->key);
	sched_kick(s);
	return 0;
}

void
sched_pack(const struct sched *s, msgpack_packer *pk)
{
	const struct sched_run	*run;
	size_t			 i, n = 0;

	for (run = s->runs; run != NULL; run = run->next)
		n += run->n;
	msgpack_pack_map(pk, 1);
	body_pack_str(pk, "tasks");
	msgpack_pack_array(pk, n);
	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++)
			sched_pack_task(pk, &run->tasks[i], false);
}
