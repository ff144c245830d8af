/*
 * Restart policy with OTP semantics, as a pure function of the exit, the
 * restart history and a clock the caller passes in (so it is tested without
 * sleeping).
 *
 * permanent: always restarted; transient: restarted unless it exited
 * normally (status 0); temporary: never restarted. An exit the supervisor
 * asked for is never a crash. Intensity: more than `max` restarts within
 * `within` seconds gives up and the agent goes to `error`. The first
 * restart in a window is immediate; each further one inside the window
 * waits twice as long as the last, from 10 ms, capped at 5 s.
 */
#ifndef ORCH_SUPERVISOR_RESTART_H
#define ORCH_SUPERVISOR_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/agent_config.h"

#define RESTART_BACKOFF_MIN_NS	(10ull * 1000000)	/* 10 ms */
#define RESTART_BACKOFF_MAX_NS	(5000ull * 1000000)	/* 5 s */
/* Restart times remembered; intensity above this is clamped. */
#define RESTART_HISTORY_MAX	64

struct restart_history {
	uint64_t	at[RESTART_HISTORY_MAX];	/* ring of restart times */
	unsigned	n;				/* valid entries */
	unsigned	head;				/* next slot */
	uint64_t	total;				/* restarts ever */
};

enum restart_action {
	RESTART_NONE,		/* not a crash, or policy says no: terminated */
	RESTART_AFTER,		/* restart after delay_ns (0: now) */
	RESTART_GIVE_UP,	/* intensity exceeded: error */
};

struct restart_decision {
	enum restart_action	action;
	uint64_t		delay_ns;
	unsigned		in_window;	/* restarts in the window */
};

/*
 * Decide what to do about an actor that exited. requested: the supervisor
 * asked it to stop. normal: it exited with status 0. now_ns: monotonic
 * clock. When the answer is RESTART_AFTER the restart is recorded in hist.
 */
struct restart_decision restart_decide(const struct restart_policy *pol,
	    struct restart_history *hist, bool requested, bool normal,
	    uint64_t now_ns);
/*
 * An intensity window that starts over (a restart or deploy someone asked
 * for is not a crash); the count of restarts ever stays, as a counter.
 */
void	restart_forget(struct restart_history *hist);


#endif
