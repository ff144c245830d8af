/*
 * Start an actor process: a clean image (every signal reset, every
 * descriptor closed but the link, which becomes descriptor 3), in its own
 * process group so a Ctrl-C at the supervisor's terminal reaches the
 * supervisor alone, and set to receive SIGTERM if the supervisor dies.
 */
#ifndef ORCH_SUPERVISOR_SPAWN_H
#define ORCH_SUPERVISOR_SPAWN_H

#include <sys/types.h>

#define SPAWN_LINK_FD	3

/*
 * Fork and exec path with argv, link_fd becoming SPAWN_LINK_FD in the
 * child and err_fd (unless -1) its stderr. Returns the pid once the exec
 * succeeded, or a negative value with *cause when fork or exec failed
 * (see proc_spawn; an exec failure is not a crash: nothing ran).
 */
pid_t	spawn_actor(const char *path, char *const argv[], int link_fd,
	    int err_fd, char **cause);

/* The orch-actor binary beside the running executable ($ORCH_ACTOR wins). */
int	spawn_actor_path(char *buf, size_t size, char **cause);
/* Another of orch's programs (name), beside the running executable. */
int	spawn_sibling_path(const char *name, char *buf, size_t size,
	    char **cause);

#endif
