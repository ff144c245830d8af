#include "common/tmux.h"

#include <sys/wait.h>

#include <errno.h>
#include <sys/file.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/rundir.h"
#include "common/xmalloc.h"

#define TMUX_RUN_TIMEOUT_MS	5000

void
tmux_server_name(const char *instance, char *buf, size_t size)
{
	snprintf(buf, size, "orch-%s", instance);
}

void
tmux_session_name(const char *agent, char *buf, size_t size)
{
	size_t	i;

	snprintf(buf, size, "%s", agent);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '.' || buf[i] == ':')
			buf[i] = '_';
}

size_t
tmux_base(struct tmux_base *b, const char *instance)
{
	size_t	n = 0;

	tmux_server_name(instance, b->server, sizeof b->server);
	b->argv[n++] = (char *)"tmux";
	b->argv[n++] = (char *)"-u";
	b->argv[n++] = (char *)"-f";
	b->argv[n++] = (char *)"/dev/null";
	b->argv[n++] = (char *)"-L";
	b->argv[n++] = b->server;
	b->argv[n] = NULL;
	return n;
}

char **
tmux_environ(const char *path)
{
	static const char *const keep[] = { "TMUX_TMPDIR", "HOME", "LANG",
					    "LC_ALL", "LC_CTYPE" };
	char		**env = xcalloc(sizeof keep / sizeof keep[0] + 2,
			    sizeof *env);
	const char	 *v;
	size_t		  i, n = 0;

	if (path == NULL)
		path = getenv("PATH");
	xasprintf(&env[n++], "PATH=%s", path != NULL ? path :
	    "/usr/bin:/bin");
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if ((v = getenv(keep[i])) != NULL)
			xasprintf(&env[n++], "%s=%s", keep[i], v);
	env[n] = NULL;
	return env;
}

void
tmux_environ_free(char **env)
{
	size_t	i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

char *
tmux_arg(const char *s)
{
	size_t	 len = strlen(s);
	char	*t;

	if (len == 0 || s[len - 1] != ';')
		return (char *)s;
	t = xmalloc(len + 2);
	memcpy(t, s, len - 1);
	t[len - 1] = '\\';
	t[len] = ';';
	t[len + 1] = '\0';
	return t;
}

char *
tmux_literal(const char *s)
{
	size_t	 i, n = 0;
	char	*t = xmalloc(strlen(s) * 2 + 1);

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '#')
			t[n++] = '#';
		t[n++] = s[i];
	}
	t[n] = '\0';
	return t;
}

int
tmux_run(const char *instance, char *const *args, char *out, size_t size)
{
	struct tmux_base	  b;
	char			**argv, **env;
	size_t			  n, m = 0, i;
	int			  status, rc;

	n = tmux_base(&b, instance);
	while (args[m] != NULL)
		m++;
	argv = xcalloc(n + m + 1, sizeof *argv);
	for (i = 0; i < n; i++)
		argv[i] = b.argv[i];
	for (i = 0; i < m; i++)
		argv[n + i] = args[i];
	env = tmux_environ(NULL);
	rc = proc_run(argv, env, TMUX_RUN_TIMEOUT_MS, out, size, &status);
	tmux_environ_free(env);
	free(argv);
	if (rc != 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
tmux_server_running(const char *instance)
{
	static char *const	ls[] = { (char *)"list-sessions", (char *)"-F",
				    (char *)"#{session_name}", NULL };
	char			out[256];

	return tmux_run(instance, ls, out, sizeof out) == 0;
}

void
tmux_socket_path(const char *instance, char *buf, size_t size)
{
	const char	*dir = getenv("TMUX_TMPDIR");

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	snprintf(buf, size, "%s/tmux-%lu/orch-%s", dir,
	    (unsigned long)getuid(), instance);
}

void
tmux_kill_server(const char *instance)
{
	static char *const	kill[] = { (char *)"kill-server", NULL };
	char			out[256];

	(void)tmux_run(instance, kill, out, sizeof out);
}

int
tmux_lock(const char *instance)
{
	return rundir_hold(instance, "tmux.lock");
}

void
tmux_unlock(int fd)
{
	rundir_release(fd);
}

/* The view from list-windows' lines (out, which it cuts up). */
static int
tmux_view_make(const char *instance, char *out, char **cause)
{
	char	 err[512], *line, *next, first[32];
	char	 target[TMUX_NAME_MAX + 8];
	char	 sess[TMUX_NAME_MAX], win[32], agent[128];
	char	*kill[] = { (char *)"kill-session", (char *)"-t", target, NULL };
	char	*make[] = { (char *)"new-session", (char *)"-d", (char *)"-s",
		    (char *)TMUX_VIEW_SESSION, (char *)"-P", (char *)"-F",
		    (char *)"#{window_id}", NULL };
	char	*link[] = { (char *)"link-window", (char *)"-d", (char *)"-s",
		    win, (char *)"-t", target, NULL };
	char	*drop[] = { (char *)"kill-window", (char *)"-t", first, NULL };
	int	 n = 0;

	snprintf(target, sizeof target, "=%s", TMUX_VIEW_SESSION);
	(void)tmux_run(instance, kill, err, sizeof err);
	/* Its first window is a placeholder, gone once an agent's is in. */
	if (tmux_run(instance, make, err, sizeof err) != 0 || err[0] != '@')
		return set_cause(cause, "tmux new-session: %s", err);
	snprintf(first, sizeof first, "%.31s", err);
	for (line = out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* Only agents' windows: their sessions name their agent. */
		if (sscanf(line, "%159s %31s %127s", sess, win, agent) != 3 ||
		    strcmp(sess, TMUX_VIEW_SESSION) == 0)
			continue;
		/* Each at an index of its own (the placeholder's is 0). */
		snprintf(target, sizeof target, "=%s:%d", TMUX_VIEW_SESSION,
		    n + 1);
		if (tmux_run(instance, link, err, sizeof err) == 0)
			n++;
	}
	if (n == 0) {
		snprintf(target, sizeof target, "=%s", TMUX_VIEW_SESSION);
		(void)tmux_run(instance, kill, err, sizeof err);
		return set_cause(cause, "no agent of instance %s has a tmux "
		    "session", instance);
	}
	(void)tmux_run(instance, drop, err, sizeof err);
	return 0;
}

int
tmux_view(const char *instance, char **cause)
{
	static char *const	 ls[] = { (char *)"list-windows", (char *)"-a",
				    (char *)"-F", (char *)"#{session_name} "
				    "#{window_id} #{@orch_agent}", NULL };
	char			 out[65536];
	int			 lock, rc;

	if (tmux_run(instance, ls, out, sizeof out) != 0)
		return set_cause(cause, "no tmux server orch-%s (no agent "
		    "with session.backend tmux is running): %s", instance, out);
	lock = tmux_lock(instance);
	rc = tmux_view_make(instance, out, cause);
	tmux_unlock(lock);
	return rc;
}

int
tmux_attach_exec(const char *instance, const char *session, int cc,
    char **cause)
{
	struct tmux_base	 b;
	char			 target[TMUX_NAME_MAX + 2], err[512];
	char			*has[] = { (char *)"has-session", (char *)"-t",
				    target, NULL };
	char			*argv[TMUX_ARGV_MAX + 6];
	size_t			 n, i, k = 0;

	snprintf(target, sizeof target, "=%s", session);
	if (tmux_run(instance, has, err, sizeof err) != 0)
		return set_cause(cause, "no tmux session '%s' on orch-%s (is "
		    "the agent running, with session.backend tmux?)", session,
		    instance);
	n = tmux_base(&b, instance);
	for (i = 0; i < n; i++)
		argv[k++] = b.argv[i];
	if (cc)
		argv[k++] = (char *)"-CC";
	argv[k++] = (char *)"attach-session";
	argv[k++] = (char *)"-t";
	argv[k++] = target;
	argv[k] = NULL;
	/* Another server's client inside a tmux pane is no nesting error. */
	unsetenv("TMUX");
	execvp(argv[0], argv);
	return set_cause(cause, "tmux: %s", strerror(errno));
}
