/*
 * Messages the supervisor sends for others: the operator's direct
 * messages, and broadcasts (from the operator or an agent), which only the
 * supervisor can address because only it knows every agent's type,
 * capabilities and status.
 */
#ifndef ORCH_SUPERVISOR_MSG_H
#define ORCH_SUPERVISOR_MSG_H

#include <stddef.h>

#include "ipc/envelope.h"
#include "ipc/proto.h"

struct supervisor;

/* Who the operator's messages are from. */
#define MSG_OPERATOR	"operator"

/*
 * A msg.send (env->to, env->pri, body {type, content}) asked of the
 * supervisor, from the operator or an agent (as the caller is known, not
 * as the envelope says).
 */
void	msg_send(struct supervisor *sup, const char *from,
	    const struct envelope *env, proto_done_fn done, void *arg);

/*
 * Send body {type, content} to every agent matching body's filter
 * {agent_type, capability, status, id (fnmatch)}; the answer is
 * {matched, delivered: [ids], failed: [{id, error}]}.
 */
void	msg_broadcast(struct supervisor *sup, const char *from,
	    const struct envelope *env, proto_done_fn done, void *arg);

#endif
