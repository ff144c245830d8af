#include "supervisor/sched.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "shm/region.h"
#include "supervisor/agent.h"
#include "supervisor/runner.h"
#include "supervisor/supervisor.h"
#include "supervisor/workflow.h"

enum st_state {
	ST_PENDING = 0,
	ST_WAITING,		/* for approval */
	ST_RUNNING,
	ST_RETRY,		/* backing off before another attempt */
	ST_OK,
	ST_FAILED,
	ST_SKIPPED,
};

static const char *const st_names[] = {
	"pending", "waiting", "running", "retrying", "ok", "failed", "skipped",
};

struct stask {
	struct sched	*s;
	struct wf_task	*t;
	enum st_state	 st;
	unsigned	 attempts;
	bool		 approved;
	char		 agent[AGENT_ID_MAX + 1];
	char		 avoid[AGENT_ID_MAX + 1];	/* its actor died */
	uint64_t	 start_ns;
	uint64_t	 dur_ns;
	int		 exit_code;
	int		 signal;
	bool		 timed_out;
	char		*output;
	char		 reason[256];
	struct event	*retry_ev;
};

struct sched {
	struct supervisor	*sup;
	struct workflow		*wf;
	struct stask		*tasks;
	size_t			 n;
	struct event		*pump;
	char			*report;
	char			 dir[PATH_MAX + 16];	/* ORCH_INPUT files */
	uint64_t		 t0;
	bool			 finished;
};

static bool
st_terminal(const struct stask *t)
{
	return t->st == ST_OK || t->st == ST_FAILED || t->st == ST_SKIPPED;
}

static struct stask *
sched_find(struct sched *s, const char *id)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->tasks[i].t->id, id) == 0)
			return &s->tasks[i];
	return NULL;
}

void
sched_kick(struct sched *s)
{
	if (s != NULL && !s->finished)
		event_active(s->pump, EV_TIMEOUT, 0);
}

static void
sched_event(struct sched *s, const char *type, const struct stask *t)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "task", t->t->id);
	body_pack_kv_u64(&pk, "attempt", t->attempts);
	supervisor_publish(s->sup, type, t->agent[0] ? t->agent : NULL,
	    sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* A growing string: outputs, inputs, substituted commands. */
struct sched_buf {
	char	*buf;
	size_t	 len;
};

static void
sched_append(struct sched_buf *b, const char *p, size_t n)
{
	b->buf = xreallocarray(b->buf, b->len + n + 1, 1);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void
sched_task_output(const struct stask *t, struct sched_buf *out)
{
	size_t	len;

	if (t->output == NULL)
		return;
	len = strlen(t->output);
	/* Without the final newline, so it fits inside a command line. */
	while (len > 0 && t->output[len - 1] == '\n')
		len--;
	sched_append(out, t->output, len);
}

/* Output of a task or of a whole stage, for {{ }}. */
static void
sched_output_of(struct sched *s, const char *ref, struct sched_buf *out)
{
	char	 name[256];
	size_t	 i, len = strlen(ref);
	bool	 first = true;

	if (len > 7 && strncmp(ref, "tasks.", 6) == 0 &&
	    strcmp(ref + len - 7, ".output") == 0 && len - 13 < sizeof name) {
		memcpy(name, ref + 6, len - 13);
		name[len - 13] = '\0';
		if (sched_find(s, name) != NULL)
			sched_task_output(sched_find(s, name), out);
		return;
	}
	if (len > 8 && strncmp(ref, "stages.", 7) == 0 &&
	    strcmp(ref + len - 7, ".output") == 0 && len - 14 < sizeof name) {
		memcpy(name, ref + 7, len - 14);
		name[len - 14] = '\0';
		for (i = 0; i < s->n; i++)
			if (strcmp(s->wf->stages[s->tasks[i].t->stage].name,
			    name) == 0) {
				/* One line per task of the stage. */
				if (!first)
					sched_append(out, "\n", 1);
				first = false;
				sched_task_output(&s->tasks[i], out);
			}
	}
}

/* The command with every {{ tasks.ID.output }} / {{ stages.N.output }}. */
static char *
sched_substitute(struct sched *s, const char *cmd)
{
	struct sched_buf	 out = { NULL, 0 };
	const char		*p = cmd, *open, *close;
	char			 ref[512];
	size_t			 n;

	sched_append(&out, "", 0);
	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open + 2, "}}")) != NULL) {
		sched_append(&out, p, (size_t)(open - p));
		open += 2;
		while (open < close && *open == ' ')
			open++;
		n = (size_t)(close - open);
		while (n > 0 && open[n - 1] == ' ')
			n--;
		if (n < sizeof ref) {
			memcpy(ref, open, n);
			ref[n] = '\0';
			sched_output_of(s, ref, &out);
		}
		p = close + 2;
	}
	sched_append(&out, p, strlen(p));
	return out.buf;
}

/* Write what the task's dependencies printed to its ORCH_INPUT file. */
static int
sched_input(struct sched *s, struct stask *t, char *path, size_t size)
{
	struct sched_buf	 in = { NULL, 0 };
	struct stask		*d;
	FILE			*f;
	size_t			 i;

	if ((size_t)snprintf(path, size, "%s/%.63s.input", s->dir, t->t->id) >=
	    size)
		return -1;
	for (i = 0; i < t->t->depends.n; i++)
		if ((d = sched_find(s, t->t->depends.v[i])) != NULL &&
		    d->output != NULL)
			sched_append(&in, d->output, strlen(d->output));
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
	char	key[BANK_KEY_MAX + 1];

	if (s->sup->region == NULL)
		return;
	snprintf(key, sizeof key, "task/%s/result", t->t->id);
	bank_write(&s->sup->region->bank, key, t->output != NULL ? t->output :
	    "", t->output != NULL ? strlen(t->output) : 0, "orch",
	    BANK_SHARED, BANK_ANY, NULL);
}

/*
 * A prompt run by Claude Code: the final result event says whether it
 * worked, and its text is the task's output (what a pipeline passes on).
 */
static bool
sched_claude(struct sched *s, struct stask *t, bool *ok)
{
	struct agent	*a = agent_find(s->sup, t->agent);
	char		*text, *session;
	double		 cost;
	bool		 is_error;

	if (a == NULL || a->ac.runner != RUNNER_CLAUDE)
		return false;
	if (t->output == NULL || runner_claude_result(t->output, &is_error,
	    &text, &cost, &session) != 0) {
		*ok = false;
		snprintf(t->reason, sizeof t->reason, "claude gave no result "
		    "event");
		return true;
	}
	log_info("task %s: claude %s, $%.4f, session %s", t->t->id, is_error ?
	    "reported an error" : "succeeded", cost, session != NULL ? session :
	    "-");
	*ok = *ok && !is_error;
	if (is_error)
		snprintf(t->reason, sizeof t->reason, "claude: %.200s", text);
	free(t->output);
	t->output = text;
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
	t->st = ST_PENDING;
	sched_kick(t->s);
}

static void
sched_done(void *arg, int err, const char *errmsg, const void *body,
    size_t len)
{
	struct stask		*t = arg;
	struct sched		*s = t->s;
	msgpack_unpacked	 up;
	const char		*tail;
	int64_t			 code = -1, sig = 0;
	uint64_t		 dur = 0;
	size_t			 tlen = 0;
	double			 backoff;
	struct timeval		 tv;
	bool			 ok;

	t->dur_ns = peer_now_ns() - t->start_ns;
	msgpack_unpacked_init(&up);
	if (err == IPC_OK && msgpack_unpack_next(&up, body, len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS) {
		body_i64(&up.data, "exit", &code);
		body_i64(&up.data, "signal", &sig);
		body_u64(&up.data, "duration_ns", &dur);
		body_bool(&up.data, "timed_out", &t->timed_out);
		if ((tail = body_bytes(&up.data, "tail", &tlen)) != NULL) {
			free(t->output);
			t->output = xstrndup(tail, tlen);
		}
		t->dur_ns = dur;
	}
	msgpack_unpacked_destroy(&up);
	t->exit_code = (int)code;
	t->signal = (int)sig;
	ok = err == IPC_OK && code == 0 && !t->timed_out;
	/* For Claude Code, the result event decides (and is the output). */
	t->reason[0] = '\0';
	if (err == IPC_OK && t->t->command == NULL)
		sched_claude(s, t, &ok);
	sched_store(s, t);
	if (ok) {
		t->st = ST_OK;
		t->reason[0] = '\0';
		log_info("task %s: ok on %s (%.2f s)%s%.*s", t->t->id, t->agent,
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
		if (t->attempts <= t->t->retry_max) {
			backoff = t->t->retry_backoff_s;
			for (unsigned i = 1; i < t->attempts; i++)
				backoff *= 2;
			log_warnx("task %s: %s on %s; retry %u of %u in %.2f s",
			    t->t->id, t->reason, t->agent, t->attempts,
			    t->t->retry_max, backoff);
			t->st = ST_RETRY;
			sched_event(s, EV_TASK_RETRYING, t);
			tv.tv_sec = (time_t)backoff;
			tv.tv_usec = (suseconds_t)((backoff - (double)tv.tv_sec) *
			    1e6);
			evtimer_add(t->retry_ev, &tv);
		} else {
			t->st = ST_FAILED;
			log_warnx("task %s: failed on %s: %s%s", t->t->id,
			    t->agent, t->reason, t->t->continue_on_error ?
			    " (continueOnError)" : "");
		}
	}
	sched_kick(s);
}

/* The best agent for t now, or NULL: the named one, or the least loaded. */
static struct agent *
sched_route(struct sched *s, struct stask *t)
{
	struct agent	*a, *best = NULL, *fallback = NULL;
	size_t		 i;

	for (a = s->sup->agents; a != NULL; a = a->next) {
		if (a->status != STATUS_IDLE)
			continue;
		if (t->t->command == NULL && !runner_takes_prompts(&a->ac))
			continue;
		if (t->t->agent != NULL) {
			if (strcmp(a->ac.id, t->t->agent) == 0)
				return a;
			continue;
		}
		for (i = 0; i < t->t->requires.n; i++)
			if (!strlist_has(&a->ac.caps, t->t->requires.v[i]))
				break;
		if (i < t->t->requires.n)
			continue;
		if (strcmp(a->ac.id, t->avoid) == 0) {
			fallback = a;
			continue;
		}
		/* Least loaded: fewest tasks run, then the shortest busy time. */
		if (best == NULL || a->ntasks < best->ntasks ||
		    (a->ntasks == best->ntasks && a->busy_ns < best->busy_ns))
			best = a;
	}
	return best != NULL ? best : fallback;
}

static void
sched_dispatch(struct sched *s, struct stask *t, struct agent *a)
{
	struct strlist	 argv = { NULL, 0 };
	char		*cmd, *script, input[PATH_MAX + 96];
	const char	*why = NULL;
	int		 rc;

	if (sched_input(s, t, input, sizeof input) != 0) {
		t->st = ST_FAILED;
		snprintf(t->reason, sizeof t->reason, "cannot write its "
		    "ORCH_INPUT file: %s", strerror(errno));
		return;
	}
	if (t->t->command != NULL) {
		cmd = sched_substitute(s, t->t->command);
		xasprintf(&script, "ORCH_INPUT='%s'; ORCH_TASK_ID='%s'; export "
		    "ORCH_INPUT ORCH_TASK_ID\n%s", input, t->t->id, cmd);
		strlist_add(&argv, "/bin/sh");
		strlist_add(&argv, "-c");
		strlist_add(&argv, script);
		free(script);
	} else {
		/* A prompt: an argument vector, nothing for a shell to parse. */
		cmd = sched_substitute(s, t->t->prompt);
		runner_prompt_argv(&a->ac, cmd, &argv);
	}
	free(cmd);
	strlist_add(&argv, "");		/* room for the NULL */
	free(argv.v[argv.n - 1]);
	argv.v[argv.n - 1] = NULL;
	t->attempts++;
	t->start_ns = peer_now_ns();
	snprintf(t->agent, sizeof t->agent, "%s", a->ac.id);
	t->st = ST_RUNNING;
	rc = agent_exec(a, argv.v, argv.n - 1, (unsigned)(t->t->timeout_s *
	    1000), t->t->id, sched_done, t, &why);
	if (rc != 0) {
		/* Taken meanwhile: try again on the next pass. */
		t->attempts--;
		t->st = ST_PENDING;
	} else
		log_info("task %s: started on %s%s", t->t->id, a->ac.id,
		    t->attempts > 1 ? " (retry)" : "");
	strlist_clear(&argv);
}

static int
sched_cmp(const void *pa, const void *pb)
{
	const struct stask	*a = *(struct stask *const *)pa;
	const struct stask	*b = *(struct stask *const *)pb;

	if (a->t->priority != b->t->priority)
		return a->t->priority > b->t->priority ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void	sched_finish(struct sched *s);

static void
sched_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sched	*s = arg;
	struct stask	*t, *d, **ready;
	struct agent	*a;
	size_t		 i, j, nready = 0;
	bool		 changed, deps_ok;

	(void)fd;
	(void)events;
	if (s->finished || s->sup->stopping)
		return;
	/* Skips spread down the DAG until nothing changes. */
	do {
		changed = false;
		for (i = 0; i < s->n; i++) {
			t = &s->tasks[i];
			if (t->st != ST_PENDING && t->st != ST_WAITING)
				continue;
			for (j = 0; j < t->t->depends.n; j++) {
				d = sched_find(s, t->t->depends.v[j]);
				if (d->st == ST_SKIPPED || (d->st == ST_FAILED &&
				    !d->t->continue_on_error)) {
					t->st = ST_SKIPPED;
					snprintf(t->reason, sizeof t->reason,
					    "%s %s", d->t->id, d->st ==
					    ST_SKIPPED ? "was skipped" :
					    "failed");
					log_warnx("task %s: skipped: %s",
					    t->t->id, t->reason);
					changed = true;
					break;
				}
			}
		}
	} while (changed);

	ready = xcalloc(s->n + 1, sizeof *ready);
	for (i = 0; i < s->n; i++) {
		t = &s->tasks[i];
		if (t->st != ST_PENDING && t->st != ST_WAITING)
			continue;
		deps_ok = true;
		for (j = 0; j < t->t->depends.n && deps_ok; j++)
			deps_ok = st_terminal(sched_find(s,
			    t->t->depends.v[j]));
		if (!deps_ok)
			continue;
		if (t->t->requires_approval && !t->approved) {
			if (t->st != ST_WAITING) {
				t->st = ST_WAITING;
				sched_event(s, EV_TASK_WAITING, t);
				log_info("task %s waits for approval: run "
				    "'orch-ctl -L %s approve %s' (or deny)",
				    t->t->id, s->sup->instance, t->t->id);
			}
			continue;
		}
		t->st = ST_PENDING;
		ready[nready++] = t;
	}
	qsort(ready, nready, sizeof *ready, sched_cmp);
	for (i = 0; i < nready; i++)
		if ((a = sched_route(s, ready[i])) != NULL)
			sched_dispatch(s, ready[i], a);
	free(ready);

	for (i = 0; i < s->n; i++)
		if (!st_terminal(&s->tasks[i]))
			return;
	sched_finish(s);
}

static void
sched_report(struct sched *s, int status)
{
	json_t		*root, *arr, *o;
	struct stask	*t;
	size_t		 i;

	root = json_object();
	arr = json_array();
	json_object_set_new(root, "workflow", json_string(s->wf->name != NULL ?
	    s->wf->name : s->wf->file));
	json_object_set_new(root, "exit", json_integer(status));
	json_object_set_new(root, "duration_s", json_real((double)(peer_now_ns() -
	    s->t0) / 1e9));
	for (i = 0; i < s->n; i++) {
		t = &s->tasks[i];
		o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:i, s:i, s:b}",
		    "task", t->t->id, "stage", s->wf->stages[t->t->stage].name,
		    "agent", t->agent, "status", st_names[t->st], "attempts",
		    (int)t->attempts, "duration_s", (double)t->dur_ns / 1e9,
		    "exit", t->exit_code, "signal", t->signal, "timed_out",
		    t->timed_out);
		if (o == NULL)
			continue;
		if (t->reason[0] != '\0')
			json_object_set_new(o, "reason", json_string(t->reason));
		if (t->output != NULL)
			json_object_set_new(o, "output",
			    json_string(t->output));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "tasks", arr);
	if (json_dump_file(root, s->report, JSON_INDENT(2) | JSON_SORT_KEYS) !=
	    0)
		log_warnx("cannot write the report %s", s->report);
	json_decref(root);
}

static void
sched_finish(struct sched *s)
{
	struct stask	*t;
	size_t		 i, ok = 0;
	int		 status = 0;
	char		 code[16];

	s->finished = true;
	printf("\n%-24s %-16s %-9s %8s %9s %5s\n", "TASK", "AGENT", "STATUS",
	    "ATTEMPTS", "DURATION", "EXIT");
	for (i = 0; i < s->n; i++) {
		t = &s->tasks[i];
		ok += t->st == ST_OK;
		if (t->st == ST_SKIPPED || (t->st == ST_FAILED &&
		    !t->t->continue_on_error))
			status = 1;
		if (t->attempts > 0 && t->exit_code >= 0)
			snprintf(code, sizeof code, "%d", t->exit_code);
		else
			snprintf(code, sizeof code, "-");
		printf("%-24s %-16s %-9s %8u %8.2fs %5s%s%s\n", t->t->id,
		    t->agent[0] ? t->agent : "-", st_names[t->st], t->attempts,
		    (double)t->dur_ns / 1e9, code, t->reason[0] ? "  " : "",
		    t->reason);
	}
	printf("%zu of %zu tasks succeeded in %.2f s\n", ok, s->n,
	    (double)(peer_now_ns() - s->t0) / 1e9);
	fflush(stdout);
	if (s->report != NULL)
		sched_report(s, status);
	s->sup->exit_code = status;
	supervisor_shutdown(s->sup, "workflow finished");
}

struct sched *
sched_start(struct supervisor *sup, struct workflow *wf, const char *report)
{
	struct sched	*s = xcalloc(1, sizeof *s);
	size_t		 i;

	s->sup = sup;
	s->wf = wf;
	s->n = wf->ntasks;
	s->tasks = xcalloc(s->n ? s->n : 1, sizeof *s->tasks);
	s->report = report != NULL ? xstrdup(report) : NULL;
	s->t0 = peer_now_ns();
	snprintf(s->dir, sizeof s->dir, "%s/tasks", sup->rundir);
	mkdir(s->dir, 0700);
	for (i = 0; i < s->n; i++) {
		s->tasks[i].s = s;
		s->tasks[i].t = &wf->tasks[i];
		s->tasks[i].retry_ev = evtimer_new(sup->base, sched_retry_cb,
		    &s->tasks[i]);
	}
	s->pump = event_new(sup->base, -1, 0, sched_pump_cb, s);
	log_info("workflow %s: %zu stages, %zu tasks", wf->name != NULL ?
	    wf->name : wf->file, wf->nstages, wf->ntasks);
	sched_kick(s);
	return s;
}

void
sched_free(struct sched *s)
{
	char	path[PATH_MAX + 96];
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		event_free(s->tasks[i].retry_ev);
		free(s->tasks[i].output);
		snprintf(path, sizeof path, "%s/%.63s.input", s->dir,
		    s->tasks[i].t->id);
		unlink(path);
	}
	rmdir(s->dir);
	event_free(s->pump);
	free(s->tasks);
	free(s->report);
	workflow_free(s->wf);
	free(s);
}

int
sched_approve(struct sched *s, const char *task, bool yes, const char **why)
{
	struct stask	*t;

	if (s == NULL || (t = sched_find(s, task)) == NULL) {
		*why = "no such task in the running workflow";
		return -1;
	}
	if (t->st != ST_WAITING) {
		*why = "the task is not waiting for approval";
		return -1;
	}
	if (yes) {
		t->approved = true;
		t->st = ST_PENDING;
		log_info("task %s: approved", task);
	} else {
		t->st = ST_FAILED;
		snprintf(t->reason, sizeof t->reason, "denied");
		log_info("task %s: denied", task);
	}
	sched_kick(s);
	return 0;
}

void
sched_pack(const struct sched *s, msgpack_packer *pk)
{
	const struct stask	*t;
	size_t			 i, n = s != NULL ? s->n : 0;

	msgpack_pack_map(pk, 1);
	body_pack_str(pk, "tasks");
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		t = &s->tasks[i];
		msgpack_pack_map(pk, 7);
		body_pack_kv_str(pk, "task", t->t->id);
		body_pack_kv_str(pk, "stage", s->wf->stages[t->t->stage].name);
		body_pack_kv_str(pk, "status", st_names[t->st]);
		body_pack_kv_str(pk, "agent", t->agent);
		body_pack_kv_u64(pk, "attempts", t->attempts);
		body_pack_kv_u64(pk, "duration_ns", t->dur_ns);
		body_pack_kv_str(pk, "reason", t->reason);
	}
}
