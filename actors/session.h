/*
 * An agent's terminal session (DESIGN §8): one interface, one backend per
 * kind of terminal. The pty backend is built in; the actor owns the
 * terminal, keeps its scrollback and streams it to attach clients.
 *
 * The session's shell runs as the leader of its own session and process
 * group on the terminal, so signals and hang-ups reach everything an
 * attached person started there.
 */
#ifndef ORCH_ACTORS_SESSION_H
#define ORCH_ACTORS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ipc/agent_config.h"

struct event_base;
struct session;

struct session_cbs {
	/* Bytes the terminal printed (already in the scrollback). */
	void	(*output_cb)(const char *data, size_t len, void *arg);
	/* The shell ended with wait status `status`. */
	void	(*exit_cb)(int status, void *arg);
};

/*
 * Start the session for agent ac: env (NULL-terminated "K=V" list) is added
 * to the environment after the agent's own. NULL with *cause on failure
 * (shell not executable, cwd missing, no pty).
 */
struct session	*session_open(struct event_base *base,
		    const struct agent_config *ac, char *const *env,
		    const struct session_cbs *cbs, void *arg, char **cause);
/*
 * The environment of the session and of its tasks: ours, then the agent's
 * env, then extra (later names replace earlier ones). Free the array only:
 * the strings belong to the sources.
 */
char		**session_environ(const struct agent_config *ac,
		    char *const *extra);
/* Stop watching and kill whatever is still in the session. */
void		 session_close(struct session *s);

/* Input, as if typed. 0 or -1 (the session is gone). */
int		 session_write(struct session *s, const void *data, size_t len);
/*
 * Show text on the terminal (task output): it reaches the scrollback and
 * every attached client as if a program had printed it. 0, or -1 when the
 * terminal is gone or 4 MiB are already waiting to be shown.
 */
int		 session_print(struct session *s, const void *data, size_t len);
int		 session_resize(struct session *s, unsigned rows, unsigned cols);
void		 session_size(const struct session *s, unsigned *rows,
		    unsigned *cols);

/* The shell's pid (also its session and process group id), 0 once reaped. */
pid_t		 session_pid(const struct session *s);
/* Offer a reaped child; true if it was the shell (exit_cb has run). */
bool		 session_reap(struct session *s, pid_t pid, int status);
/* SIGHUP (then SIGCONT) to everything in the session. */
void		 session_hangup(struct session *s);
/* SIGKILL to everything in the session. */
void		 session_kill(struct session *s);
/* Anything still running in the session? */
bool		 session_alive(const struct session *s);

/* The last n bytes of scrollback into out; returns the count. */
size_t		 session_tail(const struct session *s, size_t n, char *out);
size_t		 session_scrollback_len(const struct session *s);

#endif
