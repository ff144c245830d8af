/*
 * The orch wire protocol: every envelope kind, priority, operation name and
 * error code in one place.
 *
 * Bump IPC_PROTO_VERSION if anything below changes meaning; adding a new
 * operation or error code does not need a bump (unknown ops are answered
 * with IPC_E_UNKNOWN_OP, unknown codes are shown by number).
 *
 * Frame: 4-byte big-endian payload length, then one msgpack map with the
 * short keys below (DESIGN §5).
 */
#ifndef ORCH_IPC_PROTO_H
#define ORCH_IPC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPC_PROTO_VERSION	1

/* Envelope keys. */
#define IPC_KEY_VERSION		"v"
#define IPC_KEY_ID		"id"
#define IPC_KEY_KIND		"k"
#define IPC_KEY_OP		"op"
#define IPC_KEY_FROM		"from"
#define IPC_KEY_TO		"to"
#define IPC_KEY_PRI		"pri"
#define IPC_KEY_ACK		"ack"
#define IPC_KEY_ERR		"err"
#define IPC_KEY_BODY		"body"
#define IPC_KEY_Z		"z"
/* Inside "err": */
#define IPC_KEY_ERR_CODE	"code"
#define IPC_KEY_ERR_MSG		"msg"

enum ipc_kind {
	IPC_KIND_REQ = 0,	/* "req": expects a "res" with the same id */
	IPC_KIND_RES,		/* "res": answers a "req"; may carry "err" */
	IPC_KIND_NTF,		/* "ntf": no answer, or an "ack" when ack=true */
	IPC_KIND_ACK,		/* "ack": receipt of an "ntf" with ack=true */
};
#define IPC_KIND_COUNT	4

enum ipc_pri {
	IPC_PRI_LOW = 0,
	IPC_PRI_MEDIUM = 1,
	IPC_PRI_HIGH = 2,
};

/* Longest operation name and endpoint name (agent id) on the wire. */
#define IPC_OP_MAX	63
#define IPC_NAME_MAX	127
#define IPC_ERRMSG_MAX	511

/*
 * Operations, by family. Names are the wire strings.
 */
/* 0: transport and diagnostics */
#define IPC_OP_PING		"ping"		/* req: empty res */
#define IPC_OP_ECHO		"echo"		/* req: res body = req body */
#define IPC_OP_SINK		"sink"		/* ntf: accepted and dropped */
#define IPC_OP_ERROR		"error"		/* ntf: peer rejected a frame */

/* 1: supervisor <-> actor, over the inherited link */
#define IPC_OP_ACTOR_INIT	"actor.init"	/* req: agent config; res: ready
						   {pid, session} */
#define IPC_OP_ACTOR_STOP	"actor.stop"	/* ntf: {grace_ms}: stop, exit */
#define IPC_OP_TASK_RUN		"task.run"	/* req: {task, argv, timeout_ms};
						   res: a task result */
#define IPC_OP_TASK_STARTED	"task.started"	/* ntf: {task, pgid} */
#define IPC_OP_TASK_KILL	"task.kill"	/* ntf: {task}: stop that task
						   (TERM, KILL after grace) */
#define IPC_OP_SESSION_TYPE	"session.type"	/* req: {agent, text,
						   command} (control socket;
						   the gate decides a
						   command), {text, enter}
						   (link): typed into the
						   session; res: {lines,
						   output}, until quiet */
/* Interactive Claude Code (actors/claude.h). */
#define IPC_OP_CLAUDE_HOOK	"claude.hook"	/* req, from the session's
						   orch-ctl hook: {event,
						   session, message?, kind?,
						   tool?, text?, background?};
						   res: {decision, reason} */
#define IPC_OP_CLAUDE_SESSION	"claude.session" /* ntf: {id}: its session */
#define IPC_OP_CLAUDE_STATE	"claude.state"	/* ntf: {waiting, why} */
#define IPC_OP_CLAUDE_PERMIT	"claude.permit"	/* req: {hold, event, tool,
						   text}; res: {decision:
						   allow|deny|"", reason} */
#define IPC_OP_CLAUDE_UNPERMIT	"claude.unpermit" /* ntf: {hold}: gave up */
#define IPC_OP_ACTOR_ROSTER	"actor.roster"	/* ntf: {agents: [{id, pid,
						   perms, session}], view?}: the
						   running actors, for telling
						   whose process dials this
						   one; view: the pid of the
						   supervisor's --dashboard,
						   the operator's */
/* The most agents a roster names (the rest are nobody to its reader). */
#define IPC_ROSTER_MAX		4096
/* task.run's answer carries the last this many bytes of output ("tail"). */
#define IPC_TASK_TAIL_MAX	4096
/* A task stopped by its actor gets SIGTERM, then SIGKILL this much later. */
#define IPC_TASK_KILL_GRACE_MS	2000

/* 2: attach clients <-> actor, on actors/<agent>.sock */
#define IPC_OP_ATTACH_OPEN	"attach.open"	/* req: {rows, cols, readonly};
						   res: {data: recent output} */
#define IPC_OP_ATTACH_DATA	"attach.data"	/* ntf: {data}: terminal output */
#define IPC_OP_ATTACH_INPUT	"attach.input"	/* ntf: {data}: keystrokes */
#define IPC_OP_ATTACH_RESIZE	"attach.resize"	/* ntf: {rows, cols} */
#define IPC_OP_ATTACH_END	"attach.end"	/* ntf: {reason}: session over */
#define IPC_OP_SESSION_TAIL	"session.tail"	/* req: {bytes}; res: {data} */

/* 3: orch-ctl and orch-attach <-> supervisor, on control.sock */
#define IPC_OP_STATUS		"status"	/* req; res: {agents: [...]} */
#define IPC_OP_AGENT_INSPECT	"agent.inspect"	/* req: {id}; res: agent + history */
#define IPC_OP_AGENT_DEPLOY	"agent.deploy"	/* req: agent config map */
#define IPC_OP_AGENT_TERMINATE	"agent.terminate" /* req: {id} */
#define IPC_OP_AGENT_RESTART	"agent.restart"	/* req: {id} */
#define IPC_OP_TASK_EXEC	"task.exec"	/* req: {agent, argv, timeout_ms};
						   res: a task result */
#define IPC_OP_SHUTDOWN		"shutdown"	/* req: stop the supervisor */
#define IPC_OP_TASK_APPROVE	"task.approve"	/* req: {task} */
#define IPC_OP_TASKS		"tasks"		/* req; res: {tasks: [...]} */
#define IPC_OP_TASK_DENY	"task.deny"	/* req: {task} */
#define IPC_OP_TASK_CANCEL	"task.cancel"	/* req: {task} */
#define IPC_OP_TASK_SUBMIT	"task.submit"	/* req: {command, id?, agent?,
						   requires?, priority?,
						   timeout_ms?, retry?,
						   approval?, wait?};
						   res: {run, task} or, with
						   wait, the run's result */
#define IPC_OP_TASK_LOGS	"task.logs"	/* req: {task, attempt?, bytes?};
						   res: {task, attempt,
						   attempts, log, total,
						   running} */
#define IPC_OP_WORKFLOW_CHECK	"workflow.check" /* req: {file, text, dir?};
						   res: {stages, tasks,
						   agents}, or every error */
#define IPC_OP_DASHBOARD	"dashboard"	/* req; res: {instance, agents,
						   tasks} */
#define IPC_OP_WORKFLOW_RUN	"workflow.run"	/* req: {file, text, dir?,
						   wait?}; res: {run, workflow,
						   tasks} or, with wait, its
						   result */

/* 4: memory bank and event bus, on control.sock (as the operator) and on
 * actors/<agent>.sock (as that agent) */
#define IPC_OP_MEM_PUT		"mem.put"	/* req: {key, value, access?,
						   expect?}; res: {version} */
#define IPC_OP_MEM_GET		"mem.get"	/* req: {key}; res: value + meta */
#define IPC_OP_MEM_LS		"mem.ls"	/* req: {pattern?, prefix?};
						   res: {entries: [...]} */
#define IPC_OP_MEM_RM		"mem.rm"	/* req: {key, expect?} */
#define IPC_OP_EVENTS_READ	"events.read"	/* req: {since?, type?, max?,
						   wait_ms?}; res: {events,
						   next, missed} */
#define IPC_OP_EVENTS_PUBLISH	"events.publish" /* req: {type, target?,
						   payload?} */

/* 5: direct messages between agents (actor to actor, on actors/<id>.sock;
 * the operator's through control.sock) */
#define IPC_OP_MSG_SEND		"msg.send"	/* req, to/pri in the envelope:
						   {type, content}; res: ok, or
						   IPC_E_BUSY (inbox full) */
#define IPC_OP_INBOX_READ	"inbox.read"	/* req: {max?, wait_ms?};
						   res: {messages: [...]} */
#define IPC_OP_BROADCAST	"broadcast"	/* req: {type, content, filter:
						   {agent_type, capability,
						   status, id}}; res: {matched,
						   delivered: [...], failed} */

/*
 * A task result body (task.run, task.exec): {task, agent, exit (-1 when
 * killed), signal, timed_out, duration_ns, tail (bin)}.
 */

/*
 * Error codes ("err": {"code": N, "msg": "..."}), in numbered ranges.
 */
enum ipc_error {
	IPC_OK = 0,

	/* 100-199: the frame or envelope was bad */
	IPC_E_PARSE = 100,	/* not valid msgpack, or hostile sizes */
	IPC_E_PROTO = 101,	/* missing or ill-typed envelope key */
	IPC_E_VERSION = 102,	/* unsupported protocol version */
	IPC_E_TOO_BIG = 103,	/* frame or value over the limit */
	IPC_E_CORRUPT = 104,	/* compressed body does not decompress */
	IPC_E_UNKNOWN_OP = 105,	/* no handler for this op */

	/* 200-299: delivery */
	IPC_E_TIMEOUT = 200,	/* no answer before the deadline */
	IPC_E_PEER_GONE = 201,	/* connection closed with the request pending */
	IPC_E_NO_PEER = 202,	/* unknown or dead destination */
	IPC_E_BUSY = 203,	/* back-pressure: queue full */
	IPC_E_SHUTDOWN = 204,	/* process is stopping */

	/* 300-399: the operation failed */
	IPC_E_INVAL = 300,	/* bad argument in the body */
	IPC_E_DENIED = 301,	/* not permitted */
	IPC_E_NOENT = 302,	/* no such thing */
	IPC_E_EXISTS = 303,	/* already exists */
	IPC_E_CONFLICT = 304,	/* version mismatch on compare-and-set */
	IPC_E_INTERNAL = 399,
};

/*
 * Limits and defaults every ipc endpoint is configured with; everything a
 * peer sends is checked against them before memory is committed.
 */
struct ipc_limits {
	uint32_t	max_frame;	/* largest payload (and decompressed body) */
	unsigned	max_depth;	/* msgpack nesting limit, at most 32 */
	uint32_t	z_threshold;	/* LZ4-compress bodies larger than this */
	unsigned	timeout_ms;	/* request deadline when none is given */
	size_t		max_queued;	/* refuse sends past this much unsent output */
	/*
	 * For connections from clients we serve (who may be hostile): past
	 * max_queued the connection is closed (it does not read its
	 * answers); a frame must complete within frame_ms of its first
	 * byte; with nothing in flight for idle_ms, it is closed. 0: none.
	 */
	bool		close_on_full;
	unsigned	frame_ms;
	unsigned	idle_ms;
};

#define IPC_MAX_FRAME_DEFAULT	(16u << 20)
#define IPC_MAX_DEPTH_DEFAULT	32u	/* msgpack-c's own stack depth */
#define IPC_Z_THRESHOLD_DEFAULT	4096u
#define IPC_TIMEOUT_DEFAULT	10000u
#define IPC_MAX_QUEUED_DEFAULT	((size_t)64 << 20)

#define IPC_LIMITS_DEFAULT { IPC_MAX_FRAME_DEFAULT, IPC_MAX_DEPTH_DEFAULT, \
	IPC_Z_THRESHOLD_DEFAULT, IPC_TIMEOUT_DEFAULT, IPC_MAX_QUEUED_DEFAULT, \
	false, 0, 0 }
/* Those of a served client: what one may hold of ours. */
#define IPC_CLIENT_QUEUED	((size_t)1 << 20)
#define IPC_CLIENT_FRAME_MS	10000u
#define IPC_CLIENT_IDLE_MS	120000u

const char	*proto_strerror(int code);
const char	*proto_kind_name(enum ipc_kind kind);
/* Returns the kind for a wire string of len bytes, or -1. */
int		 proto_kind_parse(const char *s, size_t len);
/*
 * Is s (len bytes) a string an envelope may carry: UTF-8 (no overlong
 * forms, surrogates or code points past U+10FFFF) with no NUL?
 */
bool		 proto_str_ok(const char *s, size_t len);

/*
 * Where an answer that comes later goes (a task's result, an agent ready):
 * err IPC_OK with a packed msgpack body (or NULL), or an IPC_E_* code and
 * its message. Runs exactly once.
 */
typedef void	(*proto_done_fn)(void *arg, int err, const char *msg,
		    const void *body, size_t len);

#endif
