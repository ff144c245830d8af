#include "common/tasklog.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lz4frame.h>

#include "common/rundir.h"
#include "common/xmalloc.h"

#define TASKLOG_CHUNK	65536

struct tasklog {
	FILE			*f;
	LZ4F_cctx		*cctx;
	char			*buf;
	size_t			 cap;
	int			 err;
};

static void
tasklog_put(struct tasklog *l, size_t n)
{
	if (n > 0 && fwrite(l->buf, 1, n, l->f) != n && l->err == 0)
		l->err = errno ? errno : EIO;
}

/*
 * A log of that name from an earlier supervisor (run numbers start at 1
 * again, -w tasks have no run number): kept, renamed after its time.
 */
static void
tasklog_keep(const char *path)
{
	struct stat	 st;
	struct tm	 tm;
	char		 old[PATH_MAX + 32], stamp[32];
	size_t		 len = strlen(path);

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || len < 4 ||
	    len - 4 + sizeof stamp + 5 > sizeof old)
		return;
	localtime_r(&st.st_mtime, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(old, sizeof old, "%.*s.%s.lz4", (int)(len - 4), path, stamp);
	rename(path, old);
}

struct tasklog *
tasklog_open(const char *path, char **cause)
{
	struct tasklog	*l = xcalloc(1, sizeof *l);
	size_t		 n;
	int		 fd;

	tasklog_keep(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || (l->f = fdopen(fd, "w")) == NULL) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		free(l);
		return NULL;
	}
	if (LZ4F_isError(LZ4F_createCompressionContext(&l->cctx,
	    LZ4F_VERSION))) {
		set_cause(cause, "%s: cannot start compressing", path);
		fclose(l->f);
		free(l);
		return NULL;
	}
	l->cap = LZ4F_compressBound(TASKLOG_CHUNK, NULL);
	if (l->cap < LZ4F_HEADER_SIZE_MAX)
		l->cap = LZ4F_HEADER_SIZE_MAX;
	l->buf = xmalloc(l->cap);
	n = LZ4F_compressBegin(l->cctx, l->buf, l->cap, NULL);
	if (LZ4F_isError(n))
		l->err = EIO;
	else
		tasklog_put(l, n);
	return l;
}

void
tasklog_write(struct tasklog *l, const void *data, size_t len)
{
	const char	*p = data;
	size_t		 n, chunk;

	while (l != NULL && len > 0 && l->err == 0) {
		chunk = len < TASKLOG_CHUNK ? len : TASKLOG_CHUNK;
		n = LZ4F_compressUpdate(l->cctx, l->buf, l->cap, p, chunk, NULL);
		if (LZ4F_isError(n)) {
			l->err = EIO;
			break;
		}
		tasklog_put(l, n);
		p += chunk;
		len -= chunk;
	}
}

int
tasklog_close(struct tasklog *l, char **cause)
{
	size_t	n;
	int	err;

	if (l == NULL)
		return 0;
	n = LZ4F_compressEnd(l->cctx, l->buf, l->cap, NULL);
	if (LZ4F_isError(n))
		l->err = EIO;
	else if (l->err == 0)
		tasklog_put(l, n);
	if (fclose(l->f) != 0 && l->err == 0)
		l->err = errno;
	err = l->err;
	LZ4F_freeCompressionContext(l->cctx);
	free(l->buf);
	free(l);
	if (err != 0)
		return set_cause(cause, "task log: %s", strerror(err));
	return 0;
}

typedef void	tasklog_out_fn(const char *, size_t, void *);

/* Decompress path, a piece at a time, to fn. */
static int
tasklog_each(const char *path, tasklog_out_fn *fn, void *arg, bool *cut,
    char **cause)
{
	LZ4F_dctx	*d;
	char		*in, *dst;
	size_t		 got, off, isz, osz, rc = 1;
	FILE		*f;
	int		 ret = 0;

	if ((f = fopen(path, "re")) == NULL)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) {
		fclose(f);
		return set_cause(cause, "%s: cannot decompress", path);
	}
	in = xmalloc(TASKLOG_CHUNK);
	dst = xmalloc(4 * TASKLOG_CHUNK);
	while (rc != 0 && (got = fread(in, 1, TASKLOG_CHUNK, f)) > 0) {
		for (off = 0; off < got && rc != 0; off += isz) {
			isz = got - off;
			osz = 4 * TASKLOG_CHUNK;
			rc = LZ4F_decompress(d, dst, &osz, in + off, &isz, NULL);
			if (LZ4F_isError(rc)) {
				ret = set_cause(cause, "%s: corrupt log (%s)",
				    path, LZ4F_getErrorName(rc));
				goto out;
			}
			fn(dst, osz, arg);
		}
	}
	*cut = rc != 0;
out:
	free(in);
	free(dst);
	LZ4F_freeDecompressionContext(d);
	fclose(f);
	return ret;
}

static void
tasklog_fwrite(const char *data, size_t len, void *arg)
{
	fwrite(data, 1, len, arg);
}

int
tasklog_read(const char *path, FILE *out, char **cause)
{
	bool	cut = false;

	if (tasklog_each(path, tasklog_fwrite, out, &cut, cause) != 0)
		return -1;
	if (cut)
		return set_cause(cause, "%s: the log ends early (the task may "
		    "still be running)", path);
	return 0;
}

/* The last t->max bytes, in a ring. */
static void
tasklog_ring(const char *data, size_t len, void *arg)
{
	struct tasklog_tail	*t = arg;
	size_t			 at, n;

	t->total += len;
	if (len > t->max) {
		data += len - t->max;
		len = t->max;
	}
	while (len > 0) {
		at = t->start + t->len;
		if (at >= t->max)
			at -= t->max;
		n = t->max - at < len ? t->max - at : len;
		memcpy(t->buf + at, data, n);
		if (t->len + n > t->max) {
			t->start = (t->start + t->len + n - t->max) % t->max;
			t->len = t->max;
		} else
			t->len += n;
		data += n;
		len -= n;
	}
}

int
tasklog_tail(const char *path, struct tasklog_tail *t, char **cause)
{
	char	*flat;

	t->buf = xmalloc(t->max > 0 ? t->max : 1);
	t->start = t->len = 0;
	t->total = 0;
	t->cut = false;
	if (t->max == 0)
		return tasklog_each(path, tasklog_ring, t, &t->cut, cause);
	if (tasklog_each(path, tasklog_ring, t, &t->cut, cause) != 0) {
		free(t->buf);
		t->buf = NULL;
		return -1;
	}
	/* In order from the start: the ring laid flat. */
	flat = xmalloc(t->max);
	memcpy(flat, t->buf + t->start, t->max - t->start < t->len ?
	    t->max - t->start : t->len);
	if (t->max - t->start < t->len)
		memcpy(flat + (t->max - t->start), t->buf, t->len - (t->max -
		    t->start));
	free(t->buf);
	t->buf = flat;
	t->start = 0;
	return 0;
}

int
tasklog_path(const char *instance, const char *name, bool create, char *buf,
    size_t size, char **cause)
{
	char	dir[PATH_MAX], safe[128];
	size_t	i;
	int	n;

	if (rundir_state(instance, "logs", create, dir, sizeof dir, cause) != 0)
		return -1;
	/* Task ids may hold spaces (stage names): keep the name tame. */
	for (i = 0; name[i] != '\0' && i < sizeof safe - 1; i++)
		safe[i] = isalnum((unsigned char)name[i]) || strchr("_.-:@",
		    name[i]) != NULL ? name[i] : '_';
	safe[i] = '\0';
	n = snprintf(buf, size, "%s/%s.lz4", dir, safe);
	if (n < 0 || (size_t)n >= size)
		return set_cause(cause, "task log path too long");
	return 0;
}

bool
tasklog_attempt(const char *instance, const char *task, unsigned n,
    char *path, size_t size)
{
	char	name[256];

	snprintf(name, sizeof name, "%s@%u", task, n);
	return tasklog_path(instance, name, false, path, size, NULL) == 0 &&
	    access(path, F_OK) == 0;
}
