/*
 * The scheduler's port onto the real agents (sched.h's struct sched_port):
 * their view from the agent table, commands through the door.
 */
#ifndef ORCH_SUPERVISOR_PORTS_H
#define ORCH_SUPERVISOR_PORTS_H

struct sched_port;
struct supervisor;

/* The port for sup's agents (ctx: sup; freed with ports_free). */
void	ports_sched(struct supervisor *sup, struct sched_port *port);
void	ports_free(struct sched_port *port);

#endif
