/*
 * Running a workflow: a priority queue of ready tasks over the dependency
 * DAG, routed to the named agent or to the least-loaded idle agent whose
 * capabilities cover the task's requirements; timeouts, retries with
 * back-off (on another agent when the first one's actor died),
 * continueOnError, approvals, and pipelines (each task's ORCH_INPUT file
 * and {{ tasks.ID.output }} / {{ stages.NAME.output }} in its command).
 * At the end: a summary table, an optional JSON report, and the exit
 * status (0 all succeeded, 1 a task failed).
 */
#ifndef ORCH_SUPERVISOR_SCHED_H
#define ORCH_SUPERVISOR_SCHED_H

#include <stdbool.h>

#include <msgpack.h>

struct sched;
struct supervisor;
struct workflow;

/* Start running wf (owned by the scheduler from now on). */
struct sched	*sched_start(struct supervisor *sup, struct workflow *wf,
		    const char *report);
void		 sched_free(struct sched *s);

/* Something changed (an agent became idle, ...): look again, soon. */
void		 sched_kick(struct sched *s);

/* The tasks and their states, as a msgpack map {tasks: [...]}. */
void		 sched_pack(const struct sched *s, msgpack_packer *pk);

/* orch-ctl approve / deny. 0, or -1 with *why. */
int		 sched_approve(struct sched *s, const char *task, bool yes,
		    const char **why);

#endif
