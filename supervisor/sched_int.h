/*
 * The scheduler's state, shared by sched.c (running the tasks) and
 * sched_view.c (what people see of it: the live progress line, the
 * summary table, the JSON report). Nothing else includes this.
 */
#ifndef ORCH_SUPERVISOR_SCHED_INT_H
#define ORCH_SUPERVISOR_SCHED_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#include "common/strlist.h"
#include "supervisor/fsm.h"
#include "supervisor/sched.h"
#include "supervisor/workflow.h"

struct event;

/* Finished runs kept for orch-ctl tasks (the -w run is always kept). */
#define SCHED_KEEP_RUNS		256
/*
 * A command longer than this runs from a file, not from an argument; a
 * Claude Code prompt that long is given on its standard input.
 */
#define SCHED_SCRIPT_INLINE_MAX	(64 * 1024)
/* The progress line is drawn this often, and at a change no more often. */
#define SCHED_PROGRESS_MS	100
#define SCHED_PROGRESS_MIN_MS	20

struct sched_waiter {
	proto_done_fn		 fn;
	void			*arg;
	struct sched_waiter	*next;
};

/* One workflow being run. Its tasks never move: they are held by pointer. */
struct sched_run {
	struct sched		*s;
	struct workflow		*wf;
	unsigned		 no;
	enum sched_kind		 kind;
	struct stask		*tasks;
	size_t			 n;
	size_t			 left;		/* not yet ok, failed, skipped */
	uint64_t		 t0;
	uint64_t		 dur_ns;
	int			 status;	/* 0, or 1: a task failed */
	bool			 over;		/* and waiters told */
	struct sched_waiter	*waiters;
	struct sched_run	*next;
};

struct stask {
	struct sched_run *run;
	struct wf_task	*t;
	struct stask	**deps;		/* t->depends, resolved */
	uint64_t	 seq;		/* submission order */
	char		 key[WF_ID_MAX + 16];	/* the name users see */
	enum task_state	 st;		/* written by sched_step only */
	unsigned	 attempts;
	bool		 approved;
	bool		 cancelled;	/* while running: no retry */
	bool		 sent;		/* with its agent: an answer is due */
	char		 agent[AGENT_ID_MAX + 1];
	char		 avoid[AGENT_ID_MAX + 1];	/* its actor died */
	uint64_t	 start_ns;
	uint64_t	 dur_ns;
	/* Wall-clock ms (0: not yet): queued, its last attempt began, over */
	uint64_t	 created_ms;
	uint64_t	 started_ms;
	uint64_t	 ended_ms;
	int		 exit_code;
	int		 signal;
	bool		 timed_out;
	char		*output;	/* NUL-terminated, but may hold NULs */
	size_t		 output_len;
	bool		 output_cut;	/* past SCHED_OUTPUT_MAX */
	char		 reason[256];
	struct event	*retry_ev;
	/* Claude Code (print mode): what it cost, and the session resumed */
	double		 cost_usd;
	uint64_t	 turns;
	uint64_t	 tokens_in;	/* input, cache reads and writes too */
	uint64_t	 tokens_out;
	char		 resumed[72];
};

struct sched {
	struct supervisor	*sup;
	struct sched_port	 port;		/* the agents, through the door */
	struct sched_run	*runs;		/* oldest first */
	unsigned		 next_no;
	uint64_t		 next_seq;
	struct event		*pump;
	struct event		*progress;	/* NULL: no live view */
	uint64_t		 drawn_ns;	/* when it was last drawn */
	bool			 view_subscribed;	/* to the hub */
	char			*report;
	int			 report_fd;	/* opened (and checked) early */
	char			*timeline;	/* --timeline, the same way */
	int			 timeline_fd;
	char			 dir[PATH_MAX + 16];	/* ORCH_INPUT files */
	bool			 main_over;	/* the -w run: then stop */
	char			 interrupted[32];	/* by what, or "" */
	bool			 told_waiting;
	struct metrics		*metrics;	/* sched_metrics.c */
	double			 cost_usd;	/* of the tasks ended */
	uint64_t		 tokens_in;
	uint64_t		 tokens_out;
};

/* A growing string: outputs, inputs, substituted commands. */
struct sched_buf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

/* Did t's last attempt exit by itself (not killed, not unrun)? */
bool	sched_has_exit(const struct stask *t);
void	sched_append(struct sched_buf *b, const char *p, size_t n);
/* One task's row: what orch-ctl tasks and the summary print. */
void	sched_pack_task(msgpack_packer *pk, const struct stask *t,
	    bool output);

/*
 * The only writer of a task's state: the step ev if fsm.c allows it,
 * announced on the hub. 0, or -1 (nothing changed) when it does not.
 */
int	sched_step(struct stask *t, enum task_event ev);
/* A task by the name users see, or NULL. */
struct stask *sched_find_key(struct sched *s, const char *key);
/* Run is over: its status, files, waiters told. */
void	sched_run_done(struct sched_run *run);
/* A task of run by its workflow id, or NULL. */
struct stask *sched_find(struct sched_run *run, const char *id);
/* The agent named, as the port shows it, or NULL. */
const struct sched_agent *sched_agent(struct sched *s, const char *id);

/* sched_decide.c */
/* "cancelled", or what interrupted the -w run. */
void	sched_cancel_reason(struct stask *t);
/* The door answered a task it held: denied, cancelled, or its agent gone. */
void	sched_held_done(struct stask *t, int err, const char *errmsg);

/* sched_io.c: pipeline I/O */
int	sched_io_command(struct stask *t, const struct agent_config *ac,
	    const char *resume, struct strlist *argv, char *path, size_t size,
	    char **prompt);
/* t's output is buf (len bytes and a NUL, malloc'd; it takes it). */
void	sched_set_output(struct stask *t, char *buf, size_t len, bool cut);
/* The whole of t's output from its log, when the answer had only the end. */
void	sched_full_output(struct sched *s, struct stask *t);
/* Remove run's ORCH_INPUT and script files. */
void	sched_input_unlink(struct sched_run *run);

/* Can t go now: pending, and every task it depends on over? */
bool	sched_task_ready(const struct stask *t);

/* sched_metrics.c: the seed's PerformanceMetrics, from the hub */
void	sched_metrics_init(struct sched *s);
void	sched_metrics_free(struct sched *s);

/* sched_result.c: results and report */
/*
 * The actor's answer to t's attempt (err, body) taken into t: exit,
 * signal, output (a Claude Code prompt's result event decides), kept in
 * the bank. Whether the attempt succeeded.
 */
bool	sched_result_take(struct stask *t, int err, const void *body,
	    size_t len);
/* A task's answer (proto_done_fn): its next step. */
void	sched_done(void *arg, int err, const char *errmsg, const void *body,
	    size_t len);
/* Length of the first line of t's output, at most 72 bytes. */
int	sched_result_first_line(const struct stask *t);
/* {run, workflow, exit, duration_ns, tasks: [...]}, outputs included. */
void	sched_pack_result(msgpack_packer *pk, const struct sched_run *run);
/* The JSON report of run on fd (opened by the caller). 0, or -1. */
int	sched_report(struct sched_run *run, int code, int fd,
	    const char *path);
/* fd (a file: emptied first) holds text and a newline. 0, or -1. */
int	sched_put_file(int fd, const char *text);

/* sched_timeline.c: run's timeline, an SVG Gantt chart, to f. 0 or -1. */
int	sched_timeline(const struct sched_run *run, FILE *f);
/* The same to fd (emptied first); what went wrong logged. 0 or -1. */
int	sched_timeline_put(const struct sched_run *run, int fd,
	    const char *path);
/* The -w run's summary table, on stdout. */
void	sched_summary(struct sched_run *run);

#endif
