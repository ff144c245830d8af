#include "ipc/peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/compat.h"
#include "common/xmalloc.h"
#include "ipc/frame.h"

/* Read and write in large chunks: frames are batched by the kernel. */
#define PEER_IO_CHUNK	(256 * 1024)

struct peer {
	struct bufferevent	*bev;
	char			 name[64];
	struct ipc_limits	 lim;
	struct peer_cbs		 cbs;
	void			*arg;

	struct pending_table	 pending;
	struct event		*flush;		/* end-of-pass write */
	bool			 flush_armed;
	bool			 write_armed;	/* EV_WRITE on: short write */
	struct event		*timer;
	uint64_t		 timer_at;	/* armed deadline, or UINT64_MAX */
	uint64_t		 next_id;

	msgpack_sbuffer		 scratch;	/* packed envelopes */
	msgpack_sbuffer		 body;		/* re-packed bodies */
	struct envelope		 env;
	struct peer_stats	 stats;

	int			 busy;		/* inside a callback */
	bool			 open;
	bool			 dead;		/* peer_free called while busy */

	/* Served clients (lim.close_on_full, frame_ms, idle_ms). */
	struct event		*guard;		/* once a second */
	uint64_t		 inflight;	/* their requests not answered */
	uint64_t		 partial_since;	/* a frame began, not complete */
	uint64_t		 idle_since;	/* nothing in flight */
	bool			 overflow;	/* close at the end of the pass */
	size_t			 held;		/* most bytes it made us hold */
};

static void	peer_destroy(struct peer *);
static void	peer_trim_cb(evutil_socket_t, short, void *);

/* A peer gone after holding more than this returns memory to the system. */
#define PEER_TRIM_BYTES		((size_t)1 << 20)

/*
 * Every entry from the loop brackets its work with enter/leave, so a
 * callback may free the peer: the memory goes only when the outermost
 * frame leaves.
 */
static void
peer_enter(struct peer *p)
{
	p->busy++;
}

static void
peer_leave(struct peer *p)
{
	if (--p->busy == 0 && p->dead)
		peer_destroy(p);
}

static void
peer_arm_timer(struct peer *p)
{
	uint64_t	next = pending_next_deadline(&p->pending), now, wait;
	struct timeval	tv;

	if (next == UINT64_MAX || next >= p->timer_at)
		return;
	now = clock_now_ns();
	wait = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(wait / 1000000000u);
	tv.tv_usec = (suseconds_t)((wait % 1000000000u) / 1000u + 1);
	evtimer_add(p->timer, &tv);
	p->timer_at = next;
}

static void
peer_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct peer	*p = arg;

	(void)fd;
	(void)events;
	peer_enter(p);
	p->timer_at = UINT64_MAX;
	pending_expire(&p->pending, p, clock_now_ns());
	if (!p->dead)
		peer_arm_timer(p);
	peer_leave(p);
}

static void
peer_close(struct peer *p, int err, const char *why)
{
	if (!p->open)
		return;
	p->open = false;
	bufferevent_disable(p->bev, EV_READ);
	pending_fail_all(&p->pending, p, IPC_E_PEER_GONE);
	if (p->cbs.closed_cb != NULL && !p->dead)
		p->cbs.closed_cb(p, err, why, p->arg);
}

int
peer_send(struct peer *p, const struct envelope *hdr, const void *body,
    size_t len)
{
	struct evbuffer	*out;
	size_t		 before;
	int		 rc;

	if (!p->open || p->dead)
		return -IPC_E_PEER_GONE;
	out = bufferevent_get_output(p->bev);
	before = evbuffer_get_length(out);
	if (before > p->lim.max_queued) {
		/*
		 * It does not read what it asked for. Closed at the end of
		 * this pass, not now: our caller may be walking a list that
		 * closing would change.
		 */
		if (p->lim.close_on_full && !p->overflow) {
			p->overflow = true;
			event_active(p->flush, EV_WRITE, 0);
		}
		return -IPC_E_BUSY;
	}
	rc = envelope_encode(out, hdr, body, len, &p->lim, &p->scratch, NULL);
	if (rc != 0)
		return rc;
	p->stats.frames_out++;
	p->stats.bytes_out += evbuffer_get_length(out) - before;
	/*
	 * Write at the end of this loop pass, not now: everything sent by the
	 * callbacks of one pass leaves in one write, with no epoll round trip
	 * in between (Redis writes before sleeping for the same reason).
	 */
	if (!p->flush_armed && !p->write_armed) {
		event_active(p->flush, EV_WRITE, 0);
		p->flush_armed = true;
	}
	return 0;
}

int
peer_flush(struct peer *p)
{
	struct evbuffer	*out;
	int		 n;

	if (!p->open || p->dead)
		return -IPC_E_PEER_GONE;
	out = bufferevent_get_output(p->bev);
	if (evbuffer_get_length(out) == 0)
		return 0;
	n = evbuffer_write(out, bufferevent_getfd(p->bev));
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -IPC_E_PEER_GONE;	/* the read side will see why */
	if (evbuffer_get_length(out) > 0 && !p->write_armed) {
		/* The socket is full: let the bufferevent finish the job. */
		p->write_armed = true;
		bufferevent_enable(p->bev, EV_WRITE);
	}
	return 0;
}

static void
peer_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	struct peer	*p = arg;
	char		 why[128];

	(void)fd;
	(void)events;
	if (p->overflow && p->open && !p->dead) {
		snprintf(why, sizeof why, "it does not read its answers (%zu "
		    "bytes queued)", evbuffer_get_length(
		    bufferevent_get_output(p->bev)));
		log_warnx("%s: closed: %s", p->name, why);
		peer_enter(p);
		peer_close(p, IPC_E_BUSY, why);
		peer_leave(p);
		return;
	}
	peer_enter(p);
	p->flush_armed = false;
	peer_flush(p);
	peer_leave(p);
}

/* The bufferevent drained what a short write left: back to idle. */
static void
peer_write_cb(struct bufferevent *bev, void *arg)
{
	struct peer	*p = arg;

	bufferevent_disable(bev, EV_WRITE);
	p->write_armed = false;
}

static void
peer_header(struct envelope *hdr, enum ipc_kind kind, uint64_t id,
    const char *op)
{
	hdr->v = IPC_PROTO_VERSION;
	hdr->kind = kind;
	hdr->id = id;
	hdr->pri = IPC_PRI_MEDIUM;
	hdr->ack = false;
	hdr->from[0] = hdr->to[0] = hdr->errmsg[0] = '\0';
	hdr->err = IPC_OK;
	snprintf(hdr->op, sizeof hdr->op, "%s", op != NULL ? op : "");
}

int64_t
peer_request_env(struct peer *p, struct envelope *hdr, const void *body,
    size_t len, unsigned timeout_ms, ipc_reply_cb cb, void *arg)
{
	uint64_t	deadline;
	int		rc;

	if (hdr->kind != IPC_KIND_REQ &&
	    !(hdr->kind == IPC_KIND_NTF && hdr->ack))
		return -IPC_E_INVAL;
	if (timeout_ms == 0)
		timeout_ms = p->lim.timeout_ms;
	hdr->id = ++p->next_id;
	if ((rc = peer_send(p, hdr, body, len)) != 0)
		return rc;
	deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
	if (pending_add(&p->pending, hdr->id, deadline, cb, arg) != 0)
		return -IPC_E_INTERNAL;	/* ids are never reused */
	peer_arm_timer(p);
	return (int64_t)hdr->id;
}

int64_t
peer_request(struct peer *p, const char *op, const void *body, size_t len,
    unsigned timeout_ms, ipc_reply_cb cb, void *arg)
{
	struct envelope	hdr;

	peer_header(&hdr, IPC_KIND_REQ, 0, op);
	return peer_request_env(p, &hdr, body, len, timeout_ms, cb, arg);
}

int
peer_notify(struct peer *p, const char *op, const void *body, size_t len)
{
	struct envelope	hdr;

	peer_header(&hdr, IPC_KIND_NTF, ++p->next_id, op);
	return peer_send(p, &hdr, body, len);
}

static int
peer_answer(struct peer *p, enum ipc_kind kind, const struct envelope *to,
    int err, const char *errmsg, const void *body, size_t len)
{
	struct envelope	hdr;

	peer_header(&hdr, kind, to->id, NULL);
	hdr.err = err;
	if (errmsg != NULL)
		snprintf(hdr.errmsg, sizeof hdr.errmsg, "%s", errmsg);
	snprintf(hdr.from, sizeof hdr.from, "%s", to->to);
	snprintf(hdr.to, sizeof hdr.to, "%s", to->from);
	return peer_send(p, &hdr, body, len);
}

int
peer_reply(struct peer *p, const struct envelope *req, int err,
    const char *errmsg, const void *body, size_t len)
{
	if (p->inflight > 0 && --p->inflight == 0)
		p->idle_since = clock_now_ns();
	return peer_answer(p, IPC_KIND_RES, req, err, errmsg, body, len);
}

int
peer_reply_object(struct peer *p, const struct envelope *req,
    const msgpack_object *body)
{
	msgpack_packer	pk;

	if (body == NULL)
		return peer_reply(p, req, IPC_OK, NULL, NULL, 0);
	p->body.size = 0;
	msgpack_packer_init(&pk, &p->body, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *body);
	return peer_reply(p, req, IPC_OK, NULL, p->body.data, p->body.size);
}

int
peer_ack(struct peer *p, const struct envelope *ntf, int err,
    const char *errmsg)
{
	return peer_answer(p, IPC_KIND_ACK, ntf, err, errmsg, NULL, 0);
}

/*
 * A well-framed envelope with a bad field: answer it so the sender learns
 * why (as a "res" to its request, or an "error" notification otherwise).
 */
static void
peer_reject(struct peer *p, const struct envelope *env, int err,
    const char *why)
{
	struct envelope	hdr;

	p->stats.bad_in++;
	if (env->kind == IPC_KIND_REQ && env->id != 0) {
		peer_reply(p, env, err, why, NULL, 0);
		return;
	}
	peer_header(&hdr, IPC_KIND_NTF, ++p->next_id, IPC_OP_ERROR);
	hdr.err = err;
	snprintf(hdr.errmsg, sizeof hdr.errmsg, "%s", why);
	peer_send(p, &hdr, NULL, 0);
}

static void
peer_dispatch(struct peer *p, struct envelope *env)
{
	switch (env->kind) {
	case IPC_KIND_RES:
	case IPC_KIND_ACK:
		/* An unknown id is a late answer after its deadline: drop. */
		pending_complete(&p->pending, p, env->id, env->err, env);
		break;
	case IPC_KIND_REQ:
	case IPC_KIND_NTF:
		if (p->cbs.dispatch_cb != NULL)
			p->cbs.dispatch_cb(p, env, p->arg);
		else if (env->kind == IPC_KIND_REQ)
			peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
		break;
	}
}

static void
peer_read_cb(struct bufferevent *bev, void *arg)
{
	struct peer	*p = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const uint8_t	*payload;
	uint32_t	 len;
	char		*cause = NULL;
	int		 rc;

	peer_enter(p);
	while (p->open && !p->dead) {
		rc = frame_peek(in, p->lim.max_frame, &payload, &len, &cause);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* The stream has lost its framing: say why, close. */
			peer_reject(p, &p->env, IPC_E_TOO_BIG, cause);
			peer_close(p, IPC_E_TOO_BIG, cause);
			break;
		}
		p->stats.frames_in++;
		p->stats.bytes_in += FRAME_HEADER_SIZE + len;
		rc = envelope_decode(&p->env, payload, len, &p->lim, &cause);
		if (p->env.kind == IPC_KIND_REQ && p->env.id != 0) {
			p->inflight++;
			p->idle_since = 0;
		}
		if (rc == -IPC_E_PARSE) {
			peer_reject(p, &p->env, -rc, cause);
			peer_close(p, -rc, cause);
			break;
		}
		if (rc != 0)
			peer_reject(p, &p->env, -rc, cause);
		else
			peer_dispatch(p, &p->env);
		free(cause);
		cause = NULL;
		envelope_reset(&p->env);
		frame_drain(in, len);
	}
	free(cause);
	if (!p->open)
		evbuffer_drain(in, evbuffer_get_length(in));
	/* A frame begun and not finished: its deadline runs from now. */
	if (evbuffer_get_length(in) == 0)
		p->partial_since = 0;
	else if (p->partial_since == 0)
		p->partial_since = clock_now_ns();
	if (evbuffer_get_length(in) > p->held)
		p->held = evbuffer_get_length(in);
	peer_leave(p);
}

/* A served client that holds a frame open, or nothing, too long: closed. */
static void
peer_guard_cb(evutil_socket_t fd, short events, void *arg)
{
	struct peer	*p = arg;
	uint64_t	 now = clock_now_ns();
	char		 why[128];

	(void)fd;
	(void)events;
	if (!p->open || p->dead)
		return;
	why[0] = '\0';
	if (p->lim.frame_ms > 0 && p->partial_since != 0 &&
	    now - p->partial_since > (uint64_t)p->lim.frame_ms * 1000000)
		snprintf(why, sizeof why, "a frame did not complete within "
		    "%u s", p->lim.frame_ms / 1000);
	else if (p->lim.idle_ms > 0 && p->inflight == 0 &&
	    p->partial_since == 0 && pending_count(&p->pending) == 0 &&
	    p->idle_since != 0 && now - p->idle_since >
	    (uint64_t)p->lim.idle_ms * 1000000)
		snprintf(why, sizeof why, "idle for %u s", p->lim.idle_ms /
		    1000);
	if (why[0] == '\0')
		return;
	log_warnx("%s: closed: %s", p->name, why);
	peer_enter(p);
	peer_close(p, IPC_E_TIMEOUT, why);
	peer_leave(p);
}

static void
peer_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct peer	*p = arg;
	char		 why[128];

	(void)bev;
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof why, "connection closed");
	else
		snprintf(why, sizeof why, "connection lost: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	peer_enter(p);
	peer_close(p, IPC_E_PEER_GONE, why);
	peer_leave(p);
}

struct peer *
peer_new(struct event_base *base, int fd, const char *name,
    const struct ipc_limits *lim, const struct peer_cbs *cbs, void *arg)
{
	static const struct ipc_limits	defaults = IPC_LIMITS_DEFAULT;
	struct peer			*p;

	p = xcalloc(1, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name != NULL ? name : "peer");
	p->lim = lim != NULL ? *lim : defaults;
	if (p->lim.timeout_ms == 0)
		p->lim.timeout_ms = IPC_TIMEOUT_DEFAULT;
	if (p->lim.max_queued == 0)
		p->lim.max_queued = IPC_MAX_QUEUED_DEFAULT;
	if (cbs != NULL)
		p->cbs = *cbs;
	p->arg = arg;
	pending_init(&p->pending);
	p->timer = evtimer_new(base, peer_timer_cb, p);
	p->flush = event_new(base, -1, 0, peer_flush_cb, p);
	p->timer_at = UINT64_MAX;
	msgpack_sbuffer_init(&p->scratch);
	msgpack_sbuffer_init(&p->body);
	envelope_init(&p->env);
	p->open = true;

	/* A blocking fd would let one slow peer stall the whole loop. */
	if (evutil_make_socket_nonblocking(fd) != 0) {
		close(fd);
		p->open = false;
		peer_destroy(p);
		return NULL;
	}
	/*
	 * Not BEV_OPT_CLOSE_ON_FREE: that closes the descriptor when the loop
	 * finalizes the bufferevent, so a burst of closes (idle clients making
	 * room, one per accept) would hold every descriptor until the pass
	 * ends. peer_destroy closes it as bufferevent_free returns, which has
	 * taken it out of the loop.
	 */
	p->bev = bufferevent_socket_new(base, fd, 0);
	if (p->bev == NULL || p->timer == NULL || p->flush == NULL) {
		if (p->bev == NULL)
			close(fd);
		p->open = false;
		peer_destroy(p);
		return NULL;
	}
	bufferevent_set_max_single_read(p->bev, PEER_IO_CHUNK);
	bufferevent_set_max_single_write(p->bev, PEER_IO_CHUNK);
	/*
	 * We write from the output buffer ourselves (peer_flush), so its head
	 * must not stay frozen; EV_WRITE is enabled only after a short write.
	 */
	evbuffer_unfreeze(bufferevent_get_output(p->bev), 1);
	bufferevent_setcb(p->bev, peer_read_cb, peer_write_cb, peer_event_cb,
	    p);
	bufferevent_enable(p->bev, EV_READ);
	if (p->lim.frame_ms > 0 || p->lim.idle_ms > 0) {
		struct timeval	tv = { 1, 0 };

		p->guard = event_new(base, -1, EV_PERSIST, peer_guard_cb, p);
		event_add(p->guard, &tv);
		p->idle_since = clock_now_ns();
	}
	return p;
}

/* The loop has run the bufferevent's deferred free: now the heap is free. */
static void
peer_trim_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	compat_trim_heap();
}

static void
peer_destroy(struct peer *p)
{
	struct event_base	*base = NULL;
	evutil_socket_t		 fd = -1;

	/* Requests still waiting learn the peer is gone, never silence. */
	if (p->open) {
		p->open = false;
		p->busy++;
		pending_fail_all(&p->pending, p, IPC_E_PEER_GONE);
		p->busy--;
	}
	if (p->bev != NULL) {
		struct evbuffer	*out = bufferevent_get_output(p->bev);

		base = bufferevent_get_base(p->bev);
		fd = bufferevent_getfd(p->bev);
		/*
		 * One non-blocking attempt to deliver what is queued (typically
		 * the error that explains why this peer is being dropped).
		 */
		if (evbuffer_get_length(out) > 0)
			evbuffer_write(out, fd);
		bufferevent_free(p->bev);
		if (fd != -1)
			close(fd);
	}
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->flush != NULL)
		event_free(p->flush);
	if (p->guard != NULL)
		event_free(p->guard);
	pending_done(&p->pending);
	msgpack_sbuffer_destroy(&p->scratch);
	msgpack_sbuffer_destroy(&p->body);
	envelope_done(&p->env);
	/*
	 * It made us hold a lot (a large frame, half sent): give it back,
	 * once the loop has finalized the bufferevent, which frees its
	 * buffers later than bufferevent_free returns.
	 */
	if (p->held > PEER_TRIM_BYTES && (base == NULL ||
	    event_base_once(base, -1, EV_TIMEOUT, peer_trim_cb, NULL,
	    &(struct timeval){ 0, 0 }) == -1))
		compat_trim_heap();
	free(p);
}

void
peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	if (p->busy > 0) {
		p->dead = true;
		return;
	}
	peer_destroy(p);
}

bool
peer_is_open(const struct peer *p)
{
	return p->open && !p->dead;
}

const char *
peer_name(const struct peer *p)
{
	return p->name;
}

size_t
peer_pending(const struct peer *p)
{
	return pending_count(&p->pending);
}

size_t
peer_queued(const struct peer *p)
{
	return evbuffer_get_length(bufferevent_get_output(p->bev));
}

const struct peer_stats *
peer_stats(const struct peer *p)
{
	return &p->stats;
}

uint64_t
peer_idle_ns(const struct peer *p)
{
	if (!p->open || p->inflight > 0 || p->partial_since != 0 ||
	    pending_count(&p->pending) > 0 || p->idle_since == 0)
		return 0;
	return clock_now_ns() - p->idle_since;
}

void
peer_pass_on(proto_done_fn done, void *arg, int err,
    const struct envelope *env)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	if (err == IPC_OK && env != NULL && env->has_body) {
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, env->body);
	}
	done(arg, err, err == IPC_OK ? NULL : env != NULL && env->errmsg[0] ?
	    env->errmsg : proto_strerror(err), sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}
