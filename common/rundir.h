/*
 * The per-instance run directory (DESIGN §4): $XDG_RUNTIME_DIR/orch/NAME,
 * or /tmp/orch-UID/NAME. It holds the control socket, the actors' sockets
 * and the supervisor's lock file. Every directory on the way that orch
 * creates is 0700 and checked after creation: a symlink, a non-directory,
 * another owner or any group/other permission bit is refused, so nobody
 * else can plant or read a socket there.
 */
#ifndef ORCH_COMMON_RUNDIR_H
#define ORCH_COMMON_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUNDIR_INSTANCE_DEFAULT	"default"
#define RUNDIR_INSTANCE_MAX	64
#define RUNDIR_CONTROL		"control.sock"
#define RUNDIR_LOCK		"supervisor.pid"
#define RUNDIR_ACTORS		"actors"

/* The instance from -L, else $ORCH_INSTANCE, else "default". */
const char	*rundir_instance(const char *opt);

/* Path of an instance's run directory. 0, or -1 with *cause (bad name). */
int		 rundir_path(const char *instance, char *buf, size_t size,
		    char **cause);

/* Path of a file inside it ("control.sock", "actors/NAME.sock"). */
int		 rundir_file(const char *instance, const char *name, char *buf,
		    size_t size, char **cause);

/*
 * Create (if needed) and verify the run directory and its actors/
 * subdirectory. 0, or -1 with *cause.
 */
int		 rundir_prepare(const char *dir, char **cause);

/* Verify one directory: ours, a real directory, mode 0700. */
int		 rundir_check(const char *dir, char **cause);

/*
 * Take the instance lock (held until the process exits): 0 and the lock fd,
 * or -1 with *cause naming the pid of the supervisor that holds it.
 */
int		 rundir_lock(const char *dir, int *fd, char **cause);

/* Remove the sockets a dead supervisor and its actors left behind. */
void		 rundir_clean(const char *dir);
/*
 * Hold the lock file name of instance's run directory (an exclusive
 * flock; the actors of an instance take turns with it), waiting for it a
 * few seconds at most. The descriptor for rundir_release, or -1 (then
 * without the lock: nobody waits forever).
 */
int		 rundir_hold(const char *instance, const char *name);
void		 rundir_release(int fd);

/*
 * The instance's state directory, which outlives the supervisor (task
 * logs): $XDG_STATE_HOME/orch/NAME, else ~/.local/state/orch/NAME, else
 * /tmp/orch-UID-state/NAME. With create, made 0700 and checked like the
 * run directory. 0, or -1 with *cause.
 */
int		 rundir_state(const char *instance, const char *sub, bool create,
		    char *buf, size_t size, char **cause);

/* On exit: remove sockets, the lock file and the directories. */
void		 rundir_remove(const char *dir);

#endif
