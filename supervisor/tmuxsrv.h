/*
 * The instance's tmux server, which the supervisor starts (with the first
 * agent whose session.backend is tmux) and ends (at its own end). It is
 * the supervisor's, not an actor's: what runs in its panes descends from
 * no actor, so that none of them passes for another agent, and an actor's
 * death does not take the other agents' sessions with it.
 */
#ifndef ORCH_SUPERVISOR_TMUXSRV_H
#define ORCH_SUPERVISOR_TMUXSRV_H

#include <sys/types.h>

struct supervisor;

/*
 * The server running: its pid, started now if it was not (one left by an
 * earlier run of this instance is ended first). -1 with *cause.
 */
pid_t	tmuxsrv_ensure(struct supervisor *sup, char **cause);
/* pid was reaped: if it was the server, it is gone. */
void	tmuxsrv_reaped(struct supervisor *sup, pid_t pid);
/* End it, with every session on it (the supervisor's end). */
void	tmuxsrv_stop(struct supervisor *sup);

#endif
