/*
 * orch-supervisor's shared state, one per process.
 */
#ifndef ORCH_SUPERVISOR_SUPERVISOR_H
#define ORCH_SUPERVISOR_SUPERVISOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SUPERVISOR_GRACE_DEFAULT_MS	5000
/* An actor that does not answer a ping this soon is hung: killed. */
#define SUPERVISOR_HEARTBEAT_DEFAULT_MS	4000
/* In the run directory: the name of the instance's shared memory. */
#define SUPERVISOR_SHM_FILE		"shm.name"

struct agent;
struct control;
struct region;
struct relay;
struct logpipe;
struct sched;
struct serve;
struct event_base;

struct supervisor {
	struct event_base	*base;
	const char		*instance;
	char			 rundir[PATH_MAX];
	char			 actor_path[PATH_MAX];
	unsigned		 grace_ms;
	unsigned		 heartbeat_ms;	/* an actor's ping deadline; 0 off */
	bool			 json;
	int			 verbose;

	struct agent		*agents;
	uint64_t		 next_task;
	struct control		*control;
	struct region		*region;	/* event bus and memory bank */
	struct serve		*serve;
	struct relay		*relay;		/* to agents' sockets */
	struct sched		*sched;		/* tasks and workflows */
	int			 actor_err;	/* actors' stderr, or -1: ours */
	struct logpipe		*logpipe;	/* reads it */
	int			 exit_code;

	pid_t			*sweeps;	/* old sessions to sweep */
	size_t			 nsweeps;
	struct event		*sweep_ev;

	bool			 stopping;
	bool			 forced;
	int			 signal;	/* the first that stopped us */
	struct event		*stop_ev;
};

/* Begin an orderly shutdown (or force it, the second time). */
void	supervisor_shutdown(struct supervisor *sup, const char *why);
/* Called when an agent's actor is gone, to finish a shutdown. */
void	supervisor_check_done(struct supervisor *sup);
/* Publish an event from the supervisor (source: the agent it is about). */
void	supervisor_publish(struct supervisor *sup, const char *type,
	    const char *agent, const void *payload, size_t len);

#endif
