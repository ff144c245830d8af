/*
 * The task scheduler: one per supervisor, running any number of
 * workflows ("runs") at once: the -w workflow, workflows sent with
 * `orch-ctl workflow run`, and single tasks from `orch-ctl submit`.
 *
 * Ready tasks of every run form one priority queue (priority, then
 * submission order) over each run's dependency DAG; a task goes to its
 * named agent or to the least-loaded idle agent whose capabilities cover
 * its requirements. Timeouts, retries with back-off (on another agent when
 * the first one's actor died), continueOnError, approvals, and pipelines
 * (each task's ORCH_INPUT file and {{ tasks.ID.output }} /
 * {{ stages.NAME.output }} in its command) work the same in every run.
 *
 * Tasks are named by their id in the -w run and "RUN:ID" in the others
 * (':' is never part of an id, so the names cannot clash).
 */
#ifndef ORCH_SUPERVISOR_SCHED_H
#define ORCH_SUPERVISOR_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "ipc/agent_config.h"
#include "ipc/proto.h"
#include "supervisor/door.h"
#include "supervisor/fsm.h"

struct sched;
struct supervisor;
struct workflow;

/* What the scheduler sees of an agent. */
struct sched_agent {
	const struct agent_config	*ac;
	enum agent_status		 status;
	double				 load;	/* recent work (load.h) */
	const char			*last_exit;
	const char			*claude_sid;	/* to resume, or "" */
};

/*
 * Everything the scheduler does to agents goes through this: the real
 * one (ports.c) reaches them through the door, a test's is its own.
 */
struct sched_port {
	void	*ctx;
	/* The agents now, in configuration order; *v lasts until the next call. */
	size_t	(*agents)(void *ctx, const struct sched_agent **v);
	/* door_run on the agent named: 0, DOOR_HELD, or IPC_E_* with *why. */
	int	(*run)(void *ctx, const char *agent, const struct door_cmd *cmd,
		    proto_done_fn done, void *arg, const char **why);
	/* door_release: 0, or -1 when the agent holds nothing. */
	int	(*release)(void *ctx, const char *agent, bool yes,
		    const char *why);
	/* Stop the task the agent runs (its answer follows as usual). */
	void	(*kill)(void *ctx, const char *agent);
	/* The -w run is over and so is every other: time to stop. */
	void	(*over)(void *ctx);
	/* The agent's Claude Code session to resume next (NULL: none). */
	void	(*session)(void *ctx, const char *agent, const char *sid);
};

enum sched_kind {
	SCHED_MAIN = 0,		/* -w: summary table, report, then exit once
				   the other runs are over too */
	SCHED_WORKFLOW,		/* orch-ctl workflow run */
	SCHED_SUBMIT,		/* orch-ctl submit */
	SCHED_EXEC,		/* orch-ctl exec: one command, on one agent, now */
};

/*
 * report: where the -w run's JSON report goes (NULL, and report_fd -1:
 * none); report_fd is that file, opened for writing before anything ran,
 * and is closed by sched_free.
 */
struct sched	*sched_new(struct supervisor *sup,
		    const struct sched_port *port, const char *report,
		    int report_fd);
/* Answers every waiter with IPC_E_SHUTDOWN first. */
void		 sched_free(struct sched *s);

/* Taking work? Not once the -w run is over (the supervisor is ending). */
bool		 sched_open(const struct sched *s);
/* Run wf (owned by the scheduler from now on). Returns the run number. */
unsigned	 sched_add(struct sched *s, struct workflow *wf,
		    enum sched_kind kind);
/* The name users see for task id of run no ("id" or "no:id"). */
void		 sched_task_name(const struct sched *s, unsigned no,
		    const char *id, char *buf, size_t size);
/*
 * Call fn when run no is over: err IPC_OK and body a msgpack map {run,
 * workflow, exit, duration_ns, tasks: [...]} with each task's output, or
 * an error (the supervisor stopped first). 0, or -1 when there is no such
 * run.
 */
int		 sched_wait(struct sched *s, unsigned no, proto_done_fn fn,
		    void *arg);

/*
 * orch-ctl exec: argv on agent now (its task is exec-RUN), or an IPC_E_*
 * code with *why when the agent cannot take it now. fn gets the run's
 * result (sched_wait). Returns the run number, or 0.
 */
unsigned	 sched_exec(struct sched *s, const char *agent,
		    char *const *argv, size_t argc, unsigned timeout_ms,
		    proto_done_fn fn, void *arg, int *err, const char **why);

/* With -w: the run's timeline (SVG) to fd, opened by the caller (taken). */
void		 sched_set_timeline(struct sched *s, const char *path, int fd);

/* Something changed (an agent became idle, ...): look again, soon. */
void		 sched_kick(struct sched *s);

/* The tasks and their states, as a msgpack map {tasks: [...]}. */
void		 sched_pack(const struct sched *s, msgpack_packer *pk);
/*
 * An array of the tasks not over (queued, waiting, running, to retry) in
 * submission order, then the last `finished` that are over, by their end.
 */
void		 sched_pack_recent(const struct sched *s, msgpack_packer *pk,
		    size_t finished);
/*
 * "metrics": the seed's seven (tasksPerMinute, successRate,
 * avgTaskDuration and p95TaskDuration in ms, activeAgents, totalAgents,
 * queueDepth) and what they come from (sched_metrics.c).
 */
void		 sched_pack_metrics(struct sched *s, msgpack_packer *pk);

/*
 * orch-ctl approve / deny: of a task held for approval, or beforehand of
 * one that will need it. 0, or -1 with *why.
 */
int		 sched_approve(struct sched *s, const char *task, bool yes,
		    const char **why);

/*
 * orch-ctl cancel: a task not yet run fails at once, a running one is
 * stopped (its process group: TERM, then KILL) and not retried; either way
 * its reason is "cancelled". 0, or -1 with *why.
 */
int		 sched_cancel(struct sched *s, const char *task,
		    const char **why);

/*
 * The supervisor is stopping (why: "SIGINT", ...) before the -w run is
 * over: what its tasks' actors answer now is no failure of theirs.
 */
void		 sched_interrupt(struct sched *s, const char *why);
/*
 * After the event loop: the -w run's summary table and report, with what
 * an interruption left marked cancelled (running) or skipped (not yet
 * run). Returns the run's exit status (1: a task failed, or the report
 * could not be written; 128 + signo when the signal signo interrupted
 * it, 1 when something else did), or -1 when there is no -w run.
 */
int		 sched_finish(struct sched *s, int signo);

/* Live progress on the terminal (stdout a TTY): on or off. */
void		 sched_progress(struct sched *s, bool on);
/*
 * Is the live view on? It shows which agent runs what, so the log leaves
 * out each task's start and its agent's idle/working flips (-v keeps them).
 */
bool		 sched_live(const struct sched *s);

#endif
