#include "supervisor/ports.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xmalloc.h"
#include "supervisor/agent.h"
#include "supervisor/door.h"
#include "supervisor/sched.h"
#include "supervisor/supervisor.h"

/* The views handed out last, kept until the next call. */
struct ports_view {
	struct supervisor	*sup;
	struct sched_agent	*v;
	size_t			 cap;
};

static size_t
ports_agents(void *ctx, const struct sched_agent **out)
{
	struct ports_view	*pv = ctx;
	struct agent		*a;
	uint64_t		 now = clock_now_ns();
	size_t			 n = 0;

	for (a = pv->sup->agents; a != NULL; a = a->next)
		n++;
	if (n > pv->cap) {
		pv->cap = n * 2;
		pv->v = xreallocarray(pv->v, pv->cap, sizeof *pv->v);
	}
	n = 0;
	for (a = pv->sup->agents; a != NULL; a = a->next) {
		/* The MCP gateway runs no work: the scheduler sees it not. */
		if (a->ac.type == AGENT_GATEWAY)
			continue;
		pv->v[n].ac = &a->ac;
		pv->v[n].status = a->status;
		pv->v[n].load = load_now(&a->load, now);
		pv->v[n].last_exit = a->last_exit;
		pv->v[n].claude_sid = a->claude_sid;
		n++;
	}
	*out = pv->v;
	return n;
}

static int
ports_run(void *ctx, const char *agent, const struct door_cmd *cmd,
    proto_done_fn done, void *arg, const char **why)
{
	struct ports_view	*pv = ctx;
	struct agent		*a = agent_find(pv->sup, agent);

	if (a == NULL) {
		*why = "no such agent";
		return IPC_E_NO_PEER;
	}
	return door_run(pv->sup->door, a, cmd, done, arg, why);
}

static int
ports_release(void *ctx, const char *agent, bool yes, const char *why)
{
	struct ports_view	*pv = ctx;
	struct agent		*a = agent_find(pv->sup, agent);

	return a != NULL ? door_release(pv->sup->door, a, yes, why) : -1;
}

static void
ports_kill(void *ctx, const char *agent)
{
	struct ports_view	*pv = ctx;
	struct agent		*a = agent_find(pv->sup, agent);

	if (a != NULL)
		agent_kill_task(a);
}

static void
ports_session(void *ctx, const char *agent, const char *sid)
{
	struct ports_view	*pv = ctx;
	struct agent		*a = agent_find(pv->sup, agent);

	if (a != NULL)
		agent_claude_record(a, sid);
}

static void
ports_over(void *ctx)
{
	struct ports_view	*pv = ctx;

	pv->sup->stop(pv->sup, "workflow finished");
}

void
ports_sched(struct supervisor *sup, struct sched_port *port)
{
	struct ports_view	*pv = xcalloc(1, sizeof *pv);

	pv->sup = sup;
	memset(port, 0, sizeof *port);
	port->ctx = pv;
	port->agents = ports_agents;
	port->run = ports_run;
	port->release = ports_release;
	port->kill = ports_kill;
	port->over = ports_over;
	port->session = ports_session;
}

void
ports_free(struct sched_port *port)
{
	struct ports_view	*pv = port->ctx;

	if (pv == NULL)
		return;
	free(pv->v);
	free(pv);
	port->ctx = NULL;
}
