/*
 * The scheduler's pipeline I/O: a task's command made from its workflow
 * ({{ tasks.ID.output }} and {{ stages.NAME.output }} filled in, its
 * ORCH_INPUT file written, what is too large for an argument in a file),
 * and a task's whole output read back from its log.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/shquote.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/proto.h"
#include "supervisor/runner.h"
#include "supervisor/sched_int.h"
#include "supervisor/supervisor.h"

/* What a dependent may be handed of a task's output. */
#define SCHED_OUTPUT_MAX	(16u << 20)

struct sched_capped {
	struct sched_buf	 b;
	bool			 cut;
};

/* Where a task's ORCH_INPUT file goes (made only for tasks with deps). */
static int
sched_input_path(const struct stask *t, char *path, size_t size)
{
	return (size_t)snprintf(path, size, "%s/%u-%s.input", t->run->s->dir,
	    t->run->no, t->t->id) < size ? 0 : -1;
}


/* Where a command too large for an argument goes (see sched_dispatch). */
static int
sched_script_path(const struct stask *t, char *path, size_t size)
{
	return (size_t)snprintf(path, size, "%s/%u-%s.sh", t->run->s->dir,
	    t->run->no, t->t->id) < size ? 0 : -1;
}


void
sched_append(struct sched_buf *b, const char *p, size_t n)
{
	/* Doubling: outputs of megabytes arrive in many small pieces. */
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 64;
		while (b->cap < b->len + n + 1)
			b->cap *= 2;
		b->buf = xreallocarray(b->buf, b->cap, 1);
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}


/* t's output is buf (len bytes and a NUL, malloc'd; it takes it). */
void
sched_set_output(struct stask *t, char *buf, size_t len, bool cut)
{
	free(t->output);
	t->output = buf;
	t->output_len = len;
	t->output_cut = cut;
}


static void
sched_task_output(const struct stask *t, struct sched_buf *out)
{
	size_t	len;

	if (t->output == NULL)
		return;
	len = t->output_len;
	/* Without the final newline, so it fits inside a command line. */
	while (len > 0 && t->output[len - 1] == '\n')
		len--;
	sched_append(out, t->output, len);
}


/* Output of a task or of a whole stage, for {{ }} (checked when loaded). */
static void
sched_output_of(struct sched_run *run, const char *ref, struct sched_buf *out)
{
	char	 name[WF_REF_MAX];
	size_t	 i;
	bool	 first = true;

	switch (workflow_ref_parse(ref, name, sizeof name)) {
	case WF_REF_TASK:
		if (sched_find(run, name) != NULL)
			sched_task_output(sched_find(run, name), out);
		break;
	case WF_REF_STAGE:
		for (i = 0; i < run->n; i++)
			if (strcmp(run->wf->stages[run->tasks[i].t->stage].name,
			    name) == 0) {
				/* One line per task of the stage. */
				if (!first)
					sched_append(out, "\n", 1);
				first = false;
				sched_task_output(&run->tasks[i], out);
			}
		break;
	}
}

/*
 * The command with every {{ tasks.ID.output }} / {{ stages.N.output }}.
 * Into a shell command a value goes as data: escaped for where it stands
 * (outside quotes, in '...', in "..."), so the shell reads back exactly
 * its bytes and nothing in it runs. A prompt gets it as it is. NULL
 * (with t's reason) for a reference where no quoting is safe: in `...`.
 */
static char *
sched_substitute(struct stask *t, const char *cmd, bool shell)
{
	struct sched_run	*run = t->run;
	struct sched_buf	 out = { NULL, 0, 0 }, val;
	struct shquote		 q;
	const char		*p = cmd, *next, *open;
	char			 ref[WF_REF_MAX], *esc;
	size_t			 elen;

	shquote_init(&q);
	sched_append(&out, "", 0);
	while ((next = workflow_ref_next(p, &open, ref, sizeof ref)) != NULL) {
		sched_append(&out, p, (size_t)(open - p));
		shquote_scan(&q, p, (size_t)(open - p));
		if (shell && !shquote_safe(&q)) {
			snprintf(t->reason, sizeof t->reason, "{{ %.64s }} is "
			    "inside `...`, where no value can be quoted safely: "
			    "use $( ) instead", ref);
			free(out.buf);
			return NULL;
		}
		val.buf = NULL;
		val.len = val.cap = 0;
		sched_append(&val, "", 0);
		sched_output_of(run, ref, &val);
		if (shell) {
			esc = shquote_value(q.ctx, val.buf, val.len, &elen);
			sched_append(&out, esc, elen);
			free(esc);
		} else
			sched_append(&out, val.buf, val.len);
		free(val.buf);
		p = next;
	}
	sched_append(&out, p, strlen(p));
	return out.buf;
}

/* Write what the task's dependencies printed to its ORCH_INPUT file. */
static int
sched_input(struct stask *t, char *path, size_t size)
{
	struct sched_buf	 in = { NULL, 0, 0 };
	struct stask		*d;
	FILE			*f;
	size_t			 i;

	/* Nothing to read: no file to make (1,000 creations cost ~20 ms). */
	if (t->t->depends.n == 0) {
		snprintf(path, size, "/dev/null");
		return 0;
	}
	if (sched_input_path(t, path, size) != 0)
		return -1;
	for (i = 0; i < t->t->depends.n; i++)
		if ((d = t->deps[i])->output != NULL)
			sched_append(&in, d->output, d->output_len);
	if ((f = fopen(path, "we")) == NULL) {
		free(in.buf);
		return -1;
	}
	if (in.len > 0)
		fwrite(in.buf, 1, in.len, f);
	fclose(f);
	free(in.buf);
	return 0;
}


static ssize_t
sched_capped_write(void *cookie, const char *p, size_t n)
{
	struct sched_capped	*c = cookie;
	size_t			 room = SCHED_OUTPUT_MAX - c->b.len;

	if (n > room)
		c->cut = true;
	if (room > 0)
		sched_append(&c->b, p, n < room ? n : room);
	return (ssize_t)n;
}


/*
 * The actor's answer carries only the last IPC_TASK_TAIL_MAX bytes; when the
 * output filled them, the whole of it (up to SCHED_OUTPUT_MAX) comes from
 * the task's log, for the dependents, the bank and the claude runner.
 */
void
sched_full_output(struct sched *s, struct stask *t)
{
	static const cookie_io_functions_t	 io = { NULL,
						    sched_capped_write, NULL,
						    NULL };
	struct sched_capped			 c = { { NULL, 0, 0 }, false };
	char					 path[PATH_MAX], *cause = NULL;
	char					 name[WF_ID_MAX + 48];
	FILE					*f;
	int					 rc;

	if (t->output == NULL || t->output_len < IPC_TASK_TAIL_MAX)
		return;
	snprintf(name, sizeof name, "%s@%u", t->key, t->attempts);
	if (tasklog_path(s->sup->instance, name, false, path, sizeof path,
	    &cause) != 0 || (f = fopencookie(&c, "w", io)) == NULL) {
		free(cause);
		return;
	}
	rc = tasklog_read(path, f, &cause);
	fclose(f);
	if (rc != 0 || c.b.buf == NULL) {
		log_warnx("task %s: only the end of its output is passed on: "
		    "%s", t->key, cause != NULL ? cause : "empty log");
		free(cause);
		free(c.b.buf);
		return;
	}
	if (c.cut)
		log_warnx("task %s: its first %u MiB of output are passed on "
		    "(all of it: orch-ctl logs %s)", t->key,
		    SCHED_OUTPUT_MAX >> 20, t->key);
	sched_set_output(t, c.b.buf, c.b.len, c.cut);
}


/* Write script to t's script file (path). 0, or -1 with errno. */
static int
sched_script_file(const struct stask *t, const char *script, char *path,
    size_t size)
{
	size_t	len = strlen(script), off = 0;
	ssize_t	n;
	int	fd, err;

	if (sched_script_path(t, path, size) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, script + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			unlink(path);
			errno = err;
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}


void
sched_input_unlink(struct sched_run *run)
{
	char	path[PATH_MAX + 96];
	size_t	i;

	for (i = 0; i < run->n; i++) {
		if (run->tasks[i].t->depends.n > 0 &&
		    sched_input_path(&run->tasks[i], path, sizeof path) == 0)
			unlink(path);
		if (sched_script_path(&run->tasks[i], path, sizeof path) == 0)
			unlink(path);
	}
}



/*
 * t's command for agent ac, in argv (ending with a NULL): a shell command
 * with its ORCH_INPUT and {{ }} filled in, a prompt for the agent's
 * runner, or an exec's argument vector as given. A shell command too
 * large for an argument goes to a file (path); Claude Code in print mode
 * reads its prompt on its standard input (*prompt, malloc'd, the caller
 * frees it). resume: the agent's Claude Code session, or "". 0, or -1
 * with t->reason.
 */
int
sched_io_command(struct stask *t, const struct agent_config *ac,
    const char *resume, struct strlist *argv, char *path, size_t size,
    char **prompt)
{
	char	*cmd, *script, input[PATH_MAX + 96];

	if (sched_input(t, input, sizeof input) != 0) {
		snprintf(t->reason, sizeof t->reason, "cannot write its "
		    "ORCH_INPUT file: %s", strerror(errno));
		return -1;
	}
	if (t->t->argv.n > 0) {
		/* orch-ctl exec: as given, no shell. */
		for (size_t i = 0; i < t->t->argv.n; i++)
			strlist_add(argv, t->t->argv.v[i]);
		cmd = NULL;
	} else if (t->t->command != NULL) {
		if ((cmd = sched_substitute(t, t->t->command, true)) == NULL)
			return -1;
		xasprintf(&script, "ORCH_INPUT='%s'; ORCH_TASK_ID='%s'; export "
		    "ORCH_INPUT ORCH_TASK_ID\n%s", input, t->key, cmd);
		strlist_add(argv, "/bin/sh");
		/*
		 * Large (outputs pasted in): a file, not an argument (the
		 * kernel takes 128 KiB at most) nor the task.run frame.
		 */
		if (strlen(script) > SCHED_SCRIPT_INLINE_MAX) {
			if (sched_script_file(t, script, path,
			    size) != 0) {
				snprintf(t->reason, sizeof t->reason, "cannot "
				    "write its command to a file: %s",
				    strerror(errno));
				free(script);
				free(cmd);
				strlist_clear(argv);
				return -1;
			}
			strlist_add(argv, path);
		} else {
			strlist_add(argv, "-c");
			strlist_add(argv, script);
		}
		free(script);
	} else {
		/* A prompt: an argument vector, nothing for a shell to parse. */
		cmd = sched_substitute(t, t->t->prompt, false);
		/*
		 * Large, for Claude Code: on its standard input, from a file
		 * (an argument holds 128 KiB at most).
		 */
		if (agent_config_interactive(ac))
			/* Typed into its TUI: the prompt, whole. */
			strlist_add(argv, cmd);
		else {
			runner_prompt_argv(ac, cmd, resume, argv);
			if (ac->runner == RUNNER_CLAUDE) {
				*prompt = cmd;
				cmd = NULL;
			}
		}
	}
	free(cmd);
	strlist_add(argv, "");		/* room for the NULL */
	free(argv->v[argv->n - 1]);
	argv->v[argv->n - 1] = NULL;
	return 0;
}
