#include "supervisor/agent.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/compat.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/perm.h"
#include "ipc/proto.h"
#include "shm/events.h"
#include "shm/region.h"
#include "supervisor/hub.h"
#include "supervisor/spawn.h"
#include "supervisor/supervisor.h"
#include "supervisor/tmuxsrv.h"


const char *
agent_status_name(enum agent_status st)
{
	return fsm_agent_status_name(st);
}

/* The payload of an agent's events: its status, pid, restarts, why. */
static void
agent_pack_event(msgpack_sbuffer *sb, const struct agent *a, const char *why)
{
	msgpack_packer	pk;
	size_t		wlen = why != NULL ? strnlen(why, 200) : 0;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	body_pack_kv_str(&pk, "status", agent_status_name(a->status));
	body_pack_kv_i64(&pk, "pid", a->pid);
	body_pack_kv_u64(&pk, "restarts", a->hist.total);
	/* An event slot is small: the reason is cut to fit. */
	body_pack_str(&pk, "why");
	msgpack_pack_str(&pk, wlen);
	msgpack_pack_str_body(&pk, why != NULL ? why : "", wlen);
}

/* Announce a's change (bus event type bus) from status from. */
static void
agent_announce(struct agent *a, const char *bus, enum agent_status from,
    const char *why)
{
	struct hub_change	ch;
	msgpack_sbuffer		sb;

	msgpack_sbuffer_init(&sb);
	agent_pack_event(&sb, a, why);
	memset(&ch, 0, sizeof ch);
	ch.kind = HUB_AGENT;
	ch.name = a->ac.id;
	ch.from = agent_status_name(from);
	ch.to = agent_status_name(a->status);
	ch.why = why;
	ch.bus = bus;
	ch.source = a->ac.id;
	ch.body = sb.data;
	ch.len = sb.size;
	/* A task's start or end: the live view shows it. */
	ch.quiet = why == NULL && ((from == STATUS_IDLE && a->status ==
	    STATUS_WORKING) || (from == STATUS_WORKING && a->status ==
	    STATUS_IDLE));
	ch.subject = a;
	hub_announce(a->sup->hub, &ch);
	msgpack_sbuffer_destroy(&sb);
}

int
agent_step(struct agent *a, enum agent_event ev, const char *why)
{
	enum agent_status	from = a->status;
	int			to = fsm_agent_next(from, ev);

	if (to < 0) {
		log_debug("agent %s: no step '%s' from %s", a->ac.id,
		    fsm_agent_event_name(ev), agent_status_name(from));
		return -1;
	}
	if ((enum agent_status)to == from)
		return to;
	a->status = (enum agent_status)to;
	snprintf(a->status_why, sizeof a->status_why, "%s", why != NULL ? why :
	    "");
	/* A task held before it ran waits no more once its agent does not. */
	if (from == STATUS_WAITING)
		a->holding = false;
	agent_announce(a, fsm_agent_status_event(a->status), from, why);
	return to;
}

/* Tell whoever waits in w (once). */
static void
agent_tell(struct agent_wait *w, int err, const char *msg)
{
	struct agent_wait	t = *w;

	w->fn = NULL;
	if (t.fn != NULL)
		t.fn(t.arg, err, msg, NULL, 0);
}

struct agent *
agent_add(struct supervisor *sup, const struct agent_config *ac)
{
	struct agent	*a, **pp;

	a = xcalloc(1, sizeof *a);
	a->sup = sup;
	agent_config_copy(&a->ac, ac);
	a->status = STATUS_INITIALIZING;
	a->stats.added_ns = clock_now_ns();
	agent_claude_load(a);
	a->restart_ev = evtimer_new(sup->base, NULL, NULL);
	a->kill_ev = evtimer_new(sup->base, NULL, NULL);
	agent_watch_init(a);
	/* Keep configuration order: status lists read like the file. */
	for (pp = &sup->agents; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = a;
	return a;
}

struct config *
agent_configs(const struct supervisor *sup)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);
	struct agent	*a;
	size_t		 n = 0;

	for (a = sup->agents; a != NULL; a = a->next)
		n++;
	cfg->file = xstrdup("running agents");
	cfg->agents = xcalloc(n ? n : 1, sizeof *cfg->agents);
	for (a = sup->agents; a != NULL; a = a->next)
		agent_config_copy(&cfg->agents[cfg->nagents++], &a->ac);
	return cfg;
}

struct agent *
agent_find(struct supervisor *sup, const char *id)
{
	struct agent	*a;

	for (a = sup->agents; a != NULL; a = a->next)
		if (strcmp(a->ac.id, id) == 0)
			return a;
	return NULL;
}

struct agent *
agent_find_pid(struct supervisor *sup, pid_t pid)
{
	struct agent	*a;

	for (a = sup->agents; a != NULL; a = a->next)
		if (a->pid == pid)
			return a;
	return NULL;
}

struct agent *
agent_find_member(struct supervisor *sup, pid_t pid)
{
	struct agent	*a;

	for (a = sup->agents; a != NULL; a = a->next)
		if (a->pid == pid || (a->session > 0 && a->session == pid))
			return a;
	return NULL;
}

/*
 * Tell every running actor who the others are (id, actor pid, session
 * leader, effective permissions): when another agent's process dials an
 * actor's socket to attach or read the screen, the actor knows whose it is
 * and what it may do. Sent whenever an actor starts, is ready or ends, and
 * as the --dashboard view (the operator's, a child of ours) comes and goes.
 */
void
agent_roster_send(struct supervisor *sup)
{
	struct agent	*a;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	size_t		 n = 0;

	for (a = sup->agents; a != NULL; a = a->next)
		n += a->pid > 0 && n < IPC_ROSTER_MAX;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_u64(&pk, "view", (uint64_t)sup->view_pid);
	body_pack_str(&pk, "agents");
	msgpack_pack_array(&pk, n);
	for (a = sup->agents; a != NULL && n > 0; a = a->next) {
		if (a->pid <= 0)
			continue;
		msgpack_pack_map(&pk, 4);
		body_pack_kv_str(&pk, "id", a->ac.id);
		body_pack_kv_u64(&pk, "pid", (uint64_t)a->pid);
		body_pack_kv_u64(&pk, "perms", perm_effective(&a->ac));
		body_pack_kv_u64(&pk, "session", a->session > 0 ?
		    (uint64_t)a->session : 0);
		n--;
	}
	for (a = sup->agents; a != NULL; a = a->next)
		if (a->link != NULL)
			peer_notify(a->link, IPC_OP_ACTOR_ROSTER, sb.data,
			    sb.size);
	msgpack_sbuffer_destroy(&sb);
}

void
agent_free(struct agent *a)
{
	struct agent	**pp;

	for (pp = &a->sup->agents; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	agent_tell(&a->on_ready, IPC_E_NO_PEER, "agent removed");
	agent_tell(&a->on_exit, IPC_OK, NULL);
	peer_free(a->link);
	event_free(a->restart_ev);
	event_free(a->kill_ev);
	agent_watch_free(a);
	agent_config_clear(&a->ac);
	free(a);
}

static void
agent_kill_cb(evutil_socket_t fd, short events, void *arg)
{
	struct agent	*a = arg;

	(void)fd;
	(void)events;
	if (a->pid > 0) {
		log_warnx("agent %s: actor pid %ld did not stop in time: "
		    "killing it", a->ac.id, (long)a->pid);
		agent_kill(a);
	}
}

void
agent_kill(struct agent *a)
{
	/*
	 * The actor leads its own group, and so do its session's shell and
	 * its task. Other groups in the session (jobs started by a person)
	 * are swept when the actor's exit is handled.
	 */
	if (a->pid > 0)
		kill(-a->pid, SIGKILL);
	if (a->session > 0)
		kill(-a->session, SIGKILL);
	if (a->task_pgid > 0)
		kill(-a->task_pgid, SIGKILL);
}

static void
agent_ready_cb(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	struct agent	*a = arg;
	int64_t		 session = 0;
	char		 why[160];

	(void)p;
	if (err != IPC_OK) {
		/* It exits by itself on a bad start; make sure of it. */
		log_warnx("agent %s: actor failed to start: %s", a->ac.id,
		    env != NULL && env->errmsg[0] ? env->errmsg :
		    proto_strerror(err));
		snprintf(a->last_exit, sizeof a->last_exit, "start failed: %s",
		    env != NULL && env->errmsg[0] ? env->errmsg :
		    proto_strerror(err));
		a->start_failed = true;
		/* Refused for a reason a person must fix: no retry. */
		if (err == IPC_E_DENIED)
			a->start_final = true;
		/* Its Claude Code could not resume: the next start is fresh. */
		if (err == IPC_E_NOENT && agent_config_interactive(&a->ac))
			agent_claude_forget(a);
		if (a->pid > 0 && err == IPC_E_TIMEOUT)
			kill(-a->pid, SIGKILL);
		return;
	}
	body_i64(&env->body, "session", &session);
	a->session = session > 0 && session <= INT32_MAX ? (pid_t)session : 0;
	agent_roster_send(a->sup);
	snprintf(why, sizeof why, "ready in %.1f ms (pid %ld, session %ld)",
	    (double)(clock_now_ns() - a->started_ns) / 1e6, (long)a->pid,
	    (long)a->session);
	agent_step(a, AE_READY, why);
	agent_tell(&a->on_ready, IPC_OK, NULL);
}

static void
agent_task_started(struct agent *a, const struct envelope *env)
{
	int64_t	pgid = 0;

	if (body_i64(&env->body, "pgid", &pgid) == 0 && pgid > 1)
		a->task_pgid = (pid_t)pgid;
}

/* A request an actor made: answered on its link, if still there. */
struct agent_relayed {
	struct agent	*a;
	struct peer	*link;
	struct envelope	 req;
};

void *
agent_answer_later(struct agent *a, const struct envelope *env)
{
	struct agent_relayed	*ar = xcalloc(1, sizeof *ar);

	ar->a = a;
	ar->link = a->link;
	envelope_answer_to(&ar->req, env);
	return ar;
}

void
agent_answer(void *arg, int err, const char *msg, const void *body,
    size_t len)
{
	struct agent_relayed	*ar = arg;

	if (ar->a->link == ar->link && ar->link != NULL)
		peer_reply(ar->link, &ar->req, err, msg, body, len);
	free(ar);
}

/*
 * Whatever else an actor asks, it asks for a process of its session
 * (orch-ctl there speaks to its actor only): answered as that agent's,
 * by the link it came on, never by what the envelope claims.
 */
static void
agent_relay(struct agent *a, const struct envelope *env)
{
	void	*ar = agent_answer_later(a, env);

	/*
	 * The MCP gateway speaks for its callers, whom it told apart as an
	 * actor does ("operator", or an agent); any other actor for itself.
	 */
	a->sup->relayed(a->sup, a->ac.type != AGENT_GATEWAY ? a->ac.id :
	    strcmp(env->from, "operator") == 0 ? NULL : env->from, env,
	    agent_answer, ar);
}

static void
agent_link_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	struct agent	*a = arg;

	if (strcmp(env->op, IPC_OP_TASK_STARTED) == 0)
		agent_task_started(a, env);
	else if (agent_claude_op(a, env))
		return;
	else if (env->kind == IPC_KIND_REQ && a->sup->relayed != NULL)
		agent_relay(a, env);
	else if (env->kind == IPC_KIND_REQ)
		peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
agent_link_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	struct agent	*a = arg;

	/*
	 * The exit itself arrives with SIGCHLD. An actor that dropped its
	 * link but lives on is of no use to anyone: end it.
	 */
	if (err != IPC_E_PEER_GONE)
		log_warnx("agent %s: bad link: %s", a->ac.id, why);
	if (a->link == p)
		a->link = NULL;
	peer_free(p);
	if (a->pid > 0 && !a->stop_requested)
		kill(-a->pid, SIGKILL);
}

static void
agent_restart_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	agent_start(arg);
}

/* Start a again after delay_ns; from the event loop, never recursively. */
static void
agent_restart_after(struct agent *a, uint64_t delay_ns)
{
	struct timeval	tv;

	event_assign(a->restart_ev, a->sup->base, -1, 0, agent_restart_cb, a);
	tv.tv_sec = (time_t)(delay_ns / 1000000000u);
	tv.tv_usec = (suseconds_t)(delay_ns % 1000000000u / 1000);
	evtimer_add(a->restart_ev, &tv);
}

void
agent_start(struct agent *a)
{
	static const struct peer_cbs	 cbs = { agent_link_dispatch_cb,
					    agent_link_closed_cb };
	struct supervisor		*sup = a->sup;
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	struct restart_decision		 d;
	char				*argv[10], *cause = NULL, name[96];
	int				 fds[2], n = 0;
	pid_t				 pid, tmux = 0;

	if (a->pid > 0 || sup->stopping)
		return;
	a->stop_requested = false;
	a->session = a->task_pgid = 0;
	/* What its last Claude Code said is over with it. */
	a->attention = a->claude_busy = false;
	agent_step(a, AE_START, NULL);
	if (a->ac.backend == SESSION_TMUX &&
	    (tmux = tmuxsrv_ensure(sup, &cause)) < 0)
		goto fail;
	if (compat_socketpair(AF_UNIX, SOCK_STREAM, COMPAT_CLOEXEC, fds) == -1) {
		xasprintf(&cause, "socketpair: %s", strerror(errno));
		goto fail;
	}
	argv[n++] = (char *)"orch-actor";
	argv[n++] = (char *)"-L";
	argv[n++] = (char *)sup->instance;
	argv[n++] = (char *)"--link";
	argv[n++] = (char *)"3";
	if (sup->json)
		argv[n++] = (char *)"--json";
	if (sup->verbose)
		argv[n++] = (char *)"-v";
	argv[n++] = a->ac.id;
	argv[n] = NULL;
	a->started_ns = clock_now_ns();
	pid = spawn_actor(sup->actor_path, argv, fds[1], sup->actor_err,
	    &cause);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		goto fail;
	}
	a->pid = pid;
	snprintf(name, sizeof name, "actor %s", a->ac.id);
	a->link = peer_new(sup->base, fds[0], name, NULL, &cbs, a);
	if (a->link == NULL) {
		xasprintf(&cause, "cannot watch the actor link");
		kill(-pid, SIGKILL);
		goto fail;
	}
	agent_watch_start(a);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2 + agent_config_interactive(&a->ac) +
	    (tmux > 0) + (a->ac.backend == SESSION_ITERM2));
	body_pack_str(&pk, "agent");
	agent_config_pack(&pk, &a->ac);
	body_pack_kv_str(&pk, "shm", sup->region != NULL ? sup->region->name :
	    "");
	/* The server its session must be on: ours, and no other. */
	if (tmux > 0)
		body_pack_kv_i64(&pk, "tmux_server", tmux);
	if (a->ac.backend == SESSION_ITERM2) {
		body_pack_str(&pk, "iterm2");
		msgpack_pack_map(&pk, 2);
		body_pack_kv_bool(&pk, "shared", a->ac.iterm.shared);
		body_pack_kv_str(&pk, "profile", a->ac.iterm.profile);
	}
	if (agent_config_interactive(&a->ac) && agent_claude_pack_init(a, &pk,
	    &cause) != 0) {
		msgpack_sbuffer_destroy(&sb);
		log_warnx("agent %s: cannot start: %s", a->ac.id, cause);
		snprintf(a->last_exit, sizeof a->last_exit, "start failed: %s",
		    cause);
		a->start_failed = a->start_final = true;
		free(cause);
		kill(-pid, SIGKILL);
		return;
	}
	/* Claude Code takes its time to come up; a shell does not. */
	peer_request(a->link, IPC_OP_ACTOR_INIT, sb.data, sb.size,
	    agent_config_interactive(&a->ac) ? AGENT_CLAUDE_READY_TIMEOUT_MS :
	    AGENT_READY_TIMEOUT_MS, agent_ready_cb, a);
	msgpack_sbuffer_destroy(&sb);
	agent_roster_send(sup);
	log_debug("agent %s: actor pid %ld started", a->ac.id, (long)pid);
	return;
fail:
	/*
	 * A start that failed (descriptors exhausted, the binary missing)
	 * counts as a crash: retried with back-off while the policy allows,
	 * so a passing shortage is not final; then error.
	 */
	snprintf(a->last_exit, sizeof a->last_exit, "%s", cause);
	d = restart_decide(&a->ac.restart, &a->hist, a->stop_requested ||
	    sup->stopping, false, clock_now_ns());
	if (d.action == RESTART_AFTER) {
		log_warnx("agent %s: cannot start: %s; retry %llu in %llu ms",
		    a->ac.id, cause, (unsigned long long)a->hist.total,
		    (unsigned long long)(d.delay_ns / 1000000));
		agent_restart_after(a, d.delay_ns);
		free(cause);
		return;
	}
	if (d.action == RESTART_GIVE_UP) {
		free(cause);
		xasprintf(&cause, "%s; %u restarts in %u s exceed the limit "
		    "(%u): giving up", a->last_exit, d.in_window,
		    a->ac.restart.within_s, a->ac.restart.max);
	}
	agent_step(a, AE_FAIL, cause);
	agent_tell(&a->on_ready, IPC_E_INTERNAL, cause);
	free(cause);
}

void
agent_stop(struct agent *a, unsigned grace_ms)
{
	struct timeval	tv;
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	a->stop_requested = true;
	if (event_pending(a->restart_ev, EV_TIMEOUT, NULL))
		evtimer_del(a->restart_ev);
	if (a->pid == 0) {
		/* One in error stays so: that says more than "stopped". */
		agent_step(a, AE_STOP, "stopped");
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_u64(&pk, "grace_ms", grace_ms);
	/* Not to be restarted: what it keeps for a restart can go. */
	body_pack_kv_bool(&pk, "final", !a->restart_on_exit);
	if (a->link == NULL || peer_notify(a->link, IPC_OP_ACTOR_STOP,
	    sb.data, sb.size) != 0)
		kill(a->pid, SIGTERM);
	msgpack_sbuffer_destroy(&sb);
	event_assign(a->kill_ev, a->sup->base, -1, 0, agent_kill_cb, a);
	tv.tv_sec = grace_ms / 1000;
	tv.tv_usec = (grace_ms % 1000) * 1000;
	evtimer_add(a->kill_ev, &tv);
}

void
agent_exited(struct agent *a, int status)
{
	struct restart_decision	 d;
	bool			 normal;
	char			 reason[96], why[192];
	pid_t			 old_session;
	struct supervisor	*sup = a->sup;

	proc_exit_reason(status, reason, sizeof reason);
	/* Why it could not start says more than how it then exited. */
	if (!a->start_failed)
		snprintf(a->last_exit, sizeof a->last_exit, "%s", reason);
	a->start_failed = false;
	normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	/* Leave nothing behind: the session and task die with the actor. */
	agent_kill(a);
	old_session = a->session;
	a->pid = 0;
	agent_watch_stop(a);
	a->session = a->task_pgid = 0;
	evtimer_del(a->kill_ev);
	if (a->link != NULL) {
		peer_free(a->link);	/* fails the requests in flight */
		a->link = NULL;
	}
	agent_roster_send(sup);
	agent_tell(&a->on_exit, IPC_OK, NULL);

	if (a->restart_on_exit && !a->sup->stopping) {
		a->restart_on_exit = false;
		agent_step(a, AE_RESTART, "restarting on request");
		agent_start(a);
		agent_watch_sweep(sup, old_session);
		return;
	}
	if (a->start_final && !a->stop_requested && !a->sup->stopping) {
		a->start_final = false;
		agent_step(a, AE_FAIL, a->last_exit);
		agent_tell(&a->on_ready, IPC_E_INTERNAL, a->last_exit);
		agent_watch_sweep(sup, old_session);
		return;
	}
	a->start_final = false;
	d = restart_decide(&a->ac.restart, &a->hist, a->stop_requested ||
	    a->sup->stopping, normal, clock_now_ns());
	switch (d.action) {
	case RESTART_NONE:
		snprintf(why, sizeof why, "actor %s", reason);
		agent_step(a, AE_EXIT, why);
		agent_tell(&a->on_ready, IPC_E_NO_PEER, a->last_exit);
		break;
	case RESTART_GIVE_UP:
		snprintf(why, sizeof why, "actor %s; %u restarts in %u s "
		    "exceed the limit (%u): giving up", reason, d.in_window,
		    a->ac.restart.within_s, a->ac.restart.max);
		agent_step(a, AE_FAIL, why);
		agent_tell(&a->on_ready, IPC_E_INTERNAL, why);
		break;
	case RESTART_AFTER:
		log_warnx("agent %s: actor %s; restart %llu in %llu ms",
		    a->ac.id, reason, (unsigned long long)a->hist.total,
		    (unsigned long long)(d.delay_ns / 1000000));
		agent_step(a, AE_RESTART, "restarting");
		agent_announce(a, EV_AGENT_RESTARTED, a->status, reason);
		agent_restart_after(a, d.delay_ns);
		break;
	}
	/* After the restart began: the new actor starts meanwhile. */
	agent_watch_sweep(sup, old_session);
}

/* What orch-ctl asks ------------------------------------------------------- */

int
agent_deploy(struct supervisor *sup, const struct agent_config *ac,
    proto_done_fn done, void *arg, const char **why)
{
	struct agent	*a;

	for (a = sup->agents; ac->type == AGENT_GATEWAY && a != NULL;
	    a = a->next)
		if (a->ac.type == AGENT_GATEWAY && strcmp(a->ac.id, ac->id) !=
		    0) {
			*why = "cannot be a second gateway: an instance has one "
			    "MCP gateway";
			return IPC_E_EXISTS;
		}
	if ((a = agent_find(sup, ac->id)) != NULL) {
		if (a->pid > 0 || event_pending(a->restart_ev, EV_TIMEOUT,
		    NULL)) {
			*why = "is already running";
			return IPC_E_EXISTS;
		}
		/* A terminated or failed agent is redeployed afresh. */
		agent_config_clear(&a->ac);
		agent_config_copy(&a->ac, ac);
		restart_forget(&a->hist);
	} else
		a = agent_add(sup, ac);
	log_info("agent %s: deployed by request", a->ac.id);
	a->on_ready.fn = done;
	a->on_ready.arg = arg;
	agent_start(a);
	return 0;
}

int
agent_terminate(struct agent *a, proto_done_fn done, void *arg,
    const char **why)
{
	if (a->pid == 0) {
		agent_stop(a, a->sup->grace_ms);
		done(arg, IPC_OK, NULL, NULL, 0);
		return 0;
	}
	if (a->on_exit.fn != NULL) {
		*why = "is already stopping";
		return IPC_E_BUSY;
	}
	a->on_exit.fn = done;
	a->on_exit.arg = arg;
	agent_stop(a, a->sup->grace_ms);
	return 0;
}

int
agent_restart(struct agent *a, proto_done_fn done, void *arg,
    const char **why)
{
	if (a->on_ready.fn != NULL) {
		*why = "is already starting";
		return IPC_E_BUSY;
	}
	restart_forget(&a->hist);
	a->on_ready.fn = done;
	a->on_ready.arg = arg;
	if (a->pid > 0) {
		/* First: the actor is told it comes back (its worktree stays). */
		a->restart_on_exit = true;
		agent_stop(a, a->sup->grace_ms);
	} else {
		evtimer_del(a->restart_ev);
		agent_start(a);
	}
	return 0;
}

int
agent_restart_fresh(struct agent *a, proto_done_fn done, void *arg,
    const char **why)
{
	/* Forgotten first: a stopped agent starts again at once. */
	if (a->on_ready.fn == NULL) {
		agent_claude_forget(a);
		a->claude_sid[0] = '\0';
	}
	return agent_restart(a, done, arg, why);
}
