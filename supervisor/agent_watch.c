/*
 * Watching actors from the supervisor: the heartbeat that notices a hung
 * actor, a task's timeout kept here as well as by its actor, and the
 * sweep of what dead actors left behind (old sessions, orphans).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/proctree.h"
#include "common/xmalloc.h"
#include "ipc/proto.h"
#include "ipc/peer.h"
#include "supervisor/agent.h"
#include "supervisor/supervisor.h"

/* Past a task's timeout, when we ask its actor again to end it. */
#define AGENT_TASK_SLACK_MS	500
/* An interactive Claude Code is interrupted in steps (Escape, SIGINT, kill). */
#define AGENT_TASK_SLACK_CLAUDE_MS	4500
/* How long after an actor's exit its old session is swept. */
#define AGENT_SWEEP_DELAY_MS	100


static void
agent_watch_beat_done(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	struct agent	*a = arg;

	(void)p;
	(void)env;
	a->beat_out = false;
	if (err != IPC_E_TIMEOUT || a->pid <= 0 || a->sup->stopping)
		return;
	/*
	 * Stopped, or stuck in a loop: it serves nobody and its task does
	 * not end. Killed, it is restarted by its policy and its task is
	 * retried or failed by the task's.
	 */
	log_warnx("agent %s: actor pid %ld did not answer a ping within "
	    "%u ms: killing it", a->ac.id, (long)a->pid,
	    a->sup->heartbeat_ms);
	snprintf(a->last_exit, sizeof a->last_exit, "hung (no answer to a "
	    "ping in %u ms)", a->sup->heartbeat_ms);
	kill(a->pid, SIGKILL);
}

static void
agent_watch_beat_cb(evutil_socket_t fd, short events, void *arg)
{
	struct agent	*a = arg;

	(void)fd;
	(void)events;
	if (a->link == NULL || a->beat_out || a->sup->stopping)
		return;
	if (peer_request(a->link, IPC_OP_PING, NULL, 0, a->sup->heartbeat_ms,
	    agent_watch_beat_done, a) > 0)
		a->beat_out = true;
}

void
agent_watch_start(struct agent *a)
{
	struct timeval	tv;
	unsigned	ms = a->sup->heartbeat_ms / 3;

	if (a->sup->heartbeat_ms == 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	a->beat_out = false;
	event_add(a->beat_ev, &tv);
}

/*
 * The task's timeout, kept by us as well as by its actor: if the actor
 * has not ended the task soon after it (it is stopped, say), we ask it
 * again and signal the task's session ourselves, TERM then KILL after the
 * grace period; the heartbeat deals with an actor that no longer answers.
 */
static void
agent_watch_task_cb(evutil_socket_t fd, short events, void *arg)
{
	struct agent	*a = arg;
	struct timeval	 tv = { IPC_TASK_KILL_GRACE_MS / 1000,
			    IPC_TASK_KILL_GRACE_MS % 1000 * 1000 };

	(void)fd;
	(void)events;
	if (a->current == NULL || a->status != STATUS_WORKING)
		return;
	if (!a->task_late) {
		a->task_late = true;
		log_warnx("agent %s: task %s still runs past its timeout: "
		    "stopping it", a->ac.id, a->current->name);
		agent_kill_task(a);
		if (a->task_pgid > 0)
			proc_kill_session(a->task_pgid, SIGTERM);
		evtimer_add(a->task_ev, &tv);
	} else if (a->task_pgid > 0)
		proc_kill_session(a->task_pgid, SIGKILL);
}

void
agent_watch_init(struct agent *a)
{
	a->beat_ev = event_new(a->sup->base, -1, EV_PERSIST,
	    agent_watch_beat_cb, a);
	a->task_ev = evtimer_new(a->sup->base, agent_watch_task_cb, a);
}

void
agent_watch_free(struct agent *a)
{
	event_free(a->beat_ev);
	event_free(a->task_ev);
}

void
agent_watch_stop(struct agent *a)
{
	event_del(a->beat_ev);
	evtimer_del(a->task_ev);
	a->beat_out = false;
}

void
agent_watch_task(struct agent *a, unsigned timeout_ms)
{
	struct timeval	tv;

	evtimer_del(a->task_ev);
	if (timeout_ms == 0)
		return;
	a->task_late = false;
	timeout_ms += agent_config_interactive(&a->ac) ?
	    AGENT_TASK_SLACK_CLAUDE_MS : AGENT_TASK_SLACK_MS;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = timeout_ms % 1000 * 1000;
	evtimer_add(a->task_ev, &tv);
}

static void
agent_watch_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	agent_watch_sweep_now(arg);
}

/*
 * We are a subreaper: what a dead actor's tasks left (double-forked,
 * setsid, deaf to SIGTERM) is ours now. Only actors (and the tmux server,
 * and the --dashboard view) are our children by right; everything else under us that no live actor
 * holds is killed.
 */
static void
agent_watch_orphans(struct supervisor *sup)
{
	struct agent	*a;
	pid_t		*keep;
	size_t		 n = 0;

	for (a = sup->agents; a != NULL; a = a->next)
		n++;
	keep = xcalloc(n + 2, sizeof *keep);
	n = 0;
	for (a = sup->agents; a != NULL; a = a->next)
		if (a->pid > 0)
			keep[n++] = a->pid;
	/* The tmux server holds the live agents' tmux sessions. */
	if (sup->tmux_pid > 0)
		keep[n++] = sup->tmux_pid;
	/* The --dashboard view (and its orch-attach) is the operator's. */
	if (sup->view_pid > 0)
		keep[n++] = sup->view_pid;
	if (proctree_other_children(keep, n) != 0 &&
	    (n = proctree_kill_all(getpid(), keep, n, NULL)) > 0)
		log_info("killed %zu process%s left by actors that died", n,
		    n == 1 ? "" : "es");
	free(keep);
}

void
agent_watch_sweep_now(struct supervisor *sup)
{
	size_t	i;

	for (i = 0; i < sup->nsweeps; i++)
		proc_kill_session(sup->sweeps[i], SIGKILL);
	agent_watch_orphans(sup);
	log_debug("swept %zu old session%s and the orphans", sup->nsweeps,
	    sup->nsweeps == 1 ? "" : "s");
	free(sup->sweeps);
	sup->sweeps = NULL;
	sup->nsweeps = 0;
	if (sup->sweep_ev != NULL)
		evtimer_del(sup->sweep_ev);
}

/*
 * Kill what is left in an old session, whatever group it moved to. This
 * walks /proc, so it runs a little later, off the path of the restart
 * (the new actor is starting meanwhile); a shutdown runs it at once.
 */
void
agent_watch_sweep(struct supervisor *sup, pid_t session)
{
	struct timeval	tv = { 0, AGENT_SWEEP_DELAY_MS * 1000 };

	if (sup->stopping) {
		if (session > 0)
			proc_kill_session(session, SIGKILL);
		agent_watch_orphans(sup);
		return;
	}
	if (session > 0) {
		sup->sweeps = xreallocarray(sup->sweeps, sup->nsweeps + 1,
		    sizeof *sup->sweeps);
		sup->sweeps[sup->nsweeps++] = session;
	}
	if (sup->sweep_ev == NULL)
		sup->sweep_ev = evtimer_new(sup->base, agent_watch_sweep_cb, sup);
	if (!evtimer_pending(sup->sweep_ev, NULL))
		evtimer_add(sup->sweep_ev, &tv);
}

