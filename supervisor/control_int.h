/*
 * Inside the control socket: its clients, answers owed to them, and the
 * helpers the operation handlers share (control.c: agents and the
 * socket; control_task.c: tasks and workflows).
 */
#ifndef ORCH_SUPERVISOR_CONTROL_INT_H
#define ORCH_SUPERVISOR_CONTROL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/audit.h"
#include "ipc/agent_config.h"
#include "ipc/envelope.h"
#include "ipc/proto.h"
#include "shm/serve.h"

struct control_client;

struct control_reply {
	struct control_client	*client;	/* NULL once it hung up */
	struct envelope		 req;		/* id, from, to */
	struct control_reply	*next;
};

/* Who a client is: told by its process's ancestry, not by what it says. */
enum control_who {
	CONTROL_OPERATOR = 0,	/* none of ours: may do everything */
	CONTROL_AGENT,		/* descends from agent's actor */
	CONTROL_NOBODY,		/* ours but no agent's */
	CONTROL_UNTOLD,		/* its ancestry could not be read */
};

/*
 * A client: a connection to the control socket (peer), or one request an
 * agent's actor relayed for a process of its session (peer NULL: the
 * answer goes to done, then the client is freed).
 */
struct control_client {
	struct control		*ctl;
	struct peer		*peer;
	proto_done_fn		 done;		/* relayed: its answer */
	void			*done_arg;
	bool			 running;	/* relayed: in its handler */
	enum control_who	 who;
	struct serve_caller	 as;		/* for the bus: this request's */
	struct audit_memo	 memo;		/* decisions already written */
	char			 agent[AGENT_ID_MAX + 1];	/* CONTROL_AGENT */
	struct control_reply	*replies;	/* answers still owed */
	struct control_client	*next;
};

/* Control connections at most (less under a low RLIMIT_NOFILE). */
#define CONTROL_CLIENTS_MAX		256

struct control {
	struct supervisor	*sup;
	struct sock_listener	*listener;
	struct control_client	*clients;
	size_t			 max_clients;
};

typedef void (*control_fn)(struct control_client *, const struct envelope *);

/* An answer to env that comes later: send it with control_reply_send. */
struct control_reply *control_reply_new(struct control_client *c,
		    const struct envelope *env);
/* Never answered after all (the handler answered an error itself). */
void		 control_reply_drop(struct control_reply *r);
/* control_reply_send as a proto_done_fn / proto_done_fn (arg: the reply). */
void		 control_msg_done(void *arg, int err, const char *msg,
		    const void *body, size_t len);
/* Answer env (to the connection, or to a relayed request's done). */
void		 control_answer(struct control_client *c,
		    const struct envelope *env, int err, const char *msg,
		    const void *body, size_t len);
void		 control_error(struct control_client *c,
		    const struct envelope *env, int err, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* control_task.c */
void	control_tasks(struct control_client *c, const struct envelope *env);
void	control_task_logs(struct control_client *c,
	    const struct envelope *env);
void	control_workflow_check(struct control_client *c,
	    const struct envelope *env);
void	control_approve(struct control_client *c,
	    const struct envelope *env);
void	control_deny(struct control_client *c, const struct envelope *env);
void	control_cancel(struct control_client *c,
	    const struct envelope *env);
void	control_submit(struct control_client *c,
	    const struct envelope *env);
void	control_workflow_run(struct control_client *c,
	    const struct envelope *env);

#endif
