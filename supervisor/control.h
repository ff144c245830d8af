/*
 * The supervisor's control socket (control.sock): orch-ctl and orch-attach
 * ask for status, deploy, terminate and restart agents, run tasks and shut
 * the supervisor down. Operations are dispatched from one table.
 *
 * An answer that comes later (a task result, an agent becoming ready) is
 * held as a control_reply; if the client hangs up meanwhile the reply is
 * dropped quietly when it is sent.
 */
#ifndef ORCH_SUPERVISOR_CONTROL_H
#define ORCH_SUPERVISOR_CONTROL_H

#include <stddef.h>

struct supervisor;
struct control;
struct control_reply;

struct control	*control_new(struct supervisor *sup, const char *path,
		    char **cause);
void		 control_free(struct control *c);
/* Accept no more clients (shutting down); existing ones are still served. */
void		 control_stop_listening(struct control *c);

/*
 * A request a process of agent's session made of its actor, which relays
 * it (the sandbox shows a session no socket but its actor's): checked and
 * run as that agent's (agent NULL: the operator's, which only the MCP
 * gateway may say), answered through done.
 */
#include "ipc/envelope.h"
#include "ipc/proto.h"

void		 control_relay(struct control *c, const char *agent,
		    const struct envelope *env, proto_done_fn done, void *arg);

/* Answer and free r. body: a packed msgpack value or NULL. */
void		 control_reply_send(struct control_reply *r, int err,
		    const char *msg, const void *body, size_t len);

#endif
