/*
 * orch-actor: the life cycle of one agent process.
 *
 * The supervisor starts it with the link socket on a descriptor, sends its
 * configuration (actor.init), and counts it ready only when the answer
 * arrives: the session is up and the socket listens by then. It stops when
 * told to (actor.stop), on SIGTERM, or when the link breaks because the
 * supervisor died; stopping hangs up the session and ends the task, then
 * escalates to SIGKILL after half the grace period, so that the actor
 * itself is gone well before the supervisor's own deadline.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/actor.h"
#include "actors/childwatch.h"
#include "actors/claude.h"
#include "actors/gateway.h"
#include "actors/sandbox.h"
#include "actors/session.h"
#include "actors/task.h"
#include "common/compat.h"
#include "common/audit.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/proctree.h"
#include "common/tasklog.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/perm.h"
#include "ipc/sock.h"
#include "shm/region.h"
#include "shm/serve.h"

#define ACTOR_GRACE_DEFAULT_MS	5000
#define ACTOR_GRACE_MAX_MS	600000
#define ACTOR_ORPHAN_GRACE_MS	1000

static void	actor_stop(struct actor *, unsigned grace_ms, const char *why);

static void
usage(FILE *f)
{
	fprintf(f,
"usage: orch-actor [-L instance] [--link FD] [--json] [-v] AGENT\n"
"\n"
"Started by orch-supervisor, one per agent; not meant to be run by hand.\n"
"The supervisor link is descriptor FD (3); the agent's configuration\n"
"arrives over it.\n");
}

/* Everything is over: leave, with the session and the task gone. */
static void
actor_finish(struct actor *a)
{
	claude_print_end(a);
	if (a->task != NULL) {
		task_free(a->task);
		a->task = NULL;
	}
	tasklog_close(a->tasklog, NULL);
	a->tasklog = NULL;
	if (a->session != NULL) {
		session_close(a->session);
		a->session = NULL;
	}
	actor_clients_free(a);
	actor_msg_free(a);
	claude_free(a);
	/* Terminated (not to be restarted): its worktree goes if clean. */
	if (a->final)
		worktree_close(&a->worktree);
	gateway_free(a);
	free(a->roster);
	sandbox_free(a->sandbox);
	serve_free(a->serve);
	if (a->region != NULL)
		region_detach(a->region);
	if (a->link != NULL)
		peer_flush(a->link);
	log_info("exiting (%d)", a->exit_code);
	audit_close();
	exit(a->exit_code);
}

void
actor_watch(struct actor *a)
{
	struct actor_client	*c;
	bool			 on = a->task != NULL || a->claude != NULL;

	for (c = a->clients; c != NULL && !on; c = c->next)
		on = c->attached;
	if (a->session != NULL)
		session_watch(a->session, on);
}

void
actor_check_done(struct actor *a)
{
	if (!a->stopping)
		return;
	if (a->session != NULL && session_alive(a->session))
		return;
	if (task_running(a->task))
		return;
	actor_finish(a);
}

static void
actor_finish_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	actor_finish(arg);
}

/* Half the grace period passed: whatever still runs is killed. */
static void
actor_stop_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor	*a = arg;
	struct timeval	 tv = { 1, 0 };

	(void)fd;
	(void)events;
	log_info("grace period over: killing what is left");
	if (a->task != NULL)
		task_kill(a->task, 0);
	if (a->session != NULL)
		session_kill(a->session);
	/* The reaps bring us to actor_check_done; do not wait forever. */
	event_free(a->stop_ev);
	a->stop_ev = evtimer_new(a->base, actor_finish_cb, a);
	evtimer_add(a->stop_ev, &tv);
}

static void
actor_stop(struct actor *a, unsigned grace_ms, const char *why)
{
	struct timeval	tv;

	if (a->stopping)
		return;
	a->stopping = true;
	log_info("stopping: %s", why);
	actor_clients_end(a, why);
	if (a->task != NULL)
		task_kill(a->task, grace_ms / 2);
	if (a->session != NULL)
		session_hangup(a->session);
	tv.tv_sec = grace_ms / 2 / 1000;
	tv.tv_usec = (grace_ms / 2 % 1000) * 1000;
	a->stop_ev = evtimer_new(a->base, actor_stop_cb, a);
	evtimer_add(a->stop_ev, &tv);
	actor_check_done(a);
}

/* Session ------------------------------------------------------------------ */

static void
actor_session_output_cb(const char *data, size_t len, void *arg)
{
	struct actor	*a = arg;

	if (a->typing != NULL)
		actor_type_output(a->typing, data, len);
	if (a->claude != NULL)
		claude_output(a, data, len);
	actor_clients_output(arg, data, len);
}

static void
actor_session_exit_cb(int status, const char *lost, void *arg)
{
	struct actor	*a = arg;
	char		 why[600], reason[512];

	if (lost != NULL)
		snprintf(reason, sizeof reason, "lost (%s)", lost);
	else
		proc_exit_reason(status, reason, sizeof reason);
	if (a->stopping) {
		log_debug("session shell %s", reason);
		actor_check_done(a);
		return;
	}
	/* Claude Code that never came up says why in its start's answer. */
	if (a->claude != NULL && claude_exited(a, reason))
		return;
	/*
	 * The shell ended on its own ("exit"): the agent's life is over. A
	 * session lost is a failure: supervision restarts it by its policy.
	 */
	a->exit_code = lost == NULL && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0 ? 0 : 1;
	snprintf(why, sizeof why, "session shell %s", reason);
	actor_stop(a, ACTOR_GRACE_DEFAULT_MS, why);
}

/* Link to the supervisor --------------------------------------------------- */

static void
actor_init(struct actor *a, const struct envelope *env)
{
	static const struct session_cbs	 cbs = { actor_session_output_cb,
					    actor_session_exit_cb };
	char				*cause = NULL, *want;
	char				 shm[REGION_NAME_MAX], why[128];

	if (a->configured) {
		peer_reply(a->link, env, IPC_E_EXISTS, "already running", NULL,
		    0);
		return;
	}
	want = xstrdup(a->ac.id);
	if (agent_config_unpack(body_get(&env->body, "agent"), &a->ac, why,
	    sizeof why) != 0) {
		cause = xstrdup(why);
		goto fail;
	}
	if (strcmp(a->ac.id, want) != 0) {
		xasprintf(&cause, "configuration is for agent '%s', not '%s'",
		    a->ac.id, want);
		goto fail;
	}
	a->configured = true;
	{
		char	by[AGENT_ID_MAX + 8], *why_not = NULL;

		snprintf(by, sizeof by, "actor %s", a->ac.id);
		if (audit_open(a->instance, by, &why_not) != 0) {
			log_warnx("no audit log: %s", why_not);
			free(why_not);
		}
	}
	xasprintf(&a->env[0], "ORCH_AGENT_ID=%s", a->ac.id);
	xasprintf(&a->env[1], "ORCH_INSTANCE=%s", a->instance);
	/* Where its session goes: the tmux server, the iTerm2 window. */
	{
		const msgpack_object	*it = body_get(&env->body, "iterm2");
		struct iterm_config	 ic;
		int64_t			 tmux = 0;

		body_i64(&env->body, "tmux_server", &tmux);
		session_tmux_set_server(a->instance, (pid_t)tmux);
		memset(&ic, 0, sizeof ic);
		if (it != NULL) {
			body_bool(it, "shared", &ic.shared);
			body_str(it, "profile", ic.profile, sizeof ic.profile);
		}
		session_iterm_set(a->instance, &ic);
	}
	{
		char	sock[PATH_MAX], name[PATH_MAX];

		snprintf(name, sizeof name, "%s/%s.sock", RUNDIR_ACTORS,
		    a->ac.id);
		if (rundir_file(a->instance, name, sock, sizeof sock, NULL) == 0)
			xasprintf(&a->env[2], "ORCH_SOCKET=%s", sock);
	}
	/* orch-ctl and friends are on the session's PATH, first. */
	{
		char	 self[PATH_MAX];
		int	 found = compat_self_dir(self, sizeof self);
		const char *path = getenv("PATH");
		size_t	 i;

		/* In front of the agent's own PATH, if it has one. */
		for (i = 0; i < a->ac.env.n; i++)
			if (strncmp(a->ac.env.v[i], "PATH=", 5) == 0)
				path = a->ac.env.v[i] + 5;
		if (found == 0)
			xasprintf(&a->env[3], "PATH=%s:%s", self, path != NULL ?
			    path : "/usr/bin:/bin");
	}
	/* Its list, or its tier's ([] is none). */
	a->perms = perm_effective(&a->ac);
	a->can_read = (a->perms & PERM_BIT(PERM_DATA_READ)) != 0;
	a->can_share = (a->perms & PERM_BIT(PERM_DATA_SHARE)) != 0;
	if (body_str(&env->body, "shm", shm, sizeof shm) == 0 && shm[0] != '\0') {
		a->region = xcalloc(1, sizeof *a->region);
		if (region_attach(a->region, shm, &cause) != 0 ||
		    (a->serve = serve_new(a->base, a->region, &cause)) == NULL)
			goto fail;
	}
	actor_msg_init(a);
	if (a->ac.type == AGENT_GATEWAY) {
		/* No session: its socket speaks MCP, its work is others'. */
		if (gateway_start(a, &cause) != 0)
			goto fail;
		goto ready;
	}
	/* Its own worktree, the session's cwd from now on. */
	if (a->ac.worktree.on) {
		if (worktree_open(&a->worktree, a->ac.id, a->ac.cwd,
		    &a->ac.worktree, &cause) != 0)
			goto fail;
		free(a->ac.cwd);
		a->ac.cwd = xstrdup(a->worktree.path);
	}
	/* The socket first: a sandbox binds it in. */
	if (actor_clients_listen(a, &cause) != 0)
		goto fail;
	if (a->ac.sandbox && ((a->sandbox = sandbox_prefix(a->instance,
	    a->ac.id, &cause)) == NULL || sandbox_probe(a->sandbox,
	    &cause) != 0))
		goto fail;
	/* An interactive Claude Code is the session's program. */
	if (agent_config_interactive(&a->ac) && claude_new(a,
	    body_get(&env->body, "claude"), &cause) != 0)
		goto fail;
	a->session = session_open(a->base, &a->ac, a->claude != NULL ?
	    claude_cmd(a) : NULL, a->env, a->sandbox, &cbs, a, &cause);
	if (a->session == NULL)
		goto fail;
	actor_watch(a);
	free(want);
	/* Ready when Claude Code is up: SessionStart says so. */
	if (a->claude != NULL)
		claude_ready_later(a, env);
	else
		actor_ready(a, env);
	return;
ready:
	free(want);
	actor_ready(a, env);
	return;
fail:
	free(want);
	actor_start_failed(a, env, IPC_E_INVAL, cause);
	free(cause);
}

void
actor_ready(struct actor *a, const struct envelope *env)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_i64(&pk, "pid", getpid());
	body_pack_kv_i64(&pk, "session", a->session != NULL ?
	    session_leader(a->session) : 0);
	if (a->link != NULL)
		peer_reply(a->link, env, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	if (a->session != NULL)
		log_info("ready: session %s pid %ld", a->claude != NULL ?
		    "claude" : "shell", (long)session_leader(a->session));
}

void
actor_start_failed(struct actor *a, const struct envelope *env, int code,
    const char *why)
{
	log_warnx("cannot start: %s", why);
	if (a->link != NULL)
		peer_reply(a->link, env, code, why, NULL, 0);
	a->exit_code = 1;
	actor_finish(a);
}

void
actor_notify_str(struct actor *a, const char *op, const char *key,
    const char *val)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (a->link == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, key, val);
	peer_notify(a->link, op, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void
actor_link_stop(struct actor *a, const struct envelope *env)
{
	uint64_t	grace = ACTOR_GRACE_DEFAULT_MS;

	body_u64(&env->body, "grace_ms", &grace);
	body_bool(&env->body, "final", &a->final);
	if (grace > ACTOR_GRACE_MAX_MS)
		grace = ACTOR_GRACE_MAX_MS;
	actor_stop(a, (unsigned)grace, "asked by the supervisor");
}

/*
 * Who the running actors are: a process that dials our socket from
 * another agent's session is told apart by its actor's pid, or by its
 * session's leader (a tmux pane's program, which descends from the tmux
 * server, not from the actor). And the supervisor's --dashboard view,
 * which is the operator's and what it starts (orch-attach) too.
 */
static void
actor_roster(struct actor *a, const struct envelope *env)
{
	const msgpack_object	*list = body_get(&env->body, "agents");
	struct actor_known	*k;
	uint64_t		 pid, perms;
	uint32_t		 i, n;

	if (list == NULL || list->type != MSGPACK_OBJECT_ARRAY)
		return;
	pid = 0;
	body_u64(&env->body, "view", &pid);
	a->view = pid <= INT32_MAX ? (pid_t)pid : 0;
	n = list->via.array.size < IPC_ROSTER_MAX ? list->via.array.size :
	    IPC_ROSTER_MAX;
	free(a->roster);
	a->roster = xcalloc(n ? n : 1, sizeof *a->roster);
	a->nroster = 0;
	for (i = 0; i < n; i++) {
		k = &a->roster[a->nroster];
		if (body_str(&list->via.array.ptr[i], "id", k->id,
		    sizeof k->id) != 0 || body_u64(&list->via.array.ptr[i],
		    "pid", &pid) != 0 || pid == 0 || pid > INT32_MAX ||
		    body_u64(&list->via.array.ptr[i], "perms", &perms) != 0)
			continue;
		k->pid = (pid_t)pid;
		k->perms = (unsigned)perms;
		/* Its session's leader, when that is no child of its actor. */
		pid = 0;
		body_u64(&list->via.array.ptr[i], "session", &pid);
		k->session = pid <= INT32_MAX ? (pid_t)pid : 0;
		a->nroster++;
	}
	gateway_roster(a);
}

/* The supervisor's heartbeat: an answer says this loop still turns. */
static void
actor_ping(struct actor *a, const struct envelope *env)
{
	peer_reply(a->link, env, IPC_OK, NULL, NULL, 0);
}

/* What the supervisor may ask, and whether it needs actor.init first. */
static const struct {
	const char	*op;
	enum ipc_kind	 kind;
	bool		 configured;
	void		(*fn)(struct actor *, const struct envelope *);
} actor_link_ops[] = {
	{ IPC_OP_ACTOR_INIT, IPC_KIND_REQ, false, actor_init },
	{ IPC_OP_TASK_RUN, IPC_KIND_REQ, true, actor_task_run },
	{ IPC_OP_ACTOR_STOP, IPC_KIND_NTF, false, actor_link_stop },
	{ IPC_OP_TASK_KILL, IPC_KIND_NTF, true, actor_task_kill },
	{ IPC_OP_PING, IPC_KIND_REQ, false, actor_ping },
	{ IPC_OP_ACTOR_ROSTER, IPC_KIND_NTF, false, actor_roster },
	{ IPC_OP_SESSION_TYPE, IPC_KIND_REQ, true, actor_type },
};

static void
actor_link_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	struct actor	*a = arg;
	size_t		 i;

	for (i = 0; i < sizeof actor_link_ops / sizeof actor_link_ops[0]; i++) {
		if (strcmp(env->op, actor_link_ops[i].op) != 0 ||
		    env->kind != actor_link_ops[i].kind)
			continue;
		if (actor_link_ops[i].configured && !a->configured)
			break;
		actor_link_ops[i].fn(a, env);
		return;
	}
	if (env->kind == IPC_KIND_REQ)
		peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
actor_link_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	struct actor	*a = arg;

	(void)p;
	(void)err;
	a->link = NULL;
	peer_free(p);
	if (!a->configured) {
		log_warnx("supervisor link lost before start: %s", why);
		a->exit_code = 1;
		actor_finish(a);
	}
	/* The supervisor is gone: nobody will restart or reap us. */
	actor_stop(a, ACTOR_ORPHAN_GRACE_MS, "supervisor link lost");
}

/* Signals ------------------------------------------------------------------ */

static void
actor_sigchld_cb(evutil_socket_t sig, short events, void *arg)
{
	struct actor	*a = arg;
	int		 status;
	pid_t		 pid;

	(void)sig;
	(void)events;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (childwatch_reaped(pid, status))
			continue;
		if (a->task != NULL)
			task_reap(a->task, pid, status);
	}
	actor_check_done(a);
}

static void
actor_sigterm_cb(evutil_socket_t sig, short events, void *arg)
{
	(void)sig;
	(void)events;
	actor_stop(arg, ACTOR_GRACE_DEFAULT_MS, "SIGTERM");
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "link", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct peer_cbs	 link_cbs = { actor_link_dispatch_cb,
					    actor_link_closed_cb };
	struct actor			 a;
	struct event			*ev_chld, *ev_term;
	char				 name[96];
	int				 ch, link_fd = 3, verbose = 0;

	memset(&a, 0, sizeof a);
	a.instance = NULL;
	while ((ch = getopt_long(argc, argv, "L:f:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'L':
			a.instance = optarg;
			break;
		case 'f':
			link_fd = atoi(optarg);
			break;
		case 'j':
			log_set_json(1);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("orch-actor %s\n", ORCH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	snprintf(a.ac.id, sizeof a.ac.id, "%s", argv[optind]);
	snprintf(name, sizeof name, "actor[%s]", a.ac.id);
	log_init(name, verbose ? LOGL_DEBUG : LOGL_INFO);
	if (a.instance == NULL)
		a.instance = "default";
	if (link_fd < 3 || fcntl(link_fd, F_SETFD, FD_CLOEXEC) == -1)
		fatalx("no supervisor link on descriptor %d (orch-actor is "
		    "started by orch-supervisor)", link_fd);
	/* Die with the supervisor even if its link outlives it somehow. */
	compat_parent_death(SIGTERM);
	/* What a task leaves (double fork, setsid) stays ours to kill. */
	if (proctree_subreaper() != 0 && errno != ENOSYS)
		log_warn("PR_SET_CHILD_SUBREAPER");	/* ENOSYS: the supervisor said */
	if (getppid() == 1)
		fatalx("supervisor already gone");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	a.env = xcalloc(5, sizeof *a.env);
	a.base = event_base_new();
	if (a.base == NULL)
		fatalx("event_base_new failed");
	ev_chld = evsignal_new(a.base, SIGCHLD, actor_sigchld_cb, &a);
	ev_term = evsignal_new(a.base, SIGTERM, actor_sigterm_cb, &a);
	evsignal_add(ev_chld, NULL);
	evsignal_add(ev_term, NULL);
	a.link = peer_new(a.base, link_fd, "supervisor", NULL, &link_cbs, &a);
	if (a.link == NULL)
		fatalx("cannot use the supervisor link");
	event_base_dispatch(a.base);
	return a.exit_code;
}
