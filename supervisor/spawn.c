#include "supervisor/spawn.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/xmalloc.h"

pid_t
spawn_actor(const char *path, char *const argv[], int link_fd, int err_fd,
    char **cause)
{
	int	report;
	pid_t	pid, parent = getpid();

	pid = proc_fork(&report, cause);
	if (pid == -1)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
			proc_exec_fail(report, "prctl");
		/* The supervisor may have died before prctl took effect. */
		if (getppid() != parent)
			_exit(1);
		/* First: the descriptors below may land where err_fd is. */
		if (err_fd != -1 && dup2(err_fd, STDERR_FILENO) == -1)
			proc_exec_fail(report, "dup2");
		/* The report pipe must survive the shuffle, above fd 3. */
		if (report <= SPAWN_LINK_FD) {
			int	moved = fcntl(report, F_DUPFD_CLOEXEC,
			    SPAWN_LINK_FD + 1);

			if (moved == -1)
				proc_exec_fail(report, "fcntl");
			report = moved;
		}
		if (link_fd == SPAWN_LINK_FD) {
			if (fcntl(link_fd, F_SETFD, 0) == -1)
				proc_exec_fail(report, "fcntl");
		} else if (dup2(link_fd, SPAWN_LINK_FD) == -1)
			proc_exec_fail(report, "dup2");
		if (report != SPAWN_LINK_FD + 1) {
			if (dup3(report, SPAWN_LINK_FD + 1, O_CLOEXEC) == -1)
				proc_exec_fail(report, "dup3");
			report = SPAWN_LINK_FD + 1;
		}
		proc_close_from(SPAWN_LINK_FD + 2);
		execv(path, argv);
		proc_exec_fail(report, path);
	}
	setpgid(pid, pid);
	if (proc_exec_wait(report, cause) != 0) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

int
spawn_actor_path(char *buf, size_t size, char **cause)
{
	const char	*env = getenv("ORCH_ACTOR");
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	if (env != NULL && *env != '\0') {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return set_cause(cause, "cannot find our own executable: %s",
		    strerror(errno));
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/orch-actor", self) >= size)
		return set_cause(cause, "path too long");
	return 0;
}
