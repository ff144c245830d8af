/*
 * The two life cycles as tables (state x event -> state), as s6 keeps its
 * service states: an agent's (the seed's six statuses) and a task's. Pure:
 * no process, no clock, no I/O, so every pair is tested. The one writer
 * of each state (agent_step in agent.c, sched_step in sched.c) asks here
 * whether a step is allowed, then announces it on the hub.
 */
#ifndef ORCH_SUPERVISOR_FSM_H
#define ORCH_SUPERVISOR_FSM_H

#include <stdbool.h>

enum agent_status {
	STATUS_INITIALIZING = 0,
	STATUS_IDLE,
	STATUS_WORKING,
	STATUS_WAITING,		/* its current task waits on a person */
	STATUS_ERROR,
	STATUS_TERMINATED,
	STATUS_COUNT
};

enum agent_event {
	AE_START = 0,		/* its actor is being started */
	AE_READY,		/* the actor said it is ready */
	AE_TASK,		/* a task was sent to it */
	AE_HOLD,		/* its task waits on a person */
	AE_RESUME,		/* the person answered: the task runs */
	AE_DONE,		/* its task is over */
	AE_RESTART,		/* the actor exited; restarted after a delay */
	AE_EXIT,		/* the actor exited, not to be restarted */
	AE_FAIL,		/* it cannot be started again: given up */
	AE_STOP,		/* asked to stop while no actor runs */
	AE_COUNT
};

enum task_state {
	ST_PENDING = 0,
	ST_WAITING,		/* for approval (before it runs, or as it runs) */
	ST_RUNNING,
	ST_RETRY,		/* backing off before another attempt */
	ST_OK,
	ST_FAILED,
	ST_SKIPPED,
	ST_CANCELLED,		/* orch-ctl cancel, or the -w run interrupted */
	ST_COUNT
};

enum task_event {
	TE_HOLD = 0,		/* held for approval at the door, or its tool call */
	TE_APPROVE,		/* approved: sent to its agent */
	TE_START,		/* sent to its agent */
	TE_OK,			/* it succeeded */
	TE_FAIL,		/* it failed (or could never run), no retry left */
	TE_RETRY,		/* it failed; another attempt after a back-off */
	TE_AGAIN,		/* the back-off is over */
	TE_DENY,		/* a person said no */
	TE_SKIP,		/* something it depends on cannot give it input */
	TE_CANCEL,		/* orch-ctl cancel, or an interrupted run */
	TE_COUNT
};

/* The status after ev in st, or -1 when ev cannot happen in st. */
int		 fsm_agent_next(enum agent_status st, enum agent_event ev);
int		 fsm_task_next(enum task_state st, enum task_event ev);

const char	*fsm_agent_status_name(enum agent_status st);
const char	*fsm_agent_event_name(enum agent_event ev);
/* The bus event announcing an agent's new status. */
const char	*fsm_agent_status_event(enum agent_status st);
const char	*fsm_task_state_name(enum task_state st);
const char	*fsm_task_event_name(enum task_event ev);
/* The bus event announcing a task's step. */
const char	*fsm_task_event_bus(enum task_event ev);
/* Over for good: ok, failed, skipped or cancelled. */
bool		 fsm_task_over(enum task_state st);

#endif
