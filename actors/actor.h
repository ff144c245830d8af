/*
 * orch-actor: one process per agent, started by the supervisor. It owns the
 * agent's terminal session, runs tasks in it and serves attach clients on
 * actors/<agent>.sock. Shared by actor.c (life cycle, link, tasks) and
 * actor_clients.c (the socket).
 */
#ifndef ORCH_ACTORS_ACTOR_H
#define ORCH_ACTORS_ACTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "actors/inbox.h"
#include "actors/worktree.h"
#include "common/audit.h"
#include "ipc/peer.h"
#include "ipc/agent_config.h"

struct actor_later;
struct claude;
struct claude_print;
struct actor_typing;
struct gateway;
struct tasklog;
struct region;
struct relay;
struct serve;
struct session;
struct sock_listener;
struct task;

struct actor;

/* Who an actor's client is, by its process's ancestry. */
enum actor_who {
	ACTOR_WHO_SELF = 0,	/* a process of this agent's session */
	ACTOR_WHO_ORCH,		/* the supervisor, or another actor relaying */
	ACTOR_WHO_OPERATOR,	/* none of the instance's processes */
	ACTOR_WHO_AGENT,	/* another agent's process (on the roster) */
	ACTOR_WHO_OTHER,	/* a process that belongs to nobody */
};

/* A running actor, as the supervisor's roster names it. */
struct actor_known {
	pid_t		 pid;
	pid_t		 session;	/* its session's leader, or 0 */
	unsigned	 perms;
	char		 id[AGENT_ID_MAX + 1];
};

struct actor_client {
	struct actor		*actor;
	struct peer		*peer;
	enum actor_who		 who;
	struct actor_known	 agent;		/* ACTOR_WHO_AGENT: which */
	struct audit_memo	 memo;		/* decisions already written */
	bool			 attached;
	bool			 readonly;
	struct actor_client	*next;
};

struct actor {
	struct event_base	*base;
	const char		*instance;
	struct peer		*link;		/* to the supervisor */
	struct agent_config	 ac;
	bool			 configured;
	char			**env;		/* ORCH_* for the session */

	struct session		*session;
	struct task		*task;
	struct tasklog		*tasklog;	/* its full output */
	struct envelope		 task_req;	/* to answer when it ends */
	/* What the task is to people (agent_task_ctx): for banner and events */
	char			 task_name[96];

	struct sock_listener	*listener;
	struct actor_client	*clients;
	unsigned		 nclients;

	struct region		*region;	/* bus and bank, or NULL */
	struct serve		*serve;
	unsigned		 perms;		/* perm_effective */
	bool			 can_read;	/* data:read */
	bool			 can_share;	/* data:share */

	char			**sandbox;	/* bwrap ... --, or NULL */
	struct actor_typing	*typing;	/* session.type, until quiet */
	struct actor_known	*roster;	/* the other actors */
	pid_t			 view;		/* --dashboard's, the operator's */
	struct gateway		*gateway;	/* an MCP gateway's, or NULL */
	struct claude		*claude;	/* interactive Claude Code, or NULL */
	struct claude_print	*claude_print;	/* a claude -p task's, or NULL */
	struct worktree		 worktree;	/* its own, when on */
	bool			 final;		/* stopped for good, not restarted */
	size_t			 nroster;

	struct inbox		 inbox;
	struct relay		*relay;		/* to other agents */
	struct actor_later	*later;		/* answers owed */

	bool			 stopping;
	int			 exit_code;
	struct event		*stop_ev;
};

/* actor.c: stopping, the last of it over: the actor exits. */
void	actor_check_done(struct actor *a);
/* actor_task.c: task.run and task.kill from the supervisor. */
void	actor_task_run(struct actor *a, const struct envelope *env);
void	actor_task_kill(struct actor *a, const struct envelope *env);

/* actor.c: the answer to actor.init, once the session is up. */
void	actor_ready(struct actor *a, const struct envelope *env);
/* It cannot start: answered code and why, then the actor exits. */
void	actor_start_failed(struct actor *a, const struct envelope *env,
	    int code, const char *why);
/* A notification to the supervisor with one string: {key: val}. */
void	actor_notify_str(struct actor *a, const char *op, const char *key,
	    const char *val);

/* actor_msg.c */
void	actor_msg_init(struct actor *a);
void	actor_msg_free(struct actor *a);
bool	actor_msg_dispatch(struct actor *a, struct peer *p,
	    const struct envelope *env);
void	actor_msg_forget(struct actor *a, struct peer *p);
void	actor_msg_relay(struct actor *a, struct peer *p,
	    const struct envelope *env);

/* actor_type.c: session.type, and what the session printed meanwhile */
void	actor_type(struct actor *a, const struct envelope *env);
void	actor_type_output(struct actor_typing *t, const char *data,
	    size_t len);

/* actor_clients.c */
/*
 * Who is at the other end of fd, by its process's ancestry (another
 * agent's: which, in *k).
 */
/*
 * Somebody watches the session's output now (a client attached, a task
 * or Claude Code running), or nobody does: told the session.
 */
void	actor_watch(struct actor *a);
enum actor_who actor_caller(struct actor *a, int fd, struct actor_known *k);
/* The same, for a process found some other way (a TCP peer's owner). */
enum actor_who actor_caller_pid(struct actor *a, pid_t pid,
		    struct actor_known *k);
int	actor_clients_listen(struct actor *a, char **cause);
void	actor_clients_output(struct actor *a, const char *data, size_t len);
void	actor_clients_end(struct actor *a, const char *reason);
void	actor_clients_free(struct actor *a);

#endif
