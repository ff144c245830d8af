#include "supervisor/sched.h"
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

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/proto.h"
#include "shm/events.h"
#include "supervisor/hub.h"
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

/* A task of the same run, by its workflow id (tasks[i] is wf->tasks[i]). */
struct stask *
sched_find(struct sched_run *run, const char *id)
{
	struct wf_task	*wt = workflow_task(run->wf, id);

	return wt != NULL ? &run->tasks[wt - run->wf->tasks] : NULL;
}

/* A task by the name users see. */
struct stask *
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
int
sched_step(struct stask *t, enum task_event ev)
{
	enum task_state	from = t->st;
	int		to = fsm_task_next(from, ev);

	if (to < 0) {
		log_warnx("task %s: no step '%s' from %s", t->key,
		    fsm_task_event_name(ev), fsm_task_state_name(from));
		return -1;
	}
	if (!fsm_task_over(from) && fsm_task_over((enum task_state)to)) {
		t->run->left--;
		t->ended_ms = clock_wall_ms();
	}
	if (to == ST_RUNNING && from != ST_RUNNING)
		t->started_ms = clock_wall_ms();
	t->st = (enum task_state)to;
	sched_announce(t, ev, from);
	return 0;
}

const struct sched_agent *
sched_agent(struct sched *s, const char *id)
{
	const struct sched_agent	*v;
	size_t				 i, n = s->port.agents(s->port.ctx, &v);

	for (i = 0; i < n; i++)
		if (strcmp(v[i].ac->id, id) == 0)
			return &v[i];
	return NULL;
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
static struct sched_agent *
sched_route(struct sched_agent *v, size_t n, struct stask *t, bool *hopeless)
{
	struct sched_agent	*a, *best = NULL, *fallback = NULL;
	size_t			 i;

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


static void
sched_dispatch(struct stask *t, const struct sched_agent *a)
{
	struct strlist	 argv = { NULL, 0 };
	struct agent_task_ctx ctx = { NULL, NULL, 0, NULL };
	struct door_cmd	 dc;
	char		 path[PATH_MAX + 96], *prompt = NULL;
	const char	*why = NULL;
	int		 rc;

	if (sched_io_command(t, a->ac, a->claude_sid != NULL ? a->claude_sid :
	    "", &argv, path, sizeof path, &prompt) != 0) {
		sched_fail_now(t);
		return;
	}
	ctx.prompt = prompt;
	/* What it resumed, to forget if it could not. */
	snprintf(t->resumed, sizeof t->resumed, "%s", a->ac->runner ==
	    RUNNER_CLAUDE && a->claude_sid != NULL ? a->claude_sid : "");
	memset(&dc, 0, sizeof dc);
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
		/* Why it waits, as orch-ctl tasks shows it. */
		snprintf(t->reason, sizeof t->reason, "%s", why != NULL ? why :
		    "");
		sched_step(t, TE_HOLD);
		log_info("task %s waits for approval: run 'orch-ctl -L %s "
		    "approve %s' (or deny); agent %s waits with it (%s)",
		    t->key, t->run->s->sup->instance, t->key, a->ac->id,
		    why != NULL ? why : "");
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
		t->sent = true;
		sched_step(t, TE_START);
		log_msg(sched_live(t->run->s) && t->attempts == 1 ? LOGL_DEBUG :
		    LOGL_INFO, 0, __func__, "task %s: started on %s%s", t->key,
		    a->ac->id, t->attempts > 1 ? " (retry)" : "");
	}
	strlist_clear(&argv);
	free(prompt);
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

void
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

bool
sched_task_ready(const struct stask *t)
{
	size_t	j;

	if (t->st != ST_PENDING)
		return false;
	for (j = 0; j < t->t->depends.n; j++)
		if (!fsm_task_over(t->deps[j]->st))
			return false;
	return true;
}

/* Add run's tasks that can go now to ready. */
static void
sched_ready(struct sched_run *run, struct stask **ready, size_t *nready)
{
	size_t	i;

	for (i = 0; i < run->n; i++)
		if (sched_task_ready(&run->tasks[i]))
			ready[(*nready)++] = &run->tasks[i];
}

static void
sched_pump_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sched		*s = arg;
	struct sched_run	*run, *next;
	struct stask		**ready;
	const struct sched_agent *pv = NULL;
	struct sched_agent	*v, *a;
	size_t			 i, n, nready = 0, active = 0;
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
	/*
	 * The agents as they are now, once per pass: an agent given a task
	 * (or found busy) is taken for the rest of it.
	 */
	n = nready > 0 ? s->port.agents(s->port.ctx, &pv) : 0;
	v = xcalloc(n + 1, sizeof *v);
	if (n > 0)
		memcpy(v, pv, n * sizeof *v);
	for (i = 0; i < nready; i++) {
		if ((a = sched_route(v, n, ready[i], &hopeless)) != NULL) {
			sched_dispatch(ready[i], a);
			a->status = STATUS_WORKING;
		} else if (hopeless)
			sched_unroutable(ready[i]);
	}
	free(v);
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
		t->created_ms = clock_wall_ms();
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

/* The task agent runs now (sent, so its answer is awaited), or NULL. */
static struct stask *
sched_running_on(struct sched *s, const char *agent, enum task_state st)
{
	struct sched_run	*run;
	size_t			 i;

	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++)
			if (run->tasks[i].sent && run->tasks[i].st == st &&
			    strcmp(run->tasks[i].agent, agent) == 0)
				return &run->tasks[i];
	return NULL;
}

/*
 * An agent changed (idle again, gone, ...): the queue may move. One that
 * waits on a person as it works (its Claude Code asks) takes its running
 * task with it, and back.
 */
static void
sched_agent_cb(void *arg, const struct hub_change *ch)
{
	struct sched	*s = arg;
	struct stask	*t;

	if (strcmp(ch->from, "working") == 0 && strcmp(ch->to, "waiting") ==
	    0 && (t = sched_running_on(s, ch->name, ST_RUNNING)) != NULL) {
		snprintf(t->reason, sizeof t->reason, "%s", ch->why != NULL ?
		    ch->why : "its agent waits on a person");
		sched_step(t, TE_HOLD);
	} else if (strcmp(ch->from, "waiting") == 0 && strcmp(ch->to,
	    "working") == 0 && (t = sched_running_on(s, ch->name,
	    ST_WAITING)) != NULL) {
		t->reason[0] = '\0';
		sched_step(t, TE_APPROVE);
	}
	sched_kick(s);
}

void
sched_set_timeline(struct sched *s, const char *path, int fd)
{
	free(s->timeline);
	if (s->timeline_fd != -1)
		close(s->timeline_fd);
	s->timeline = xstrdup(path);
	s->timeline_fd = fd;
}

struct sched *
sched_new(struct supervisor *sup, const struct sched_port *port,
    const char *report, int report_fd)
{
	struct sched	*s = xcalloc(1, sizeof *s);

	s->sup = sup;
	s->port = *port;
	hub_subscribe(sup->hub, HUB_AGENT, sched_agent_cb, s);
	sched_metrics_init(s);
	s->report = report != NULL ? xstrdup(report) : NULL;
	s->report_fd = report_fd;
	s->timeline_fd = -1;
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
	sched_metrics_free(s);
	while ((run = s->runs) != NULL) {
		s->runs = run->next;
		sched_run_free(run);
	}
	rmdir(s->dir);
	event_free(s->pump);
	if (s->report_fd != -1)
		close(s->report_fd);
	if (s->timeline_fd != -1)
		close(s->timeline_fd);
	free(s->report);
	free(s->timeline);
	free(s);
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
