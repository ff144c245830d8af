#include "supervisor/spawn.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/compat.h"
#include "common/proc.h"
#include "common/xmalloc.h"

struct spawn_child {
	const char	*path;
	char *const	*argv;
	int		 link_fd;
	int		 err_fd;
	pid_t		 parent;
};

/* In a proc_spawn child: system calls only, then exec. */
static void
spawn_child(int report, void *arg)
{
	struct spawn_child	*c = arg;

	setpgid(0, 0);
	/* Where the system cannot, the actor sees its link's EOF instead. */
	if (compat_parent_death(SIGTERM) == -1 && errno != ENOSYS)
		proc_exec_fail(report, "PR_SET_PDEATHSIG");
	/* The supervisor may have died before that took effect. */
	if (getppid() != c->parent)
		_exit(1);
	/* First: the descriptors below may land where err_fd is. */
	if (c->err_fd != -1 && dup2(c->err_fd, STDERR_FILENO) == -1)
		proc_exec_fail(report, "dup2");
	/* The report pipe must survive the shuffle, above fd 3. */
	if (report <= SPAWN_LINK_FD) {
		int	moved = fcntl(report, F_DUPFD_CLOEXEC,
		    SPAWN_LINK_FD + 1);

		if (moved == -1)
			proc_exec_fail(report, "fcntl");
		report = moved;
	}
	if (c->link_fd == SPAWN_LINK_FD) {
		if (fcntl(c->link_fd, F_SETFD, 0) == -1)
			proc_exec_fail(report, "fcntl");
	} else if (dup2(c->link_fd, SPAWN_LINK_FD) == -1)
		proc_exec_fail(report, "dup2");
	if (report != SPAWN_LINK_FD + 1) {
		if (compat_dup_cloexec(report, SPAWN_LINK_FD + 1) == -1)
			proc_exec_fail(report, "dup2");
		report = SPAWN_LINK_FD + 1;
	}
	proc_close_from(SPAWN_LINK_FD + 2);
	execv(c->path, c->argv);
	proc_exec_fail(report, c->path);
}

pid_t
spawn_actor(const char *path, char *const argv[], int link_fd, int err_fd,
    char **cause)
{
	struct spawn_child	c = { path, argv, link_fd, err_fd, getpid() };

	return proc_spawn(spawn_child, &c, cause);
}

int
spawn_sibling_path(const char *name, char *buf, size_t size, char **cause)
{
	char	self[PATH_MAX];

	if (compat_self_dir(self, sizeof self) != 0)
		return set_cause(cause, "cannot find our own executable: %s",
		    strerror(errno));
	if ((size_t)snprintf(buf, size, "%s/%s", self, name) >= size)
		return set_cause(cause, "path too long");
	return 0;
}

int
spawn_actor_path(char *buf, size_t size, char **cause)
{
	const char	*env = getenv("ORCH_ACTOR");

	if (env != NULL && *env != '\0') {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	return spawn_sibling_path("orch-actor", buf, size, cause);
}
