/*
 * orch-supervisor's shared state, one per process.
 */
#ifndef ORCH_SUPERVISOR_SUPERVISOR_H
#define ORCH_SUPERVISOR_SUPERVISOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc/proto.h"

#define SUPERVISOR_GRACE_DEFAULT_MS	5000
/* An actor that does not answer a ping this soon is hung: killed. */
#define SUPERVISOR_HEARTBEAT_DEFAULT_MS	4000
/* In the run directory: the name of the instance's shared memory. */
#define SUPERVISOR_SHM_FILE		"shm.name"

struct agent;
struct control;
struct agent;
struct alert;
struct door_permit;
struct door;
struct envelope;
struct hub;
struct region;
struct relay;
struct logpipe;
struct dash;
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
	uint64_t		 started_ms;	/* wall clock */

	struct hub		*hub;		/* every change is announced here */
	struct agent		*agents;
	uint64_t		 next_task;
	struct door		*door;		/* every command goes through it */
	struct alert		*alert;		/* agents waiting, told */
	struct control		*control;
	struct region		*region;	/* event bus and memory bank */
	struct serve		*serve;
	struct relay		*relay;		/* to agents' sockets */
	struct sched		*sched;		/* tasks and workflows */
	int			 actor_err;	/* actors' stderr, or -1: ours */
	struct logpipe		*logpipe;	/* reads it */
	struct dash		*dash;		/* --dashboard's view, or NULL */
	int			 exit_code;

	pid_t			 tmux_pid;	/* tmuxsrv.c: its server, or 0 */
	/*
	 * dash.c: --dashboard's view, or 0. Our child, not reaped yet (the
	 * number is no one else's): it and what it starts are the operator.
	 */
	pid_t			 view_pid;
	pid_t			*sweeps;	/* old sessions to sweep */
	size_t			 nsweeps;
	struct event		*sweep_ev;

	bool			 stopping;
	bool			 forced;
	int			 signal;	/* the first that stopped us */
	struct event		*stop_ev;

	/*
	 * What only the top (main.c) does, asked for by the modules below
	 * it: stop the supervisor (orch-ctl shutdown, the -w run over);
	 * answer a request an agent's actor relayed for its session
	 * (control.c).
	 */
	void			(*stop)(struct supervisor *, const char *why);
	void			(*relayed)(struct supervisor *,
				    const char *agent, const struct envelope *,
				    proto_done_fn, void *);
	/* An agent's Claude Code tool call, for the door (door.h). */
	void			(*permit)(struct supervisor *, struct agent *,
				    const struct door_permit *, proto_done_fn,
				    void *);
	void			(*unpermit)(struct supervisor *,
				    struct agent *, uint64_t hold);
};

#endif
