/*
 * What people see of the scheduler while it runs: the live progress line
 * on a terminal (the log scrolls above it), and the snapshot's tasks.
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "supervisor/hub.h"
#include "supervisor/sched_int.h"
#include "supervisor/supervisor.h"

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
	struct sched	*s = arg;

	(void)fd;
	(void)events;
	s->drawn_ns = clock_now_ns();
	sched_progress_draw(s);
}

/*
 * A change of a task or an agent shows at once, not at the next tick; a
 * burst of them (1,000s a second) is drawn at most once every
 * SCHED_PROGRESS_MIN_MS.
 */
static void
sched_progress_change_cb(void *arg, const struct hub_change *ch)
{
	struct sched	*s = arg;
	uint64_t	 now = clock_now_ns();

	(void)ch;
	if (s->progress == NULL || now - s->drawn_ns <
	    SCHED_PROGRESS_MIN_MS * 1000000ull)
		return;
	s->drawn_ns = now;
	sched_progress_draw(s);
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
		if (!s->view_subscribed)
			hub_subscribe(s->sup->hub, HUB_AGENT | HUB_TASK,
			    sched_progress_change_cb, s);
		s->view_subscribed = true;
		sched_progress_draw(s);
	} else if (!on && s->progress != NULL) {
		event_free(s->progress);
		s->progress = NULL;
		log_footer(STDOUT_FILENO, NULL);
	}
}

/* Snapshot ----------------------------------------------------------------- */

/* Later ends first; a tie goes to the later submitted. */
static int
sched_by_end_desc(const void *x, const void *y)
{
	const struct stask	*a = *(const struct stask *const *)x;
	const struct stask	*b = *(const struct stask *const *)y;

	if (a->ended_ms != b->ended_ms)
		return a->ended_ms < b->ended_ms ? 1 : -1;
	return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

void
sched_pack_recent(const struct sched *s, msgpack_packer *pk, size_t finished)
{
	const struct sched_run	 *run;
	const struct stask	**over;
	size_t			  i, nover = 0, nlive = 0, k;

	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++) {
			if (fsm_task_over(run->tasks[i].st))
				nover++;
			else
				nlive++;
		}
	over = xcalloc(nover ? nover : 1, sizeof *over);
	for (k = 0, run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++)
			if (fsm_task_over(run->tasks[i].st))
				over[k++] = &run->tasks[i];
	qsort(over, nover, sizeof *over, sched_by_end_desc);
	if (nover > finished)
		nover = finished;
	msgpack_pack_array(pk, nlive + nover);
	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++)
			if (!fsm_task_over(run->tasks[i].st))
				sched_pack_task(pk, &run->tasks[i], false);
	/* Oldest of them first, as the live ones are. */
	for (k = nover; k > 0; k--)
		sched_pack_task(pk, over[k - 1], false);
	free(over);
}
