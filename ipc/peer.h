/*
 * One orch connection on a libevent loop: frames in and out through a
 * bufferevent, envelopes decoded and dispatched, requests correlated with
 * their answers by id under per-request deadlines.
 *
 * A peer that sends a frame that cannot be trusted (bad length, not
 * msgpack) is told why, closed and reported through closed_cb; one that
 * sends a well-formed envelope with a bad field gets an error answer and
 * stays connected. Either way the process goes on serving everyone else.
 * When the connection goes away, every request still waiting on it
 * completes at once with IPC_E_PEER_GONE.
 *
 * The process must ignore SIGPIPE (a write to a vanished peer then fails
 * with EPIPE instead of killing it).
 *
 * peer_free may be called from any callback: the peer is then released when
 * the callback returns.
 */
#ifndef ORCH_IPC_PEER_H
#define ORCH_IPC_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/envelope.h"
#include "ipc/pending.h"
#include "ipc/proto.h"

struct event_base;
struct peer;

struct peer_cbs {
	/*
	 * A "req" (answer with peer_reply) or "ntf" (when env->ack, answer
	 * with peer_ack). env and its body are valid during the call only.
	 */
	void	(*dispatch_cb)(struct peer *, const struct envelope *env,
		    void *arg);
	/*
	 * The connection ended: err is IPC_E_PEER_GONE for a plain close or
	 * the IPC_E_* code of the bad input, why says what happened. Pending
	 * requests have already been failed. Called at most once.
	 */
	void	(*closed_cb)(struct peer *, int err, const char *why,
		    void *arg);
};

struct peer_stats {
	uint64_t	frames_in;
	uint64_t	frames_out;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	bad_in;		/* envelopes answered with an error */
};

/*
 * Wrap a connected socket (the peer owns and closes fd). name is used in
 * causes ("actor build-1"); lim may be NULL for the defaults.
 */
struct peer	*peer_new(struct event_base *base, int fd, const char *name,
		    const struct ipc_limits *lim, const struct peer_cbs *cbs,
		    void *arg);
void		 peer_free(struct peer *p);

/*
 * Send a request; cb runs exactly once (answer, IPC_E_TIMEOUT after
 * timeout_ms, 0 meaning the default, or IPC_E_PEER_GONE). Returns the id
 * (> 0), or a negative IPC_E_* code when it could not be sent, in which
 * case cb never runs.
 */
int64_t		 peer_request(struct peer *p, const char *op, const void *body,
		    size_t len, unsigned timeout_ms, ipc_reply_cb cb, void *arg);

/*
 * As peer_request but for any header (pri, from, to): hdr->kind must be
 * IPC_KIND_REQ, or IPC_KIND_NTF with hdr->ack set, in which case cb gets
 * the "ack". hdr->id is assigned.
 */
int64_t		 peer_request_env(struct peer *p, struct envelope *hdr,
		    const void *body, size_t len, unsigned timeout_ms,
		    ipc_reply_cb cb, void *arg);

/* Fire-and-forget notification. 0 or a negative IPC_E_* code. */
int		 peer_notify(struct peer *p, const char *op, const void *body,
		    size_t len);

/* Send any envelope as is (hdr->id included). 0 or negative IPC_E_*. */
int		 peer_send(struct peer *p, const struct envelope *hdr,
		    const void *body, size_t len);

/*
 * Hand an answer on (a request's reply callback's err and env) to a
 * proto_done_fn: its body packed again, or its error and message.
 */
void		 peer_pass_on(proto_done_fn done, void *arg, int err,
		    const struct envelope *env);

/* Answer req with a body (err IPC_OK) or an error code and message. */
int		 peer_reply(struct peer *p, const struct envelope *req, int err,
		    const char *errmsg, const void *body, size_t len);

/* Answer req with a decoded msgpack value as the body (NULL: none). */
int		 peer_reply_object(struct peer *p, const struct envelope *req,
		    const msgpack_object *body);

/* Acknowledge an ntf that asked for it (err non-zero: refused). */
int		 peer_ack(struct peer *p, const struct envelope *ntf, int err,
		    const char *errmsg);

/*
 * Sends are queued and written together at the end of the current loop
 * pass. peer_flush writes what is queued now (one write call); use it when
 * the caller will not return to the loop soon. 0 or -IPC_E_PEER_GONE.
 */
int		 peer_flush(struct peer *p);

bool		 peer_is_open(const struct peer *p);
const char	*peer_name(const struct peer *p);
size_t		 peer_pending(const struct peer *p);
size_t		 peer_queued(const struct peer *p);
const struct peer_stats *peer_stats(const struct peer *p);

/*
 * How long a served client has had nothing in flight (its requests all
 * answered, none of ours waiting, no frame begun), in ns; 0 when busy.
 */
uint64_t	 peer_idle_ns(const struct peer *p);

#endif
