/*
 * A task's full output, kept after the run as an LZ4 frame file (the
 * format of the lz4 command-line tool: `lz4 -d` reads it too), written as
 * the output arrives.
 */
#ifndef ORCH_COMMON_TASKLOG_H
#define ORCH_COMMON_TASKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct tasklog;

/*
 * Create path, mode 0600 (a file already there, an earlier supervisor's,
 * is kept as NAME.YYYYmmdd-HHMMSS.lz4). NULL with *cause.
 */
struct tasklog	*tasklog_open(const char *path, char **cause);
/* Append output; errors are sticky and reported by tasklog_close. */
void		 tasklog_write(struct tasklog *l, const void *data, size_t len);
/* Finish the frame and close. 0, or -1 with *cause. */
int		 tasklog_close(struct tasklog *l, char **cause);

/*
 * Where the log of task `name` of an instance lives: the state
 * directory's logs/NAME.lz4 (unsafe characters in the name become '_').
 * Each attempt has its own: NAME is the task's name, '@', the attempt.
 * With create, the directory is made. 0, or -1 with *cause.
 */
int		 tasklog_path(const char *instance, const char *name,
		    bool create, char *buf, size_t size, char **cause);

/* Where attempt n of task's log is, if it has one. */
bool		 tasklog_attempt(const char *instance, const char *task,
		    unsigned n, char *path, size_t size);

/* Decompress path to out. 0, or -1 with *cause. */
int		 tasklog_read(const char *path, FILE *out, char **cause);

/* The end of a log, however long the log is. */
struct tasklog_tail {
	size_t		 max;		/* in: bytes kept at most */
	char		*buf;		/* out: the last len bytes (free it) */
	size_t		 start, len;
	size_t		 total;		/* out: bytes in the whole log */
	bool		 cut;		/* out: it ends early (still written) */
};

/* Decompress path keeping only its tail. 0, or -1 with *cause. */
int		 tasklog_tail(const char *path, struct tasklog_tail *t,
		    char **cause);

#endif
