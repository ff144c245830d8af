/*
 * An agent's tasks: one sent to its actor (through the door, agent_exec),
 * its answer, the agent's task history, and its row in orch-ctl status.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/proto.h"
#include "supervisor/agent.h"
#include "supervisor/supervisor.h"

struct agent_exec {
	struct agent		*agent;
	struct task_record	*rec;
	uint64_t		 id;
	proto_done_fn		 done;
	void			*arg;
};

/* r describes task name: its command as written (NULL: argv joined). */
static void
agent_task_fill(struct task_record *r, uint64_t id, const char *status,
    const char *name, const char *display, char *const *argv, size_t argc)
{
	size_t	i, off = 0;
	char	joined[AGENT_CMD_MAX];

	memset(r, 0, sizeof *r);
	r->id = id;
	r->status = status;
	snprintf(r->name, sizeof r->name, "%s", name != NULL ? name : "");
	if (display == NULL) {
		for (i = 0; i < argc && off < sizeof joined; i++)
			off += (size_t)snprintf(joined + off, sizeof joined -
			    off, "%s%s", i ? " " : "", argv[i]);
		display = joined;
	}
	/* One line, whatever it holds: newlines and controls escaped. */
	log_escape(r->cmd, sizeof r->cmd, display, strlen(display));
}

static struct task_record *
agent_record(struct agent *a, uint64_t id, const char *name,
    const char *display, char *const *argv, size_t argc)
{
	struct task_record	*r = &a->tasks[a->ntasks++ % AGENT_HISTORY_MAX];

	agent_task_fill(r, id, "running", name, display, argv, argc);
	r->start_ns = clock_now_ns();
	r->started_ms = clock_wall_ms();
	return r;
}

void
agent_hold(struct agent *a, const struct agent_task_ctx *ctx,
    char *const *argv, size_t argc)
{
	char	why[AGENT_TASK_NAME_MAX + 32];

	agent_task_fill(&a->held, 0, "waiting", ctx != NULL ? ctx->name : "",
	    ctx != NULL ? ctx->display : NULL, argv, argc);
	a->held.start_ns = clock_now_ns();
	a->held.started_ms = clock_wall_ms();
	snprintf(why, sizeof why, "task %s waits for approval", a->held.name);
	a->holding = true;
	agent_step(a, AE_HOLD, why);
}

static void
agent_exec_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct agent_exec	*x = arg;
	struct agent		*a = x->agent;
	struct task_record	*r = x->rec;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	int64_t			 code = -1, sig = 0;
	uint64_t		 dur = 0;
	bool			 timed_out = false;
	char			 late[224] = "";

	(void)p;
	/* The record is still this task's unless 20 newer ones began. */
	if (r->id != x->id)
		r = NULL;
	msgpack_sbuffer_init(&sb);
	if (err != IPC_OK) {
		if (r != NULL)
			r->status = "lost";
	} else {
		body_i64(&env->body, "exit", &code);
		body_i64(&env->body, "signal", &sig);
		body_u64(&env->body, "duration_ns", &dur);
		body_bool(&env->body, "timed_out", &timed_out);
		load_add(&a->load, dur, clock_now_ns());
		if (r != NULL) {
			r->exit_code = (int)code;
			r->signal = (int)sig;
			r->duration_ns = dur;
			r->status = timed_out ? "timeout" : code == 0 ? "ok" :
			    "failed";
		}
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, env->body);
	}
	if (a->current == r || a->current == x->rec)
		a->current = NULL;
	agent_watch_task(a, 0);
	/* Our timer ended it, its actor never said: the timeout is why. */
	if (err != IPC_OK && a->task_late) {
		err = IPC_E_TIMEOUT;
		snprintf(late, sizeof late, "timed out (its actor did not end "
		    "it: %.160s)", a->last_exit[0] ? a->last_exit : "hung");
	}
	a->task_late = false;
	/*
	 * No answer (the actor died): its task may live on, orphaned. End it
	 * (its session: all it started) before anyone retries it elsewhere,
	 * or two attempts would run at once.
	 */
	if (err != IPC_OK && a->task_pgid > 0)
		proc_kill_session(a->task_pgid, SIGKILL);
	a->task_pgid = 0;
	agent_step(a, AE_DONE, NULL);
	/* Told after the agent is idle again, so it can take the next. */
	x->done(x->arg, err, err == IPC_OK ? NULL : late[0] ? late :
	    err == IPC_E_PEER_GONE ? "the agent's actor died during the task" :
	    env != NULL && env->errmsg[0] ? env->errmsg : proto_strerror(err),
	    sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	free(x);
}

int
agent_exec(struct agent *a, char *const *argv, size_t argc,
    unsigned timeout_ms, const struct agent_task_ctx *ctx, proto_done_fn done,
    void *arg, const char **why)
{
	const char		*log = ctx != NULL ? ctx->name : NULL;
	struct agent_exec	*x;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint64_t		 deadline;
	int64_t			 rc;
	size_t			 i;
	char			 name[64], path[PATH_MAX], logname[128];
	bool			 has_log;

	if (a->sup->stopping) {
		*why = "the supervisor is shutting down";
		return IPC_E_SHUTDOWN;
	}
	if ((a->status != STATUS_IDLE && a->status != STATUS_WAITING) ||
	    a->link == NULL) {
		*why = a->status == STATUS_WORKING ? "agent is busy" :
		    "agent is not ready";
		return a->status == STATUS_WORKING ? IPC_E_BUSY :
		    IPC_E_NO_PEER;
	}
	x = xcalloc(1, sizeof *x);
	x->agent = a;
	x->id = ++a->sup->next_task;
	x->done = done;
	x->arg = arg;
	/* The full output goes to the state directory, named for the task. */
	if (log == NULL) {
		snprintf(name, sizeof name, "exec-%llu",
		    (unsigned long long)x->id);
		log = name;
	}
	x->rec = agent_record(a, x->id, log, ctx != NULL ? ctx->display :
	    NULL, argv, argc);
	/* One log per attempt: NAME@N (orch-ctl logs shows them all). */
	snprintf(logname, sizeof logname, "%s@%u", log, ctx != NULL &&
	    ctx->attempt > 0 ? ctx->attempt : 1);
	has_log = agent_log_path(a->sup, logname, path, sizeof path) == 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, (has_log ? 4 : 3) + 3 + (ctx != NULL &&
	    ctx->prompt != NULL));
	if (ctx != NULL && ctx->prompt != NULL)
		body_pack_kv_bin(&pk, "prompt", ctx->prompt,
		    strlen(ctx->prompt));
	body_pack_kv_u64(&pk, "task", x->id);
	/* For the session's banner. */
	body_pack_kv_str(&pk, "name", log);
	body_pack_kv_str(&pk, "display", x->rec->cmd);
	body_pack_kv_str(&pk, "agent", a->ac.id);
	body_pack_kv_u64(&pk, "timeout_ms", timeout_ms);
	if (has_log)
		body_pack_kv_str(&pk, "log", path);
	body_pack_str(&pk, "argv");
	msgpack_pack_array(&pk, argc);
	for (i = 0; i < argc; i++)
		body_pack_str(&pk, argv[i]);
	/*
	 * The actor enforces the task's own timeout; this deadline only
	 * catches an actor that stopped answering. No timeout: a week.
	 */
	deadline = timeout_ms ? (uint64_t)timeout_ms + IPC_TASK_KILL_GRACE_MS +
	    5000 : 7ull * 24 * 3600 * 1000;
	rc = peer_request(a->link, IPC_OP_TASK_RUN, sb.data, sb.size,
	    (unsigned)deadline, agent_exec_cb, x);
	msgpack_sbuffer_destroy(&sb);
	if (rc < 0) {
		x->rec->status = "lost";
		free(x);
		*why = proto_strerror((int)-rc);
		return (int)-rc;
	}
	a->current = x->rec;
	/* Held for approval until now (door.c), or idle. */
	agent_step(a, a->status == STATUS_WAITING ? AE_RESUME : AE_TASK, NULL);
	agent_watch_task(a, timeout_ms);
	return 0;
}

void
agent_kill_task(struct agent *a)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (a->link == NULL || a->current == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_u64(&pk, "task", a->current->id);
	peer_notify(a->link, IPC_OP_TASK_KILL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

int
agent_log_path(const struct supervisor *sup, const char *name, char *buf,
    size_t size)
{
	return tasklog_path(sup->instance, name, true, buf, size, NULL);
}

void
agent_pack_row(msgpack_packer *pk, const struct agent *a, bool detail)
{
	/* What it runs, or what waits with it for a person. */
	const struct task_record	*cur = a->current != NULL ? a->current :
					    a->status == STATUS_WAITING ?
					    &a->held : NULL;
	const struct task_record	*r;
	uint64_t			 now = clock_now_ns();
	unsigned			 i, n;

	msgpack_pack_map(pk, detail ? 19 : 16);
	body_pack_kv_str(pk, "id", a->ac.id);
	body_pack_kv_str(pk, "type", agent_type_name(a->ac.type));
	body_pack_kv_str(pk, "status", agent_status_name(a->status));
	body_pack_kv_str(pk, "reason", a->status_why);
	body_pack_kv_str(pk, "backend", session_backend_name(a->ac.backend));
	body_pack_kv_u64(pk, "tier", a->ac.tier);
	/* Work in the last minutes (ms, decaying): what routing weighs. */
	body_pack_kv_double(pk, "load", load_now(&a->load, now) / 1e6);
	/* Since when, and how long, it runs (or waits with) that task. */
	body_pack_str(pk, "task_started");
	if (cur != NULL && cur->started_ms != 0)
		msgpack_pack_uint64(pk, cur->started_ms);
	else
		msgpack_pack_nil(pk);
	body_pack_str(pk, "task_elapsed_ms");
	if (cur != NULL && cur->start_ns != 0)
		msgpack_pack_uint64(pk, (now - cur->start_ns) / 1000000);
	else
		msgpack_pack_nil(pk);
	body_pack_kv_i64(pk, "pid", a->pid);
	body_pack_kv_u64(pk, "restarts", a->hist.total);
	body_pack_str(pk, "capabilities");
	msgpack_pack_array(pk, a->ac.caps.n);
	for (i = 0; i < a->ac.caps.n; i++)
		body_pack_str(pk, a->ac.caps.v[i]);
	body_pack_kv_str(pk, "task", cur != NULL ? cur->name : "");
	body_pack_kv_str(pk, "command", cur != NULL ? cur->cmd : "");
	body_pack_kv_i64(pk, "session", a->session);
	body_pack_kv_str(pk, "restart", restart_kind_name(a->ac.restart.kind));
	if (!detail)
		return;
	body_pack_kv_str(pk, "last_exit", a->last_exit);
	body_pack_kv_str(pk, "shell", a->ac.shell != NULL ? a->ac.shell : "");
	body_pack_str(pk, "history");
	n = a->ntasks < AGENT_HISTORY_MAX ? a->ntasks : AGENT_HISTORY_MAX;
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		/* Oldest first. */
		r = &a->tasks[(a->ntasks - n + i) % AGENT_HISTORY_MAX];
		msgpack_pack_map(pk, 6);
		body_pack_kv_str(pk, "task", r->name);
		body_pack_kv_str(pk, "command", r->cmd);
		body_pack_kv_str(pk, "status", r->status);
		body_pack_kv_i64(pk, "exit", r->exit_code);
		body_pack_kv_i64(pk, "signal", r->signal);
		body_pack_kv_u64(pk, "duration_ns", r->duration_ns);
	}
}

/* A typing's answer, on its way back. */
struct agent_typed {
	proto_done_fn	 done;
	void		*arg;
};

static void
agent_type_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct agent_typed	*t = arg;

	(void)p;
	peer_pass_on(t->done, t->arg, err, env);
	free(t);
}

int
agent_type(struct agent *a, const char *text, bool enter, proto_done_fn done,
    void *arg, const char **why)
{
	struct agent_typed	*t;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	int64_t			 rc;

	if (a->link == NULL) {
		*why = "agent is not ready";
		return IPC_E_NO_PEER;
	}
	t = xcalloc(1, sizeof *t);
	t->done = done;
	t->arg = arg;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_bin(&pk, "text", text, strlen(text));
	body_pack_kv_bool(&pk, "enter", enter);
	rc = peer_request(a->link, IPC_OP_SESSION_TYPE, sb.data, sb.size,
	    AGENT_TYPE_TIMEOUT_MS, agent_type_cb, t);
	msgpack_sbuffer_destroy(&sb);
	if (rc < 0) {
		free(t);
		*why = "agent is not ready";
		return IPC_E_NO_PEER;
	}
	return 0;
}
