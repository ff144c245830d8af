/*
 * Direct messages at the actor: the agent's inbox, messages it sends
 * (forwarded straight to the target's actor), inbox reads that may wait;
 * and what only the supervisor answers (broadcasts: it knows every agent;
 * its control operations), relayed up the link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "actors/actor.h"
#include "actors/inbox.h"
#include "actors/session.h"
#include "common/log.h"
#include "common/shquote.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/relay.h"

#define MSG_FORWARD_TIMEOUT_MS	10000
#define MSG_WAIT_MAX_MS		600000
#define MSG_READ_MAX		1000
#define MSG_RELAY_TIMEOUT_MS	(7u * 24 * 3600 * 1000)

/* A request we answer later: the client may hang up meanwhile. */
struct actor_later {
	struct actor		*a;
	struct peer		*client;	/* NULL once gone */
	struct envelope		 req;
	unsigned		 max;		/* inbox reads */
	struct event		*timer;
	bool			 reader;
	struct actor_later	*next;
};

static struct actor_later *
actor_later_new(struct actor *a, struct peer *client,
    const struct envelope *env)
{
	struct actor_later	*l = xcalloc(1, sizeof *l);

	l->a = a;
	l->client = client;
	envelope_answer_to(&l->req, env);
	l->next = a->later;
	a->later = l;
	return l;
}

static void
actor_later_free(struct actor_later *l)
{
	struct actor_later	**pp;

	for (pp = &l->a->later; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	if (l->timer != NULL)
		event_free(l->timer);
	free(l);
}

static void
actor_later_reply(struct actor_later *l, int err, const char *msg,
    const void *body, size_t len)
{
	if (l->client != NULL)
		peer_reply(l->client, &l->req, err, msg, body, len);
	actor_later_free(l);
}

static void
actor_later_done(void *arg, int err, const char *msg, const void *body,
    size_t len)
{
	actor_later_reply(arg, err, msg, body, len);
}

/* Pack up to max inbox messages as an inbox.read answer. */
static void
actor_msg_pack(struct actor *a, unsigned max, msgpack_sbuffer *sb)
{
	struct inbox_msg	*m;
	msgpack_packer		 pk;
	unsigned		 n = 0, i;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	n = a->inbox.count < max ? (unsigned)a->inbox.count : max;
	msgpack_pack_map(&pk, 2);
	body_pack_str(&pk, "messages");
	msgpack_pack_array(&pk, n);
	for (i = 0; i < n && (m = inbox_pop(&a->inbox)) != NULL; i++) {
		msgpack_pack_map(&pk, 6);
		body_pack_kv_u64(&pk, "seq", m->seq);
		body_pack_kv_u64(&pk, "ts_ns", m->ts_ns);
		body_pack_kv_str(&pk, "from", m->from);
		body_pack_kv_str(&pk, "type", m->type);
		body_pack_kv_u64(&pk, "pri", m->pri);
		body_pack_kv_bin(&pk, "content", m->content, m->len);
		inbox_msg_free(m);
	}
	body_pack_kv_u64(&pk, "left", a->inbox.count);
}

static void
actor_msg_read_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor_later	*l = arg;
	msgpack_sbuffer		 sb;

	(void)fd;
	(void)events;
	msgpack_sbuffer_init(&sb);
	actor_msg_pack(l->a, 0, &sb);
	actor_later_reply(l, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* A message arrived: a waiting reader gets it now. */
static void
actor_msg_wake_reader(struct actor *a)
{
	struct actor_later	*l, *oldest = NULL;
	msgpack_sbuffer		 sb;

	for (l = a->later; l != NULL; l = l->next)
		if (l->reader && l->client != NULL)
			oldest = l;
	if (oldest == NULL || a->inbox.count == 0)
		return;
	msgpack_sbuffer_init(&sb);
	actor_msg_pack(a, oldest->max, &sb);
	actor_later_reply(oldest, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * A message typed into the session is text, not a command: it goes in as
 * the no-op `: '[from SENDER] text'`, quoted so that no shell (sh, bash,
 * dash, zsh, ksh) runs any of it, on one line (control characters and DEL,
 * which the terminal would act on, become spaces).
 */
static void
actor_msg_type(struct actor *a, const char *from, const char *text,
    size_t len)
{
	char	*raw, *esc, *line;
	size_t	 i, n, elen;

	n = strlen(from) + len + 16;
	raw = xmalloc(n);
	i = (size_t)snprintf(raw, n, "[from %s] ", from);
	for (; len > 0 && i + 1 < n; text++, len--)
		raw[i++] = (unsigned char)*text < 0x20 || *text == 0x7f ? ' ' :
		    *text;
	esc = shquote_value(SHQUOTE_BARE, raw, i, &elen);
	free(raw);
	line = xmalloc(elen + 4);
	memcpy(line, ": ", 2);
	memcpy(line + 2, esc, elen);
	line[elen + 2] = '\r';
	session_write(a->session, line, elen + 3);
	free(esc);
	free(line);
}

static void
actor_msg_deliver(struct actor *a, struct peer *p, const struct envelope *env)
{
	const char	*content;
	char		 type[16] = "notification", why[160];
	size_t		 len = 0;

	body_str(&env->body, "type", type, sizeof type);
	if ((content = body_bytes(&env->body, "content", &len)) == NULL)
		content = "";
	if (inbox_push(&a->inbox, env->from[0] ? env->from : "operator", type,
	    env->pri, content, len) != 0) {
		snprintf(why, sizeof why, "the inbox of %s is full (%zu "
		    "messages)", a->ac.id, a->inbox.count);
		peer_reply(p, env, IPC_E_BUSY, why, NULL, 0);
		return;
	}
	peer_reply(p, env, IPC_OK, NULL, NULL, 0);
	/*
	 * deliver: type -- the agent in the session (Claude Code, a shell)
	 * also gets it as typed input, one line, ended with Enter; control
	 * characters in the message are not passed to the terminal.
	 */
	if (a->ac.deliver_type && a->session != NULL)
		actor_msg_type(a, env->from[0] ? env->from : "operator",
		    content, len);
	actor_msg_wake_reader(a);
}

static void
actor_msg_forwarded_cb(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	struct actor_later	*l = arg;

	(void)p;
	actor_later_reply(l, err, err == IPC_OK ? NULL : env != NULL &&
	    env->errmsg[0] ? env->errmsg : err == IPC_E_PEER_GONE ?
	    "the receiving agent went away" : proto_strerror(err), NULL, 0);
}

static void
actor_msg_send(struct actor *a, struct peer *p, const struct envelope *env)
{
	struct actor_later	*l;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	char			*cause = NULL;

	if (env->to[0] == '\0') {
		peer_reply(p, env, IPC_E_INVAL, "msg.send needs a target agent",
		    NULL, 0);
		return;
	}
	if (strcmp(env->to, a->ac.id) == 0) {
		actor_msg_deliver(a, p, env);
		return;
	}
	/* For another agent: straight to its actor, as us. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, env->body);
	l = actor_later_new(a, p, env);
	if (relay_send(a->relay, a->ac.id, env->to, IPC_OP_MSG_SEND, env->pri,
	    sb.data, sb.size, MSG_FORWARD_TIMEOUT_MS, actor_msg_forwarded_cb, l,
	    &cause) != 0) {
		actor_later_reply(l, IPC_E_NO_PEER, cause, NULL, 0);
		free(cause);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void
actor_msg_read(struct actor *a, struct peer *p, const struct envelope *env)
{
	struct actor_later	*l;
	msgpack_sbuffer		 sb;
	struct timeval		 tv;
	uint64_t		 max = MSG_READ_MAX, wait_ms = 0;

	body_u64(&env->body, "max", &max);
	body_u64(&env->body, "wait_ms", &wait_ms);
	if (max == 0 || max > MSG_READ_MAX)
		max = MSG_READ_MAX;
	if (wait_ms > MSG_WAIT_MAX_MS)
		wait_ms = MSG_WAIT_MAX_MS;
	if (a->inbox.count > 0 || wait_ms == 0) {
		msgpack_sbuffer_init(&sb);
		actor_msg_pack(a, (unsigned)max, &sb);
		peer_reply(p, env, IPC_OK, NULL, sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
		return;
	}
	l = actor_later_new(a, p, env);
	l->reader = true;
	l->max = (unsigned)max;
	l->timer = evtimer_new(a->base, actor_msg_read_timeout_cb, l);
	tv.tv_sec = (time_t)(wait_ms / 1000);
	tv.tv_usec = (suseconds_t)(wait_ms % 1000 * 1000);
	evtimer_add(l->timer, &tv);
}

static void
actor_msg_relay_cb(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	(void)p;
	peer_pass_on(actor_later_done, arg, err, env);
}

/*
 * What the supervisor answers (a broadcast: only it knows every agent;
 * status, tasks, exec, ...: its control operations) goes up the link,
 * as this agent's: a session needs no socket but ours.
 */
void
actor_msg_relay(struct actor *a, struct peer *p, const struct envelope *env)
{
	struct actor_later	*l;
	struct envelope		 hdr;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	if (a->link == NULL) {
		peer_reply(p, env, IPC_E_SHUTDOWN, "no supervisor", NULL, 0);
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, env->body);
	memset(&hdr, 0, sizeof hdr);
	hdr.v = IPC_PROTO_VERSION;
	hdr.kind = IPC_KIND_REQ;
	hdr.pri = env->pri;
	snprintf(hdr.op, sizeof hdr.op, "%s", env->op);
	snprintf(hdr.from, sizeof hdr.from, "%s", a->ac.id);
	l = actor_later_new(a, p, env);
	/* The supervisor answers every request, when its work is done. */
	if (peer_request_env(a->link, &hdr, sb.data, sb.size,
	    MSG_RELAY_TIMEOUT_MS, actor_msg_relay_cb, l) < 0)
		actor_later_reply(l, IPC_E_SHUTDOWN, "no supervisor", NULL, 0);
	msgpack_sbuffer_destroy(&sb);
}

bool
actor_msg_dispatch(struct actor *a, struct peer *p, const struct envelope *env)
{
	if (env->kind != IPC_KIND_REQ)
		return false;
	if (strcmp(env->op, IPC_OP_MSG_SEND) == 0)
		actor_msg_send(a, p, env);
	else if (strcmp(env->op, IPC_OP_INBOX_READ) == 0)
		actor_msg_read(a, p, env);
	else
		return false;
	return true;
}

void
actor_msg_forget(struct actor *a, struct peer *p)
{
	struct actor_later	*l, *next;

	for (l = a->later; l != NULL; l = next) {
		next = l->next;
		if (l->client != p)
			continue;
		if (l->reader)
			actor_later_free(l);
		else
			l->client = NULL;	/* its answer will go nowhere */
	}
}

void
actor_msg_init(struct actor *a)
{
	inbox_init(&a->inbox, a->ac.inbox);
	a->relay = relay_new(a->base, a->instance);
}

void
actor_msg_free(struct actor *a)
{
	while (a->later != NULL)
		actor_later_free(a->later);
	relay_free(a->relay);
	a->relay = NULL;
	inbox_clear(&a->inbox);
}
