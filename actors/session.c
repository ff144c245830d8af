#include "actors/session.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "actors/sandbox.h"
#include "actors/scrollback.h"
#include "common/xmalloc.h"

#define SESSION_ROWS_DEFAULT	24
#define SESSION_COLS_DEFAULT	80
#define SESSION_SIZE_MAX	10000

/* The backend of each session.backend; NULL: not built in. */
static const struct session_ops *const session_backends[SESSION_BACKEND_COUNT] = {
	[SESSION_PTY] = &session_pty_ops,
	[SESSION_TMUX] = &session_tmux_ops,
	[SESSION_ITERM2] = &session_iterm_ops,
};

struct session {
	const struct session_ops *ops;
	void			*impl;
	struct event_base	*base;
	struct scrollback	 sb;
	unsigned		 rows, cols;
	pid_t			 leader;
	bool			 ended;
	struct session_cbs	 cbs;
	void			*arg;
};

struct session *
session_open(struct event_base *base, const struct agent_config *ac,
    char *const *cmd, char *const *env, char *const *wrap,
    const struct session_cbs *cbs, void *arg, char **cause)
{
	const struct session_ops	*ops = NULL;

	if ((unsigned)ac->backend < SESSION_BACKEND_COUNT)
		ops = session_backends[ac->backend];
	if (ops == NULL) {
		set_cause(cause, "session backend '%s' is not built in",
		    session_backend_name(ac->backend));
		return NULL;
	}
	return session_open_with(ops, base, ac, cmd, env, wrap, cbs, arg,
	    cause);
}

struct session *
session_open_with(const struct session_ops *ops, struct event_base *base,
    const struct agent_config *ac, char *const *cmd, char *const *env,
    char *const *wrap, const struct session_cbs *cbs, void *arg, char **cause)
{
	struct session	*s = xcalloc(1, sizeof *s);

	s->ops = ops;
	s->base = base;
	s->rows = SESSION_ROWS_DEFAULT;
	s->cols = SESSION_COLS_DEFAULT;
	if (cbs != NULL)
		s->cbs = *cbs;
	s->arg = arg;
	scrollback_init(&s->sb, ac->scrollback ? ac->scrollback :
	    SCROLLBACK_DEFAULT);
	if (ops->open(s, ac, cmd, env, wrap, cause) != 0) {
		session_close(s);
		return NULL;
	}
	return s;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	if (s->impl != NULL) {
		s->ops->kill(s);
		s->ops->close(s);
	}
	scrollback_free(&s->sb);
	free(s);
}

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

/* Bytes for a descriptor, queued while it cannot take them ------------- */

struct session_sink {
	int		 fd;
	size_t		 max;
	struct event	*ev;
	struct evbuffer	*buf;
};

static void
session_sink_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_sink	*k = arg;

	(void)events;
	/* A descriptor that fails for good takes nothing more. */
	if (evbuffer_write(k->buf, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		evbuffer_drain(k->buf, evbuffer_get_length(k->buf));
	if (evbuffer_get_length(k->buf) > 0)
		event_add(k->ev, NULL);
}

struct session_sink *
session_sink_new(struct event_base *base, int fd, size_t max)
{
	struct session_sink	*k = xcalloc(1, sizeof *k);

	k->fd = fd;
	k->max = max;
	k->buf = evbuffer_new();
	k->ev = event_new(base, fd, EV_WRITE, session_sink_cb, k);
	return k;
}

int
session_sink_write(struct session_sink *k, const void *data, size_t len)
{
	if (evbuffer_get_length(k->buf) + len > k->max)
		return -1;
	evbuffer_add(k->buf, data, len);
	if (!event_pending(k->ev, EV_WRITE, NULL))
		session_sink_cb(k->fd, EV_WRITE, k);
	return 0;
}

size_t
session_sink_pending(const struct session_sink *k)
{
	return evbuffer_get_length(k->buf);
}

void
session_sink_free(struct session_sink *k)
{
	if (k == NULL)
		return;
	event_free(k->ev);
	evbuffer_free(k->buf);
	free(k);
}

/* What the session runs ------------------------------------------------- */

/*
 * Unless the agent asks for them (rc: true), the shells orch knows start
 * without the user's rc files: a session is ready when its shell runs,
 * and a slow ~/.bashrc would still be running while it is called idle and
 * typed input goes nowhere.
 */
static const struct {
	const char	*name;
	const char	*flags[2];
} session_norc[] = {
	{ "bash", { "--norc", "--noprofile" } },
	{ "zsh", { "-f", NULL } },
	{ "fish", { "--no-config", NULL } },
};

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

static char *const session_none[] = { NULL };

void
session_exec_make(struct session_exec *x, const struct agent_config *ac,
    char *const *cmd, char *const *extra_env, char *const *wrap)
{
	const char	*shell = cmd != NULL ? cmd[0] : session_shell(ac);
	const char	*base = strrchr(shell, '/');
	char		*own[4];
	size_t		 i, k, n = 0;

	memset(x, 0, sizeof *x);
	base = base != NULL ? base + 1 : shell;
	own[n++] = (char *)base;
	for (i = 0; cmd == NULL && !ac->rc && i < sizeof session_norc /
	    sizeof session_norc[0]; i++)
		if (strcmp(base, session_norc[i].name) == 0)
			for (k = 0; k < 2 && session_norc[i].flags[k] != NULL;
			    k++)
				own[n++] = (char *)session_norc[i].flags[k];
	own[n] = NULL;
	x->path = shell;
	if (wrap != NULL) {
		/* Wrapped, the program goes by its path: the wrapper runs it. */
		own[0] = (char *)shell;
		x->argv = sandbox_join(wrap, cmd != NULL ? cmd : own);
		x->path = x->argv[0];
	} else
		x->argv = sandbox_join(cmd != NULL ? cmd : own, session_none);
	x->env = session_environ(ac, extra_env);
	if (!ac->rc)
		session_drop_env(x->env);
	snprintf(x->what, sizeof x->what, "session %s %s", cmd != NULL ?
	    "program" : "shell", shell);
	snprintf(x->cwd_what, sizeof x->cwd_what, "session cwd %s",
	    ac->cwd != NULL ? ac->cwd : "");
}

int
session_exec_check(const struct session_exec *x, const char *cwd,
    char **cause)
{
	struct stat	st;

	if (cwd != NULL && stat(cwd, &st) == -1)
		return set_cause(cause, "%s: %s", x->cwd_what, strerror(errno));
	if (cwd != NULL && !S_ISDIR(st.st_mode))
		return set_cause(cause, "%s: %s", x->cwd_what,
		    strerror(ENOTDIR));
	if (access(x->path, X_OK) == -1)
		return set_cause(cause, "%s: %s", x->what, strerror(errno));
	return 0;
}

void
session_exec_free(struct session_exec *x)
{
	free(x->argv);
	free(x->env);
	x->argv = x->env = NULL;
}

int
session_write(struct session *s, const void *data, size_t len)
{
	if (s->impl == NULL || !s->ops->alive(s))
		return -1;
	return s->ops->write(s, data, len);
}

int
session_show(struct session *s, const void *data, size_t len)
{
	if (s->impl == NULL)
		return -1;
	if (s->ops->show == NULL) {
		session_output(s, data, len);
		return 0;
	}
	return s->ops->show(s, data, len);
}

int
session_resize(struct session *s, unsigned rows, unsigned cols)
{
	if (rows == 0 || cols == 0 || rows > SESSION_SIZE_MAX ||
	    cols > SESSION_SIZE_MAX || s->impl == NULL)
		return -1;
	if (s->ops->resize != NULL && s->ops->resize(s, rows, cols) != 0)
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

bool
session_alive(const struct session *s)
{
	return s->impl != NULL && !s->ended && s->ops->alive(s);
}

void
session_hangup(struct session *s)
{
	if (s->impl != NULL)
		s->ops->hangup(s);
}

void
session_watch(struct session *s, bool on)
{
	if (s->impl != NULL && s->ops->watch != NULL)
		s->ops->watch(s, on);
}

void
session_kill(struct session *s)
{
	if (s->impl != NULL)
		s->ops->kill(s);
}

size_t
session_tail(const struct session *s, size_t n, char *out)
{
	if (s->ops->tail != NULL && s->impl != NULL)
		return s->ops->tail(s, n, out);
	return scrollback_tail(&s->sb, n, out);
}

size_t
session_scrollback_len(const struct session *s)
{
	return scrollback_len(&s->sb);
}

pid_t
session_leader(const struct session *s)
{
	return s->ended ? 0 : s->leader;
}

struct event_base *
session_base(const struct session *s)
{
	return s->base;
}

void *
session_impl(const struct session *s)
{
	return s->impl;
}

void
session_set_impl(struct session *s, void *impl)
{
	s->impl = impl;
}

void
session_set_leader(struct session *s, pid_t pgid)
{
	s->leader = pgid;
}

void
session_output(struct session *s, const char *data, size_t len)
{
	scrollback_append(&s->sb, data, len);
	if (s->cbs.output_cb != NULL)
		s->cbs.output_cb(data, len, s->arg);
}

void
session_ended(struct session *s, int status)
{
	if (s->ended)
		return;
	s->ended = true;
	if (s->cbs.exit_cb != NULL)
		s->cbs.exit_cb(status, NULL, s->arg);
}

void
session_lost(struct session *s, const char *why)
{
	if (s->ended)
		return;
	s->ended = true;
	if (s->cbs.exit_cb != NULL)
		s->cbs.exit_cb(-1, why, s->arg);
}
