#include "common/proc.h"

#include <sys/wait.h>

#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/compat.h"
#include "common/xmalloc.h"

static void
proc_child_reset(void)
{
	struct sigaction	sa;
	sigset_t		set;
	int			sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/*
 * 0 if the child's exec worked (EOF), -1 with *cause and errno the
 * child's otherwise: it sends its errno, then the message.
 */
static int
proc_exec_wait(int report, char **cause)
{
	char	msg[512];
	size_t	got = 0;
	ssize_t	n;
	int	err;

	for (;;) {
		n = read(report, msg + got, sizeof msg - 1 - got);
		if (n > 0 && (got += (size_t)n) < sizeof msg - 1)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	close(report);
	if (got == 0)
		return 0;
	msg[got] = '\0';
	if (got <= sizeof err) {
		set_cause(cause, "the child failed before its exec");
		errno = EIO;
		return -1;
	}
	memcpy(&err, msg, sizeof err);
	set_cause(cause, "%s", msg + sizeof err);
	errno = err;
	return -1;
}

pid_t
proc_spawn(void (*child)(int, void *), void *arg, char **cause)
{
	sigset_t	all, old;
	int		fds[2], err;
	pid_t		pid;

	if (compat_pipe(fds, COMPAT_CLOEXEC) == -1)
		return set_cause(cause, "pipe: %s", strerror(errno));
	/* No handler of ours may run on the stack the child borrows. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = vfork();
	if (pid == 0) {
		proc_child_reset();
		child(fds[1], arg);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fds[1]);
	if (pid == -1) {
		close(fds[0]);
		return set_cause(cause, "vfork: %s", strerror(errno));
	}
	if (proc_exec_wait(fds[0], cause) != 0) {
		err = errno;
		waitpid(pid, NULL, 0);
		errno = err;
		return -2;
	}
	return pid;
}

int
proc_execvpe(const char *file, char *const argv[], char *const envp[])
{
	const char	*path = "/bin:/usr/bin", *p, *end;
	char		 buf[PATH_MAX];
	size_t		 dlen, flen = strlen(file);
	int		 i, denied = 0;

	if (strchr(file, '/') != NULL)
		return execve(file, argv, envp);
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory, as for execvp. */
		dlen = end > p ? (size_t)(end - p) : 1;
		if (dlen + 1 + flen < sizeof buf) {
			memcpy(buf, end > p ? p : ".", dlen);
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, file, flen + 1);
			execve(buf, argv, envp);
			if (errno == EACCES)
				denied = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return -1;
		}
		if (*end == '\0')
			break;
	}
	errno = denied ? EACCES : ENOENT;
	return -1;
}

void
proc_exec_fail(int report, const char *what)
{
	char	msg[512];
	int	n, err = errno;

	memcpy(msg, &err, sizeof err);
	n = snprintf(msg + sizeof err, sizeof msg - sizeof err, "%s: %s", what,
	    strerror(err));
	if (n > 0)
		(void)!write(report, msg, sizeof err + ((size_t)n < sizeof msg -
		    sizeof err ? (size_t)n : sizeof msg - sizeof err - 1));
	/* As a shell: found but not runnable 126, not found 127. */
	_exit(err == EACCES || err == ENOEXEC ? 126 : 127);
}

int
proc_child_fds(int report)
{
	if (report <= 2)
		proc_exec_fail(report, "report pipe");
	if (report != 3) {
		if (dup2(report, 3) == -1 || fcntl(3, F_SETFD, FD_CLOEXEC) == -1)
			proc_exec_fail(report, "dup2");
		report = 3;
	}
	proc_close_from(4);
	return report;
}

void
proc_close_from(int lowfd)
{
	compat_close_from(lowfd);
}

const char *
proc_stat_text(const char *pid, char *buf, size_t size)
{
	char	path[64], *p;
	int	fd;
	ssize_t	n;

	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past it. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return NULL;
	return p + 2;
}

/* Field n (1-based, n > 2) of a stat text from proc_stat_text, or -1. */
static long long
proc_stat_nth(const char *state, int n)
{
	const char	*p = state - 2;	/* the ")" before the state */
	int		 field;

	for (field = 2; field < n && p != NULL; field++)
		p = strchr(p + 1, ' ');
	return p != NULL ? strtoll(p + 1, NULL, 10) : -1;
}

/*
 * Session id of pid from /proc/PID/stat (field 6), or -1; a zombie counts
 * as gone (it runs nothing, and its parent may take its time to reap).
 */
static pid_t
proc_sid_of(const char *pid)
{
	char		 buf[512];
	const char	*st = proc_stat_text(pid, buf, sizeof buf);

	if (st == NULL || *st == 'Z')
		return -1;
	return (pid_t)proc_stat_nth(st, 6);
}

/* Field n (1-based, n > 2) of /proc/PID/stat, or -1. */
static long long
proc_stat_field(pid_t pid, int n)
{
	char		 buf[1024], num[24];
	const char	*st;

	snprintf(num, sizeof num, "%ld", (long)pid);
	if ((st = proc_stat_text(num, buf, sizeof buf)) == NULL)
		return -1;
	return proc_stat_nth(st, n);
}

uint64_t
proc_start_time(pid_t pid)
{
	long long	v;

	if (!compat_procfs())
		return compat_start_time(pid);
	v = proc_stat_field(pid, 22);
	return v > 0 ? (uint64_t)v : 0;
}

int
proc_alive(pid_t pid, uint64_t start)
{
	uint64_t	now;

	if (pid <= 0)
		return 0;
	if (kill(pid, 0) == -1 && errno != EPERM)
		return 0;
	/* The pid lives; is it still the same process? */
	if (start != 0 && (now = proc_start_time(pid)) != 0 && now != start)
		return 0;
	return 1;
}

/* The biggest process table ps may print us. */
#define PROC_PS_MAX	(1u << 22)

char *
proc_ps(void)
{
	static char *const	 ps[] = { (char *)"ps", (char *)"-A", (char *)"-o",
				    (char *)"pid=", (char *)"-o", (char *)"ppid=",
				    (char *)"-o", (char *)"stat=", NULL };
	char			*out = xmalloc(PROC_PS_MAX);
	int			 status;

	if (proc_run(ps, NULL, 5000, out, PROC_PS_MAX, &status) != 0 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * No system has "kill a session": walk the processes and ask each one's
 * session (/proc's stat; elsewhere ps's list and getsid).
 */
static int
proc_walk_session_ps(pid_t sid, int sig)
{
	char	*out, *line, *next, st;
	long	 pid, ppid;
	int	 found = 0;

	if ((out = proc_ps()) == NULL) {
		/* The process group of the leader, the best there is then. */
		if (sig != 0)
			kill(-sid, sig);
		return kill(-sid, 0) == 0;
	}
	for (line = out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			next++;
		if (sscanf(line, "%ld %ld %c", &pid, &ppid, &st) != 3 ||
		    st == 'Z' || getsid((pid_t)pid) != sid)
			continue;
		found = 1;
		if (sig != 0)
			kill((pid_t)pid, sig);
	}
	free(out);
	return found;
}

static int
proc_walk_session(pid_t sid, int sig)
{
	struct dirent	*de;
	DIR		*d;
	int		 found = 0;

	if (sid <= 1)
		return 0;
	if (!compat_procfs() || (d = opendir("/proc")) == NULL)
		return proc_walk_session_ps(sid, sig);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (proc_sid_of(de->d_name) != sid)
			continue;
		found = 1;
		if (sig != 0)
			kill((pid_t)strtol(de->d_name, NULL, 10), sig);
	}
	closedir(d);
	return found;
}

void
proc_kill_session(pid_t sid, int sig)
{
	if (sid > 1)
		kill(-sid, sig);
	proc_walk_session(sid, sig);
}

int
proc_session_alive(pid_t sid)
{
	return proc_walk_session(sid, 0);
}

const char *
proc_exit_reason(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "status 0x%x", status);
	return buf;
}

struct proc_run_child {
	char *const	*argv;
	char *const	*envp;
	int		 out;
};

static void
proc_run_child(int report, void *arg)
{
	struct proc_run_child	*c = arg;
	int			 null;

	if ((null = open("/dev/null", O_RDONLY)) == -1 || dup2(null, 0) == -1 ||
	    dup2(c->out, 1) == -1 || dup2(c->out, 2) == -1)
		proc_exec_fail(report, "dup2");
	report = proc_child_fds(report);
	proc_execvpe(c->argv[0], c->argv, c->envp);
	proc_exec_fail(report, c->argv[0]);
}

static int64_t
proc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
proc_run(char *const argv[], char *const envp[], unsigned timeout_ms,
    char *out, size_t size, int *status)
{
	extern char		**environ;
	struct proc_run_child	 c;
	struct pollfd		 pfd;
	char			*cause = NULL, sink[512];
	int64_t			 end = proc_now_ms() + timeout_ms;
	size_t			 n = 0;
	ssize_t			 r;
	int			 fds[2], wait_ms;
	bool			 late = false;
	pid_t			 pid;

	out[0] = '\0';
	*status = 0;
	if (compat_pipe(fds, COMPAT_CLOEXEC) == -1) {
		snprintf(out, size, "pipe: %s", strerror(errno));
		return -1;
	}
	c.argv = argv;
	c.envp = envp != NULL ? envp : environ;
	c.out = fds[1];
	pid = proc_spawn(proc_run_child, &c, &cause);
	close(fds[1]);
	if (pid < 0) {
		snprintf(out, size, "%s", cause != NULL ? cause : argv[0]);
		free(cause);
		close(fds[0]);
		if (pid == -2)
			while (waitpid(-1, status, WNOHANG) > 0)
				;
		return -1;
	}
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		wait_ms = -1;
		if (timeout_ms != 0 && (wait_ms = (int)(end - proc_now_ms())) < 0)
			wait_ms = 0;
		if ((r = poll(&pfd, 1, wait_ms)) == 0) {
			/* Too long: it is killed, and that is the answer. */
			kill(pid, SIGKILL);
			snprintf(out, size, "%s did not answer within %u ms",
			    argv[0], timeout_ms);
			late = true;
			break;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		/* What does not fit is read all the same: it must not block. */
		if (n < size - 1) {
			if ((r = read(fds[0], out + n, size - 1 - n)) > 0)
				n += (size_t)r;
		} else
			r = read(fds[0], sink, sizeof sink);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
	}
	close(fds[0]);
	if (!late) {
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' ||
		    out[n - 1] == ' '))
			out[--n] = '\0';
	}
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
	return late ? -1 : 0;
}
