#include "actors/sandbox.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/rundir.h"
#include "common/xmalloc.h"

#define SANDBOX_ARGS_MAX	24
/* What a failing probe says, at most. */
#define SANDBOX_SAY_MAX		1024

/* bwrap on PATH, else where Debian puts it; NULL if neither. */
static char *
sandbox_bwrap(void)
{
	const char	*path = getenv("PATH"), *p, *end;
	char		 buf[PATH_MAX];
	size_t		 len;

	for (p = path != NULL ? path : ""; *p != '\0'; p = *end ? end + 1 :
	    end) {
		end = strchrnul(p, ':');
		len = (size_t)(end - p);
		if (len == 0 || p[0] != '/' || len + sizeof "/bwrap" > sizeof buf)
			continue;
		memcpy(buf, p, len);
		memcpy(buf + len, "/bwrap", sizeof "/bwrap");
		if (access(buf, X_OK) == 0)
			return xstrdup(buf);
	}
	return access("/usr/bin/bwrap", X_OK) == 0 ? xstrdup("/usr/bin/bwrap") :
	    NULL;
}

/* dir's parent, in place: the directory that holds every instance's. */
static int
sandbox_parent(char *dir)
{
	char	*slash;
	size_t	 len = strlen(dir);

	while (len > 1 && (dir[len - 1] == '/' || (dir[len - 1] == '.' &&
	    len > 1 && dir[len - 2] == '/')))
		dir[--len] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return -1;
	*slash = '\0';
	return 0;
}

char **
sandbox_prefix(const char *instance, const char *agent, char **cause)
{
	char	**v, *bwrap, run[PATH_MAX], state[PATH_MAX], sock[PATH_MAX];
	char	  name[PATH_MAX];
	size_t	  n = 0;

	if ((bwrap = sandbox_bwrap()) == NULL) {
		xasprintf(cause, "session.sandbox needs bwrap, which is not "
		    "installed (Debian package bubblewrap)");
		return NULL;
	}
	snprintf(name, sizeof name, "%s/%s.sock", RUNDIR_ACTORS, agent);
	if (rundir_path(instance, run, sizeof run, cause) != 0 ||
	    rundir_file(instance, name, sock, sizeof sock, cause) != 0 ||
	    rundir_state(instance, ".", false, state, sizeof state,
	    cause) != 0) {
		free(bwrap);
		return NULL;
	}
	if (sandbox_parent(run) != 0 || sandbox_parent(state) != 0) {
		xasprintf(cause, "sandbox: cannot hide %s or %s", run, state);
		free(bwrap);
		return NULL;
	}
	v = xcalloc(SANDBOX_ARGS_MAX, sizeof *v);
	v[n++] = bwrap;
	v[n++] = xstrdup("--die-with-parent");
	/* Everything as it is, and writable as it is... */
	v[n++] = xstrdup("--bind");
	v[n++] = xstrdup("/");
	v[n++] = xstrdup("/");
	/* ...but orch's processes, the bus and bank, sockets and logs. */
	v[n++] = xstrdup("--unshare-pid");
	v[n++] = xstrdup("--proc");
	v[n++] = xstrdup("/proc");
	v[n++] = xstrdup("--tmpfs");
	v[n++] = xstrdup("/dev/shm");
	v[n++] = xstrdup("--tmpfs");
	v[n++] = xstrdup(run);
	v[n++] = xstrdup("--tmpfs");
	v[n++] = xstrdup(state);
	/* Its own actor's socket, where it was: $ORCH_SOCKET still works. */
	v[n++] = xstrdup("--bind");
	v[n++] = xstrdup(sock);
	v[n++] = xstrdup(sock);
	v[n++] = xstrdup("--");
	v[n] = NULL;
	return v;
}

char **
sandbox_join(char *const *prefix, char *const *argv)
{
	char	**v;
	size_t	  n = 0, m = 0, i;

	while (prefix[n] != NULL)
		n++;
	while (argv[m] != NULL)
		m++;
	v = xcalloc(n + m + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = prefix[i];
	for (i = 0; i < m; i++)
		v[n + i] = argv[i];
	return v;
}

void
sandbox_free(char **prefix)
{
	size_t	i;

	if (prefix == NULL)
		return;
	for (i = 0; prefix[i] != NULL; i++)
		free(prefix[i]);
	free(prefix);
}

int
sandbox_probe(char *const *prefix, char **cause)
{
	static char	*truth[] = { (char *)"/bin/true", NULL };
	char		**argv, said[SANDBOX_SAY_MAX];
	int		  rc, status;

	argv = sandbox_join(prefix, truth);
	rc = proc_run(argv, NULL, 0, said, sizeof said, &status);
	free(argv);
	if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	xasprintf(cause, "the sandbox cannot be made here (bwrap: %s)",
	    said[0] != '\0' ? said : "failed");
	return -1;
}
