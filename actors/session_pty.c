/*
 * The pty session backend: the actor holds the master side of a
 * pseudo-terminal whose slave is the controlling terminal of the agent's
 * shell. The shell runs as the leader of its own session and process
 * group on the terminal, so signals and hang-ups reach everything an
 * attached person started there.
 */
#include "actors/session.h"

#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/childwatch.h"
#include "common/compat.h"
#include "common/proc.h"
#include "common/xmalloc.h"

#define SESSION_PTY_READ_CHUNK		65536
#define SESSION_PTY_ROWS_DEFAULT	24
#define SESSION_PTY_COLS_DEFAULT	80
/* Input nobody has read yet beyond this is dropped, not buffered. */
#define SESSION_PTY_INPUT_MAX		(1u << 20)
#define SESSION_PTY_SHOW_MAX		(4u << 20)

struct session_pty {
	struct session		*s;
	int			 master;
	int			 slave;		/* kept open for showing text */
	pid_t			 pid;		/* shell: 0 once reaped */
	pid_t			 sid;
	struct event		*read_ev;
	struct session_sink	*input;		/* typed, to the master */
	struct session_sink	*show;		/* shown, to the slave */
};

static void
session_pty_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_pty	*p = arg;
	char		 buf[SESSION_PTY_READ_CHUNK];
	ssize_t		 n;

	(void)events;
	n = read(fd, buf, sizeof buf);
	if (n <= 0) {
		/* EIO: no slave open any more; the exit comes via SIGCHLD. */
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			event_del(p->read_ev);
		return;
	}
	session_output(p->s, buf, (size_t)n);
}

struct session_pty_child {
	const char		*slave;
	const char		*cwd;
	struct session_exec	 x;
};

/* In a proc_spawn child: system calls only, then exec. */
static void
session_pty_child(int report, void *arg)
{
	struct session_pty_child	*c = arg;
	int			 fd;

	if (setsid() == -1)
		proc_exec_fail(report, "setsid");
	/* Opening the slave as a session leader makes it our terminal. */
	if ((fd = open(c->slave, O_RDWR)) == -1)
		proc_exec_fail(report, c->slave);
	if (ioctl(fd, TIOCSCTTY, 0) == -1)
		proc_exec_fail(report, "TIOCSCTTY");
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		proc_exec_fail(report, "dup2");
	/* Keep only the terminal and the report pipe (close-on-exec). */
	if (fd > 2 && fd != report)
		close(fd);
	report = proc_child_fds(report);
	if (c->cwd != NULL && chdir(c->cwd) == -1)
		proc_exec_fail(report, c->x.cwd_what);
	execve(c->x.path, c->x.argv, c->x.env);
	proc_exec_fail(report, c->x.what);
}

/* The shell was reaped: what it printed last is read before its end. */
static void
session_pty_reaped(pid_t pid, int status, void *arg)
{
	struct session_pty	*p = arg;

	(void)pid;
	p->pid = 0;
	if (p->read_ev != NULL)
		session_pty_read_cb(p->master, EV_READ, p);
	session_ended(p->s, status);
}

static void	session_pty_close(struct session *);

static int
session_pty_open(struct session *s, const struct agent_config *ac,
    char *const *cmd, char *const *extra_env, char *const *wrap, char **cause)
{
	struct event_base	*base = session_base(s);
	struct session_pty		*p;
	struct winsize		 ws;
	struct session_pty_child	 child;
	char			 slave[128];
	pid_t			 pid;

	p = xcalloc(1, sizeof *p);
	p->s = s;
	p->master = p->slave = -1;
	session_set_impl(s, p);

	p->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (p->master == -1 || fcntl(p->master, F_SETFD, FD_CLOEXEC) == -1 ||
	    grantpt(p->master) == -1 || unlockpt(p->master) == -1 ||
	    compat_ptsname(p->master, slave, sizeof slave) != 0) {
		set_cause(cause, "cannot allocate a pty: %s", strerror(errno));
		goto fail;
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_row = SESSION_PTY_ROWS_DEFAULT;
	ws.ws_col = SESSION_PTY_COLS_DEFAULT;
	ioctl(p->master, TIOCSWINSZ, &ws);

	child.slave = slave;
	child.cwd = ac->cwd;
	session_exec_make(&child.x, ac, cmd, extra_env, wrap);
	pid = proc_spawn(session_pty_child, &child, cause);
	session_exec_free(&child.x);
	if (pid < 0)
		goto fail;
	p->pid = p->sid = pid;
	childwatch_add(pid, session_pty_reaped, p);
	session_set_leader(s, pid);

	/* Our own handle on the slave, for showing task output on it. */
	p->slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	evutil_make_socket_nonblocking(p->master);
	p->read_ev = event_new(base, p->master, EV_READ | EV_PERSIST,
	    session_pty_read_cb, p);
	p->input = session_sink_new(base, p->master, SESSION_PTY_INPUT_MAX);
	/* A terminal nobody drains gets the rest in the task's own log. */
	if (p->slave != -1)
		p->show = session_sink_new(base, p->slave,
		    SESSION_PTY_SHOW_MAX);
	event_add(p->read_ev, NULL);
	return 0;
fail:
	session_pty_close(s);
	session_set_impl(s, NULL);
	return -1;
}

static void
session_pty_close(struct session *s)
{
	struct session_pty	*p = session_impl(s);

	if (p == NULL)
		return;
	if (p->pid > 0)
		childwatch_del(p->pid);
	if (p->read_ev != NULL)
		event_free(p->read_ev);
	session_sink_free(p->input);
	session_sink_free(p->show);
	if (p->master != -1)
		close(p->master);
	if (p->slave != -1)
		close(p->slave);
	free(p);
}

static int
session_pty_write(struct session *s, const void *data, size_t len)
{
	struct session_pty	*p = session_impl(s);

	return session_sink_write(p->input, data, len);
}

/*
 * Shown text goes through the slave, so the line discipline turns \n
 * into \r\n and the bytes come back out of the master like any program's
 * output.
 */
static int
session_pty_show(struct session *s, const void *data, size_t len)
{
	struct session_pty	*p = session_impl(s);

	if (p->show == NULL)
		return -1;
	return session_sink_write(p->show, data, len);
}

static int
session_pty_resize(struct session *s, unsigned rows, unsigned cols)
{
	struct session_pty	*p = session_impl(s);
	struct winsize	 ws;

	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	/* The kernel sends SIGWINCH to the terminal's foreground group. */
	return ioctl(p->master, TIOCSWINSZ, &ws) == -1 ? -1 : 0;
}

static bool
session_pty_alive(const struct session *s)
{
	const struct session_pty	*p = session_impl(s);

	return p->pid > 0;
}

static void
session_pty_hangup(struct session *s)
{
	struct session_pty	*p = session_impl(s);

	if (p->sid <= 0)
		return;
	proc_kill_session(p->sid, SIGHUP);
	proc_kill_session(p->sid, SIGCONT);
}

static void
session_pty_kill(struct session *s)
{
	struct session_pty	*p = session_impl(s);

	if (p->sid > 0)
		proc_kill_session(p->sid, SIGKILL);
}

const struct session_ops session_pty_ops = {
	.name = "pty",
	.open = session_pty_open,
	.write = session_pty_write,
	.show = session_pty_show,
	.resize = session_pty_resize,
	.tail = NULL,
	.alive = session_pty_alive,
	.hangup = session_pty_hangup,
	.kill = session_pty_kill,
	.close = session_pty_close,
};
