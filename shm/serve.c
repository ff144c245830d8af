#include "shm/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/xmalloc.h"
#include "ipc/body.h"
#include "shm/events.h"
#include "shm/ring_notify.h"

#define SERVE_MAX_EVENTS	1024
#define SERVE_WAIT_MAX_MS	600000
#define SERVE_OPERATOR		"operator"
/* Reads one connection may have waiting at once. */
#define SERVE_WAITS_PER_PEER	16

struct serve_wait {
	struct serve		*sv;
	struct peer		*peer;
	struct envelope		 req;		/* id, from, to */
	uint64_t		 since;
	unsigned		 max;
	char			 pattern[RING_TYPE_MAX + 1];
	struct serve_caller	 who;		/* who.id points at id */
	char			 id[BANK_OWNER_MAX + 1];
	struct event		*timer;
	struct serve_wait	*next;
};

struct serve {
	struct event_base	*base;
	struct region		*rg;
	struct ring_notify	*notify;
	struct event		*notify_ev;
	struct serve_wait	*waits;
	struct ring_event	*ev;		/* scratch */
	msgpack_sbuffer		 sb;
};

typedef enum serve_result (*serve_fn)(struct serve *, struct peer *,
    const struct envelope *, const struct serve_caller *, char *, size_t);

static void
serve_begin(struct serve *sv, msgpack_packer *pk)
{
	sv->sb.size = 0;
	msgpack_packer_init(pk, &sv->sb, msgpack_sbuffer_write);
}

static enum serve_result
serve_error(struct peer *p, const struct envelope *env, int code,
    const char *msg)
{
	peer_reply(p, env, code, msg, NULL, 0);
	return SERVE_DONE;
}

static enum serve_result
serve_deny(struct peer *p, const struct envelope *env, char *why,
    size_t whysize, const char *fmt, const char *key, const char *owner)
{
	snprintf(why, whysize, fmt, key, owner);
	peer_reply(p, env, IPC_E_DENIED, why, NULL, 0);
	return SERVE_DENIED;
}

static int
serve_bank_code(int rc)
{
	switch (-rc) {
	case BANK_ENOENT:
		return IPC_E_NOENT;
	case BANK_ECONFLICT:
		return IPC_E_CONFLICT;
	case BANK_EKEY:
	case BANK_EINVAL:
		return IPC_E_INVAL;
	case BANK_E2BIG:
		return IPC_E_TOO_BIG;
	case BANK_EFULL:
	case BANK_ENOSPC:
	case BANK_ETIMEDOUT:
		return IPC_E_BUSY;
	default:
		return IPC_E_INTERNAL;
	}
}

/* mem.* --------------------------------------------------------------------- */

static enum serve_result
serve_mem_put(struct serve *sv, struct peer *p, const struct envelope *env,
    const struct serve_caller *who, char *why, size_t whysize)
{
	struct bank		*b = &sv->rg->bank;
	struct bank_meta	 m;
	msgpack_packer		 pk;
	const char		*value, *owner = who->id != NULL ? who->id :
				    SERVE_OPERATOR;
	char			 key[BANK_KEY_MAX + 1], access[16];
	uint64_t		 expect = BANK_ANY, version = 0, want;
	size_t			 len = 0;
	int			 acc = BANK_SHARED, rc, tries;

	if (body_str(&env->body, "key", key, sizeof key) != 0 ||
	    (value = body_bytes(&env->body, "value", &len)) == NULL)
		return serve_error(p, env, IPC_E_INVAL, "mem.put needs a key "
		    "(1-255 bytes) and a value");
	if (len > b->value_max) {
		snprintf(why, whysize, "a value of %zu bytes is over the "
		    "maximum of %llu", len,
		    (unsigned long long)b->value_max);
		return serve_error(p, env, IPC_E_TOO_BIG, why);
	}
	if (body_str(&env->body, "access", access, sizeof access) == 0 &&
	    (acc = bank_access_parse(access)) < 0)
		return serve_error(p, env, IPC_E_INVAL, "access must be private, "
		    "shared or public");
	body_u64(&env->body, "expect", &expect);
	/* Check and write as one: the write names the version checked. */
	for (tries = 0; tries < 16; tries++) {
		rc = bank_read(b, key, NULL, &m);
		if (rc == 0) {
			if (!bank_may_write(who->id, who->can_share, m.owner,
			    m.access))
				return serve_deny(p, env, why, whysize,
				    "'%s' belongs to agent %s and is not "
				    "writable by this agent", key, m.owner);
			if (expect != BANK_ANY && expect != m.version)
				return serve_error(p, env, IPC_E_CONFLICT,
				    "version conflict");
			want = m.version;
		} else if (rc == -BANK_ENOENT) {
			if (who->id != NULL && acc != BANK_PRIVATE &&
			    !who->can_share)
				return serve_deny(p, env, why, whysize,
				    "sharing '%s' needs data:share%s", key, "");
			if (expect != BANK_ANY && expect != BANK_ABSENT)
				return serve_error(p, env, IPC_E_NOENT,
				    "no such key");
			want = BANK_ABSENT;
		} else
			return serve_error(p, env, serve_bank_code(rc),
			    bank_strerror(rc));
		rc = bank_write(b, key, value, len, owner,
		    (enum bank_access)acc, want, &version);
		if (rc != -BANK_ECONFLICT || expect != BANK_ANY)
			break;
	}
	if (rc != 0)
		return serve_error(p, env, serve_bank_code(rc),
		    bank_strerror(rc));
	serve_begin(sv, &pk);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "key", key);
	body_pack_kv_u64(&pk, "version", version);
	peer_reply(p, env, IPC_OK, NULL, sv->sb.data, sv->sb.size);
	return SERVE_DONE;
}

static void
serve_pack_meta(msgpack_packer *pk, const char *key,
    const struct bank_meta *m)
{
	body_pack_kv_str(pk, "key", key);
	body_pack_kv_str(pk, "owner", m->owner);
	body_pack_kv_str(pk, "access", bank_access_name(m->access));
	body_pack_kv_u64(pk, "version", m->version);
	body_pack_kv_u64(pk, "created_ns", m->created_ns);
	body_pack_kv_u64(pk, "modified_ns", m->modified_ns);
	body_pack_kv_u64(pk, "len", m->len);
}

static enum serve_result
serve_mem_get(struct serve *sv, struct peer *p, const struct envelope *env,
    const struct serve_caller *who, char *why, size_t whysize)
{
	struct bank_meta	 m;
	msgpack_packer		 pk;
	void			*v = NULL;
	char			 key[BANK_KEY_MAX + 1];
	int			 rc;

	if (body_str(&env->body, "key", key, sizeof key) != 0)
		return serve_error(p, env, IPC_E_INVAL, "mem.get needs a key");
	if ((rc = bank_read(&sv->rg->bank, key, &v, &m)) != 0)
		return serve_error(p, env, serve_bank_code(rc),
		    bank_strerror(rc));
	if (!bank_may_read(who->id, who->can_read, who->can_share, m.owner,
	    m.access)) {
		free(v);
		return serve_deny(p, env, why, whysize, "'%s' (owner %s) is not "
		    "readable by this agent", key, m.owner);
	}
	serve_begin(sv, &pk);
	msgpack_pack_map(&pk, 8);
	serve_pack_meta(&pk, key, &m);
	body_pack_kv_bin(&pk, "value", v, m.len);
	free(v);
	peer_reply(p, env, IPC_OK, NULL, sv->sb.data, sv->sb.size);
	return SERVE_DONE;
}

struct serve_ls {
	const struct serve_caller	*who;
	msgpack_sbuffer			 items;
	msgpack_packer			 pk;
	size_t				 n;
};

static void
serve_ls_cb(const char *key, const struct bank_meta *m, void *arg)
{
	struct serve_ls	*ls = arg;

	/* What the caller may not read, it does not see listed either. */
	if (!bank_may_read(ls->who->id, ls->who->can_read, ls->who->can_share,
	    m->owner, m->access))
		return;
	msgpack_pack_map(&ls->pk, 7);
	serve_pack_meta(&ls->pk, key, m);
	ls->n++;
}

static enum serve_result
serve_mem_ls(struct serve *sv, struct peer *p, const struct envelope *env,
    const struct serve_caller *who, char *why, size_t whysize)
{
	struct serve_ls	 ls;
	msgpack_packer	 pk;
	char		 pattern[BANK_KEY_MAX + 1], prefix[BANK_KEY_MAX + 1];
	bool		 has_pattern, has_prefix;

	(void)why;
	(void)whysize;
	has_pattern = body_str(&env->body, "pattern", pattern, sizeof pattern) ==
	    0;
	has_prefix = body_str(&env->body, "prefix", prefix, sizeof prefix) == 0;
	memset(&ls, 0, sizeof ls);
	ls.who = who;
	msgpack_sbuffer_init(&ls.items);
	msgpack_packer_init(&ls.pk, &ls.items, msgpack_sbuffer_write);
	bank_list(&sv->rg->bank, has_pattern ? pattern : NULL,
	    has_prefix ? prefix : NULL, serve_ls_cb, &ls);
	serve_begin(sv, &pk);
	msgpack_pack_map(&pk, 1);
	body_pack_str(&pk, "entries");
	msgpack_pack_array(&pk, ls.n);
	msgpack_sbuffer_write(&sv->sb, ls.items.data, ls.items.size);
	msgpack_sbuffer_destroy(&ls.items);
	peer_reply(p, env, IPC_OK, NULL, sv->sb.data, sv->sb.size);
	return SERVE_DONE;
}

static enum serve_result
serve_mem_rm(struct serve *sv, struct peer *p, const struct envelope *env,
    const struct serve_caller *who, char *why, size_t whysize)
{
	struct bank_meta	 m;
	char			 key[BANK_KEY_MAX + 1];
	uint64_t		 expect = BANK_ANY;
	int			 rc;

	if (body_str(&env->body, "key", key, sizeof key) != 0)
		return serve_error(p, env, IPC_E_INVAL, "mem.rm needs a key");
	body_u64(&env->body, "expect", &expect);
	if ((rc = bank_read(&sv->rg->bank, key, NULL, &m)) != 0)
		return serve_error(p, env, serve_bank_code(rc),
		    bank_strerror(rc));
	if (!bank_may_write(who->id, who->can_share, m.owner, m.access))
		return serve_deny(p, env, why, whysize, "'%s' is %s's; it may "
		    "not be removed by this agent", key, m.owner);
	if (expect != BANK_ANY && expect != m.version)
		return serve_error(p, env, IPC_E_CONFLICT, "version conflict");
	rc = bank_delete(&sv->rg->bank, key, m.version, who->id != NULL ?
	    who->id : SERVE_OPERATOR);
	if (rc != 0)
		return serve_error(p, env, serve_bank_code(rc),
		    bank_strerror(rc));
	peer_reply(p, env, IPC_OK, NULL, NULL, 0);
	return SERVE_DONE;
}

/* events.* ------------------------------------------------------------------ */

/*
 * Read up to max events from since that the caller may see (a change to
 * a key it may not read is not announced to it). Packs them into sv->sb
 * (an answer body) unless there are none and the caller may wait: then 0.
 */
/*
 * One event; decoded, its payload is the msgpack value it holds (whoever
 * published it, nil when it holds none or more than one), not bytes.
 */
static void
serve_pack_event(msgpack_packer *pk, const struct ring_event *ev,
    bool decoded)
{
	msgpack_unpacked	up;
	size_t			off = 0;

	msgpack_pack_map(pk, 6);
	body_pack_kv_u64(pk, "seq", ev->seq);
	body_pack_kv_u64(pk, "ts_ns", ev->ts_ns);
	body_pack_kv_str(pk, "type", ev->type);
	body_pack_kv_str(pk, "source", ev->source);
	body_pack_kv_str(pk, "target", ev->target);
	if (!decoded) {
		body_pack_kv_bin(pk, "payload", ev->payload, ev->len);
		return;
	}
	body_pack_str(pk, "payload");
	msgpack_unpacked_init(&up);
	if (ev->len > 0 && msgpack_unpack_next(&up, (const char *)ev->payload,
	    ev->len, &off) == MSGPACK_UNPACK_SUCCESS && off == ev->len)
		msgpack_pack_object(pk, up.data);
	else
		msgpack_pack_nil(pk);
	msgpack_unpacked_destroy(&up);
}

/* May who see ev (a data.shared event names an entry it may not read)? */
static bool
serve_may_see(const struct serve_caller *who, const struct ring_event *ev)
{
	return who->id == NULL || strcmp(ev->type, EV_DATA_SHARED) != 0 ||
	    bank_event_may_read(ev->payload, ev->len, who->id, who->can_read,
	    who->can_share);
}

static int
serve_events_collect(struct serve *sv, const struct serve_caller *who,
    uint64_t since, const char *pattern, unsigned max, bool may_wait,
    bool *stalled)
{
	struct ring		*r = &sv->rg->ring;
	struct ring_sub		 s;
	msgpack_sbuffer		 items;
	msgpack_packer		 pk, ipk;
	uint64_t		 missed = 0, oldest, tail = ring_tail(r);
	unsigned		 n = 0;

	oldest = tail > r->mask ? tail - r->mask : 0;
	if (since != RING_FROM_NOW && since < oldest)
		missed = oldest - since;
	ring_sub_init(&s, r, since, pattern[0] != '\0' ? pattern : NULL);
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	while (n < max && ring_read(&s, sv->ev) == 1) {
		if (!serve_may_see(who, sv->ev))
			continue;
		serve_pack_event(&ipk, sv->ev, false);
		n++;
	}
	missed += s.lost + s.aborted;
	*stalled = s.stall_since != 0;
	if (n == 0 && missed == 0 && may_wait) {
		msgpack_sbuffer_destroy(&items);
		return 0;
	}
	serve_begin(sv, &pk);
	msgpack_pack_map(&pk, 4);
	body_pack_str(&pk, "events");
	msgpack_pack_array(&pk, n);
	msgpack_sbuffer_write(&sv->sb, items.data, items.size);
	body_pack_kv_u64(&pk, "next", s.cursor);
	body_pack_kv_u64(&pk, "missed", missed);
	body_pack_kv_u64(&pk, "tail", ring_tail(r));
	msgpack_sbuffer_destroy(&items);
	return 1;
}

static void
serve_wait_free(struct serve_wait *w)
{
	struct serve_wait	**pp;

	for (pp = &w->sv->waits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	event_free(w->timer);
	free(w);
}

static void
serve_wait_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct serve_wait	*w = arg;
	bool			 stalled;

	(void)fd;
	(void)events;
	serve_events_collect(w->sv, &w->who, w->since, w->pattern, w->max,
	    false, &stalled);
	peer_reply(w->peer, &w->req, IPC_OK, NULL, w->sv->sb.data,
	    w->sv->sb.size);
	serve_wait_free(w);
}

/* Something was published: answer every parked read that has events now. */
static void
serve_notify_cb(evutil_socket_t fd, short events, void *arg)
{
	struct serve		*sv = arg;
	struct serve_wait	*w, *next;
	uint32_t		 mark = ring_notify_mark(sv->notify);
	bool			 stalled, any_stalled = false;

	(void)fd;
	(void)events;
	for (w = sv->waits; w != NULL; w = next) {
		next = w->next;
		if (serve_events_collect(sv, &w->who, w->since, w->pattern,
		    w->max, true, &stalled) == 0) {
			any_stalled |= stalled;
			continue;
		}
		peer_reply(w->peer, &w->req, IPC_OK, NULL, sv->sb.data,
		    sv->sb.size);
		serve_wait_free(w);
	}
	/* Every wake is answered: a byte left in the pipe wakes us for ever. */
	if (sv->waits != NULL)
		ring_notify_arm(sv->notify, mark, any_stalled);
	else
		ring_notify_disarm(sv->notify);
}

static enum serve_result
serve_events_read(struct serve *sv, struct peer *p, const struct envelope *env,
    const struct serve_caller *who, char *why, size_t whysize)
{
	struct serve_wait	*w;
	struct timeval		 tv;
	uint64_t		 since = RING_FROM_NOW, max = 256, wait_ms = 0;
	uint32_t		 mark;
	char			 pattern[RING_TYPE_MAX + 1] = "";
	bool			 stalled;
	size_t			 n;

	(void)why;
	(void)whysize;
	body_u64(&env->body, "since", &since);
	body_u64(&env->body, "max", &max);
	body_u64(&env->body, "wait_ms", &wait_ms);
	if (body_get(&env->body, "type") != NULL && body_str(&env->body, "type",
	    pattern, sizeof pattern) != 0)
		return serve_error(p, env, IPC_E_INVAL, "type pattern too long");
	if (max == 0 || max > SERVE_MAX_EVENTS)
		max = SERVE_MAX_EVENTS;
	if (wait_ms > SERVE_WAIT_MAX_MS)
		wait_ms = SERVE_WAIT_MAX_MS;
	if (since == RING_FROM_NOW)
		since = ring_tail(&sv->rg->ring);
	mark = ring_notify_mark(sv->notify);
	if (serve_events_collect(sv, who, since, pattern, (unsigned)max,
	    wait_ms > 0, &stalled) == 1) {
		peer_reply(p, env, IPC_OK, NULL, sv->sb.data, sv->sb.size);
		return SERVE_DONE;
	}
	/* Nothing yet: park it until an event or the end of the wait. */
	for (w = sv->waits, n = 0; w != NULL; w = w->next)
		n += w->peer == p;
	if (n >= SERVE_WAITS_PER_PEER)
		return serve_error(p, env, IPC_E_BUSY, "too many waiting reads "
		    "on this connection");
	w = xcalloc(1, sizeof *w);
	w->sv = sv;
	w->peer = p;
	envelope_answer_to(&w->req, env);
	w->since = since;
	w->max = (unsigned)max;
	snprintf(w->pattern, sizeof w->pattern, "%s", pattern);
	w->who = *who;
	if (who->id != NULL) {
		snprintf(w->id, sizeof w->id, "%s", who->id);
		w->who.id = w->id;
	}
	w->timer = evtimer_new(sv->base, serve_wait_timeout_cb, w);
	tv.tv_sec = (time_t)(wait_ms / 1000);
	tv.tv_usec = (suseconds_t)(wait_ms % 1000 * 1000);
	evtimer_add(w->timer, &tv);
	w->next = sv->waits;
	sv->waits = w;
	ring_notify_arm(sv->notify, mark, stalled);
	return SERVE_DONE;
}

/* The bus's own families: what they say, only orch may say. */
static bool
serve_reserved(const char *type)
{
	static const char *const	 ours[] = { "agent.", "task.", "data." };
	size_t				 i;

	for (i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (strncmp(type, ours[i], strlen(ours[i])) == 0)
			return true;
	return false;
}

static enum serve_result
serve_events_publish(struct serve *sv, struct peer *p,
    const struct envelope *env, const struct serve_caller *who, char *why,
    size_t whysize)
{
	char		 type[RING_TYPE_MAX + 1], target[RING_NAME_MAX + 1] = "";
	const char	*payload = NULL;
	size_t		 len = 0;
	int		 rc;

	if (body_str(&env->body, "type", type, sizeof type) != 0)
		return serve_error(p, env, IPC_E_INVAL, "events.publish needs a "
		    "type of 1-31 bytes");
	if (who->id != NULL && serve_reserved(type)) {
		snprintf(why, whysize, "'%s' is orch's own event type: agents "
		    "may not publish agent.*, task.* or data.* events", type);
		peer_reply(p, env, IPC_E_DENIED, why, NULL, 0);
		return SERVE_DENIED;
	}
	if (body_get(&env->body, "target") != NULL && body_str(&env->body,
	    "target", target, sizeof target) != 0)
		return serve_error(p, env, IPC_E_INVAL, "target too long");
	payload = body_bytes(&env->body, "payload", &len);
	rc = ring_publish(&sv->rg->ring, type, who->id != NULL ? who->id :
	    SERVE_OPERATOR, target, payload, len);
	if (rc == -RING_E2BIG)
		return serve_error(p, env, IPC_E_TOO_BIG, "payload larger than "
		    "an event slot; put it in the memory bank");
	if (rc != 0)
		return serve_error(p, env, IPC_E_INVAL, "bad event");
	peer_reply(p, env, IPC_OK, NULL, NULL, 0);
	return SERVE_DONE;
}

static const struct {
	const char	*op;
	serve_fn	 fn;
} serve_ops[] = {
	{ IPC_OP_MEM_PUT, serve_mem_put },
	{ IPC_OP_MEM_GET, serve_mem_get },
	{ IPC_OP_MEM_LS, serve_mem_ls },
	{ IPC_OP_MEM_RM, serve_mem_rm },
	{ IPC_OP_EVENTS_READ, serve_events_read },
	{ IPC_OP_EVENTS_PUBLISH, serve_events_publish },
};

enum serve_result
serve_dispatch(struct serve *sv, struct peer *p, const struct envelope *env,
    const struct serve_caller *who, char *why, size_t whysize)
{
	size_t	i;

	if (env->kind != IPC_KIND_REQ)
		return SERVE_NOT_MINE;
	for (i = 0; i < sizeof serve_ops / sizeof serve_ops[0]; i++)
		if (strcmp(env->op, serve_ops[i].op) == 0)
			return serve_ops[i].fn(sv, p, env, who, why, whysize);
	return SERVE_NOT_MINE;
}

void
serve_forget(struct serve *sv, struct peer *p)
{
	struct serve_wait	*w, *next;

	for (w = sv->waits; w != NULL; w = next) {
		next = w->next;
		if (w->peer == p)
			serve_wait_free(w);
	}
}

void
serve_pack_recent(struct serve *sv, msgpack_packer *pk,
    const struct serve_caller *who, unsigned max)
{
	struct ring		*r = &sv->rg->ring;
	struct ring_sub		 s;
	msgpack_sbuffer		 items;
	msgpack_packer		 ipk;
	uint64_t		 tail = ring_tail(r), since;
	unsigned		 n = 0;

	/* The last max of the ring; fewer if some are not who's to see. */
	since = tail > max ? tail - max : 0;
	ring_sub_init(&s, r, since, NULL);
	msgpack_sbuffer_init(&items);
	msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
	while (n < max && ring_read(&s, sv->ev) == 1)
		if (serve_may_see(who, sv->ev)) {
			serve_pack_event(&ipk, sv->ev, true);
			n++;
		}
	msgpack_pack_array(pk, n);
	if (items.size > 0)
		pk->callback(pk->data, items.data, items.size);
	msgpack_sbuffer_destroy(&items);
}

uint64_t
serve_events_total(const struct serve *sv)
{
	return ring_tail(&sv->rg->ring);
}

uint32_t
serve_bank_entries(const struct serve *sv)
{
	struct bank_stats	st;

	bank_stats(&sv->rg->bank, &st);
	return st.entries;
}

int
serve_publish(struct serve *sv, const char *type, const char *source,
    const char *target, const void *payload, size_t len)
{
	return ring_publish(&sv->rg->ring, type, source, target, payload, len);
}

struct serve *
serve_new(struct event_base *base, struct region *rg, char **cause)
{
	struct serve	*sv = xcalloc(1, sizeof *sv);

	sv->base = base;
	sv->rg = rg;
	if ((sv->notify = ring_notify_start(&rg->ring, cause)) == NULL) {
		free(sv);
		return NULL;
	}
	sv->notify_ev = event_new(base, ring_notify_fd(sv->notify),
	    EV_READ | EV_PERSIST, serve_notify_cb, sv);
	event_add(sv->notify_ev, NULL);
	sv->ev = xmalloc(sizeof *sv->ev);
	msgpack_sbuffer_init(&sv->sb);
	return sv;
}

void
serve_free(struct serve *sv)
{
	if (sv == NULL)
		return;
	while (sv->waits != NULL)
		serve_wait_free(sv->waits);
	event_free(sv->notify_ev);
	ring_notify_stop(sv->notify);
	free(sv->ev);
	msgpack_sbuffer_destroy(&sv->sb);
	free(sv);
}
