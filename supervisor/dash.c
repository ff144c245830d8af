#include "supervisor/dash.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/compat.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "supervisor/agent.h"
#include "supervisor/sched.h"
#include "supervisor/spawn.h"
#include "supervisor/supervisor.h"

/* After dash_close, how long the view has to go before it is killed. */
#define DASH_KILL_NS	(1000 * 1000000ull)

/* Out of the alternate screen, the cursor shown: what a killed view owed. */
static const char dash_restore[] = "\033[?1049l\033[?25h\r\n";

struct dash {
	struct supervisor	*sup;
	pid_t			 pid;		/* orch-ctl top, or 0: gone */
	int			 tty_err;	/* our stderr, the terminal */
	int			 log_fd;	/* what stderr is meanwhile */
	char			 log_path[PATH_MAX];
	struct termios		 tio;		/* the terminal as we found it */
	bool			 tio_saved;
	bool			 progress;
	char			 ctl[PATH_MAX];
	char			*argv[5];
};

struct dash_child {
	const char	*path;
	char *const	*argv;
	pid_t		 parent;
};

/* In a proc_spawn child: system calls only, then exec. */
static void
dash_child(int report, void *arg)
{
	struct dash_child	*c = arg;

	/*
	 * In our process group, the terminal's: Ctrl-C reaches the view and
	 * us together. A supervisor killed outright takes the view with it.
	 */
	if (compat_parent_death(SIGTERM) == -1 && errno != ENOSYS)
		proc_exec_fail(report, "PR_SET_PDEATHSIG");
	if (getppid() != c->parent)
		_exit(1);
	proc_child_fds(report);
	execv(c->path, c->argv);
	proc_exec_fail(report, c->path);
}

struct dash *
dash_start(struct supervisor *sup, bool progress, char **cause)
{
	struct dash_child	 c;
	struct dash		*d;
	char			 dir[PATH_MAX], *why = NULL;

	if (isatty(STDIN_FILENO) != 1 || isatty(STDOUT_FILENO) != 1 ||
	    isatty(STDERR_FILENO) != 1) {
		xasprintf(cause, "--dashboard needs a terminal (stdin, stdout "
		    "and stderr)");
		return NULL;
	}
	d = xcalloc(1, sizeof *d);
	d->sup = sup;
	d->tty_err = d->log_fd = -1;
	d->progress = progress;
	if (spawn_sibling_path("orch-ctl", d->ctl, sizeof d->ctl, cause) !=
	    0 || rundir_state(sup->instance, ".", true, dir, sizeof dir,
	    cause) != 0)
		goto fail;
	if ((size_t)snprintf(d->log_path, sizeof d->log_path, "%s/%s", dir,
	    DASH_LOG_FILE) >= sizeof d->log_path) {
		xasprintf(cause, "%s/%s: path too long", dir, DASH_LOG_FILE);
		goto fail;
	}
	/* The last run's held log goes: this file is this run's. */
	if ((d->log_fd = open(d->log_path, O_RDWR | O_CREAT | O_TRUNC |
	    O_APPEND | O_CLOEXEC | O_NOCTTY, 0600)) == -1) {
		xasprintf(cause, "%s: %s", d->log_path, strerror(errno));
		goto fail;
	}
	if ((d->tty_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) == -1) {
		xasprintf(cause, "dup: %s", strerror(errno));
		goto fail;
	}
	d->tio_saved = tcgetattr(STDIN_FILENO, &d->tio) == 0;
	/* A path: orch-ctl finds orch-attach beside itself. */
	d->argv[0] = d->ctl;
	d->argv[1] = (char *)"-L";
	d->argv[2] = (char *)sup->instance;
	d->argv[3] = (char *)"top";
	d->argv[4] = NULL;
	c.path = d->ctl;
	c.argv = d->argv;
	c.parent = getpid();
	if ((d->pid = proc_spawn(dash_child, &c, &why)) < 0) {
		d->pid = 0;
		xasprintf(cause, "orch-ctl top: %s", why);
		free(why);
		goto fail;
	}
	log_info("the dashboard is up (orch-ctl top, pid %ld): q leaves it, "
	    "Ctrl-C stops the supervisor; meanwhile the log goes to %s",
	    (long)d->pid, d->log_path);
	/* Its orch-attach is the operator's at the actors too. */
	sup->dash = d;
	sup->view_pid = d->pid;
	agent_roster_send(sup);
	/* From here until the view ends, every log line goes to the file. */
	if (dup2(d->log_fd, STDERR_FILENO) == -1)
		log_warn("dup2 %s", d->log_path);
	return d;
fail:
	if (d->tty_err != -1)
		close(d->tty_err);
	if (d->log_fd != -1)
		close(d->log_fd);
	free(d);
	return NULL;
}

/* The held log's last DASH_REPLAY_MAX bytes, from a line's start. */
static void
dash_replay(struct dash *d)
{
	char		*buf, *p;
	struct stat	 st;
	off_t		 from;
	ssize_t		 n;
	size_t		 len = 0;

	if (fstat(d->log_fd, &st) != 0 || st.st_size == 0)
		return;
	from = st.st_size > DASH_REPLAY_MAX ? st.st_size - DASH_REPLAY_MAX : 0;
	buf = xmalloc(DASH_REPLAY_MAX);
	while (len < DASH_REPLAY_MAX && (n = pread(d->log_fd, buf + len,
	    DASH_REPLAY_MAX - len, from + (off_t)len)) > 0)
		len += (size_t)n;
	p = buf;
	if (from > 0 && (p = memchr(buf, '\n', len)) != NULL)
		p++;
	else if (from > 0)
		p = buf + len;
	if (from > 0)
		log_info("the dashboard is closed: the last %zu bytes it held "
		    "follow, all %lld are in %s", len - (size_t)(p - buf),
		    (long long)st.st_size, d->log_path);
	else
		log_info("the dashboard is closed: what was logged meanwhile "
		    "follows (also in %s)", d->log_path);
	(void)!write(STDERR_FILENO, p, len - (size_t)(p - buf));
	free(buf);
}

/* The view is gone: the terminal is ours again, and the log on it. */
static void
dash_end(struct dash *d, int status)
{
	char	why[128];

	d->pid = 0;
	d->sup->view_pid = 0;
	agent_roster_send(d->sup);
	/* A view that was killed left the terminal as it had set it. */
	if (d->tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &d->tio);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		(void)!write(d->tty_err, dash_restore, sizeof dash_restore - 1);
	if (dup2(d->tty_err, STDERR_FILENO) == -1)
		return;
	dash_replay(d);
	if (d->sup->stopping)
		return;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		log_warnx("the dashboard ended: %s", proc_exit_reason(status,
		    why, sizeof why));
	log_info("the supervisor goes on: Ctrl-C stops it; orch-ctl -L %s top "
	    "shows the dashboard again", d->sup->instance);
	if (d->progress && d->sup->sched != NULL)
		sched_progress(d->sup->sched, true);
}

bool
dash_reaped(struct dash *d, pid_t pid, int status)
{
	if (d == NULL || d->pid == 0 || pid != d->pid)
		return false;
	dash_end(d, status);
	return true;
}

void
dash_close(struct dash *d)
{
	if (d != NULL && d->pid > 0)
		kill(d->pid, SIGTERM);
}

void
dash_free(struct dash *d)
{
	struct timespec	 ts = { 0, 10 * 1000000 };
	uint64_t	 deadline;
	pid_t		 r;
	int		 status = 0;

	if (d == NULL)
		return;
	if (d->pid > 0) {
		dash_close(d);
		deadline = clock_now_ns() + DASH_KILL_NS;
		while ((r = waitpid(d->pid, &status, WNOHANG)) == 0 &&
		    clock_now_ns() < deadline)
			nanosleep(&ts, NULL);
		if (r == 0) {
			kill(d->pid, SIGKILL);
			while ((r = waitpid(d->pid, &status, 0)) == -1 &&
			    errno == EINTR)
				;
		}
		dash_end(d, r == d->pid ? status : 0);
	}
	close(d->tty_err);
	close(d->log_fd);
	free(d);
}
