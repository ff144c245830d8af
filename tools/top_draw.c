/*
 * Drawing orch-ctl top with ncurses: a header of figures, the agents
 * (the selected one reversed, statuses coloured, those waiting for a
 * person bold), the queue with waiting approvals highlighted, the event
 * tail, and a line of keys or the question being asked. It fits 80x24
 * and grows with the terminal.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tools/client.h"
#include "tools/top.h"

enum { TOP_C_IDLE = 1, TOP_C_WORK, TOP_C_WAIT, TOP_C_ERR, TOP_C_HEAD };

/* Colour pairs by status name; a table, not a ladder. */
static const struct {
	const char	*status;
	short		 pair;
} top_colours[] = {
	{ "idle", TOP_C_IDLE },
	{ "working", TOP_C_WORK },
	{ "running", TOP_C_WORK },
	{ "waiting", TOP_C_WAIT },
	{ "error", TOP_C_ERR },
	{ "failed", TOP_C_ERR },
	{ "ok", TOP_C_IDLE },
};

static attr_t
top_status_attr(const char *status)
{
	size_t	i;

	for (i = 0; i < sizeof top_colours / sizeof top_colours[0]; i++)
		if (strcmp(status, top_colours[i].status) == 0)
			return COLOR_PAIR(top_colours[i].pair) | (top_colours[i]
			    .pair == TOP_C_WAIT ? A_BOLD : 0);
	return A_NORMAL;
}

void
top_draw_init(void)
{
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(TOP_C_IDLE, COLOR_GREEN, -1);
		init_pair(TOP_C_WORK, COLOR_CYAN, -1);
		init_pair(TOP_C_WAIT, COLOR_MAGENTA, -1);
		init_pair(TOP_C_ERR, COLOR_RED, -1);
		init_pair(TOP_C_HEAD, COLOR_BLACK, COLOR_CYAN);
	}
}

void
top_draw_end(void)
{
	endwin();
}

/* One row, cut at the screen's edge. */
static void
top_line(int y, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
top_line(int y, attr_t attr, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	w = COLS > 0 ? COLS : 80;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (w < (int)sizeof buf)
		buf[w] = '\0';
	attron(attr);
	mvaddstr(y, 0, buf);
	attroff(attr);
}

static int
top_draw_agents(const struct top_view *v, const struct top_ui *ui, int y,
    int rows)
{
	size_t			 idx[TOP_AGENTS_MAX], n, i, first = 0;
	const struct top_agent	*a;
	char			 el[16];
	attr_t			 attr;

	n = top_shown(v, ui, idx, TOP_AGENTS_MAX);
	top_line(y++, A_BOLD, "AGENTS%s%s%s  %zu of %zu", ui->filter[0] ||
	    ui->filtering ? " /" : "", ui->filter, ui->filtering ? "_" : "", n,
	    v->nagents);
	top_line(y++, A_UNDERLINE, "  %-20s %-12s %5s %8s %5s  %s", "ID",
	    "STATUS", "UTIL", "ELAPSED", "RSTRT", "TASK");
	if (ui->sel >= (size_t)rows)
		first = ui->sel - (size_t)rows + 1;
	for (i = first; i < n && i < first + (size_t)rows; i++) {
		a = &v->agents[idx[i]];
		client_span_ms((double)a->elapsed_ms, el, sizeof el);
		attr = i == ui->sel ? A_REVERSE : A_NORMAL;
		top_line(y, attr, "%c %-20.20s %-12s %4.0f%% %8s %5llu  %s %s",
		    i == ui->sel ? '>' : ' ', a->id, "", a->utilization * 100,
		    el, (unsigned long long)a->restarts, a->task[0] ? a->task :
		    "-", a->command);
		/* The status in its colour, over the blank left for it. */
		attron(attr | top_status_attr(a->status));
		mvaddnstr(y, 23, a->status, 12);
		attroff(attr | top_status_attr(a->status));
		y++;
		if (strcmp(a->status, "waiting") == 0 && a->reason[0] &&
		    i == ui->sel)
			top_line(y++, COLOR_PAIR(TOP_C_WAIT), "    waits: %s",
			    a->reason);
	}
	return y;
}

static int
top_draw_tasks(const struct top_view *v, int y, int rows)
{
	const struct top_task	*t;
	size_t			 i, first;
	char			 dur[16];

	top_line(y++, A_BOLD, "TASKS  (%zu live or recent)", v->ntasks);
	first = v->ntasks > (size_t)rows ? v->ntasks - (size_t)rows : 0;
	for (i = first; i < v->ntasks; i++) {
		t = &v->tasks[i];
		client_span_ms((double)t->dur_ns / 1e6, dur, sizeof dur);
		top_line(y, strcmp(t->status, "waiting") == 0 ? A_REVERSE |
		    COLOR_PAIR(TOP_C_WAIT) : top_status_attr(t->status),
		    "  %-24.24s %-10s %-20.20s %8s  %s", t->name, t->status,
		    t->agent, strcmp(t->status, "running") == 0 ? "" : dur,
		    t->reason);
		y++;
	}
	return y;
}

static void
top_draw_help(void)
{
	static const char *const	 lines[] = {
		"orch-ctl top: keys",
		"",
		"  up/down, j/k   select an agent",
		"  a / d          approve / deny what it holds (asked first)",
		"  enter          attach to it (orch-attach; detach: Ctrl-\\)",
		"  r              restart it (asked first)",
		"  /              filter agents by id (enter keeps, esc clears)",
		"  ?              this help",
		"  q              quit",
		"",
		"any key to go back",
	};
	size_t				 i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		top_line(2 + (int)i, i == 0 ? A_BOLD : A_NORMAL, "   %-64s",
		    lines[i]);
}

/*
 * The question, whole (the command it is about may be long): as many
 * rows at the bottom as it takes, at most a third of the screen.
 */
static void
top_draw_prompt(const char *q, int rows)
{
	int	w = COLS > 2 ? COLS - 1 : 79, len = (int)strlen(q);
	int	n = (len + w - 1) / w, i, max = rows / 3 > 1 ? rows / 3 : 1;

	if (n > max) {
		/* The end (the y/N) matters most: keep it. */
		q += len - max * w;
		n = max;
	}
	for (i = 0; i < n; i++)
		top_line(rows - n + i, A_REVERSE | A_BOLD, " %.*s", w, q +
		    (size_t)i * (size_t)w);
}

void
top_draw(const struct top_view *v, const struct top_ui *ui)
{
	char	up[16];
	int	y = 0, rows = LINES > 0 ? LINES : 24, part, i;

	erase();
	client_span_ms(v->up_ms, up, sizeof up);
	top_line(y++, COLOR_PAIR(TOP_C_HEAD) | A_BOLD, " orch %s  up %s  %s%*s",
	    v->instance, up, v->approvals ? "APPROVALS WAITING  " : "",
	    COLS, "");
	top_line(y++, A_NORMAL, " %s", v->error[0] ? v->error : v->metrics);
	if (v->error[0])
		mvchgat(1, 0, -1, A_BOLD, TOP_C_ERR, NULL);
	y++;
	if (ui->help) {
		top_draw_help();
		refresh();
		return;
	}
	/* Agents a third, tasks a third, events what is left. */
	part = (rows - 6) / 3 > 3 ? (rows - 6) / 3 : 3;
	y = top_draw_agents(v, ui, y, part);
	y = top_draw_tasks(v, y + 1, part - 1);
	if (y + 2 < rows - 1) {
		top_line(++y, A_BOLD, "EVENTS");
		y++;
		for (i = (int)v->nevents - (rows - 1 - y); i < (int)v->nevents;
		    i++)
			if (i >= 0)
				top_line(y++, A_DIM, "  %s", v->events[i]);
	}
	if (ui->prompt[0] != '\0')
		top_draw_prompt(ui->prompt, rows);
	else if (ui->message[0] != '\0')
		top_line(rows - 1, A_REVERSE, " %s", ui->message);
	else
		top_line(rows - 1, A_REVERSE, " up/down select  a approve  "
		    "d deny  enter attach  r restart  / filter  ? help  q quit");
	refresh();
}
