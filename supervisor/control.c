#include "supervisor/control.h"
#include "supervisor/control_int.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/audit.h"
#include "common/log.h"
#include "common/proctree.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/perm.h"
#include "ipc/permtab.h"
#include "ipc/sock.h"
#include "shm/serve.h"
#include "supervisor/agent.h"
#include "supervisor/door.h"
#include "supervisor/msg.h"
#include "supervisor/sched.h"
#include "supervisor/snapshot.h"
#include "supervisor/supervisor.h"

#define CONTROL_ARGV_MAX	4096
#define CONTROL_TYPE_MAX	65536

struct control_reply *
control_reply_new(struct control_client *c, const struct envelope *env)
{
	struct control_reply	*r = xcalloc(1, sizeof *r);

	r->client = c;
	envelope_answer_to(&r->req, env);
	r->next = c->replies;
	c->replies = r;
	return r;
}

void
control_reply_drop(struct control_reply *r)
{
	struct control_client	*c = r->client;

	r->client = NULL;
	if (c != NULL) {
		struct control_reply	**pp;

		for (pp = &c->replies; *pp != NULL; pp = &(*pp)->next)
			if (*pp == r) {
				*pp = r->next;
				break;
			}
	}
	free(r);
}

static void	control_client_free(struct control_client *c);

/* A relayed request's client lives until its answer is given. */
static void
control_relayed_check(struct control_client *c)
{
	if (c != NULL && c->peer == NULL && !c->running && c->done == NULL &&
	    c->replies == NULL)
		control_client_free(c);
}

void
control_answer(struct control_client *c, const struct envelope *env,
    int err, const char *msg, const void *body, size_t len)
{
	proto_done_fn	done = c->done;

	if (c->peer != NULL) {
		peer_reply(c->peer, env, err, msg, body, len);
		return;
	}
	c->done = NULL;
	if (done != NULL)
		done(c->done_arg, err, msg, body, len);
}

void
control_reply_send(struct control_reply *r, int err, const char *msg,
    const void *body, size_t len)
{
	struct control_client	*c = r->client;

	if (c != NULL)
		control_answer(c, &r->req, err, msg, body, len);
	control_reply_drop(r);
	control_relayed_check(c);
}

/*
 * An answer's message has room for IPC_ERRMSG_MAX bytes: a list of errors
 * (a line each) longer than that loses whole lines, and says so.
 */
static void
control_error_fit(char *msg)
{
	static const char	 more[] = "\n(more errors not shown)";
	char			*nl;

	if (strlen(msg) <= IPC_ERRMSG_MAX)
		return;
	msg[IPC_ERRMSG_MAX - (sizeof more - 1)] = '\0';
	if ((nl = strrchr(msg, '\n')) != NULL)
		memcpy(nl, more, sizeof more);
}

void
control_error(struct control_client *c, const struct envelope *env, int err,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	control_error_fit(msg);
	control_answer(c, env, err, msg, NULL, 0);
	free(msg);
}

/* The agent named by the request's "id", or an error answer and NULL. */
static struct agent *
control_agent(struct control_client *c, const struct envelope *env,
    const char *key)
{
	struct agent	*a;
	char		 id[AGENT_ID_MAX + 1];

	if (body_str(&env->body, key, id, sizeof id) != 0) {
		control_error(c, env, IPC_E_INVAL, "%s needs an agent id",
		    env->op);
		return NULL;
	}
	if ((a = agent_find(c->ctl->sup, id)) == NULL)
		control_error(c, env, IPC_E_NO_PEER, "no agent '%s'", id);
	return a;
}

/* "agents": [every agent's row], as status and the dashboard show them. */
/*
 * orch-ctl status and the MCP dashboard tool: the snapshot, its events
 * those the caller may read.
 */
static void
control_status(struct control_client *c, const struct envelope *env)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	snapshot_pack(c->ctl->sup, &pk, &c->as);
	control_answer(c, env, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void
control_inspect(struct control_client *c, const struct envelope *env)
{
	struct agent	*a;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	if ((a = control_agent(c, env, "id")) == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_pack_row(&pk, a, true);
	control_answer(c, env, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void
control_deploy(struct control_client *c, const struct envelope *env)
{
	struct agent_config	 ac;
	struct control_reply	*r;
	const char		*why = NULL;
	char			*cause = NULL;
	int			 err;

	if (config_agent_from_msgpack(body_get(&env->body, "agent"), &ac,
	    &cause) != 0) {
		control_error(c, env, IPC_E_INVAL, "%s", cause);
		free(cause);
		return;
	}
	r = control_reply_new(c, env);
	if ((err = agent_deploy(c->ctl->sup, &ac, control_msg_done, r,
	    &why)) != 0) {
		control_reply_drop(r);
		control_error(c, env, err, "agent '%s' %s", ac.id, why);
	}
	agent_config_clear(&ac);
}

/* terminate and restart: the agent named, and what it answers. */
static void
control_agent_op(struct control_client *c, const struct envelope *env,
    int (*op)(struct agent *, proto_done_fn, void *, const char **))
{
	struct control_reply	*r;
	struct agent		*a;
	const char		*why = NULL;
	int			 err;

	if ((a = control_agent(c, env, "id")) == NULL)
		return;
	r = control_reply_new(c, env);
	if ((err = op(a, control_msg_done, r, &why)) != 0) {
		control_reply_drop(r);
		control_error(c, env, err, "agent '%s' %s", a->ac.id, why);
	}
}

static void
control_terminate(struct control_client *c, const struct envelope *env)
{
	control_agent_op(c, env, agent_terminate);
}

static void
control_restart(struct control_client *c, const struct envelope *env)
{
	bool	fresh = false;

	body_bool(&env->body, "fresh", &fresh);
	control_agent_op(c, env, fresh ? agent_restart_fresh : agent_restart);
}

void
control_msg_done(void *arg, int err, const char *msg, const void *body,
    size_t len)
{
	control_reply_send(arg, err, msg, body, len);
}

/*
 * An exec is a task like any other; its answer is still what its command
 * did: {exit, signal, timed_out, duration_ns, status, reason, tail}.
 */
static void
control_exec_done(void *arg, int err, const char *msg, const void *body,
    size_t len)
{
	static const char *const	 keys[] = { "exit", "signal",
					    "timed_out", "duration_ns",
					    "status", "reason" };
	msgpack_unpacked		 up;
	const msgpack_object		*tasks, *row, *out;
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	size_t				 i;

	msgpack_unpacked_init(&up);
	if (err != IPC_OK || msgpack_unpack_next(&up, body, len, NULL) !=
	    MSGPACK_UNPACK_SUCCESS || (tasks = body_get(&up.data, "tasks")) ==
	    NULL || tasks->type != MSGPACK_OBJECT_ARRAY ||
	    tasks->via.array.size != 1) {
		control_reply_send(arg, err != IPC_OK ? err : IPC_E_INTERNAL,
		    msg, NULL, 0);
		msgpack_unpacked_destroy(&up);
		return;
	}
	row = &tasks->via.array.ptr[0];
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const msgpack_object	*v = body_get(row, keys[i]);

		body_pack_str(&pk, keys[i]);
		if (v != NULL)
			msgpack_pack_object(&pk, *v);
		else
			msgpack_pack_nil(&pk);
	}
	body_pack_str(&pk, "tail");
	if ((out = body_get(row, "output")) != NULL)
		msgpack_pack_object(&pk, *out);
	else
		msgpack_pack_bin(&pk, 0);
	control_reply_send(arg, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	msgpack_unpacked_destroy(&up);
}

static void
control_exec(struct control_client *c, const struct envelope *env)
{
	struct supervisor	*sup = c->ctl->sup;
	const msgpack_object	*argv_o;
	struct control_reply	*r;
	struct agent		*a;
	const char		*why = NULL;
	char			**argv;
	uint64_t		 timeout = 0;
	uint32_t		 i, n;
	int			 err = 0;

	if ((a = control_agent(c, env, "agent")) == NULL)
		return;
	argv_o = body_get(&env->body, "argv");
	body_u64(&env->body, "timeout_ms", &timeout);
	if (argv_o == NULL || argv_o->type != MSGPACK_OBJECT_ARRAY ||
	    argv_o->via.array.size == 0 || argv_o->via.array.size >
	    CONTROL_ARGV_MAX || timeout > UINT32_MAX) {
		control_error(c, env, IPC_E_INVAL, "task.exec needs a command");
		return;
	}
	if (sup->stopping || !sched_open(sup->sched)) {
		control_error(c, env, IPC_E_SHUTDOWN, "the supervisor is "
		    "shutting down");
		return;
	}
	n = argv_o->via.array.size;
	argv = xcalloc(n + 1, sizeof *argv);
	for (i = 0; i < n; i++) {
		const msgpack_object	*o = &argv_o->via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_STR || memchr(o->via.str.ptr,
		    '\0', o->via.str.size) != NULL)
			break;
		argv[i] = xstrndup(o->via.str.ptr, o->via.str.size);
	}
	if (i < n)
		control_error(c, env, IPC_E_INVAL, "argv items must be "
		    "strings");
	else {
		r = control_reply_new(c, env);
		if (sched_exec(sup->sched, a->ac.id, argv, n,
		    (unsigned)timeout, control_exec_done, r, &err, &why) == 0) {
			control_reply_drop(r);
			control_error(c, env, err, "%s", why);
		}
	}
	for (i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

/* Typed into a session: a line for its shell (gated), or keys as they are. */
static void
control_type(struct control_client *c, const struct envelope *env)
{
	struct control_reply	*r;
	struct agent		*a;
	const char		*data, *why = NULL;
	bool			 command = true;
	char			*text;
	size_t			 len = 0;
	int			 err;

	if ((a = control_agent(c, env, "agent")) == NULL)
		return;
	if ((data = body_bytes(&env->body, "text", &len)) == NULL || len == 0 ||
	    len > CONTROL_TYPE_MAX || memchr(data, '\0', len) != NULL) {
		control_error(c, env, IPC_E_INVAL, "session.type needs text of "
		    "1 to %d bytes, without NUL", CONTROL_TYPE_MAX);
		return;
	}
	body_bool(&env->body, "command", &command);
	text = xstrndup(data, len);
	r = control_reply_new(c, env);
	if ((err = door_type(c->ctl->sup->door, a, text, command,
	    control_msg_done, r, &why)) != 0) {
		control_reply_drop(r);
		control_error(c, env, err, "%s", why);
	}
	free(text);
}

static void
control_shutdown(struct control_client *c, const struct envelope *env)
{
	control_answer(c, env, IPC_OK, NULL, NULL, 0);
	if (c->peer != NULL)
		peer_flush(c->peer);
	c->ctl->sup->stop(c->ctl->sup, "asked by orch-ctl");
}

/* Who a message is from: the agent calling, never whom it claims. */
static const char *
control_sender(const struct control_client *c)
{
	return c->who == CONTROL_AGENT ? c->agent : MSG_OPERATOR;
}

static void
control_msg_send(struct control_client *c, const struct envelope *env)
{
	msg_send(c->ctl->sup, control_sender(c), env, control_msg_done,
	    control_reply_new(c, env));
}

static void
control_broadcast(struct control_client *c, const struct envelope *env)
{
	msg_broadcast(c->ctl->sup, control_sender(c), env, control_msg_done,
	    control_reply_new(c, env));
}

static void
control_ping(struct control_client *c, const struct envelope *env)
{
	control_answer(c, env, IPC_OK, NULL, NULL, 0);
}

static const struct {
	const char	*op;
	control_fn		 fn;
} control_ops[] = {
	{ IPC_OP_PING, control_ping },
	{ IPC_OP_STATUS, control_status },
	{ IPC_OP_AGENT_INSPECT, control_inspect },
	{ IPC_OP_AGENT_DEPLOY, control_deploy },
	{ IPC_OP_AGENT_TERMINATE, control_terminate },
	{ IPC_OP_AGENT_RESTART, control_restart },
	{ IPC_OP_TASK_EXEC, control_exec },
	{ IPC_OP_SESSION_TYPE, control_type },
	{ IPC_OP_SHUTDOWN, control_shutdown },
	{ IPC_OP_MSG_SEND, control_msg_send },
	{ IPC_OP_BROADCAST, control_broadcast },
	{ IPC_OP_TASK_APPROVE, control_approve },
	{ IPC_OP_TASKS, control_tasks },
	{ IPC_OP_TASK_LOGS, control_task_logs },
	{ IPC_OP_DASHBOARD, control_status },
	{ IPC_OP_WORKFLOW_CHECK, control_workflow_check },
	{ IPC_OP_TASK_DENY, control_deny },
	{ IPC_OP_TASK_CANCEL, control_cancel },
	{ IPC_OP_TASK_SUBMIT, control_submit },
	{ IPC_OP_WORKFLOW_RUN, control_workflow_run },
};

/*
 * "operator", "agent a1", "nobody" or "unknown" (for messages and the
 * audit log).
 */
static void
control_who_name(const struct control_client *c, char *buf, size_t size)
{
	if (c->who == CONTROL_AGENT)
		snprintf(buf, size, "agent %s", c->agent);
	else
		snprintf(buf, size, "%s", c->who == CONTROL_OPERATOR ?
		    "operator" : c->who == CONTROL_NOBODY ? "nobody" :
		    "unknown");
}

/*
 * The one check before any handler: what the permission table says this
 * caller may do. 0 to go on, or -1 after answering IPC_E_DENIED. Every
 * decision about an operation that needs a permission is audited.
 */
static int
control_permit(struct control_client *c, const struct envelope *env,
    struct serve_caller *as)
{
	const struct permtab_row	*row = permtab_find(env->op);
	struct agent			*a;
	perm_set			 perms = 0;
	enum perm			 need;
	char				 res[AGENT_ID_MAX + 1] = "", who[96];
	char				 why[256];

	control_who_name(c, who, sizeof who);
	if (row != NULL && row->key != NULL)
		body_str(&env->body, row->key, res, sizeof res);
	if (c->who == CONTROL_OPERATOR) {
		if (row == NULL || row->self != PERM_NONE || row->other !=
		    PERM_NONE)
			audit_write_once(&c->memo, who, env->op, res,
			    "allowed", "operator");
		return 0;
	}
	if (c->who == CONTROL_NOBODY || c->who == CONTROL_UNTOLD) {
		if (c->who == CONTROL_NOBODY)
			snprintf(why, sizeof why, "a process of this instance "
			    "that belongs to no agent may not %s", env->op);
		else
			snprintf(why, sizeof why, "who is calling could not "
			    "be told (its processes could not be read): try "
			    "again");
		need = PERM_OPERATOR;
	} else {
		if ((a = agent_find(c->ctl->sup, c->agent)) != NULL)
			perms = perm_effective(&a->ac);
		need = permtab_check(env->op, c->agent, perms, res, why,
		    sizeof why);
		as->id = c->agent;
		as->can_read = (perms & PERM_BIT(PERM_DATA_READ)) != 0;
		as->can_share = (perms & PERM_BIT(PERM_DATA_SHARE)) != 0;
	}
	if (need == PERM_NONE) {
		if ((need = permtab_need(env->op, c->agent, res)) != PERM_NONE)
			audit_write_once(&c->memo, who, env->op, res,
			    "allowed", perm_name(need));
		return 0;
	}
	audit_write_once(&c->memo, who, env->op, res, "denied",
	    perm_name(need));
	log_warnx("control socket: denied: %s", why);
	control_error(c, env, IPC_E_DENIED, "%s", why);
	return -1;
}

/* The permission table's word, then the handler's. */
static void
control_run(struct control_client *c, const struct envelope *env)
{
	size_t			 i;
	char			 why[256];

	c->as = (struct serve_caller){ NULL, true, true };
	if (control_permit(c, env, &c->as) != 0)
		return;
	/* The bank and the bus: a relaying actor serves them itself. */
	if (c->peer != NULL && c->ctl->sup->serve != NULL &&
	    serve_dispatch(c->ctl->sup->serve, c->peer, env, &c->as, why,
	    sizeof why) != SERVE_NOT_MINE)
		return;
	if (strncmp(env->op, "mem.", 4) == 0 || strncmp(env->op, "events.",
	    7) == 0) {
		control_error(c, env, IPC_E_NO_PEER, "this instance has no "
		    "shared memory (see the supervisor's log)");
		return;
	}
	for (i = 0; i < sizeof control_ops / sizeof control_ops[0]; i++)
		if (strcmp(env->op, control_ops[i].op) == 0) {
			control_ops[i].fn(c, env);
			return;
		}
	control_answer(c, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
control_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	if (env->kind != IPC_KIND_REQ) {
		if (env->ack)
			peer_ack(p, env, IPC_E_UNKNOWN_OP, env->op);
		return;
	}
	control_run(arg, env);
}

void
control_relay(struct control *ctl, const char *agent,
    const struct envelope *env, proto_done_fn done, void *arg)
{
	struct control_client	*c = xcalloc(1, sizeof *c);

	c->ctl = ctl;
	c->who = agent != NULL ? CONTROL_AGENT : CONTROL_OPERATOR;
	snprintf(c->agent, sizeof c->agent, "%s", agent != NULL ? agent : "");
	c->done = done;
	c->done_arg = arg;
	c->next = ctl->clients;
	ctl->clients = c;
	/* Answered at once or later: freed after both, not in between. */
	c->running = true;
	control_run(c, env);
	c->running = false;
	control_relayed_check(c);
}

static void
control_client_free(struct control_client *c)
{
	struct control_client	**pp;
	struct control_reply	 *r;

	/* Answers still owed go nowhere now. */
	for (r = c->replies; r != NULL; r = r->next)
		r->client = NULL;
	if (c->done != NULL)
		c->done(c->done_arg, IPC_E_SHUTDOWN, "the supervisor is "
		    "stopping", NULL, 0);
	if (c->ctl->sup->serve != NULL && c->peer != NULL)
		serve_forget(c->ctl->sup->serve, c->peer);
	for (pp = &c->ctl->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->peer != NULL)
		peer_free(c->peer);
	free(c);
}

static void
control_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	(void)p;
	if (err != IPC_E_PEER_GONE)
		log_warnx("control client dropped: %s", why);
	control_client_free(arg);
}

/* How many parents are walked to find who a caller is, at most. */
#define CONTROL_ANCESTRY_MAX	256

/*
 * Who is at the other end of fd: a process descended from an agent's
 * actor (its shell, a task, whatever they started, double-forked or not:
 * actors are subreapers) or from its session's leader (a tmux pane's
 * program) is that agent, whatever socket it dialed and
 * whatever its environment says; one of ours but no agent's (what a dead
 * actor left) is nobody, but for the view --dashboard started on the
 * operator's terminal (and what it runs, orch-attach); one whose ancestry cannot be read is untold, and
 * may do no more than nobody; anything else of our uid is the operator.
 */
static void
control_identify(struct control *ctl, int fd, struct control_client *c)
{
	pid_t		 chain[CONTROL_ANCESTRY_MAX], pid, self = getpid();
	pid_t		 view = ctl->sup->view_pid;
	uid_t		 uid;
	struct agent	*a;
	size_t		 i, n;
	char		*cause = NULL;

	c->who = CONTROL_UNTOLD;
	if (sock_peer_cred(fd, &uid, &pid, &cause) != 0) {
		free(cause);
		return;
	}
	if ((n = proctree_ancestors(pid, chain, CONTROL_ANCESTRY_MAX)) == 0)
		return;
	c->who = CONTROL_NOBODY;
	for (i = 0; i < n; i++) {
		if ((a = agent_find_member(ctl->sup, chain[i])) != NULL) {
			c->who = CONTROL_AGENT;
			snprintf(c->agent, sizeof c->agent, "%s", a->ac.id);
			return;
		}
		/* Our --dashboard's view, on the operator's terminal. */
		if (view > 0 && chain[i] == view)
			break;
		if (chain[i] == self)
			return;
	}
	c->who = CONTROL_OPERATOR;
}

static void
control_accept_cb(int fd, void *arg)
{
	static const struct peer_cbs	 cbs = { control_dispatch_cb,
					    control_closed_cb };
	struct control			*ctl = arg;
	struct control_client		*c, *idlest = NULL;
	struct ipc_limits		 lim = IPC_LIMITS_DEFAULT;
	uint64_t			 idle, most = 0;
	size_t				 n = 0;

	/*
	 * At the cap, the client idle the longest makes room; with none idle
	 * the newcomer is refused. Either way a flood of idle connections
	 * cannot lock the operator out.
	 */
	for (c = ctl->clients; c != NULL; c = c->next) {
		if (c->peer == NULL)
			continue;	/* a relayed request, not a connection */
		n++;
		if ((idle = peer_idle_ns(c->peer)) > most) {
			most = idle;
			idlest = c;
		}
	}
	if (n >= ctl->max_clients) {
		if (idlest == NULL) {
			log_warnx("control socket: %zu clients, none idle: "
			    "refusing another", n);
			close(fd);
			return;
		}
		log_warnx("control socket: %zu clients: closing the one idle "
		    "for %.1f s", n, (double)most / 1e9);
		control_client_free(idlest);
	}
	/* A client may be anyone's process of ours: bounded like one. */
	lim.max_queued = IPC_CLIENT_QUEUED;
	lim.close_on_full = true;
	lim.frame_ms = IPC_CLIENT_FRAME_MS;
	lim.idle_ms = IPC_CLIENT_IDLE_MS;
	c = xcalloc(1, sizeof *c);
	c->ctl = ctl;
	control_identify(ctl, fd, c);
	if ((c->peer = peer_new(ctl->sup->base, fd, "control client", &lim,
	    &cbs, c)) == NULL) {
		free(c);
		return;
	}
	c->next = ctl->clients;
	ctl->clients = c;
}

static void
control_refuse_cb(const char *why, void *arg)
{
	(void)arg;
	log_warnx("control socket: %s", why);
}

struct control *
control_new(struct supervisor *sup, const char *path, char **cause)
{
	struct control	*ctl = xcalloc(1, sizeof *ctl);
	struct rlimit	 rl;

	/* Half the descriptors we may open, at most CONTROL_CLIENTS_MAX. */
	ctl->max_clients = CONTROL_CLIENTS_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < ctl->max_clients)
		ctl->max_clients = rl.rlim_cur / 2 > 4 ? (size_t)rl.rlim_cur /
		    2 : 4;

	ctl->sup = sup;
	ctl->listener = sock_listener_new(sup->base, path, control_accept_cb,
	    control_refuse_cb, ctl, cause);
	if (ctl->listener == NULL) {
		free(ctl);
		return NULL;
	}
	return ctl;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	sock_listener_free(ctl->listener);
	while (ctl->clients != NULL)
		control_client_free(ctl->clients);
	free(ctl);
}

void
control_stop_listening(struct control *ctl)
{
	if (ctl == NULL)
		return;
	sock_listener_free(ctl->listener);
	ctl->listener = NULL;
}
