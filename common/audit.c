#include "common/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "common/rundir.h"
#include "common/xmalloc.h"

static int	 audit_fd = -1;
static char	*audit_by;

int
audit_path(const char *instance, bool create, char *buf, size_t size,
    char **cause)
{
	char	dir[4096];
	int	n;

	if (rundir_state(instance, ".", create, dir, sizeof dir, cause) != 0)
		return -1;
	n = snprintf(buf, size, "%s/audit.log", dir);
	if (n < 0 || (size_t)n >= size)
		return set_cause(cause, "audit log path too long");
	return 0;
}

int
audit_open(const char *instance, const char *by, char **cause)
{
	char	path[4096];

	audit_close();
	if (audit_path(instance, true, path, sizeof path, cause) != 0)
		return -1;
	audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (audit_fd == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	audit_by = xstrdup(by);
	return 0;
}

void
audit_close(void)
{
	if (audit_fd != -1)
		close(audit_fd);
	audit_fd = -1;
	free(audit_by);
	audit_by = NULL;
}

void
audit_write(const char *who, const char *what, const char *about,
    const char *decision, const char *rule)
{
	struct timeval	 tv;
	struct tm	 tm;
	json_t		*j;
	char		 when[64], *line, *buf;
	size_t		 len;
	bool		 must_keep;

	if (audit_fd == -1)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	len = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + len, sizeof when - len, ".%06ldZ", (long)tv.tv_usec);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "time", when,
	    "by", audit_by, "who", who, "what", what, "about", about != NULL ?
	    about : "", "decision", decision, "rule", rule != NULL ? rule : "",
	    "pid", (json_int_t)getpid());
	if (j == NULL) {
		/* Not UTF-8 (a hostile name): still a line, escaped. */
		j = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "by",
		    audit_by, "decision", decision, "what", "(unprintable)");
		if (j == NULL)
			return;
	}
	line = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (line == NULL)
		return;
	len = strlen(line);
	buf = xmalloc(len + 2);
	memcpy(buf, line, len);
	buf[len++] = '\n';
	free(line);
	/* One write: lines of several processes never interleave. */
	if (write(audit_fd, buf, len) != (ssize_t)len)
		log_warn("audit log");
	must_keep = strcmp(decision, "allowed") != 0;
	if (must_keep)
		fdatasync(audit_fd);
	free(buf);
}

/* FNV-1a over the fields, each ended by a NUL. */
static uint64_t
audit_hash(const char *const *f, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ull;
	const char	*p;
	size_t		 i;

	for (i = 0; i < n; i++) {
		for (p = f[i] != NULL ? f[i] : ""; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		h = h * 0x100000001b3ull;
	}
	return h;
}

void
audit_write_once(struct audit_memo *m, const char *who, const char *what,
    const char *about, const char *decision, const char *rule)
{
	const char	*f[] = { who, what, about, decision, rule };
	uint64_t	 h = audit_hash(f, 5);
	size_t		 i;

	for (i = 0; i < AUDIT_MEMO_SIZE; i++)
		if (m->seen[i] == h)
			return;
	m->seen[m->next++ % AUDIT_MEMO_SIZE] = h;
	audit_write(who, what, about, decision, rule);
}
