#include "common/tmux.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proc.h"
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
tmux_kill_server(const char *instance)
{
	static char *const	kill[] = { (char *)"kill-server", NULL };
	char			out[256];

	(void)tmux_run(instance, kill, out, sizeof out);
}
