/*
 * The snapshot of a running orch, the seed's OrchestrationDashboard: what
 * orch-ctl status, the MCP dashboard tool, orch-ctl top, /metrics and the
 * web page show, from one answer.
 */
#ifndef ORCH_SUPERVISOR_SNAPSHOT_H
#define ORCH_SUPERVISOR_SNAPSHOT_H

#include <msgpack.h>

#include "shm/serve.h"

struct supervisor;

/* Finished tasks and bus events a snapshot carries, the latest. */
#define SNAPSHOT_FINISHED_MAX	50
#define SNAPSHOT_EVENTS_MAX	50

/*
 * {instance, pid, started, now, agents, sessions, tasks, metrics,
 * events}: times in ms since the epoch; events those who may read.
 */
void	snapshot_pack(struct supervisor *sup, msgpack_packer *pk,
	    const struct serve_caller *who);

#endif
