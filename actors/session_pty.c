/*
 * The pty session backend: the actor holds the master side of a
 * pseudo-terminal whose slave is the controlling terminal of the agent's
 * shell.
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

#include "actors/scrollback.h"
#include "common/proc.h"
#include "common/xmalloc.h"

#define SESSION_READ_CHUNK	65536
#define SESSION_ROWS_DEFAULT	24
#define SESSION_COLS_DEFAULT	80
/* Input nobody has read yet beyond this is dropped, not buffered. */
#define SESSION_INPUT_MAX	(1u << 20)
#define SESSION_PRINT_MAX	(4u << 20)

struct session {
	struct event_base	*base;
	int			 master;
	int			 slave;		/* kept open for session_print */
	pid_t			 pid;		/* shell: 0 once reaped */
	pid_t			 sid;
	struct event		*read_ev;
	struct event		*write_ev;
	struct evbuffer		*input;		/* typed, not yet written */
	struct event		*print_ev;
	struct evbuffer		*print;		/* printed, not yet written */
	struct scrollback	 sb;
	unsigned		 rows, cols;
	struct session_cbs	 cbs;
	void			*arg;
};

static void
session_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session	*s = arg;
	char		 buf[SESSION_READ_CHUNK];
	ssize_t		 n;

	(void)events;
	n = read(fd, buf, sizeof buf);
	if (n <= 0) {
		/* EIO: no slave open any more; the exit comes via SIGCHLD. */
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			event_del(s->read_ev);
		return;
	}
	scrollback_append(&s->sb, buf, (size_t)n);
	if (s->cbs.output_cb != NULL)
		s->cbs.output_cb(buf, (size_t)n, s->arg);
}

static void
session_write_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session	*s = arg;

	(void)events;
	if (evbuffer_write(s->input, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		evbuffer_drain(s->input, evbuffer_get_length(s->input));
	if (evbuffer_get_length(s->input) > 0)
		event_add(s->write_ev, NULL);
}

static void	session_print_cb(evutil_socket_t, short, void *);

char **
session_environ(const struct agent_config *ac, char *const *extra)
{
	extern char	**environ;
	char		**env;
	size_t		  n = 0, i, j, k, nx = 0;

	while (environ[n] != NULL)
		n++;
	while (extra != NULL && extra[nx] != NULL)
		nx++;
	env = xcalloc(n + ac->env.n + nx + 2, sizeof *env);
	k = 0;
	for (i = 0; i < n; i++)
		env[k++] = environ[i];
	for (j = 0; j < ac->env.n + nx; j++) {
		char	*kv = j < ac->env.n ? ac->env.v[j] :
			    extra[j - ac->env.n];
		size_t	 klen = strcspn(kv, "=");

		/* Later definitions replace earlier ones of the same name. */
		for (i = 0; i < k; i++)
			if (strncmp(env[i], kv, klen) == 0 &&
			    env[i][klen] == '=')
				break;
		env[i == k ? k++ : i] = kv;
	}
	if (getenv("TERM") == NULL)
		env[k++] = (char *)"TERM=xterm-256color";
	env[k] = NULL;
	return env;
}

struct session_child {
	const char		*slave;
	const char		*shell;
	char			*argv[4];	/* the shell and its flags */
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
} session_norc[] = {
	{ "bash", { "--norc", "--noprofile" } },
	{ "zsh", { "-f", NULL } },
	{ "fish", { "--no-config", NULL } },
};

static void
session_argv(struct session_child *c, bool rc)
{
	const char	*base = strrchr(c->shell, '/');
	size_t		 i, k, n = 0;

	base = base != NULL ? base + 1 : c->shell;
	c->argv[n++] = (char *)base;
	for (i = 0; !rc && i < sizeof session_norc / sizeof session_norc[0];
	    i++)
		if (strcmp(base, session_norc[i].name) == 0)
			for (k = 0; k < 2 && session_norc[i].flags[k] != NULL;
			    k++)
				c->argv[n++] = (char *)session_norc[i].flags[k];
	c->argv[n] = NULL;
}

/* Without rc files, a POSIX shell reads none either: no $ENV. */
static void
session_drop_env(char **env)
{
	size_t	i, k;

	for (i = k = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "ENV=", 4) != 0)
			env[k++] = env[i];
	env[k] = NULL;
}

static const char *
session_shell(const struct agent_config *ac)
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
session_child(int report, void *arg)
{
	struct session_child	*c = arg;
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
	execve(c->shell, c->argv, c->env);
	proc_exec_fail(report, c->shell_what);
}

struct session *
session_open(struct event_base *base, const struct agent_config *ac,
    char *const *extra_env, const struct session_cbs *cbs, void *arg,
    char **cause)
{
	struct session		*s;
	struct winsize		 ws;
	struct session_child	 child;
	const char		*shell = session_shell(ac);
	char			 slave[128], **env;
	pid_t			 pid;

	s = xcalloc(1, sizeof *s);
	s->base = base;
	s->master = s->slave = -1;
	s->rows = SESSION_ROWS_DEFAULT;
	s->cols = SESSION_COLS_DEFAULT;
	if (cbs != NULL)
		s->cbs = *cbs;
	s->arg = arg;
	scrollback_init(&s->sb, ac->scrollback ? ac->scrollback :
	    SCROLLBACK_DEFAULT);
	s->input = evbuffer_new();
	s->print = evbuffer_new();

	s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->master == -1 || grantpt(s->master) == -1 ||
	    unlockpt(s->master) == -1 ||
	    ptsname_r(s->master, slave, sizeof slave) != 0) {
		set_cause(cause, "cannot allocate a pty: %s", strerror(errno));
		goto fail;
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)s->rows;
	ws.ws_col = (unsigned short)s->cols;
	ioctl(s->master, TIOCSWINSZ, &ws);

	child.slave = slave;
	child.shell = shell;
	child.cwd = ac->cwd;
	child.env = env = session_environ(ac, extra_env);
	session_argv(&child, ac->rc);
	if (!ac->rc)
		session_drop_env(env);
	snprintf(child.cwd_what, sizeof child.cwd_what, "session cwd %s",
	    ac->cwd != NULL ? ac->cwd : "");
	snprintf(child.shell_what, sizeof child.shell_what, "session shell %s",
	    shell);
	pid = proc_spawn(session_child, &child, cause);
	free(env);
	if (pid < 0)
		goto fail;
	s->pid = s->sid = pid;

	/* Our own handle on the slave, for printing task output on it. */
	s->slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	evutil_make_socket_nonblocking(s->master);
	s->read_ev = event_new(base, s->master, EV_READ | EV_PERSIST,
	    session_read_cb, s);
	s->write_ev = event_new(base, s->master, EV_WRITE, session_write_cb,
	    s);
	if (s->slave != -1)
		s->print_ev = event_new(base, s->slave, EV_WRITE,
		    session_print_cb, s);
	event_add(s->read_ev, NULL);
	return s;
fail:
	session_close(s);
	return NULL;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	if (s->sid > 0)
		proc_kill_session(s->sid, SIGKILL);
	if (s->read_ev != NULL)
		event_free(s->read_ev);
	if (s->write_ev != NULL)
		event_free(s->write_ev);
	if (s->print_ev != NULL)
		event_free(s->print_ev);
	if (s->master != -1)
		close(s->master);
	if (s->slave != -1)
		close(s->slave);
	evbuffer_free(s->input);
	evbuffer_free(s->print);
	scrollback_free(&s->sb);
	free(s);
}

int
session_write(struct session *s, const void *data, size_t len)
{
	if (s->pid == 0)
		return -1;
	if (evbuffer_get_length(s->input) + len > SESSION_INPUT_MAX)
		return -1;
	evbuffer_add(s->input, data, len);
	session_write_cb(s->master, EV_WRITE, s);
	return 0;
}

/*
 * Printed text goes through the slave, so the line discipline turns \n
 * into \r\n and the bytes come back out of the master like any program's
 * output. The terminal's buffer is small and is only drained by this same
 * loop, so what does not fit waits for the slave to become writable.
 */
static void
session_print_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session	*s = arg;

	(void)events;
	if (evbuffer_write(s->print, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		evbuffer_drain(s->print, evbuffer_get_length(s->print));
	if (evbuffer_get_length(s->print) > 0)
		event_add(s->print_ev, NULL);
}

int
session_print(struct session *s, const void *data, size_t len)
{
	if (s->slave == -1)
		return -1;
	/* A terminal nobody drains gets the rest in the task's own log. */
	if (evbuffer_get_length(s->print) + len > SESSION_PRINT_MAX)
		return -1;
	evbuffer_add(s->print, data, len);
	if (!event_pending(s->print_ev, EV_WRITE, NULL))
		session_print_cb(s->slave, EV_WRITE, s);
	return 0;
}

int
session_resize(struct session *s, unsigned rows, unsigned cols)
{
	struct winsize	ws;

	if (rows == 0 || cols == 0 || rows > 10000 || cols > 10000)
		return -1;
	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	/* The kernel sends SIGWINCH to the terminal's foreground group. */
	if (ioctl(s->master, TIOCSWINSZ, &ws) == -1)
		return -1;
	s->rows = rows;
	s->cols = cols;
	return 0;
}

void
session_size(const struct session *s, unsigned *rows, unsigned *cols)
{
	*rows = s->rows;
	*cols = s->cols;
}

pid_t
session_pid(const struct session *s)
{
	return s->pid;
}

bool
session_reap(struct session *s, pid_t pid, int status)
{
	if (pid != s->pid || pid == 0)
		return false;
	s->pid = 0;
	/* Drain what the shell printed last before anyone hears it ended. */
	if (s->read_ev != NULL)
		session_read_cb(s->master, EV_READ, s);
	if (s->cbs.exit_cb != NULL)
		s->cbs.exit_cb(status, s->arg);
	return true;
}

void
session_hangup(struct session *s)
{
	if (s->sid <= 0)
		return;
	proc_kill_session(s->sid, SIGHUP);
	proc_kill_session(s->sid, SIGCONT);
}

void
session_kill(struct session *s)
{
	if (s->sid > 0)
		proc_kill_session(s->sid, SIGKILL);
}

bool
session_alive(const struct session *s)
{
	return s->sid > 0 && proc_session_alive(s->sid);
}

size_t
session_tail(const struct session *s, size_t n, char *out)
{
	return scrollback_tail(&s->sb, n, out);
}

size_t
session_scrollback_len(const struct session *s)
{
	return scrollback_len(&s->sb);
}
