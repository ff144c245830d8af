/*
 * orch-ctl top: a live view of the snapshot (agents, the queue, metrics,
 * the event tail), refreshed twice a second, and the operator's hands on
 * it: approve or deny what an agent holds (the exact request shown
 * first), attach to it, restart it. Off a terminal it prints the plain
 * status once.
 */
#include <sys/wait.h>

#include <curses.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "ipc/body.h"
#include "tools/client.h"
#include "tools/ctl.h"
#include "tools/top.h"

#define TOP_INTERVAL_MS		500
#define TOP_KEY_WAIT_MS		100

/* Reading the snapshot ------------------------------------------------------ */

static void
top_str(const msgpack_object *o, const char *key, char *buf, size_t size)
{
	const char	*s;
	size_t		 len;

	if ((s = body_bytes(o, key, &len)) == NULL)
		len = 0;
	client_esc(buf, size, s != NULL ? s : "", len);
}

/* A number, or -1 where there is none. */
static double
top_num(const msgpack_object *o, const char *key)
{
	double	v = -1;

	body_double(o, key, &v);
	return v;
}

static const msgpack_object *
top_array(const msgpack_object *o, const char *key)
{
	const msgpack_object	*a = body_get(o, key);

	return a != NULL && a->type == MSGPACK_OBJECT_ARRAY ? a : NULL;
}

static void
top_load_agents(struct top_view *v, const msgpack_object *res)
{
	const msgpack_object	*a = top_array(res, "agents"), *r, *m;
	const msgpack_object	*util = top_array(body_get(res, "metrics"),
				    "agents");
	struct top_agent	*t;
	char			 id[128];
	uint32_t		 i, j;

	v->nagents = 0;
	for (i = 0; a != NULL && i < a->via.array.size &&
	    v->nagents < TOP_AGENTS_MAX; i++) {
		r = &a->via.array.ptr[i];
		t = &v->agents[v->nagents++];
		top_str(r, "id", t->id, sizeof t->id);
		top_str(r, "status", t->status, sizeof t->status);
		top_str(r, "task", t->task, sizeof t->task);
		top_str(r, "command", t->command, sizeof t->command);
		top_str(r, "reason", t->reason, sizeof t->reason);
		t->restarts = top_num(r, "restarts") > 0 ?
		    (uint64_t)top_num(r, "restarts") : 0;
		t->elapsed_ms = (int64_t)top_num(r, "task_elapsed_ms");
		t->utilization = 0;
		for (j = 0; util != NULL && j < util->via.array.size; j++) {
			m = &util->via.array.ptr[j];
			top_str(m, "agent", id, sizeof id);
			if (strcmp(id, t->id) == 0)
				t->utilization = top_num(m, "utilization");
		}
	}
}

static void
top_load_tasks(struct top_view *v, const msgpack_object *res)
{
	const msgpack_object	*a = top_array(res, "tasks"), *r;
	struct top_task		*t;
	double			 d;
	uint32_t		 i, n;

	v->ntasks = 0;
	if (a == NULL)
		return;
	/* The newest last: keep the end when there are more than fit. */
	n = a->via.array.size;
	for (i = n > TOP_TASKS_MAX ? n - TOP_TASKS_MAX : 0; i < n; i++) {
		r = &a->via.array.ptr[i];
		t = &v->tasks[v->ntasks++];
		top_str(r, "task", t->name, sizeof t->name);
		top_str(r, "status", t->status, sizeof t->status);
		top_str(r, "agent", t->agent, sizeof t->agent);
		top_str(r, "reason", t->reason, sizeof t->reason);
		d = top_num(r, "duration_ns");
		t->dur_ns = d > 0 ? (uint64_t)d : 0;
	}
}

static void
top_load_events(struct top_view *v, const msgpack_object *res)
{
	const msgpack_object	*a = top_array(res, "events"), *e;
	char			 type[96], src[96], dst[96], at[16];
	time_t			 secs;
	struct tm		 tm;
	double			 ns;
	uint32_t		 i, n;

	v->nevents = 0;
	if (a == NULL)
		return;
	n = a->via.array.size;
	for (i = n > TOP_EVENTS_MAX ? n - TOP_EVENTS_MAX : 0; i < n; i++) {
		e = &a->via.array.ptr[i];
		top_str(e, "type", type, sizeof type);
		top_str(e, "source", src, sizeof src);
		top_str(e, "target", dst, sizeof dst);
		ns = top_num(e, "ts_ns");
		secs = (time_t)(ns > 0 ? ns / 1e9 : 0);
		localtime_r(&secs, &tm);
		strftime(at, sizeof at, "%H:%M:%S", &tm);
		snprintf(v->events[v->nevents++], sizeof v->events[0],
		    "%s %-18s %s%s%s", at, type, src, dst[0] ? " -> " : "",
		    dst);
	}
}

void
top_view_load(struct top_view *v, const msgpack_object *res)
{
	const msgpack_object	*m = body_get(res, "metrics");

	top_str(res, "instance", v->instance, sizeof v->instance);
	v->up_ms = top_num(res, "now") - top_num(res, "started");
	v->approvals = m != NULL && top_num(m, "approvalsWaiting") > 0 ?
	    (unsigned)top_num(m, "approvalsWaiting") : 0;
	snprintf(v->metrics, sizeof v->metrics, "%.1f tasks/min  %.0f%% ok  "
	    "mean %.0f ms  p95 %.0f ms  %.0f/%.0f active  queue %.0f  "
	    "restarts %.0f", top_num(m, "tasksPerMinute"),
	    top_num(m, "successRate") * 100, top_num(m, "avgTaskDuration"),
	    top_num(m, "p95TaskDuration"), top_num(m, "activeAgents"),
	    top_num(m, "totalAgents"), top_num(m, "queueDepth"),
	    top_num(m, "restarts"));
	top_load_agents(v, res);
	top_load_tasks(v, res);
	top_load_events(v, res);
	v->error[0] = '\0';
}

size_t
top_shown(const struct top_view *v, const struct top_ui *ui, size_t *idx,
    size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < v->nagents && n < max; i++)
		if (ui->filter[0] == '\0' || strstr(v->agents[i].id,
		    ui->filter) != NULL)
			idx[n++] = i;
	return n;
}

/* The operator's hands ------------------------------------------------------ */

struct top {
	struct client	*c;
	const char	*instance;
	const char	*attach;	/* orch-attach's path */
	struct top_view	 v;
	struct top_ui	 ui;
	/* What the prompt asks: the verb and its subject. */
	char		 ask_op[32];
	char		 ask_key[8];
	char		 ask_arg[128];
};

static const struct top_agent *
top_selected(struct top *t)
{
	size_t	idx[TOP_AGENTS_MAX], n = top_shown(&t->v, &t->ui, idx,
		    TOP_AGENTS_MAX);

	if (n == 0)
		return NULL;
	if (t->ui.sel >= n)
		t->ui.sel = n - 1;
	return &t->v.agents[idx[t->ui.sel]];
}

static void
top_refresh(struct top *t)
{
	const msgpack_object	*res;

	if (client_call(t->c, IPC_OP_STATUS, NULL, 0, CTL_TIMEOUT_MS, &res) ==
	    IPC_OK) {
		top_view_load(&t->v, res);
		return;
	}
	snprintf(t->v.error, sizeof t->v.error, "%s", t->c->errmsg);
	/* The supervisor may have closed an idle connection: dial again. */
	client_done(t->c);
	if (client_start(t->c, "orch-ctl", t->instance, NULL, NULL, NULL) != 0)
		snprintf(t->v.error, sizeof t->v.error, "cannot reach the "
		    "supervisor of instance %s", t->instance);
}

/* Ask before acting: the exact request the agent holds is shown first. */
static void
top_ask(struct top *t, const char *verb, const char *op, const char *key)
{
	const struct top_agent	*a = top_selected(t);

	if (a == NULL)
		return;
	if (strcmp(op, IPC_OP_AGENT_RESTART) != 0 && (strcmp(a->status,
	    "waiting") != 0 || a->task[0] == '\0')) {
		snprintf(t->ui.message, sizeof t->ui.message, "%s holds nothing "
		    "to %s", a->id, verb);
		return;
	}
	snprintf(t->ask_op, sizeof t->ask_op, "%s", op);
	snprintf(t->ask_key, sizeof t->ask_key, "%s", key);
	snprintf(t->ask_arg, sizeof t->ask_arg, "%s", strcmp(key, "id") == 0 ?
	    a->id : a->task);
	if (strcmp(key, "id") == 0)
		snprintf(t->ui.prompt, sizeof t->ui.prompt, "%s agent %s? "
		    "[y/N]", verb, a->id);
	else
		snprintf(t->ui.prompt, sizeof t->ui.prompt, "%s %s on %s: %s%s"
		    "%s? [y/N]", verb, a->task, a->id, a->command[0] ?
		    a->command : a->reason, a->reason[0] && a->command[0] ?
		    " -- " : "", a->command[0] ? a->reason : "");
}

static void
top_answer(struct top *t, int ch)
{
	const msgpack_object	*res;

	t->ui.prompt[0] = '\0';
	if (ch != 'y' && ch != 'Y') {
		snprintf(t->ui.message, sizeof t->ui.message, "nothing done");
		return;
	}
	if (client_call_str(t->c, t->ask_op, t->ask_key, t->ask_arg,
	    CTL_TIMEOUT_MS, &res) == IPC_OK)
		snprintf(t->ui.message, sizeof t->ui.message, "%s: done (%s)",
		    t->ask_arg, t->ask_op);
	else
		snprintf(t->ui.message, sizeof t->ui.message, "%s: %s",
		    t->ask_arg, t->c->errmsg);
	top_refresh(t);
}

/* orch-attach on the selected agent; the dashboard again on detach. */
static void
top_attach(struct top *t)
{
	const struct top_agent	*a = top_selected(t);
	pid_t			 pid;
	int			 st;

	if (a == NULL)
		return;
	def_prog_mode();
	endwin();
	if ((pid = fork()) == 0) {
		execl(t->attach, "orch-attach", "-L", t->instance, a->id,
		    (char *)NULL);
		execlp("orch-attach", "orch-attach", "-L", t->instance, a->id,
		    (char *)NULL);
		fprintf(stderr, "orch-ctl: top: orch-attach: %s\n",
		    strerror(errno));
		_exit(127);
	}
	st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	reset_prog_mode();
	clear();
	/* What it printed is gone with the screen: say that it failed. */
	if (pid < 0)
		snprintf(t->ui.message, sizeof t->ui.message, "cannot fork "
		    "orch-attach: %s", strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		snprintf(t->ui.message, sizeof t->ui.message, "cannot run %s",
		    t->attach);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		snprintf(t->ui.message, sizeof t->ui.message, "orch-attach %s "
		    "failed (%s %d): orch-attach -L %s %s says why", a->id,
		    WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ?
		    WEXITSTATUS(st) : WTERMSIG(st), t->instance, a->id);
	else
		snprintf(t->ui.message, sizeof t->ui.message, "back from %s",
		    a->id);
	top_refresh(t);
}

/* One key: true to go on, false to quit. */
static bool
top_key(struct top *t, int ch)
{
	size_t	len, idx[TOP_AGENTS_MAX];

	if (t->ui.help) {
		t->ui.help = false;
		return true;
	}
	if (t->ui.prompt[0] != '\0') {
		top_answer(t, ch);
		return true;
	}
	if (t->ui.filtering) {
		len = strlen(t->ui.filter);
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			t->ui.filtering = false;
		else if (ch == 27) {
			t->ui.filter[0] = '\0';
			t->ui.filtering = false;
		} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) &&
		    len > 0)
			t->ui.filter[len - 1] = '\0';
		else if (ch >= 0x20 && ch < 0x7f && len + 1 <
		    sizeof t->ui.filter) {
			t->ui.filter[len] = (char)ch;
			t->ui.filter[len + 1] = '\0';
		}
		t->ui.sel = 0;
		return true;
	}
	t->ui.message[0] = '\0';
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_UP:
	case 'k':
		if (t->ui.sel > 0)
			t->ui.sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (t->ui.sel + 1 < top_shown(&t->v, &t->ui, idx,
		    TOP_AGENTS_MAX))
			t->ui.sel++;
		break;
	case 'a':
		top_ask(t, "approve", IPC_OP_TASK_APPROVE, "task");
		break;
	case 'd':
		top_ask(t, "deny", IPC_OP_TASK_DENY, "task");
		break;
	case 'r':
		top_ask(t, "restart", IPC_OP_AGENT_RESTART, "id");
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		top_attach(t);
		break;
	case '/':
		t->ui.filtering = true;
		break;
	case '?':
		t->ui.help = true;
		break;
	default:
		break;
	}
	return true;
}

/* orch-attach beside this orch-ctl, else on PATH. */
static void
top_attach_path(const char *argv0, char *buf, size_t size)
{
	char	self[PATH_MAX], *dir;

	snprintf(buf, size, "orch-attach");
	if (argv0 == NULL || strchr(argv0, '/') == NULL ||
	    realpath(argv0, self) == NULL)
		return;
	dir = dirname(self);
	snprintf(buf, size, "%s/orch-attach", dir);
}

int
ctl_top(struct client *c, const char *argv0, int argc, char **argv)
{
	struct top	*t;
	char		 attach[PATH_MAX];
	uint64_t	 next = 0, now;
	int		 ch;
	bool		 go = true;

	if (argc > 1) {
		fprintf(stderr, "orch-ctl: top takes no arguments\n");
		return 2;
	}
	/* Not a terminal: the listing, once. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return ctl_status(c, 1, argv);
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return 1;
	t->c = c;
	t->instance = c->instance;
	top_attach_path(argv0, attach, sizeof attach);
	t->attach = attach;
	top_draw_init();
	while (go) {
		now = clock_now_ns();
		if (now >= next) {
			top_refresh(t);
			next = now + TOP_INTERVAL_MS * 1000000ull;
		}
		top_draw(&t->v, &t->ui);
		if ((ch = getch()) != ERR)
			go = top_key(t, ch);
	}
	top_draw_end();
	free(t);
	return 0;
}
