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

#include <event2/buffer.h>
#include <event2/event.h>

#include "actors/childwatch.h"
#include "actors/sandbox.h"
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
	struct event		*write_ev;
	struct evbuffer		*input;		/* typed, not yet written */
	struct event		*show_ev;
	struct evbuffer		*show;		/* shown, not yet written */
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

static void
session_pty_write_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_pty	*p = arg;

	(void)events;
	if (evbuffer_write(p->input, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		evbuffer_drain(p->input, evbuffer_get_length(p->input));
	if (evbuffer_get_length(p->input) > 0)
		event_add(p->write_ev, NULL);
}

struct session_pty_child {
	const char		*slave;
	const char		*shell;		/* the program's path */
	char			*argv[4];	/* the shell and its flags */
	char *const		*cmd;		/* or this, instead */
	char			**wrapped;	/* wrap, then the shell's */
	const char		*cwd;
	char			**env;
	char			 cwd_what[600];		/* messages, made */
	char			 shell_what[600];	/* before the spawn */
};

/*
 * The shell's argument vector. Unless the agent asks for them (rc: true),
 * the shells orch knows start without the user's rc files: a session is
 * ready when its shell runs, and a slow ~/.bashrc would still be running
 * while it is called idle and typed input goes nowhere.
 */
static const struct {
	const char	*name;
	const char	*flags[2];
} session_pty_norc[] = {
	{ "bash", { "--norc", "--noprofile" } },
	{ "zsh", { "-f", NULL } },
	{ "fish", { "--no-config", NULL } },
};

static void
session_pty_argv(struct session_pty_child *c, bool rc)
{
	const char	*base = strrchr(c->shell, '/');
	size_t		 i, k, n = 0;

	base = base != NULL ? base + 1 : c->shell;
	c->argv[n++] = (char *)base;
	for (i = 0; !rc && i < sizeof session_pty_norc /
	    sizeof session_pty_norc[0]; i++)
		if (strcmp(base, session_pty_norc[i].name) == 0)
			for (k = 0; k < 2 &&
			    session_pty_norc[i].flags[k] != NULL; k++)
				c->argv[n++] =
				    (char *)session_pty_norc[i].flags[k];
	c->argv[n] = NULL;
}

/* Without rc files, a POSIX shell reads none either: no $ENV. */
static void
session_pty_drop_env(char **env)
{
	size_t	i, k;

	for (i = k = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "ENV=", 4) != 0)
			env[k++] = env[i];
	env[k] = NULL;
}

static const char *
session_pty_shell(const struct agent_config *ac)
{
	const char	*sh;

	if (ac->shell != NULL)
		return ac->shell;
	if ((sh = getenv("SHELL")) != NULL && sh[0] == '/')
		return sh;
	return "/bin/sh";
}


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
	if (report <= 2)
		proc_exec_fail(report, "report pipe");
	/* Keep only the terminal and the report pipe (close-on-exec). */
	if (fd > 2)
		close(fd);
	if (report != 3) {
		if (dup3(report, 3, O_CLOEXEC) == -1)
			proc_exec_fail(report, "dup3");
		report = 3;
	}
	proc_close_from(4);
	if (c->cwd != NULL && chdir(c->cwd) == -1)
		proc_exec_fail(report, c->cwd_what);
	if (c->wrapped != NULL)
		execve(c->wrapped[0], c->wrapped, c->env);
	else if (c->cmd != NULL)
		execve(c->shell, c->cmd, c->env);
	else
		execve(c->shell, c->argv, c->env);
	proc_exec_fail(report, c->shell_what);
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
static void	session_pty_show_cb(evutil_socket_t, short, void *);

static int
session_pty_open(struct session *s, const struct agent_config *ac,
    char *const *cmd, char *const *extra_env, char *const *wrap, char **cause)
{
	struct event_base	*base = session_base(s);
	struct session_pty		*p;
	struct winsize		 ws;
	struct session_pty_child	 child;
	const char		*shell = cmd != NULL ? cmd[0] :
				    session_pty_shell(ac);
	char			 slave[128], **env;
	pid_t			 pid;

	p = xcalloc(1, sizeof *p);
	p->s = s;
	p->master = p->slave = -1;
	p->input = evbuffer_new();
	p->show = evbuffer_new();
	session_set_impl(s, p);

	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master == -1 || grantpt(p->master) == -1 ||
	    unlockpt(p->master) == -1 ||
	    ptsname_r(p->master, slave, sizeof slave) != 0) {
		set_cause(cause, "cannot allocate a pty: %s", strerror(errno));
		goto fail;
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_row = SESSION_PTY_ROWS_DEFAULT;
	ws.ws_col = SESSION_PTY_COLS_DEFAULT;
	ioctl(p->master, TIOCSWINSZ, &ws);

	child.slave = slave;
	child.shell = shell;
	child.cwd = ac->cwd;
	child.env = env = session_environ(ac, extra_env);
	session_pty_argv(&child, ac->rc);
	child.cmd = cmd;
	/* Wrapped, the shell goes by its path: the wrapper runs it. */
	child.wrapped = NULL;
	if (wrap != NULL && cmd != NULL)
		child.wrapped = sandbox_join(wrap, cmd);
	else if (wrap != NULL) {
		char	*full[4] = { (char *)shell, child.argv[1],
			    child.argv[1] != NULL ? child.argv[2] : NULL,
			    NULL };

		child.wrapped = sandbox_join(wrap, full);
	}
	if (!ac->rc)
		session_pty_drop_env(env);
	snprintf(child.cwd_what, sizeof child.cwd_what, "session cwd %s",
	    ac->cwd != NULL ? ac->cwd : "");
	snprintf(child.shell_what, sizeof child.shell_what, "session %s %s",
	    cmd != NULL ? "program" : "shell", shell);
	pid = proc_spawn(session_pty_child, &child, cause);
	free(child.wrapped);
	free(env);
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
	p->write_ev = event_new(base, p->master, EV_WRITE,
	    session_pty_write_cb, p);
	if (p->slave != -1)
		p->show_ev = event_new(base, p->slave, EV_WRITE,
		    session_pty_show_cb, p);
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
	if (p->write_ev != NULL)
		event_free(p->write_ev);
	if (p->show_ev != NULL)
		event_free(p->show_ev);
	if (p->master != -1)
		close(p->master);
	if (p->slave != -1)
		close(p->slave);
	evbuffer_free(p->input);
	evbuffer_free(p->show);
	free(p);
}

static int
session_pty_write(struct session *s, const void *data, size_t len)
{
	struct session_pty	*p = session_impl(s);

	if (evbuffer_get_length(p->input) + len > SESSION_PTY_INPUT_MAX)
		return -1;
	evbuffer_add(p->input, data, len);
	session_pty_write_cb(p->master, EV_WRITE, p);
	return 0;
}

/*
 * Shown text goes through the slave, so the line discipline turns \n
 * into \r\n and the bytes come back out of the master like any program's
 * output. The terminal's buffer is small and is only drained by this same
 * loop, so what does not fit waits for the slave to become writable.
 */
static void
session_pty_show_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_pty	*p = arg;

	(void)events;
	if (evbuffer_write(p->show, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		evbuffer_drain(p->show, evbuffer_get_length(p->show));
	if (evbuffer_get_length(p->show) > 0)
		event_add(p->show_ev, NULL);
}

static int
session_pty_show(struct session *s, const void *data, size_t len)
{
	struct session_pty	*p = session_impl(s);

	if (p->slave == -1)
		return -1;
	/* A terminal nobody drains gets the rest in the task's own log. */
	if (evbuffer_get_length(p->show) + len > SESSION_PTY_SHOW_MAX)
		return -1;
	evbuffer_add(p->show, data, len);
	if (!event_pending(p->show_ev, EV_WRITE, NULL))
		session_pty_show_cb(p->slave, EV_WRITE, p);
	return 0;
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
