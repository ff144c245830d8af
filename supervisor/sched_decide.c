/*
 * What people decide about tasks: approve or deny one the door holds (or
 * one beforehand), cancel one, and what an interrupted -w run leaves
 * (cancelled, skipped) once the event loop is over.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "ipc/proto.h"
#include "supervisor/sched_int.h"
#include "supervisor/supervisor.h"

void
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
void
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
			if (fsm_task_over(t->st))
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
	if (s->timeline_fd != -1 && sched_timeline_put(run, s->timeline_fd,
	    s->timeline) != 0 && code == 0)
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
	/* It runs and its agent waits: a tool call it holds is decided. */
	if (t->sent) {
		if (s->port.release(s->port.ctx, t->agent, yes, "denied") != 0) {
			*why = "its agent waits on its own user, not on orch: "
			    "answer in its session (orch-attach)";
			return -1;
		}
		log_info("task %s: its agent's tool call %s", t->key, yes ?
		    "approved" : "denied");
		return 0;
	}
	if (yes) {
		t->approved = true;
		t->start_ns = clock_now_ns();
		log_info("task %s: approved", t->key);
		/* Running first: if it cannot be sent, its answer comes now. */
		t->sent = true;
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
	if (fsm_task_over(t->st)) {
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
		/* Sent: its agent ends it (what waited was a tool call). */
		if (t->st == ST_RUNNING || t->sent)
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

