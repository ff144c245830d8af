/*
 * orch-ctl audit: the instance's audit log (common/audit.h), read from the
 * state directory (also after the supervisor has stopped): a line per
 * decision, or the JSON lines as written; --follow waits for more.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/audit.h"
#include "common/rundir.h"
#include "tools/client.h"
#include "tools/ctl.h"

static const char *
ctl_audit_str(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* One line of the log, as read (without its newline). */
static void
ctl_audit_line(const char *line, size_t len, bool json)
{
	char	 a[64], b[160], c[160], d[200], e[160], f[160];
	json_t	*j;

	if (json) {
		/* Written by orch, escaped by jansson: safe to pass on. */
		printf("%.*s\n", (int)len, line);
		return;
	}
	if ((j = json_loadb(line, len, 0, NULL)) == NULL) {
		printf("(not a JSON line: %s)\n", client_esc(d, sizeof d, line,
		    len));
		return;
	}
	/* Names came from agents: shown escaped, never raw. */
	printf("%s  %-8s %-18s %-16s %s%s%s%s%s)\n",
	    client_esc(a, sizeof a, ctl_audit_str(j, "time"),
	    strlen(ctl_audit_str(j, "time"))),
	    client_esc(b, sizeof b, ctl_audit_str(j, "decision"),
	    strlen(ctl_audit_str(j, "decision"))),
	    client_esc(c, sizeof c, ctl_audit_str(j, "who"),
	    strlen(ctl_audit_str(j, "who"))),
	    client_esc(d, sizeof d, ctl_audit_str(j, "what"),
	    strlen(ctl_audit_str(j, "what"))),
	    ctl_audit_str(j, "about")[0] ? "about " : "",
	    client_esc(e, sizeof e, ctl_audit_str(j, "about"),
	    strlen(ctl_audit_str(j, "about"))),
	    ctl_audit_str(j, "about")[0] ? " " : "",
	    "(", client_esc(f, sizeof f, ctl_audit_str(j, "rule"),
	    strlen(ctl_audit_str(j, "rule"))));
	json_decref(j);
}

/* Print the complete lines in f from where it is; keep a partial one. */
static void
ctl_audit_drain(FILE *f, bool json)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	long	 at;

	for (;;) {
		at = ftell(f);
		if ((n = getline(&line, &cap, f)) <= 0)
			break;
		if (line[n - 1] != '\n') {
			/* Being written: read it whole next time. */
			fseek(f, at, SEEK_SET);
			break;
		}
		ctl_audit_line(line, (size_t)n - 1, json);
	}
	clearerr(f);
	fflush(stdout);
	free(line);
}

int
ctl_audit(const char *instance, int argc, char **argv)
{
	struct pollfd	 pfd;
	char		 path[4096], buf[4096], *cause = NULL;
	bool		 json = false, follow = false;
	FILE		*f;
	int		 i, in = -1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--follow") == 0 ||
		    strcmp(argv[i], "-f") == 0)
			follow = true;
		else {
			fprintf(stderr, "orch-ctl: audit [--follow] [--json]\n");
			return 2;
		}
	}
	if (audit_path(instance, false, path, sizeof path, &cause) != 0) {
		fprintf(stderr, "orch-ctl: audit: %s\n", cause);
		free(cause);
		return 1;
	}
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !follow) {
			fprintf(stderr, "orch-ctl: audit: nothing decided yet "
			    "in instance %s (%s)\n", instance, path);
			return 1;
		}
		fprintf(stderr, "orch-ctl: audit: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	ctl_audit_drain(f, json);
	if (!follow) {
		fclose(f);
		return 0;
	}
	in = inotify_init1(IN_CLOEXEC);
	if (in == -1 || inotify_add_watch(in, path, IN_MODIFY) == -1) {
		fprintf(stderr, "orch-ctl: audit --follow: %s\n",
		    strerror(errno));
		fclose(f);
		return 1;
	}
	pfd.fd = in;
	pfd.events = POLLIN;
	for (;;) {
		/* A change, or once a second anyway (a rotated file, ...). */
		if (poll(&pfd, 1, 1000) > 0 && read(in, buf, sizeof buf) < 0 &&
		    errno != EINTR)
			break;
		ctl_audit_drain(f, json);
	}
	close(in);
	fclose(f);
	return 1;
}
