/*
 * What people see of the scheduler: the live progress line on a
 * terminal, the -w run's summary table and its JSON report.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "supervisor/sched_int.h"
#include "supervisor/supervisor.h"
#include "supervisor/tasktable.h"

/*
 * Output as a JSON string whatever its bytes: NULs kept (\u0000), bytes
 * that are not UTF-8 each become U+FFFD, so no output is dropped or cut.
 */
static json_t *
sched_json_text(const char *p, size_t len)
{
	struct sched_buf	 b = { NULL, 0, 0 };
	json_t			*j;
	uint32_t		 cp;
	size_t			 i, n, run;

	sched_append(&b, "", 0);
	for (i = 0; i < len; i += run) {
		/* A run of valid UTF-8 in one piece, then what is not. */
		for (run = 0; i + run < len && (n = utf8_seq(p + i + run,
		    len - i - run, &cp)) > 0; run += n)
			;
		sched_append(&b, p + i, run);
		if (i + run < len) {
			sched_append(&b, "\xef\xbf\xbd", 3);
			run++;
		}
	}
	j = json_stringn(b.buf, b.len);
	free(b.buf);
	return j != NULL ? j : json_string("");
}

/* The JSON report of run on fd (opened by the caller). 0, or -1. */
static int
sched_write_all(int fd, const char *text)
{
	size_t	len = strlen(text), off = 0;
	ssize_t	n;

	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}

int
sched_report(struct sched_run *run, int code, int fd, const char *path)
{
	json_t		*root, *arr, *o;
	char		*text = NULL;
	struct stask	*t;
	struct stat	 sb;
	size_t		 i;
	int		 rc;

	root = json_object();
	arr = json_array();
	json_object_set_new(root, "workflow", json_string(run->wf->name !=
	    NULL ? run->wf->name : run->wf->file));
	json_object_set_new(root, "exit", json_integer(code));
	json_object_set_new(root, "duration_s", json_real((double)run->dur_ns /
	    1e9));
	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:o, s:o, s:b}",
		    "task", t->key, "stage", run->wf->stages[t->t->stage].name,
		    "agent", t->agent, "status", fsm_task_state_name(t->st), "attempts",
		    (int)t->attempts, "duration_s", (double)t->dur_ns / 1e9,
		    "exit", sched_has_exit(t) ? json_integer(t->exit_code) :
		    json_null(), "signal", t->signal > 0 ?
		    json_integer(t->signal) : json_null(), "timed_out",
		    t->timed_out);
		if (o == NULL)
			continue;
		if (t->reason[0] != '\0')
			json_object_set_new(o, "reason", json_string(t->reason));
		json_object_set_new(o, "output", sched_json_text(t->output !=
		    NULL ? t->output : "", t->output != NULL ? t->output_len :
		    0));
		json_object_set_new(o, "truncated", json_boolean(t->output_cut));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "tasks", arr);
	/* An earlier, longer report must not leave its end behind. */
	rc = 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0))
		rc = -1;
	/* In one piece: jansson writes to an fd a few bytes at a time. */
	if (rc == 0 && ((text = json_dumps(root, JSON_INDENT(2) |
	    JSON_SORT_KEYS)) == NULL || sched_write_all(fd, text) != 0))
		rc = -1;
	free(text);
	if (rc != 0)
		log_warnx("cannot write the report %s: %s", path,
		    strerror(errno));
	json_decref(root);
	return rc;
}

void
sched_summary(struct sched_run *run)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	size_t			 i, ok = 0;

	for (i = 0; i < run->n; i++)
		ok += run->tasks[i].st == ST_OK;
	/* The rows only: the table shows no output (megabytes, maybe). */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, run->n);
	for (i = 0; i < run->n; i++)
		sched_pack_task(&pk, &run->tasks[i], false);
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb.data, sb.size, NULL) ==
	    MSGPACK_UNPACK_SUCCESS) {
		putchar('\n');
		tasktable_print(stdout, &up.data);
	}
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	printf("%zu of %zu tasks succeeded in %.2f s\n", ok, run->n,
	    (double)run->dur_ns / 1e9);
	fflush(stdout);
}

/* Live progress ------------------------------------------------------------ */

/* The task running on agent id ("-": work from elsewhere, orch-ctl exec). */
static const char *
sched_running_on(const struct sched *s, const char *id)
{
	const struct sched_run	*run;
	size_t			 i;

	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; run->left > 0 && i < run->n; i++)
			if (run->tasks[i].st == ST_RUNNING &&
			    strcmp(run->tasks[i].agent, id) == 0)
				return run->tasks[i].key;
	return "-";
}

static void
sched_progress_draw(struct sched *s)
{
	struct sched_run	*run;
	const struct sched_agent *a;
	struct winsize		 ws;
	char			 line[512];
	size_t			 total = 0, ok = 0, failed = 0, running = 0;
	size_t			 allowed = 0, waiting = 0;
	size_t			 len, cols;
	size_t			 i, j, nagents;
	uint64_t		 t0 = 0;
	int			 n;

	if (s->progress == NULL)
		return;
	for (run = s->runs; run != NULL; run = run->next) {
		if (run->kind == SCHED_MAIN)
			t0 = run->t0;
		total += run->n;
		for (i = 0; i < run->n; i++) {
			ok += run->tasks[i].st == ST_OK;
			if (run->tasks[i].st == ST_FAILED &&
			    run->tasks[i].t->continue_on_error)
				allowed++;
			else if (fsm_task_over(run->tasks[i].st) &&
			    run->tasks[i].st != ST_OK)
				failed++;
			running += run->tasks[i].st == ST_RUNNING;
			waiting += run->tasks[i].st == ST_WAITING;
		}
	}
	n = snprintf(line, sizeof line, "[%zu/%zu done, %zu running", ok +
	    failed + allowed, total, running);
	len = n > 0 ? (size_t)n : 0;
	if (waiting > 0 && len < sizeof line)
		len += (size_t)snprintf(line + len, sizeof line - len,
		    ", %zu awaiting approval", waiting);
	if (failed > 0 && len < sizeof line)
		len += (size_t)snprintf(line + len, sizeof line - len,
		    ", %zu failed", failed);
	if (allowed > 0 && len < sizeof line)
		len += (size_t)snprintf(line + len, sizeof line - len,
		    ", %zu failed (allowed)", allowed);
	if (len < sizeof line)
		len += (size_t)snprintf(line + len, sizeof line - len,
		    "] %.1fs ", (double)(clock_now_ns() - t0) / 1e9);
	nagents = s->port.agents(s->port.ctx, &a);
	for (j = 0; j < nagents && len < sizeof line; j++) {
		const char	*what = "idle";

		if (a[j].status != STATUS_IDLE && a[j].status != STATUS_WORKING)
			what = fsm_agent_status_name(a[j].status);
		else if (a[j].status == STATUS_WORKING)
			what = sched_running_on(s, a[j].ac->id);
		len += (size_t)snprintf(line + len, sizeof line - len,
		    " %s:%s", a[j].ac->id, what);
	}
	cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col;
	/* One row: the last column stays free so the line never wraps. */
	if (cols - 1 < sizeof line)
		line[cols - 1] = '\0';
	log_footer(STDOUT_FILENO, line);
}

static void
sched_progress_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	sched_progress_draw(arg);
}

bool
sched_live(const struct sched *s)
{
	return s != NULL && s->progress != NULL;
}

void
sched_progress(struct sched *s, bool on)
{
	struct timeval	tv = { 0, SCHED_PROGRESS_MS * 1000 };

	if (on && s->progress == NULL) {
		s->progress = event_new(s->sup->base, -1, EV_PERSIST,
		    sched_progress_cb, s);
		event_add(s->progress, &tv);
		sched_progress_draw(s);
	} else if (!on && s->progress != NULL) {
		event_free(s->progress);
		s->progress = NULL;
		log_footer(STDOUT_FILENO, NULL);
	}
}
