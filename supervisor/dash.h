/*
 * The supervisor's foreground view (--dashboard): orch-ctl top run on our
 * own terminal. While it is up, what the supervisor and its actors log
 * goes to a file (a line written under a full-screen view would tear it);
 * once it is left with q, the terminal has the log again, the lines the
 * view held shown first, and the supervisor runs on until Ctrl-C.
 */
#ifndef ORCH_SUPERVISOR_DASH_H
#define ORCH_SUPERVISOR_DASH_H

#include <stdbool.h>
#include <sys/types.h>

/* The last bytes of the held log shown again when the view ends. */
#define DASH_REPLAY_MAX		(64 * 1024)
/* The file it goes to, in the instance's state directory. */
#define DASH_LOG_FILE		"supervisor.log"

struct dash;
struct supervisor;

/*
 * Start the view (sup->dash): stdin, stdout and stderr must be a
 * terminal. progress: a -w run whose progress line comes back when the
 * view ends. NULL with *cause when it cannot (then nothing has changed).
 */
struct dash	*dash_start(struct supervisor *sup, bool progress,
		    char **cause);
/* A reaped child: true when it was the view's (which is over then). */
bool		 dash_reaped(struct dash *d, pid_t pid, int status);
/* The supervisor stops: ask the view to end (it is reaped as it does). */
void		 dash_close(struct dash *d);
/* Last: end the view, waited for (killed when it will not go), and free. */
void		 dash_free(struct dash *d);

#endif
