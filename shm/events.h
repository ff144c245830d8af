/*
 * The event types orch itself publishes on the bus, all in one place.
 * Types are free-form strings (up to RING_TYPE_MAX bytes) matched with
 * fnmatch: agents may publish their own; these are the seed's, then those
 * orch adds.
 */
#ifndef ORCH_SHM_EVENTS_H
#define ORCH_SHM_EVENTS_H

/* The seed's. */
#define EV_TASK_STARTED		"task.started"
#define EV_TASK_COMPLETED	"task.completed"
#define EV_TASK_FAILED		"task.failed"
#define EV_AGENT_READY		"agent.ready"		/* now idle */
#define EV_AGENT_BUSY		"agent.busy"		/* now working */
#define EV_DATA_SHARED		"data.shared"
#define EV_COORDINATION_REQUEST	"coordination.request"

/* An agent's other statuses and its restarts. */
#define EV_AGENT_INITIALIZING	"agent.initializing"
#define EV_AGENT_WAITING	"agent.waiting"		/* on a person */
#define EV_AGENT_ERROR		"agent.error"
#define EV_AGENT_TERMINATED	"agent.terminated"
#define EV_AGENT_RESTARTED	"agent.restarted"

/* A task's steps the scheduler decides (the actor announces the rest). */
#define EV_TASK_WAITING		"task.waiting_approval"
#define EV_TASK_RETRYING	"task.retrying"
#define EV_TASK_SKIPPED		"task.skipped"
#define EV_TASK_CANCELLED	"task.cancelled"
#define EV_TASK_DENIED		"task.denied"
#define EV_TASK_PENDING		"task.pending"		/* again, after a back-off */

#endif
