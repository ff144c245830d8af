/*
 * orch-ctl top: the snapshot, live, full screen. top.c reads it and
 * takes the keys; top_draw.c draws it with ncurses. Nothing else
 * includes this.
 */
#ifndef ORCH_TOOLS_TOP_H
#define ORCH_TOOLS_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#define TOP_AGENTS_MAX	512
#define TOP_TASKS_MAX	256
#define TOP_EVENTS_MAX	64
#define TOP_TEXT_MAX	320

struct top_agent {
	char		id[128];
	char		status[24];
	char		task[128];	/* what it runs or holds, or "" */
	char		command[TOP_TEXT_MAX];
	char		reason[TOP_TEXT_MAX];	/* why it waits, ... */
	uint64_t	restarts;
	int64_t		elapsed_ms;	/* on that task; -1: none */
	double		utilization;
};

struct top_task {
	char		name[128];
	char		status[16];
	char		agent[128];
	uint64_t	dur_ns;
	char		reason[160];
};

/* What one snapshot said, escaped for the terminal. */
struct top_view {
	char		 instance[128];
	double		 up_ms;
	char		 metrics[256];	/* one line */
	unsigned	 approvals;
	struct top_agent agents[TOP_AGENTS_MAX];
	size_t		 nagents;
	struct top_task	 tasks[TOP_TASKS_MAX];
	size_t		 ntasks;
	char		 events[TOP_EVENTS_MAX][320];
	size_t		 nevents;
	char		 error[640];	/* the supervisor is not reachable */
};

/* The screen's own state: what is selected, filtered, asked. */
struct top_ui {
	size_t		 sel;		/* among the agents shown */
	char		 filter[64];
	bool		 filtering;	/* typing the filter */
	bool		 help;
	char		 prompt[1200];	/* a question awaiting y/n, or "" */
	char		 message[720];	/* the last action's outcome */
};

/* The agents shown (the filter's), by index into v->agents. */
size_t	top_shown(const struct top_view *v, const struct top_ui *ui,
	    size_t *idx, size_t max);
/* Fill v from a status answer. */
void	top_view_load(struct top_view *v, const msgpack_object *res);

/* top_draw.c */
void	top_draw_init(void);
void	top_draw(const struct top_view *v, const struct top_ui *ui);
void	top_draw_end(void);

#endif
