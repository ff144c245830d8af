/*
 * The scheduler against fake agents: agent_exec records what it was asked
 * to run and the test answers for the actor, so queue order, routing,
 * retries, skips, approvals and runs can be checked step by step.
 */
#include "tests/unit/unit.h"

#include <sys/stat.h>

#include <stdio.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "supervisor/hub.h"
#include "supervisor/load.h"
#include "supervisor/sched.h"
#include "supervisor/supervisor.h"
#include "supervisor/workflow.h"

/* An agent as the fake port keeps it. */
struct fake_agent {
	struct agent_config	 ac;
	enum agent_status	 status;
	struct load		 load;
	char			 last_exit[256];
	unsigned		 ntasks;
	bool			 held;		/* a task held for approval */
	char			 held_task[128];
	char			 held_cmd[512];
	proto_done_fn		 held_done;
	void			*held_arg;
};

/* What the fake agent layer was asked: one exec at a time per agent. */
struct fake_exec {
	struct fake_agent	*agent;
	char			 task[128];
	char			 cmd[512];
	proto_done_fn		 done;
	void			*arg;
};

static struct fake_exec	 execs[64];
static size_t		 nexecs;
static int		 exec_fails;	/* the next runs that fail */
static int		 shutdowns;
static int		 kills;

struct fixture {
	struct supervisor	 sup;
	struct fake_agent	 agents[4];
	size_t			 nagents;
	struct sched_agent	 views[4];
	struct sched		*s;
	/* Every task step announced on the hub: "NAME FROM>TO BUS". */
	char			 steps[64][160];
	size_t			 nsteps;
};

static struct fixture	 fx;

static struct fake_agent *
fake_find(const char *id)
{
	size_t	i;

	for (i = 0; i < fx.nagents; i++)
		if (strcmp(fx.agents[i].ac.id, id) == 0)
			return &fx.agents[i];
	return NULL;
}

static size_t
fake_agents(void *ctx, const struct sched_agent **v)
{
	size_t	i;

	(void)ctx;
	for (i = 0; i < fx.nagents; i++) {
		fx.views[i].ac = &fx.agents[i].ac;
		fx.views[i].status = fx.agents[i].status;
		fx.views[i].load = load_now(&fx.agents[i].load, clock_now_ns());
		fx.views[i].last_exit = fx.agents[i].last_exit;
	}
	*v = fx.views;
	return fx.nagents;
}

static void
fake_exec(struct fake_agent *a, const char *task, const char *cmd,
    proto_done_fn done, void *arg)
{
	struct fake_exec	*x = &execs[nexecs++];

	x->agent = a;
	snprintf(x->task, sizeof x->task, "%s", task);
	snprintf(x->cmd, sizeof x->cmd, "%s", cmd);
	x->done = done;
	x->arg = arg;
	a->status = STATUS_WORKING;
	a->ntasks++;
}

static int
fake_run(void *ctx, const char *agent, const struct door_cmd *cmd,
    proto_done_fn done, void *arg, const char **why)
{
	struct fake_agent	*a = fake_find(agent);

	(void)ctx;
	if (a == NULL || a->status != STATUS_IDLE) {
		*why = "agent is busy";
		return IPC_E_BUSY;
	}
	if (exec_fails > 0) {
		/* A request that cannot be sent (a frame over the limit). */
		exec_fails--;
		*why = "message too large";
		return IPC_E_TOO_BIG;
	}
	if (cmd->approval) {
		/* The door holds it; the fake runs it once released. */
		a->held = true;
		snprintf(a->held_task, sizeof a->held_task, "%s",
		    cmd->ctx->name);
		snprintf(a->held_cmd, sizeof a->held_cmd, "%s",
		    cmd->argv[cmd->argc - 1]);
		a->held_done = done;
		a->held_arg = arg;
		a->status = STATUS_WAITING;
		return DOOR_HELD;
	}
	fake_exec(a, cmd->ctx->name, cmd->argv[cmd->argc - 1], done, arg);
	return 0;
}

static int
fake_release(void *ctx, const char *agent, bool yes, const char *why)
{
	struct fake_agent	*a = fake_find(agent);

	(void)ctx;
	if (a == NULL || !a->held)
		return -1;
	a->held = false;
	if (yes) {
		fake_exec(a, a->held_task, a->held_cmd, a->held_done,
		    a->held_arg);
		return 0;
	}
	a->status = STATUS_IDLE;
	a->held_done(a->held_arg, IPC_E_DENIED, why, NULL, 0);
	return 0;
}

static void
fake_kill(void *ctx, const char *agent)
{
	(void)ctx;
	(void)agent;
	kills++;
}

static void
fake_over(void *ctx)
{
	(void)ctx;
	shutdowns++;
}

static const struct sched_port	fake_port = { NULL, fake_agents, fake_run,
				    fake_release, fake_kill, fake_over, NULL };

static void
steps_cb(void *arg, const struct hub_change *ch)
{
	(void)arg;
	if (fx.nsteps < sizeof fx.steps / sizeof fx.steps[0])
		snprintf(fx.steps[fx.nsteps++], sizeof fx.steps[0],
		    "%s %s>%s %s", ch->name, ch->from, ch->to, ch->bus);
}

/* Was this step announced ("NAME FROM>TO BUS")? */
static bool
stepped(const char *want)
{
	size_t	i;

	for (i = 0; i < fx.nsteps; i++)
		if (strcmp(fx.steps[i], want) == 0)
			return true;
	return false;
}

#define assert_stepped(want) do {					\
	if (!stepped(want))						\
		fail_msg("no step '%s' (%zu announced)", want, fx.nsteps); \
} while (0)

static void
setup(const char *const *ids, const char *const *caps, size_t n)
{
	size_t	i;

	memset(&fx, 0, sizeof fx);
	nexecs = 0;
	shutdowns = 0;
	kills = 0;
	fx.sup.base = event_base_new();
	fx.sup.instance = "unit";
	fx.sup.hub = hub_new();
	hub_subscribe(fx.sup.hub, HUB_TASK, steps_cb, NULL);
	snprintf(fx.sup.rundir, sizeof fx.sup.rundir, "/tmp/orch-test-sched-%d",
	    (int)getpid());
	mkdir(fx.sup.rundir, 0700);
	for (i = 0; i < n; i++) {
		struct fake_agent	*a = &fx.agents[i];

		agent_config_defaults(&a->ac);
		snprintf(a->ac.id, sizeof a->ac.id, "%s", ids[i]);
		if (caps != NULL && caps[i] != NULL)
			strlist_add(&a->ac.caps, caps[i]);
		a->status = STATUS_IDLE;
	}
	fx.nagents = n;
	fx.s = sched_new(&fx.sup, &fake_port, NULL, -1);
	fx.sup.sched = fx.s;
}

static void
teardown(void)
{
	size_t	i;

	sched_free(fx.s);
	for (i = 0; i < 4; i++)
		agent_config_clear(&fx.agents[i].ac);
	hub_free(fx.sup.hub);
	event_base_free(fx.sup.base);
	rmdir(fx.sup.rundir);
}

/* Let the scheduler run what it has been kicked to do. */
static void
settle(void)
{
	int	i;

	for (i = 0; i < 4; i++)
		event_base_loop(fx.sup.base, EVLOOP_NONBLOCK);
}

static unsigned
add(const char *yaml, enum sched_kind kind)
{
	struct workflow	*wf;
	struct config	 base;
	char		*cause = NULL;
	size_t		 n = 0;

	/* Checked against the running agents, as orch-ctl workflow run is. */
	memset(&base, 0, sizeof base);
	base.agents = xcalloc(4, sizeof *base.agents);
	for (n = 0; n < fx.nagents; n++)
		agent_config_copy(&base.agents[n], &fx.agents[n].ac);
	base.nagents = n;
	wf = workflow_load_string("w.yaml", yaml, &base, WF_BASE_RUNNING,
	    &cause);
	while (n > 0)
		agent_config_clear(&base.agents[--n]);
	free(base.agents);
	if (wf == NULL)
		fail_msg("%s", cause);
	return sched_add(fx.s, wf, kind);
}

/* Answer exec i as its actor would: exit code and output. */
static void
finish(size_t i, int code, const char *out)
{
	struct fake_exec	*x = &execs[i];
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_i64(&pk, "exit", code);
	body_pack_kv_u64(&pk, "duration_ns", 1000);
	body_pack_kv_bin(&pk, "tail", out, strlen(out));
	x->agent->status = STATUS_IDLE;
	x->done(x->arg, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	settle();
}

/* A field of a task's row, from sched_pack as orch-ctl tasks sees it. */
static const char *
field_of(const char *task, const char *key, char *buf, size_t size)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	const msgpack_object	*rows, *v;
	char			 name[128];
	uint32_t		 i;

	snprintf(buf, size, "absent");
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	sched_pack(fx.s, &pk);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	rows = body_get(&up.data, "tasks");
	for (i = 0; i < rows->via.array.size; i++)
		if (body_str(&rows->via.array.ptr[i], "task", name,
		    sizeof name) == 0 && strcmp(name, task) == 0) {
			v = body_get(&rows->via.array.ptr[i], key);
			if (v != NULL && v->type == MSGPACK_OBJECT_NIL)
				snprintf(buf, size, "nil");
			else
				body_str(&rows->via.array.ptr[i], key, buf,
				    size);
		}
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return buf;
}

#define assert_status(task, want) do {					\
	char	st_[32];						\
	assert_string_equal(field_of(task, "status", st_, sizeof st_),	\
	    want);							\
} while (0)

/* One agent: higher priority first, then the order of submission. */
static void
test_priority(void **state)
{
	static const char *const	ids[] = { "w1" };

	(void)state;
	setup(ids, NULL, 1);
	add("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: first, command: a}\n"
	    "      - {id: urgent, command: b, priority: 5}\n"
	    "      - {id: second, command: c}\n", SCHED_WORKFLOW);
	add("stages:\n  - {name: s, tasks: [{id: later, command: d, "
	    "priority: 5}]}\n", SCHED_SUBMIT);
	settle();
	assert_int_equal(nexecs, 1);
	assert_string_equal(execs[0].task, "1:urgent");
	assert_status("1:first", "pending");
	finish(0, 0, "");
	/* Another run's task of the same priority came later: it waits. */
	assert_string_equal(execs[1].task, "2:later");
	finish(1, 0, "");
	assert_string_equal(execs[2].task, "1:first");
	finish(2, 0, "");
	assert_string_equal(execs[3].task, "1:second");
	finish(3, 0, "");
	assert_int_equal(nexecs, 4);
	assert_status("1:second", "ok");
	teardown();
}

/* A failure skips its dependents, down the DAG, with reasons. */
static void
test_skip(void **state)
{
	static const char *const	ids[] = { "w1", "w2" };

	(void)state;
	setup(ids, NULL, 2);
	add("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: a, command: a}\n"
	    "      - {id: ok, command: x, continueOnError: true}\n"
	    "      - {id: b, command: b, dependsOn: [a]}\n"
	    "      - {id: c, command: c, dependsOn: [b]}\n"
	    "      - {id: d, command: d, dependsOn: [ok]}\n", SCHED_MAIN);
	settle();
	assert_int_equal(nexecs, 2);
	finish(0, 1, "boom\n");		/* a */
	assert_status("b", "skipped");
	assert_status("c", "skipped");
	assert_status("d", "pending");
	/* continueOnError: its dependents run after a failure. */
	finish(1, 2, "");		/* ok */
	assert_string_equal(execs[2].task, "d");
	assert_int_equal(shutdowns, 0);
	finish(2, 0, "");
	assert_status("d", "ok");
	/* The -w run is over: stop, then summary and exit status 1. */
	assert_int_equal(shutdowns, 1);
	assert_int_equal(sched_finish(fx.s, 0), 1);
	teardown();
}

/* Capabilities route; the least loaded capable agent goes first. */
static void
test_route(void **state)
{
	static const char *const	ids[] = { "busy", "gpu1", "gpu2" };
	static const char *const	caps[] = { "gpu", "gpu", "gpu" };

	(void)state;
	setup(ids, caps, 3);
	/* Recent work decides, not the count of tasks ever run. */
	load_add(&fx.agents[0].load, 10000000000ull, clock_now_ns());
	load_add(&fx.agents[1].load, 3000000000ull, clock_now_ns());
	load_add(&fx.agents[2].load, 1000000000ull, clock_now_ns());
	fx.agents[2].ntasks = 1000;
	add("stages:\n  - {name: s, tasks: [{id: t, requires: [gpu], "
	    "command: x}]}\n", SCHED_SUBMIT);
	settle();
	assert_int_equal(nexecs, 1);
	assert_ptr_equal(execs[0].agent, &fx.agents[2]);
	finish(0, 0, "");
	/* A named agent is used even when others are less loaded. */
	add("stages:\n  - {name: s, tasks: [{id: t, agent: busy, "
	    "command: x}]}\n", SCHED_SUBMIT);
	settle();
	assert_ptr_equal(execs[1].agent, &fx.agents[0]);
	finish(1, 0, "");
	teardown();
}

/* A crashed actor: the retry goes to another agent. */
static void
test_retry_elsewhere(void **state)
{
	static const char *const	ids[] = { "w1", "w2" };
	struct fake_exec		*x;

	(void)state;
	setup(ids, NULL, 2);
	load_add(&fx.agents[1].load, 0, clock_now_ns());	/* w1 goes first */
	add("stages:\n  - {name: s, tasks: [{id: t, command: x, "
	    "retry: {max: 1, backoff: 0}}]}\n", SCHED_SUBMIT);
	settle();
	x = &execs[0];
	assert_ptr_equal(x->agent, &fx.agents[0]);
	x->agent->status = STATUS_IDLE;
	fx.agents[0].load.ns = 0;	/* w1 looks best, but it crashed */
	x->done(x->arg, IPC_E_PEER_GONE, "the agent's actor died", NULL, 0);
	settle();
	assert_int_equal(nexecs, 2);
	assert_ptr_equal(execs[1].agent, &fx.agents[1]);
	finish(1, 0, "");
	assert_status("1:t", "ok");
	teardown();
}

/*
 * A dispatch that fails for good (the request cannot be sent) is a failed
 * attempt: retried by the task's policy, then failed with the reason;
 * never left pending for ever.
 */
static void
test_dispatch_fails(void **state)
{
	static const char *const	ids[] = { "w1" };
	char				buf[64];

	(void)state;
	setup(ids, NULL, 1);
	exec_fails = 2;
	add("stages:\n  - {name: s, tasks: [{id: t, command: x, "
	    "retry: {max: 1, backoff: 0}}]}\n", SCHED_SUBMIT);
	settle();
	settle();
	assert_int_equal(nexecs, 0);
	assert_status("1:t", "failed");
	assert_string_equal(field_of("1:t", "reason", buf, sizeof buf),
	    "message too large");
	teardown();
	/* Once: the retry runs, and succeeds. */
	setup(ids, NULL, 1);
	exec_fails = 1;
	add("stages:\n  - {name: s, tasks: [{id: t, command: x, "
	    "retry: {max: 1, backoff: 0}}]}\n", SCHED_SUBMIT);
	settle();
	settle();
	assert_int_equal(nexecs, 1);
	finish(0, 0, "");
	assert_status("1:t", "ok");
	teardown();
}

/*
 * Approval at the door: a task that needs it is routed, then held (its
 * agent waits) until approved (it runs) or denied (it fails). One not yet
 * routed can be approved or denied beforehand. Unknown names are refused.
 */
static void
test_approve(void **state)
{
	static const char *const	ids[] = { "w1", "w2" };
	const char			*why = NULL;

	(void)state;
	setup(ids, NULL, 2);
	add("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: yes, command: x, requiresApproval: true}\n"
	    "      - {id: no, command: y, requiresApproval: true}\n"
	    "      - {id: early, command: z, requiresApproval: true}\n"
	    "      - {id: never, command: q, requiresApproval: true}\n",
	    SCHED_WORKFLOW);
	settle();
	assert_int_equal(nexecs, 0);
	assert_status("1:yes", "waiting");
	assert_status("1:no", "waiting");
	assert_int_equal(fx.agents[0].status, STATUS_WAITING);
	assert_int_equal(fx.agents[1].status, STATUS_WAITING);
	/* No agent left for these two: they wait to be routed. */
	assert_status("1:early", "pending");
	assert_int_equal(sched_approve(fx.s, "yes", true, &why), -1);
	assert_string_equal(why, "no such task");
	assert_int_equal(sched_approve(fx.s, "1:early", true, &why), 0);
	assert_int_equal(sched_approve(fx.s, "1:never", false, &why), 0);
	assert_status("1:never", "failed");
	assert_int_equal(sched_approve(fx.s, "1:yes", true, &why), 0);
	assert_status("1:yes", "running");
	assert_int_equal(sched_approve(fx.s, "1:no", false, &why), 0);
	assert_status("1:no", "failed");
	assert_int_equal(sched_approve(fx.s, "1:no", true, &why), -1);
	assert_string_equal(why, "the task is not waiting for approval");
	settle();
	/* yes runs on w1; early, approved beforehand, runs on w2 at once. */
	assert_int_equal(nexecs, 2);
	assert_string_equal(execs[0].task, "1:yes");
	assert_string_equal(execs[1].task, "1:early");
	assert_status("1:early", "running");
	finish(0, 0, "");
	finish(1, 0, "");
	assert_stepped("1:yes pending>waiting task.waiting_approval");
	assert_stepped("1:yes waiting>running task.started");
	assert_stepped("1:no waiting>failed task.denied");
	assert_stepped("1:never pending>failed task.denied");
	assert_stepped("1:early pending>running task.started");
	teardown();
}

/* Held, then cancelled: the door lets go, its agent is idle again. */
static void
test_cancel_held(void **state)
{
	static const char *const	ids[] = { "w1" };
	const char			*why = NULL;
	char				 buf[64];

	(void)state;
	setup(ids, NULL, 1);
	add("stages:\n  - {name: s, tasks: [{id: g, command: x, "
	    "requiresApproval: true}]}\n", SCHED_WORKFLOW);
	settle();
	assert_status("1:g", "waiting");
	assert_int_equal(sched_cancel(fx.s, "1:g", &why), 0);
	assert_status("1:g", "cancelled");
	assert_string_equal(field_of("1:g", "reason", buf, sizeof buf),
	    "cancelled");
	assert_int_equal(fx.agents[0].status, STATUS_IDLE);
	assert_stepped("1:g waiting>cancelled task.cancelled");
	teardown();
}

/*
 * Every outcome is announced on the hub with the task's name, its run
 * and workflow: ok, failed, timed out, retrying, skipped, cancelled.
 */
static void
test_outcomes(void **state)
{
	static const char *const	ids[] = { "w1", "w2", "w3", "w4" };
	msgpack_sbuffer			sb;
	msgpack_packer			pk;
	const char			*why = NULL;

	(void)state;
	setup(ids, NULL, 4);
	add("name: every\nstages:\n  - name: s\n    parallel: true\n"
	    "    tasks:\n"
	    "      - {id: good, command: a}\n"
	    "      - {id: bad, command: b}\n"
	    "      - {id: slow, command: c, timeout: 1}\n"
	    "      - {id: flaky, command: d, retry: {max: 1, backoff: 0}}\n"
	    "      - {id: queued, command: e}\n"
	    "      - {id: after, command: f, dependsOn: [bad]}\n",
	    SCHED_WORKFLOW);
	settle();
	assert_int_equal(nexecs, 4);
	assert_int_equal(sched_cancel(fx.s, "1:queued", &why), 0);
	finish(0, 0, "fine\n");
	finish(1, 3, "");
	/* The actor's answer for a task past its timeout. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_i64(&pk, "exit", -1);
	body_pack_kv_i64(&pk, "signal", 15);
	body_pack_kv_bool(&pk, "timed_out", true);
	execs[2].agent->status = STATUS_IDLE;
	execs[2].done(execs[2].arg, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	finish(3, 1, "");
	settle();
	assert_stepped("1:good running>ok task.completed");
	assert_stepped("1:bad running>failed task.failed");
	assert_stepped("1:slow running>failed task.failed");
	assert_stepped("1:flaky running>retrying task.retrying");
	assert_stepped("1:flaky retrying>pending task.pending");
	assert_stepped("1:queued pending>cancelled task.cancelled");
	assert_stepped("1:after pending>skipped task.skipped");
	assert_status("1:slow", "failed");
	teardown();
}

/* The payload of a step names the task, its run and its workflow. */
static const char	*payload_want;
static bool		 payload_seen;

static void
payload_cb(void *arg, const struct hub_change *ch)
{
	msgpack_unpacked	up;
	char			task[64], wf[64];
	uint64_t		run = 0;

	(void)arg;
	if (strcmp(ch->bus, "task.completed") != 0)
		return;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, ch->body, ch->len, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(body_str(&up.data, "task", task, sizeof task), 0);
	assert_int_equal(body_str(&up.data, "workflow", wf, sizeof wf), 0);
	assert_int_equal(body_u64(&up.data, "run", &run), 0);
	assert_string_equal(task, payload_want);
	assert_string_equal(wf, "named");
	assert_int_equal(run, 1);
	assert_string_equal(ch->source, "w1");
	payload_seen = true;
	msgpack_unpacked_destroy(&up);
}

static void
test_payload(void **state)
{
	static const char *const	ids[] = { "w1" };

	(void)state;
	setup(ids, NULL, 1);
	hub_subscribe(fx.sup.hub, HUB_TASK, payload_cb, NULL);
	payload_want = "1:t";
	payload_seen = false;
	add("name: named\nstages:\n  - {name: s, tasks: [{id: t, command: "
	    "x}]}\n", SCHED_WORKFLOW);
	settle();
	finish(0, 0, "");
	assert_true(payload_seen);
	teardown();
}

/* Every agent that could run a task is gone for good: it fails. */
static void
test_unroutable(void **state)
{
	static const char *const	ids[] = { "w1", "w2", "gpu" };
	static const char *const	caps[] = { NULL, NULL, "gpu" };
	char				why[256];

	(void)state;
	setup(ids, caps, 3);
	fx.agents[0].status = STATUS_ERROR;
	snprintf(fx.agents[0].last_exit, sizeof fx.agents[0].last_exit,
	    "exited 127");
	fx.agents[1].status = STATUS_INITIALIZING;	/* will come */
	fx.agents[2].status = STATUS_TERMINATED;
	add("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: named, agent: w1, command: a}\n"
	    "      - {id: gpu, requires: [gpu], command: b}\n"
	    "      - {id: any, command: c}\n"
	    "      - {id: after, command: d, dependsOn: [named]}\n",
	    SCHED_WORKFLOW);
	settle();
	assert_int_equal(nexecs, 0);
	assert_status("1:named", "failed");
	assert_string_equal(field_of("1:named", "reason", why, sizeof why),
	    "agent w1 is error: exited 127");
	assert_status("1:gpu", "failed");
	assert_non_null(strstr(field_of("1:gpu", "reason", why, sizeof why),
	    "no agent that could run it is left"));
	assert_status("1:after", "skipped");
	/* Any agent will do, and w2 is starting: it waits. */
	assert_status("1:any", "pending");
	fx.agents[1].status = STATUS_IDLE;
	sched_kick(fx.s);
	settle();
	assert_int_equal(nexecs, 1);
	assert_string_equal(execs[0].task, "1:any");
	finish(0, 0, "");
	teardown();
}

/* Cancelled: a queued task never runs, a running one is not retried. */
static void
test_cancel(void **state)
{
	static const char *const	ids[] = { "w1" };
	const char			*why = NULL;
	char				 buf[64];

	(void)state;
	setup(ids, NULL, 1);
	add("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: run, command: a, retry: {max: 3, backoff: 0}}\n"
	    "      - {id: queued, command: b}\n"
	    "      - {id: later, command: c, dependsOn: [queued]}\n",
	    SCHED_WORKFLOW);
	settle();
	assert_int_equal(nexecs, 1);
	assert_int_equal(sched_cancel(fx.s, "1:queued", &why), 0);
	assert_int_equal(sched_cancel(fx.s, "1:queued", &why), -1);
	assert_string_equal(why, "the task is over");
	assert_int_equal(sched_cancel(fx.s, "nothing", &why), -1);
	assert_string_equal(why, "no such task");
	assert_int_equal(sched_cancel(fx.s, "1:run", &why), 0);
	assert_int_equal(kills, 1);
	assert_status("1:run", "running");
	assert_int_equal(sched_cancel(fx.s, "1:run", &why), -1);
	assert_string_equal(why, "the task is being cancelled");
	/* Its actor stops it: killed by SIGTERM, and no retry follows. */
	finish(0, -1, "");
	assert_int_equal(nexecs, 1);
	assert_status("1:run", "cancelled");
	assert_string_equal(field_of("1:run", "reason", buf, sizeof buf),
	    "cancelled");
	assert_string_equal(field_of("1:queued", "reason", buf, sizeof buf),
	    "cancelled");
	assert_status("1:later", "skipped");
	teardown();
}

/*
 * The -w run interrupted (SIGINT): the running task's answer is no
 * failure and is not retried; at the end it is cancelled, what had not
 * run is skipped, and the exit status is the shell's for the signal.
 */
static void
test_interrupt(void **state)
{
	static const char *const	ids[] = { "w1" };
	char				 buf[64];

	(void)state;
	setup(ids, NULL, 1);
	add("stages:\n  - name: s\n    tasks:\n"
	    "      - {id: run, command: a, retry: {max: 3, backoff: 0}}\n"
	    "      - {id: next, command: b, dependsOn: [run]}\n", SCHED_MAIN);
	settle();
	assert_int_equal(nexecs, 1);
	/* No -w run yet to finish in another fixture: here there is one. */
	sched_interrupt(fx.s, "SIGINT");
	fx.sup.stopping = true;
	finish(0, -1, "");
	assert_int_equal(nexecs, 1);
	assert_status("run", "cancelled");
	assert_int_equal(sched_finish(fx.s, 2), 130);
	assert_status("next", "skipped");
	assert_string_equal(field_of("run", "reason", buf, sizeof buf),
	    "interrupted by SIGINT");
	assert_string_equal(field_of("next", "reason", buf, sizeof buf),
	    "the workflow was interrupted by SIGINT");
	/* Nothing ran to exit: no exit status, not a made-up number. */
	assert_string_equal(field_of("next", "exit", buf, sizeof buf), "nil");
	teardown();
}

static int	results;
static int64_t	result_exit;

static void
result_cb(void *arg, int err, const char *msg, const void *body, size_t len)
{
	msgpack_unpacked	up;

	(void)arg;
	(void)msg;
	results++;
	result_exit = -1;
	if (err != IPC_OK)
		return;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, body, len, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	body_i64(&up.data, "exit", &result_exit);
	msgpack_unpacked_destroy(&up);
}

/*
 * Outputs flow down a pipeline; waiters hear of the end; the -w run ends
 * the supervisor only once the other runs are over.
 */
static void
test_runs(void **state)
{
	static const char *const	ids[] = { "w1", "w2" };
	unsigned			no;

	(void)state;
	setup(ids, NULL, 2);
	add("stages:\n  - {name: s, tasks: [{id: main, command: m}]}\n",
	    SCHED_MAIN);
	no = add("stages:\n  - name: s\n    tasks:\n"
	    "      - {id: a, command: a}\n"
	    "      - {id: b, command: \"echo {{ tasks.a.output }}\"}\n",
	    SCHED_WORKFLOW);
	assert_int_equal(sched_wait(fx.s, no, result_cb, NULL), 0);
	assert_int_equal(sched_wait(fx.s, 99, result_cb, NULL), -1);
	settle();
	assert_string_equal(execs[0].task, "main");
	assert_string_equal(execs[1].task, "2:a");
	finish(0, 0, "");
	assert_int_equal(shutdowns, 0);
	assert_false(sched_open(fx.s));
	finish(1, 0, "alpha\n");
	assert_string_equal(execs[2].task, "2:b");
	/* A value in a shell command is data: quoted for where it stands. */
	assert_non_null(strstr(execs[2].cmd, "echo 'alpha'"));
	assert_int_equal(results, 0);
	finish(2, 0, "");
	assert_int_equal(results, 1);
	assert_int_equal(result_exit, 0);
	assert_int_equal(shutdowns, 1);
	teardown();
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_retry_elsewhere),
		cmocka_unit_test(test_dispatch_fails),
		cmocka_unit_test(test_approve),
		cmocka_unit_test(test_cancel_held),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_unroutable),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_runs),
	};

	log_init("test_sched", LOGL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
