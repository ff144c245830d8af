#include "supervisor/fsm.h"

#include "shm/events.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])
#define NO		(-1)

/*
 * Agents. An actor that exits while it runs (any live status) is restarted
 * (initializing), terminated or given up on (error); one that never ran
 * can be stopped (terminated) or started again.
 */
#define I	STATUS_INITIALIZING
#define D	STATUS_IDLE
#define W	STATUS_WORKING
#define P	STATUS_WAITING
#define E	STATUS_ERROR
#define T	STATUS_TERMINATED
static const signed char fsm_agent[STATUS_COUNT][AE_COUNT] = {
	/*		 START READY TASK HOLD RESUME DONE RESTART EXIT FAIL STOP */
	[I] = {		 I,    D,    NO,  NO,  NO,    NO,  I,      T,   E,   T  },
	[D] = {		 NO,   NO,   W,   P,   NO,    NO,  I,      T,   E,   NO },
	[W] = {		 NO,   NO,   NO,  P,   NO,    D,   I,      T,   E,   NO },
	[P] = {		 NO,   NO,   NO,  NO,  W,     D,   I,      T,   E,   NO },
	[E] = {		 I,    NO,   NO,  NO,  NO,    NO,  NO,     NO,  NO,  NO },
	[T] = {		 I,    NO,   NO,  NO,  NO,    NO,  NO,     NO,  NO,  T  },
};
#undef I
#undef D
#undef W
#undef P
#undef E
#undef T

/*
 * Tasks. Only a task not yet over moves; a running one ends ok, failed,
 * retrying or cancelled (a cancel while it runs is a request: the step
 * comes with its answer); one not yet sent can fail at once (no agent
 * left to run it, its input cannot be written), be denied beforehand, or
 * be skipped or cancelled. One held for approval whose agent went away
 * waits for another (again).
 */
#define PE	ST_PENDING
#define WA	ST_WAITING
#define RU	ST_RUNNING
#define RE	ST_RETRY
#define OK	ST_OK
#define FA	ST_FAILED
#define SK	ST_SKIPPED
#define CA	ST_CANCELLED
static const signed char fsm_task[ST_COUNT][TE_COUNT] = {
	/*	   HOLD APPROVE START OK  FAIL RETRY AGAIN DENY SKIP CANCEL */
	[PE] = {   WA,  NO,     RU,   NO, FA,  NO,   NO,   FA,  SK,  CA },
	[WA] = {   NO,  RU,     NO,   OK, FA,  RE,   PE,   FA,  SK,  CA },
	[RU] = {   WA,  NO,     NO,   OK, FA,  RE,   NO,   NO,  NO,  CA },
	[RE] = {   NO,  NO,     NO,   NO, NO,  NO,   PE,   NO,  SK,  CA },
	[OK] = {   NO,  NO,     NO,   NO, NO,  NO,   NO,   NO,  NO,  NO },
	[FA] = {   NO,  NO,     NO,   NO, NO,  NO,   NO,   NO,  NO,  NO },
	[SK] = {   NO,  NO,     NO,   NO, NO,  NO,   NO,   NO,  NO,  NO },
	[CA] = {   NO,  NO,     NO,   NO, NO,  NO,   NO,   NO,  NO,  NO },
};
#undef PE
#undef WA
#undef RU
#undef RE
#undef OK
#undef FA
#undef SK
#undef CA

static const char *const fsm_agent_status_names[STATUS_COUNT] = {
	[STATUS_INITIALIZING] = "initializing",
	[STATUS_IDLE] = "idle",
	[STATUS_WORKING] = "working",
	[STATUS_WAITING] = "waiting",
	[STATUS_ERROR] = "error",
	[STATUS_TERMINATED] = "terminated",
};

static const char *const fsm_agent_status_events[STATUS_COUNT] = {
	[STATUS_INITIALIZING] = EV_AGENT_INITIALIZING,
	[STATUS_IDLE] = EV_AGENT_READY,
	[STATUS_WORKING] = EV_AGENT_BUSY,
	[STATUS_WAITING] = EV_AGENT_WAITING,
	[STATUS_ERROR] = EV_AGENT_ERROR,
	[STATUS_TERMINATED] = EV_AGENT_TERMINATED,
};

static const char *const fsm_agent_event_names[AE_COUNT] = {
	"start", "ready", "task", "hold", "resume", "done", "restart", "exit",
	"fail", "stop",
};

static const char *const fsm_task_state_names[ST_COUNT] = {
	"pending", "waiting", "running", "retrying", "ok", "failed", "skipped",
	"cancelled",
};

static const char *const fsm_task_event_names[TE_COUNT] = {
	"hold", "approve", "start", "ok", "fail", "retry", "again", "deny",
	"skip", "cancel",
};

static const char *const fsm_task_event_buses[TE_COUNT] = {
	[TE_HOLD] = EV_TASK_WAITING,
	[TE_APPROVE] = EV_TASK_STARTED,
	[TE_START] = EV_TASK_STARTED,
	[TE_OK] = EV_TASK_COMPLETED,
	[TE_FAIL] = EV_TASK_FAILED,
	[TE_RETRY] = EV_TASK_RETRYING,
	[TE_AGAIN] = EV_TASK_PENDING,
	[TE_DENY] = EV_TASK_DENIED,
	[TE_SKIP] = EV_TASK_SKIPPED,
	[TE_CANCEL] = EV_TASK_CANCELLED,
};

int
fsm_agent_next(enum agent_status st, enum agent_event ev)
{
	if ((unsigned)st >= STATUS_COUNT || (unsigned)ev >= AE_COUNT)
		return NO;
	return fsm_agent[st][ev];
}

int
fsm_task_next(enum task_state st, enum task_event ev)
{
	if ((unsigned)st >= ST_COUNT || (unsigned)ev >= TE_COUNT)
		return NO;
	return fsm_task[st][ev];
}

static const char *
fsm_name(const char *const *names, unsigned n, unsigned i)
{
	return i < n ? names[i] : "?";
}

const char *
fsm_agent_status_name(enum agent_status st)
{
	return fsm_name(fsm_agent_status_names, STATUS_COUNT, st);
}

const char *
fsm_agent_event_name(enum agent_event ev)
{
	return fsm_name(fsm_agent_event_names, AE_COUNT, ev);
}

const char *
fsm_agent_status_event(enum agent_status st)
{
	return fsm_name(fsm_agent_status_events, STATUS_COUNT, st);
}

const char *
fsm_task_state_name(enum task_state st)
{
	return fsm_name(fsm_task_state_names, ST_COUNT, st);
}

const char *
fsm_task_event_name(enum task_event ev)
{
	return fsm_name(fsm_task_event_names, TE_COUNT, ev);
}

const char *
fsm_task_event_bus(enum task_event ev)
{
	return fsm_name(fsm_task_event_buses, TE_COUNT, ev);
}

bool
fsm_task_over(enum task_state st)
{
	return st == ST_OK || st == ST_FAILED || st == ST_SKIPPED ||
	    st == ST_CANCELLED;
}
