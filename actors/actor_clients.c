/*
 * The actor's socket, actors/<agent>.sock: attach clients (orch-attach)
 * stream the session like dtach or abduco. Every attached client sees the
 * same output; read-only clients never have their input delivered; the
 * last resize from a read-write client sets the terminal size.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/actor.h"
#include "actors/claude.h"
#include "actors/session.h"
#include "common/compat.h"
#include "common/audit.h"
#include "common/log.h"
#include "common/proctree.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/permtab.h"
#include "ipc/sock.h"
#include "shm/serve.h"

/* Recent output a new client gets, so it does not start on a blank. */
#define ATTACH_REPLAY_MAX	(16 * 1024)
/* A client this far behind is dropped rather than slowing everyone. */
#define ATTACH_QUEUE_MAX	((size_t)8 << 20)

static void
actor_client_remove(struct actor *a, struct actor_client *c)
{
	struct actor_client	**pp;

	for (pp = &a->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	a->nclients--;
	claude_forget(a, c->peer);
	peer_free(c->peer);
	free(c);
}

static void
actor_client_open(struct actor *a, struct actor_client *c,
    const struct envelope *env)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint64_t	 rows = 0, cols = 0;
	bool		 ro = false;
	char		*buf, *start;
	size_t		 n;

	body_bool(&env->body, "readonly", &ro);
	body_u64(&env->body, "rows", &rows);
	body_u64(&env->body, "cols", &cols);
	c->attached = true;
	c->readonly = ro;
	if (!ro && rows > 0 && cols > 0 && a->session != NULL)
		session_resize(a->session, (unsigned)rows, (unsigned)cols);

	buf = xmalloc(ATTACH_REPLAY_MAX);
	n = a->session != NULL ? session_tail(a->session, ATTACH_REPLAY_MAX,
	    buf) : 0;
	start = buf;
	/* Start on a line boundary, not inside an escape sequence. */
	if (n == ATTACH_REPLAY_MAX) {
		char	*nl = memchr(buf, '\n', n);

		if (nl != NULL) {
			n -= (size_t)(nl + 1 - buf);
			start = nl + 1;
		}
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "agent", a->ac.id);
	body_pack_kv_bin(&pk, "data", start, n);
	peer_reply(c->peer, env, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	free(buf);
	actor_watch(a);
	log_info("client attached%s (%u connected)", ro ? " read-only" : "",
	    a->nclients);
}

static void
actor_client_tail(struct actor *a, struct actor_client *c,
    const struct envelope *env)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint64_t	 want = 4096;
	char		*buf;
	size_t		 n;

	body_u64(&env->body, "bytes", &want);
	if (want > ((size_t)1 << 20))
		want = (size_t)1 << 20;
	buf = xmalloc(want ? want : 1);
	n = a->session != NULL ? session_tail(a->session, want, buf) : 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_bin(&pk, "data", buf, n);
	peer_reply(c->peer, env, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	free(buf);
}

/* How many parents are walked to find who a client is, at most. */
#define ACTOR_ANCESTRY_MAX	256

/*
 * Is pid (a child of the supervisor) an orch actor: the same program as
 * ours, or, where the system cannot tell a process's program, an actor
 * on the roster?
 */
static bool
actor_is_actor(const struct actor *a, pid_t pid)
{
	char	theirs[PATH_MAX], ours[PATH_MAX];
	ssize_t	n, m;
	size_t	j;

	if ((n = compat_exe_of(pid, theirs, sizeof theirs)) > 0 &&
	    (m = compat_exe_of(getpid(), ours, sizeof ours)) > 0)
		return n == m && memcmp(theirs, ours, (size_t)n) == 0;
	for (j = 0; j < a->nroster; j++)
		if (a->roster[j].pid == pid)
			return true;
	return false;
}

/*
 * Who is at the other end of fd: this agent (a descendant of ours: its
 * shell, a task, whatever they started), orch itself (the supervisor, or
 * another actor relaying a message), another agent (a descendant of an
 * actor on the supervisor's roster: which one, and what it may do, go in
 * *k), the operator (none of the instance's processes, or the
 * supervisor's --dashboard view and its children), or nobody (one of
 * ours whose actor is gone, or whose ancestry cannot be read).
 */
enum actor_who
actor_caller(struct actor *a, int fd, struct actor_known *k)
{
	pid_t	pid;
	uid_t	uid;
	char	*cause = NULL;

	if (sock_peer_cred(fd, &uid, &pid, &cause) != 0) {
		free(cause);
		return ACTOR_WHO_OTHER;
	}
	return actor_caller_pid(a, pid, k);
}

enum actor_who
actor_caller_pid(struct actor *a, pid_t pid, struct actor_known *k)
{
	pid_t	chain[ACTOR_ANCESTRY_MAX], self = getpid();
	pid_t	sup = getppid(), own = a->session != NULL ?
		    session_leader(a->session) : 0;
	size_t	i, j, n;

	if ((n = proctree_ancestors(pid, chain, ACTOR_ANCESTRY_MAX)) == 0)
		return ACTOR_WHO_OTHER;
	for (i = 0; i < n; i++) {
		/* Our own, or what runs in our tmux pane. */
		if (chain[i] == self || (own > 0 && chain[i] == own))
			return ACTOR_WHO_SELF;
		if (a->view > 0 && chain[i] == a->view)
			return ACTOR_WHO_OPERATOR;
		for (j = 0; j < a->nroster; j++)
			if (a->roster[j].session > 0 &&
			    a->roster[j].session == chain[i]) {
				*k = a->roster[j];
				return ACTOR_WHO_AGENT;
			}
		if (chain[i] != sup)
			continue;
		if (i == 0 || (i == 1 && actor_is_actor(a, chain[0])))
			return ACTOR_WHO_ORCH;
		for (j = 0; j < a->nroster; j++)
			if (a->roster[j].pid == chain[i - 1]) {
				*k = a->roster[j];
				return ACTOR_WHO_AGENT;
			}
		return ACTOR_WHO_OTHER;
	}
	return ACTOR_WHO_OPERATOR;
}

/*
 * The operations this actor answers itself; the rest it relays to the
 * supervisor for its own session, which decides them. Another agent may
 * only see this session and, with session:write, type into it: anything
 * else it asks its own actor, which speaks for it.
 */
static const struct {
	const char	*op;
	bool		 others;	/* another agent may ask */
} actor_ops[] = {
	{ IPC_OP_PING, true },
	{ IPC_OP_ATTACH_OPEN, true },
	{ IPC_OP_ATTACH_INPUT, true },
	{ IPC_OP_ATTACH_RESIZE, true },
	{ IPC_OP_SESSION_TAIL, true },
	{ IPC_OP_MEM_PUT, false },
	{ IPC_OP_MEM_GET, false },
	{ IPC_OP_MEM_LS, false },
	{ IPC_OP_MEM_RM, false },
	{ IPC_OP_EVENTS_READ, false },
	{ IPC_OP_EVENTS_PUBLISH, false },
	{ IPC_OP_MSG_SEND, false },
	{ IPC_OP_INBOX_READ, false },
	{ IPC_OP_CLAUDE_HOOK, false },
};

/* 1: ours, others may ask; 0: ours, not theirs; -1: the supervisor's. */
static int
actor_op(const char *op)
{
	size_t	i;

	for (i = 0; i < sizeof actor_ops / sizeof actor_ops[0]; i++)
		if (strcmp(op, actor_ops[i].op) == 0)
			return actor_ops[i].others;
	return -1;
}

/*
 * The one check before any handler: this agent's own processes may do
 * what the permission table lets the agent do; another agent's may see
 * (session:read) and type into (session:write) this session; orch and
 * the operator anything; nobody nothing. 0 to go on, or -1 after
 * answering IPC_E_DENIED. Requests are audited, keystrokes are not.
 */
static int
actor_client_permit(struct actor_client *c, const struct envelope *env)
{
	struct actor			*a = c->actor;
	const struct permtab_row	*row = permtab_find(env->op);
	const char			*op = env->op, *caller = a->ac.id;
	char				 why[320], res[IPC_NAME_MAX + 1] = "";
	char				 who[AGENT_ID_MAX + 16];
	unsigned			 perms = a->perms;
	bool				 ro = false, req;
	enum perm			 need;

	req = env->kind == IPC_KIND_REQ;
	if (c->who == ACTOR_WHO_ORCH)
		return 0;
	if (c->who == ACTOR_WHO_OPERATOR) {
		if (req && row != NULL && (row->self != PERM_NONE ||
		    row->other != PERM_NONE))
			audit_write_once(&c->memo, "operator", op, a->ac.id,
			    "allowed", "operator");
		return 0;
	}
	if (c->who == ACTOR_WHO_OTHER) {
		snprintf(why, sizeof why, "only agent '%s', the other agents "
		    "and the operator may use its socket: this process "
		    "belongs to no running agent", a->ac.id);
		audit_write_once(&c->memo, "nobody", op, a->ac.id, "denied",
		    "operator only");
		if (req)
			peer_reply(c->peer, env, IPC_E_DENIED, why, NULL, 0);
		return -1;
	}
	if (c->who == ACTOR_WHO_AGENT) {
		caller = c->agent.id;
		perms = c->agent.perms;
		snprintf(res, sizeof res, "%s", a->ac.id);
		/* To attach read-write is to type. */
		if (strcmp(op, IPC_OP_ATTACH_OPEN) == 0 && (body_bool(
		    &env->body, "readonly", &ro) != 0 || !ro))
			op = IPC_OP_ATTACH_INPUT;
	} else if (strcmp(op, IPC_OP_MSG_SEND) == 0)
		/* A message goes to its target: that is the resource. */
		snprintf(res, sizeof res, "%s", env->to);
	snprintf(who, sizeof who, "agent %s", caller);
	if (c->who == ACTOR_WHO_SELF && actor_op(op) < 0)
		return 0;	/* relayed: the supervisor decides */
	if (c->who == ACTOR_WHO_AGENT && actor_op(op) != 1) {
		snprintf(why, sizeof why, "agent '%s' may not %s on agent "
		    "'%s''s socket: it asks its own actor ($ORCH_SOCKET)",
		    caller, op, a->ac.id);
		need = PERM_OPERATOR;
	} else
		need = permtab_check(op, caller, perms, res, why, sizeof why);
	if (need == PERM_NONE) {
		if (req && (need = permtab_need(op, caller, res)) != PERM_NONE)
			audit_write_once(&c->memo, who, op, res, "allowed",
			    perm_name(need));
		return 0;
	}
	audit_write_once(&c->memo, who, op, res, "denied", perm_name(need));
	log_warnx("denied: %s", why);
	if (req)
		peer_reply(c->peer, env, IPC_E_DENIED, why, NULL, 0);
	return -1;
}

static void
actor_client_dispatch_cb(struct peer *p, const struct envelope *env,
    void *arg)
{
	struct actor_client	*c = arg;
	struct actor		*a = c->actor;
	const char		*data;
	uint64_t		 rows = 0, cols = 0;
	size_t			 len;

	if (actor_client_permit(c, env) != 0)
		return;
	if (a->serve != NULL) {
		/* The operator (and orch) as the operator; else the agent. */
		struct serve_caller	who = { a->ac.id, a->can_read,
					    a->can_share };
		char			why[256];

		if (c->who == ACTOR_WHO_ORCH || c->who == ACTOR_WHO_OPERATOR) {
			who.id = NULL;
			who.can_read = who.can_share = true;
		} else if (c->who == ACTOR_WHO_AGENT) {
			who.id = c->agent.id;
			who.can_read = (c->agent.perms &
			    PERM_BIT(PERM_DATA_READ)) != 0;
			who.can_share = (c->agent.perms &
			    PERM_BIT(PERM_DATA_SHARE)) != 0;
		}

		switch (serve_dispatch(a->serve, p, env, &who, why,
		    sizeof why)) {
		case SERVE_DENIED:
			log_warnx("denied: %s", why);
			return;
		case SERVE_DONE:
			return;
		default:
			break;
		}
	}
	if (actor_msg_dispatch(a, p, env))
		return;
	if (strcmp(env->op, IPC_OP_ATTACH_INPUT) == 0) {
		/* Read-only clients may type; it goes nowhere. */
		if (!c->attached || c->readonly || a->session == NULL ||
		    a->stopping)
			return;
		if ((data = body_bytes(&env->body, "data", &len)) != NULL)
			session_write(a->session, data, len);
	} else if (strcmp(env->op, IPC_OP_ATTACH_RESIZE) == 0) {
		if (!c->attached || c->readonly || a->session == NULL)
			return;
		if (body_u64(&env->body, "rows", &rows) == 0 &&
		    body_u64(&env->body, "cols", &cols) == 0)
			session_resize(a->session, (unsigned)rows,
			    (unsigned)cols);
	} else if (env->kind != IPC_KIND_REQ)
		return;
	else if (strcmp(env->op, IPC_OP_ATTACH_OPEN) == 0)
		actor_client_open(a, c, env);
	else if (strcmp(env->op, IPC_OP_SESSION_TAIL) == 0)
		actor_client_tail(a, c, env);
	else if (strcmp(env->op, IPC_OP_PING) == 0)
		peer_reply(p, env, IPC_OK, NULL, NULL, 0);
	else if (strcmp(env->op, IPC_OP_CLAUDE_HOOK) == 0) {
		/* A hook is Claude Code in this session, nobody else. */
		if (c->who != ACTOR_WHO_SELF)
			peer_reply(p, env, IPC_E_DENIED, "only a process of "
			    "the agent's own session sends its hooks", NULL,
			    0);
		else
			claude_hook(a, p, env);
	}
	else if (c->who == ACTOR_WHO_SELF)
		actor_msg_relay(a, p, env);
	else
		peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
actor_client_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	struct actor_client	*c = arg;
	struct actor		*a = c->actor;

	(void)p;
	if (a->serve != NULL)
		serve_forget(a->serve, p);
	actor_msg_forget(a, p);
	if (err != IPC_E_PEER_GONE)
		log_warnx("client dropped: %s", why);
	else if (c->attached)
		log_info("client detached (%u left)", a->nclients - 1);
	actor_client_remove(a, c);
	actor_watch(a);
}

static void
actor_accept_cb(int fd, void *arg)
{
	static const struct peer_cbs	 cbs = { actor_client_dispatch_cb,
					    actor_client_closed_cb };
	struct ipc_limits		 lim = IPC_LIMITS_DEFAULT;
	struct actor			*a = arg;
	struct actor_client		*c;

	if (a->stopping) {
		close(fd);
		return;
	}
	lim.max_queued = ATTACH_QUEUE_MAX;
	/* What runs in the session is not to be trusted: bounded. */
	lim.close_on_full = true;
	lim.frame_ms = IPC_CLIENT_FRAME_MS;
	c = xcalloc(1, sizeof *c);
	c->actor = a;
	c->who = actor_caller(a, fd, &c->agent);
	c->peer = peer_new(a->base, fd, "client", &lim, &cbs, c);
	if (c->peer == NULL) {
		free(c);
		return;
	}
	c->next = a->clients;
	a->clients = c;
	a->nclients++;
}

static void
actor_refuse_cb(const char *why, void *arg)
{
	(void)arg;
	log_warnx("refused a connection: %s", why);
}

int
actor_clients_listen(struct actor *a, char **cause)
{
	char	path[PATH_MAX], name[PATH_MAX];

	snprintf(name, sizeof name, "%s/%s.sock", RUNDIR_ACTORS, a->ac.id);
	if (rundir_file(a->instance, name, path, sizeof path, cause) != 0)
		return -1;
	a->listener = sock_listener_new(a->base, path, actor_accept_cb,
	    actor_refuse_cb, a, cause);
	return a->listener != NULL ? 0 : -1;
}

void
actor_clients_output(struct actor *a, const char *data, size_t len)
{
	struct actor_client	*c, *next;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	if (a->clients == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_bin(&pk, "data", data, len);
	for (c = a->clients; c != NULL; c = next) {
		next = c->next;
		if (!c->attached)
			continue;
		if (peer_notify(c->peer, IPC_OP_ATTACH_DATA, sb.data,
		    sb.size) == -IPC_E_BUSY) {
			log_warnx("client too slow (%zu bytes behind): "
			    "dropped", peer_queued(c->peer));
			actor_client_remove(a, c);
		}
	}
	msgpack_sbuffer_destroy(&sb);
}

void
actor_clients_end(struct actor *a, const char *reason)
{
	struct actor_client	*c;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, "reason", reason);
	for (c = a->clients; c != NULL; c = c->next)
		if (c->attached)
			peer_notify(c->peer, IPC_OP_ATTACH_END, sb.data,
			    sb.size);
	msgpack_sbuffer_destroy(&sb);
	/* No new clients while stopping; the file goes now. */
	sock_listener_free(a->listener);
	a->listener = NULL;
}

void
actor_clients_free(struct actor *a)
{
	while (a->clients != NULL)
		actor_client_remove(a, a->clients);
	sock_listener_free(a->listener);
	a->listener = NULL;
}
