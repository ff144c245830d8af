/*
 * The hub: the one place where a change of an agent, a task or a run is
 * announced. Whoever cares subscribes (the event bus, the scheduler's
 * queue, the log, the shutdown's wait for the last actor, and later the
 * journal, the audit log, the dashboard, MCP notifications); nobody calls
 * them directly. Observers run in the order they subscribed, at once.
 */
#ifndef ORCH_SUPERVISOR_HUB_H
#define ORCH_SUPERVISOR_HUB_H

#include <stdbool.h>
#include <stddef.h>

enum hub_kind {
	HUB_AGENT = 1 << 0,	/* an agent's status changed */
	HUB_TASK = 1 << 1,	/* a task took a step */
	HUB_RUN = 1 << 2,	/* a run began or is over */
	HUB_ALL = HUB_AGENT | HUB_TASK | HUB_RUN
};

struct hub_change {
	enum hub_kind	 kind;
	const char	*name;		/* agent id, task name (RUN:ID), run */
	const char	*from;		/* state names ("" for a new one) */
	const char	*to;
	const char	*why;		/* or NULL */
	const char	*bus;		/* event type to publish, or NULL */
	const char	*source;	/* the agent it is about, or "supervisor" */
	const void	*body;		/* the event's msgpack payload */
	size_t		 len;
	bool		 quiet;		/* the live view shows it: log at debug */
	const void	*subject;	/* struct agent *, struct stask *, ... */
};

typedef void	(*hub_fn)(void *arg, const struct hub_change *ch);

struct hub;

struct hub	*hub_new(void);
void		 hub_free(struct hub *h);
/* Call fn for every change of the kinds in mask (HUB_*). */
void		 hub_subscribe(struct hub *h, unsigned mask, hub_fn fn,
		    void *arg);
void		 hub_announce(struct hub *h, const struct hub_change *ch);

#endif
