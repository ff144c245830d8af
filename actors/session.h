/*
 * An agent's terminal session (DESIGN §8): one interface, one backend per
 * kind of terminal, chosen by the agent's session.backend. The actor
 * speaks only to this interface; what it keeps for every backend (the
 * scrollback fed by the session's output, the size, the callbacks) lives
 * here (session.c), what differs is a backend's table of operations:
 * session_pty.c for a pseudo-terminal of the actor's own, session_tmux.c
 * for a tmux session on the instance's own tmux server, session_iterm.c
 * for an iTerm2 session driven through osascript.
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
	/* Bytes the session printed (already in the scrollback). */
	void	(*output_cb)(const char *data, size_t len, void *arg);
	/*
	 * The session ended: its shell exited with wait status `status`, or
	 * (lost not NULL) it went away without one, lost says how (a tmux
	 * session killed from outside).
	 */
	void	(*exit_cb)(int status, const char *lost, void *arg);
};

/*
 * A backend. Every operation gets the session; the backend keeps its own
 * state with session_set_impl. Optional ones may be NULL.
 */
struct session_ops {
	const char	*name;
	/*
	 * Start it for ac with environment env, running cmd (an argument
	 * vector with its program's path; NULL: the agent's shell) under the
	 * command wrap (NULL: none; sandbox.h). 0, or -1 with *cause.
	 */
	int	(*open)(struct session *s, const struct agent_config *ac,
		    char *const *cmd, char *const *env, char *const *wrap,
		    char **cause);
	/* Input, as if typed. 0, or -1 (gone, or too much waiting). */
	int	(*write)(struct session *s, const void *data, size_t len);
	/*
	 * Text for whoever watches (a task's output), shown as a program's
	 * output would be and coming back through session_output. 0 or -1.
	 */
	int	(*show)(struct session *s, const void *data, size_t len);
	int	(*resize)(struct session *s, unsigned rows, unsigned cols);
	/* The end of what it shows; NULL: the scrollback session.c keeps. */
	size_t	(*tail)(const struct session *s, size_t n, char *out);
	/* Is it still there (not ended)? */
	bool	(*alive)(const struct session *s);
	/* Ask what runs in it to end (a hang-up); kill: end it now. */
	void	(*hangup)(struct session *s);
	void	(*kill)(struct session *s);
	/* Stop watching it and free the backend's state (it was killed). */
	void	(*close)(struct session *s);
	/*
	 * Somebody watches its output (a client attached, a task running),
	 * or nobody does now: for a backend that must poll for it.
	 */
	void	(*watch)(struct session *s, bool on);
};

extern const struct session_ops session_pty_ops;
extern const struct session_ops session_tmux_ops;
extern const struct session_ops session_iterm_ops;

/* The iTerm2 backend: the instance (its run directory) and the window. */
void		 session_iterm_set(const char *instance,
		    const struct iterm_config *cfg);

/*
 * The tmux server the tmux backend uses: instance's, whose pid the
 * supervisor said (it started it).
 */
void		 session_tmux_set_server(const char *instance, pid_t server);

/*
 * Start the session for agent ac with its backend, running cmd (NULL: the
 * agent's shell; else a NULL-terminated argument vector whose first item
 * is the program's path: an interactive Claude Code). env (NULL-terminated
 * "K=V" list) is added to the environment after the agent's own; wrap
 * (NULL-terminated, or NULL) is the command it runs under (the sandbox's).
 * NULL with *cause on failure (program not executable, cwd missing, no
 * pty, a backend not built in).
 */
struct session	*session_open(struct event_base *base,
		    const struct agent_config *ac, char *const *cmd,
		    char *const *env, char *const *wrap,
		    const struct session_cbs *cbs, void *arg, char **cause);
/* The same with the backend given. */
struct session	*session_open_with(const struct session_ops *ops,
		    struct event_base *base, const struct agent_config *ac,
		    char *const *cmd, char *const *env, char *const *wrap,
		    const struct session_cbs *cbs, void *arg, char **cause);
/* End it (whatever still runs there is killed) and free it. */
void		 session_close(struct session *s);

/*
 * The environment of the session and of its tasks: ours, then the agent's
 * env, then extra (later names replace earlier ones). Free the array only:
 * the strings belong to the sources.
 */
char		**session_environ(const struct agent_config *ac,
		    char *const *extra);

/*
 * What a backend starts: the program's path, its argument vector (wrap
 * first, if any; argv[0] as the program sees itself: a shell's base name)
 * and its environment (session_environ's, without $ENV when the agent's
 * shell reads no rc files). The strings belong to the sources.
 */
struct session_exec {
	const char	 *path;
	char		**argv;
	char		**env;
	char		  what[600];	/* "session shell /bin/bash" */
	char		  cwd_what[600];	/* "session cwd /x" */
};

void		 session_exec_make(struct session_exec *x,
		    const struct agent_config *ac, char *const *cmd,
		    char *const *extra_env, char *const *wrap);
/*
 * Before starting it where no exec failure comes back (a tmux pane):
 * is cwd a directory and the program executable? 0, or -1 with *cause.
 */
int		 session_exec_check(const struct session_exec *x,
		    const char *cwd, char **cause);
void		 session_exec_free(struct session_exec *x);

int		 session_write(struct session *s, const void *data, size_t len);
int		 session_show(struct session *s, const void *data, size_t len);
/* 0, or -1 for a size out of 1-10000 or one the backend refuses. */
int		 session_resize(struct session *s, unsigned rows, unsigned cols);
void		 session_size(const struct session *s, unsigned *rows,
		    unsigned *cols);
bool		 session_alive(const struct session *s);
void		 session_hangup(struct session *s);
/* Is anybody watching what it shows (see session_ops.watch)? */
void		 session_watch(struct session *s, bool on);
void		 session_kill(struct session *s);
/* The last n bytes it showed into out; returns the count. */
size_t		 session_tail(const struct session *s, size_t n, char *out);
size_t		 session_scrollback_len(const struct session *s);
/*
 * The process group leading what the session runs when that is a child
 * of ours (the pty backend's shell), so that what a dead actor leaves can
 * be killed and a task's sweep spares it; 0 when the backend's processes
 * are not ours (a tmux server, iTerm2).
 */
pid_t		 session_leader(const struct session *s);

/* For backends. */

/*
 * Bytes for a non-blocking descriptor (a terminal, a pipe), written as it
 * takes them: at most max wait, more is refused (-1). The descriptor
 * stays the caller's.
 */
struct session_sink;
struct session_sink *session_sink_new(struct event_base *base, int fd,
		    size_t max);
int		 session_sink_write(struct session_sink *k, const void *data,
		    size_t len);
size_t		 session_sink_pending(const struct session_sink *k);
void		 session_sink_free(struct session_sink *k);

struct event_base *session_base(const struct session *s);
void		*session_impl(const struct session *s);
void		 session_set_impl(struct session *s, void *impl);
void		 session_set_leader(struct session *s, pid_t pgid);
/* What the session printed: kept in the scrollback, then output_cb. */
void		 session_output(struct session *s, const char *data,
		    size_t len);
/* It ended: exit_cb (once). */
void		 session_ended(struct session *s, int status);
/* It went away with no exit status: exit_cb (once), saying why. */
void		 session_lost(struct session *s, const char *why);

#endif
