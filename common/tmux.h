/*
 * The tmux server of an orch instance, as every part of orch names and
 * reaches it: its own socket (`tmux -L orch-INSTANCE`), never the user's
 * default server, so that nothing orch does to it touches theirs. The
 * agent's session backend drives it (actors/session_tmux.c), orch-attach
 * attaches people to it, the supervisor removes it at its end.
 */
#ifndef ORCH_COMMON_TMUX_H
#define ORCH_COMMON_TMUX_H

#include <stddef.h>

#define TMUX_NAME_MAX	160

/* "orch-INSTANCE": tmux's -L. */
void	tmux_server_name(const char *instance, char *buf, size_t size);
/*
 * The tmux session of agent id: tmux makes '.' and ':' in a session name
 * '_' (it separates targets with them), and so do we, so that the name
 * asked for is the name made.
 */
void	tmux_session_name(const char *agent, char *buf, size_t size);
/*
 * The start of every tmux command line: tmux, UTF-8 (-u), no user
 * configuration (-f /dev/null), the instance's server. Returns how many
 * items it wrote into b->argv (TMUX_ARGV_MAX at most, then NULL).
 */
#define TMUX_ARGV_MAX	6
struct tmux_base {
	char	 server[TMUX_NAME_MAX];
	char	*argv[TMUX_ARGV_MAX + 1];
};
size_t	tmux_base(struct tmux_base *b, const char *instance);
/*
 * The environment a tmux client runs with: the server it starts takes
 * its environment as the global one of every pane, so no agent's own
 * variables are there; a pane gets its agent's through new-session -e.
 * path: the PATH to give it (NULL: ours). Free the array and its strings.
 */
char	**tmux_environ(const char *path);
void	  tmux_environ_free(char **env);
/*
 * An argument on tmux's command line as itself: one that ends in ';'
 * would end the command there (and start another), so it gets "\;".
 * Returns s, or a string to free.
 */
char	*tmux_arg(const char *s);
/* Text tmux expands as a format (#{...}, #(...)) kept literal: '#' "##". */
char	*tmux_literal(const char *s);
/*
 * Run a tmux command (args after the base) on instance's server and wait
 * for it (a few seconds at most): its output in out, exit status
 * returned, or -1 when tmux could not run (out says why).
 */
int	tmux_run(const char *instance, char *const *args, char *out,
	    size_t size);
/* Is the instance's server there (its socket answers)? */
int	tmux_server_running(const char *instance);
/* End the instance's server, if one runs, with every session on it. */
void	tmux_kill_server(const char *instance);
/*
 * Where the instance's server listens (tmux leaves the socket behind when
 * it ends): $TMUX_TMPDIR (else /tmp), /tmux-UID/orch-INSTANCE.
 */
void	tmux_socket_path(const char *instance, char *buf, size_t size);

/*
 * What orch changes on its server (sessions made and ended, control
 * clients coming and going) it changes one at a time: tmux before 3.7
 * crashes when a notification reaches a control client still being set
 * up (tmux issue 4980), and every one of those changes notifies them.
 * The lock is a file of the instance's run directory; it is held for a
 * few milliseconds, and waited for at most a few seconds. Returns the
 * descriptor to give back to tmux_unlock, or -1 (then without it).
 */
int	tmux_lock(const char *instance);
void	tmux_unlock(int fd);

/* The session that shows every agent's window, for iTerm2 (tmux -CC). */
#define TMUX_VIEW_SESSION	"orch+all"	/* no agent id has a '+' */
/*
 * Make it anew: one window per agent's tmux session, linked (the same
 * windows, not copies). 0, or -1 with *cause (no server, no agents).
 */
int	tmux_view(const char *instance, char **cause);
/*
 * Become a tmux client of the instance's server attached to session
 * (exactly that name), in control mode for iTerm2 (-CC) if cc. Returns
 * only on failure (with *cause).
 */
int	tmux_attach_exec(const char *instance, const char *session, int cc,
	    char **cause);

#endif
