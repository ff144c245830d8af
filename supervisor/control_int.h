/*
 * Inside the control socket: its clients, answers owed to them, and the
 * helpers the operation handlers share (control.c: agents and the
 * socket; control_task.c: tasks and workflows).
 */
#ifndef ORCH_SUPERVISOR_CONTROL_INT_H
#define ORCH_SUPERVISOR_CONTROL_INT_H

#include <stddef.h>

#include "ipc/envelope.h"

struct ctl_client;

struct ctl_reply {
	struct ctl_client	*client;	/* NULL once it hung up */
	struct envelope		 req;		/* id, from, to */
	struct ctl_reply	*next;
};

struct ctl_client {
	struct control		*ctl;
	struct peer		*peer;
	struct ctl_reply	*replies;	/* answers still owed */
	struct ctl_client	*next;
};

/* Control connections at most (less under a low RLIMIT_NOFILE). */
#define CTL_CLIENTS_MAX		256

struct control {
	struct supervisor	*sup;
	struct sock_listener	*listener;
	struct ctl_client	*clients;
	size_t			 max_clients;
};

typedef void (*ctl_fn)(struct ctl_client *, const struct envelope *);

/* An answer to env that comes later: send it with ctl_reply_send. */
struct ctl_reply *ctl_reply_new(struct ctl_client *c,
		    const struct envelope *env);
/* Never answered after all (the handler answered an error itself). */
void		 ctl_reply_drop(struct ctl_reply *r);
/* ctl_reply_send as a proto_done_fn / proto_done_fn (arg: the reply). */
void		 ctl_msg_done(void *arg, int err, const char *msg,
		    const void *body, size_t len);
void		 ctl_error(struct ctl_client *c, const struct envelope *env,
		    int err, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* control_task.c */
void	ctl_tasks(struct ctl_client *c, const struct envelope *env);
void	ctl_approve(struct ctl_client *c, const struct envelope *env);
void	ctl_deny(struct ctl_client *c, const struct envelope *env);
void	ctl_cancel(struct ctl_client *c, const struct envelope *env);
void	ctl_submit(struct ctl_client *c, const struct envelope *env);
void	ctl_workflow_run(struct ctl_client *c, const struct envelope *env);

#endif
