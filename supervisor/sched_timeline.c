/*
 * The -w run's timeline (orch-supervisor --timeline F): a Gantt chart in
 * SVG, a row per agent, a bar per task from the start of its last
 * attempt to its end, coloured by how it ended, its name and figures in
 * a tooltip. Self-contained: no script, no style sheet from elsewhere.
 */
#include "supervisor/sched_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"

#define TL_LEFT		160	/* the agents' names */
#define TL_WIDTH	960	/* the run's span */
#define TL_ROW		26
#define TL_TOP		40

/* Text for XML: & < > " escaped, controls dropped. */
static void
sched_tl_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
			break;
		}
	}
}

static const char *
sched_tl_colour(enum task_state st)
{
	static const struct {
		enum task_state	 st;
		const char	*fill;
	} fills[] = {
		{ ST_OK, "#3a9d5d" },
		{ ST_FAILED, "#d04a4a" },
		{ ST_CANCELLED, "#9a9a9a" },
		{ ST_RUNNING, "#3a7bd5" },
	};
	size_t	i;

	for (i = 0; i < sizeof fills / sizeof fills[0]; i++)
		if (fills[i].st == st)
			return fills[i].fill;
	return "#c8a03a";
}

/* The row of agent id, adding it; rows holds n names, max at most. */
static size_t
sched_tl_row(const char **rows, size_t *n, size_t max, const char *id)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if (strcmp(rows[i], id) == 0)
			return i;
	if (*n < max)
		rows[(*n)++] = id;
	return i < max ? i : max - 1;
}

/* A tick every 1, 2 or 5 times a power of ten seconds: about ten. */
static double
sched_tl_step(double span_s)
{
	double	step = 0.001;

	while (span_s / step > 10) {
		if (span_s / (step * 2) <= 10)
			return step * 2;
		if (span_s / (step * 5) <= 10)
			return step * 5;
		step *= 10;
	}
	return step;
}

int
sched_timeline(const struct sched_run *run, FILE *f)
{
	const struct stask	*t;
	const char		**rows;
	uint64_t		 t0 = UINT64_MAX, t1 = 0;
	double			 span, x, w, step, s;
	size_t			 i, nrows = 0, row, height;

	rows = xcalloc(run->n + 1, sizeof *rows);
	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		if (t->started_ms == 0 || t->agent[0] == '\0')
			continue;
		if (t->started_ms < t0)
			t0 = t->started_ms;
		if (t->ended_ms > t1)
			t1 = t->ended_ms;
		sched_tl_row(rows, &nrows, run->n, t->agent);
	}
	if (t0 == UINT64_MAX)
		t0 = t1 = 0;
	span = t1 > t0 ? (double)(t1 - t0) : 1;
	height = TL_TOP + nrows * TL_ROW + 30;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%zu\" viewBox=\"0 0 %d %zu\" font-family=\"sans-serif\" "
	    "font-size=\"12\">\n", TL_LEFT + TL_WIDTH + 20, height,
	    TL_LEFT + TL_WIDTH + 20, height);
	fprintf(f, "<title>");
	sched_tl_text(f, run->wf->name != NULL ? run->wf->name : run->wf->file);
	fprintf(f, ": %.3f s</title>\n", span / 1000);
	fprintf(f, "<text x=\"4\" y=\"16\" font-weight=\"bold\">");
	sched_tl_text(f, run->wf->name != NULL ? run->wf->name : run->wf->file);
	fprintf(f, " (%.3f s, %zu tasks)</text>\n", span / 1000, run->n);
	/* The axis: seconds since the first task began. */
	step = sched_tl_step(span / 1000);
	for (s = 0; s <= span / 1000 + 1e-9; s += step) {
		x = TL_LEFT + s * 1000 / span * TL_WIDTH;
		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%zu\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" "
		    "fill=\"#666\" text-anchor=\"middle\">%gs</text>\n", x,
		    TL_TOP - 10, x, height - 30, x, TL_TOP - 14, s);
	}
	for (row = 0; row < nrows; row++) {
		fprintf(f, "<text class=\"agent\" x=\"4\" y=\"%zu\">", TL_TOP +
		    row * TL_ROW + 17);
		sched_tl_text(f, rows[row]);
		fprintf(f, "</text>\n");
	}
	for (i = 0; i < run->n; i++) {
		t = &run->tasks[i];
		if (t->started_ms == 0 || t->agent[0] == '\0')
			continue;
		row = sched_tl_row(rows, &nrows, run->n, t->agent);
		x = TL_LEFT + (double)(t->started_ms - t0) / span * TL_WIDTH;
		w = (double)((t->ended_ms > t->started_ms ? t->ended_ms :
		    t->started_ms) - t->started_ms) / span * TL_WIDTH;
		fprintf(f, "<g class=\"task\" data-task=\"");
		sched_tl_text(f, t->key);
		fprintf(f, "\" data-agent=\"");
		sched_tl_text(f, t->agent);
		fprintf(f, "\" data-status=\"%s\" data-start-ms=\"%llu\" "
		    "data-end-ms=\"%llu\"><rect x=\"%.2f\" y=\"%zu\" "
		    "width=\"%.2f\" height=\"%d\" rx=\"3\" fill=\"%s\"/><title>",
		    fsm_task_state_name(t->st),
		    (unsigned long long)(t->started_ms - t0),
		    (unsigned long long)((t->ended_ms ? t->ended_ms :
		    t->started_ms) - t0), x, TL_TOP + row * TL_ROW + 3,
		    w < 1 ? 1 : w, TL_ROW - 6, sched_tl_colour(t->st));
		sched_tl_text(f, t->key);
		fprintf(f, " on ");
		sched_tl_text(f, t->agent);
		fprintf(f, ": %s, %.3f s, attempt %u", fsm_task_state_name(t->st),
		    (double)t->dur_ns / 1e9, t->attempts);
		if (t->reason[0] != '\0') {
			fprintf(f, " (");
			sched_tl_text(f, t->reason);
			fprintf(f, ")");
		}
		fprintf(f, "</title></g>\n");
	}
	fprintf(f, "</svg>\n");
	free(rows);
	return ferror(f) ? -1 : 0;
}

int
sched_timeline_put(const struct sched_run *run, int fd, const char *path)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 rc = -1;

	if ((f = open_memstream(&text, &len)) != NULL) {
		rc = sched_timeline(run, f);
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc == 0 && sched_put_file(fd, text) != 0)
		rc = -1;
	if (rc != 0)
		log_warnx("cannot write the timeline %s: %s", path,
		    strerror(errno));
	free(text);
	return rc;
}
