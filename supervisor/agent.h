/*
 * The supervisor's table of agents: each agent's configuration, status,
 * actor process, link, restart history and task history, and the life cycle
 * that moves it between the seed's statuses.
 */
#ifndef ORCH_SUPERVISOR_AGENT_H
#define ORCH_SUPERVISOR_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <msgpack.h>

#include "ipc/proto.h"
#include "supervisor/config.h"
#include "supervisor/fsm.h"
#include "supervisor/load.h"
#include "supervisor/permit.h"
#include "supervisor/restart.h"
#include "supervisor/task_ctx.h"

#define AGENT_HISTORY_MAX	20
#define AGENT_CMD_MAX		256
#define AGENT_TASK_NAME_MAX	96
#define AGENT_READY_TIMEOUT_MS	10000
#define AGENT_CLAUDE_READY_TIMEOUT_MS	60000

struct envelope;
struct supervisor;
struct peer;

/* Someone waiting for an agent to be ready, or gone. */
struct agent_wait {
	proto_done_fn	 fn;		/* NULL: nobody */
	void		*arg;
};

struct task_record {
	uint64_t	id;
	char		name[AGENT_TASK_NAME_MAX];	/* RUN:ID, exec-N */
	char		cmd[AGENT_CMD_MAX];	/* as written, one line */
	const char	*status;	/* "running", "ok", "failed", ... */
	int		exit_code;
	int		signal;
	uint64_t	duration_ns;
	uint64_t	start_ns;	/* monotonic, when it was sent */
	uint64_t	started_ms;	/* wall clock, the same moment */
};

/*
 * What an agent has done since it was added, counted as its tasks end
 * (sched_metrics.c): the figures of its row in the snapshot's metrics.
 */
struct agent_stats {
	uint64_t	added_ns;	/* monotonic */
	uint64_t	busy_ns;	/* its ended tasks' durations */
	uint64_t	ended;		/* tasks, ok or failed */
	uint64_t	failed;
	double		cost_usd;	/* Claude Code's, where it said */
	uint64_t	tokens_in;
	uint64_t	tokens_out;
};

struct agent {
	struct supervisor	*sup;
	struct agent_config	 ac;
	enum agent_status	 status;
	char			 status_why[320];	/* why it is in it, or "" */
	pid_t			 pid;		/* actor, 0 when not running */
	pid_t			 session;	/* its session's id */
	pid_t			 task_pgid;	/* running task's group */
	struct peer		*link;
	uint64_t		 started_ns;

	struct restart_history	 hist;
	char			 last_exit[IPC_ERRMSG_MAX + 64];
	bool			 start_failed;	/* last_exit says why */
	bool			 stop_requested;
	bool			 restart_on_exit;	/* manual restart */
	struct event		*restart_ev;
	struct event		*kill_ev;
	struct event		*beat_ev;	/* heartbeat: a ping each interval */
	bool			 beat_out;	/* a ping awaits its answer */
	struct event		*task_ev;	/* the task's timeout, ours too */
	bool			 task_late;	/* and it passed */

	struct task_record	 tasks[AGENT_HISTORY_MAX];
	unsigned		 ntasks;	/* records ever made */
	struct load		 load;		/* recent work, for routing */
	struct agent_stats	 stats;
	struct task_record	*current;
	struct task_record	 held;		/* waits for approval (door.c) */

	/* An interactive Claude Code's (agent_claude.c). */
	char			 claude_sid[72];	/* its session */
	bool			 attention;	/* Claude waits for its user */
	bool			 claude_busy;	/* on a prompt a person typed */
	bool			 wait_idle;	/* and waited with no task */
	char			 wait_why[256];
	bool			 start_final;	/* it cannot start: no retry */
	unsigned		 permits;	/* tool calls the door holds */
	char			 permit_why[320];	/* the oldest's */
	bool			 holding;	/* a task held before it ran */

	struct agent_wait	 on_ready;	/* deploy / restart waiting */
	struct agent_wait	 on_exit;	/* terminate waiting */
	struct agent		*next;
};

struct agent	*agent_add(struct supervisor *sup,
		    const struct agent_config *ac);
struct agent	*agent_find(struct supervisor *sup, const char *id);
/* Every agent's configuration, copied (config_free it). */
struct config	*agent_configs(const struct supervisor *sup);
struct agent	*agent_find_pid(struct supervisor *sup, pid_t pid);
/*
 * The agent pid is part of: its actor, or its session's leader (a tmux
 * pane's program descends from the tmux server, not from the actor).
 */
struct agent	*agent_find_member(struct supervisor *sup, pid_t pid);
/* Tell every actor who is who again (the roster: agents, the view). */
void		 agent_roster_send(struct supervisor *sup);

/*
 * The only writer of an agent's status: the step ev (why: NULL, or the
 * reason people see), if fsm.c allows it, announced on the hub. Returns
 * the new status, or -1 (nothing changed) when the step is refused.
 */
int		 agent_step(struct agent *a, enum agent_event ev,
		    const char *why);

/* Fork and exec the actor; the agent becomes idle when it says ready. */
void		 agent_start(struct agent *a);

/*
 * What orch-ctl asks of agents; done is told once it is done (ready, or
 * gone). 0, or an IPC_E_* code with *why (done does not run).
 * agent_deploy: a new agent, or one terminated or in error afresh.
 */
int		 agent_deploy(struct supervisor *sup,
		    const struct agent_config *ac, proto_done_fn done,
		    void *arg, const char **why);
int		 agent_terminate(struct agent *a, proto_done_fn done,
		    void *arg, const char **why);
int		 agent_restart(struct agent *a, proto_done_fn done, void *arg,
		    const char **why);
/* The same, its Claude Code conversation forgotten (a fresh one). */
int		 agent_restart_fresh(struct agent *a, proto_done_fn done,
		    void *arg, const char **why);
/* Ask the actor to stop; SIGKILL after grace_ms. No restart follows. */
void		 agent_stop(struct agent *a, unsigned grace_ms);
/* SIGKILL the actor, its session and its task. */
void		 agent_kill(struct agent *a);
/* The actor process exited with wait status `status`. */
void		 agent_exited(struct agent *a, int status);
/* Kill what is left in the sessions of actors gone (due a little later). */
void		 agent_watch_sweep_now(struct supervisor *sup);
void		 agent_free(struct agent *a);

/*
 * Type text into a's session (with enter, then Return); done gets what it
 * printed until quiet ({lines, output}). 0, or an IPC_E_* code with *why.
 */
#define AGENT_TYPE_TIMEOUT_MS	30000
int		 agent_type(struct agent *a, const char *text, bool enter,
		    proto_done_fn done, void *arg, const char **why);

/*
 * Run argv as a task on the agent; done gets the answer (a task result
 * body, or an error) once the agent is idle again. Returns 0, or an
 * IPC_E_* code with *why when the agent cannot take it now (done does not
 * run). Called by the door only (door.c), on an idle agent or on one
 * whose task it held for approval.
 */
int		 agent_exec(struct agent *a, char *const *argv, size_t argc,
		    unsigned timeout_ms, const struct agent_task_ctx *ctx,
		    proto_done_fn done, void *arg, const char **why);

/*
 * The door holds a task for a's approval: a waits with it (status
 * waiting, the task shown as its current one) until agent_exec runs it or
 * the door lets go (agent_step AE_DONE).
 */
void		 agent_hold(struct agent *a, const struct agent_task_ctx *ctx,
		    char *const *argv, size_t argc);

/*
 * Ask the actor to stop the task now running (SIGTERM, SIGKILL after a
 * grace period); its answer to agent_exec follows as usual.
 */
void		 agent_kill_task(struct agent *a);

/* Where task `name`'s full output is kept (orch-ctl logs), or -1. */
int		 agent_log_path(const struct supervisor *sup, const char *name,
		    char *buf, size_t size);

/*
 * A request of a's actor answered later, on the link it came on if that
 * is still a's: agent_answer_later keeps what the answer needs, and
 * agent_answer (a proto_done_fn) sends it and frees it.
 */
void		*agent_answer_later(struct agent *a, const struct envelope *env);
void		 agent_answer(void *arg, int err, const char *msg,
		    const void *body, size_t len);

/*
 * agent_claude.c: a Claude Code agent. agent_claude_op takes its actor's
 * claude.* messages (true: it was one); pack_init adds the "claude" key
 * to an interactive one's actor.init (0, or -1 with *cause: no claude
 * binary); wait makes the agent waiting or working again from what Claude
 * Code said and what the door holds; forget drops the conversation to
 * resume.
 */
bool		 agent_claude_op(struct agent *a, const struct envelope *env);
int		 agent_claude_pack_init(struct agent *a, msgpack_packer *pk,
		    char **cause);
void		 agent_claude_wait(struct agent *a);
void		 agent_claude_forget(struct agent *a);
/* Keep sid as a's Claude Code session to resume (NULL: forget it). */
void		 agent_claude_record(struct agent *a, const char *sid);
/* At agent_add: the session a print-mode claude agent resumes. */
void		 agent_claude_load(struct agent *a);

const char	*agent_status_name(enum agent_status st);
/* Pack the status row: id, type, status, pid, restarts, task, caps. */
void		 agent_pack_row(msgpack_packer *pk, const struct agent *a,
		    bool detail);

/*
 * agent_watch.c: the heartbeat (pinged from agent_watch_start until
 * agent_watch_stop; an actor that does not answer is killed), a task's
 * timeout kept by the supervisor (agent_watch_task; 0: none, or over),
 * and the sweep of an old session and of orphans, soon after an actor
 * died (agent_watch_sweep; at once when stopping).
 */
void		 agent_watch_init(struct agent *a);
void		 agent_watch_free(struct agent *a);
void		 agent_watch_start(struct agent *a);
void		 agent_watch_stop(struct agent *a);
void		 agent_watch_task(struct agent *a, unsigned timeout_ms);
void		 agent_watch_sweep(struct supervisor *sup, pid_t session);

#endif
