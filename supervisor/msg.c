#include "supervisor/msg.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/relay.h"
#include "supervisor/agent.h"
#include "supervisor/supervisor.h"

#define MSG_TIMEOUT_MS	10000

struct msg_one {
	proto_done_fn	 done;
	void		*arg;
};

static void
msg_one_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct msg_one	*m = arg;

	(void)p;
	m->done(m->arg, err, err == IPC_OK ? NULL : env != NULL &&
	    env->errmsg[0] ? env->errmsg : err == IPC_E_PEER_GONE ?
	    "the receiving agent went away" : proto_strerror(err), NULL, 0);
	free(m);
}

static struct relay *
msg_relay(struct supervisor *sup)
{
	if (sup->relay == NULL)
		sup->relay = relay_new(sup->base, sup->instance);
	return sup->relay;
}

void
msg_send(struct supervisor *sup, const char *from,
    const struct envelope *env, proto_done_fn done, void *arg)
{
	struct msg_one	*m = xcalloc(1, sizeof *m);
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		*cause = NULL;

	m->done = done;
	m->arg = arg;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, env->body);
	if (relay_send(msg_relay(sup), from, env->to, IPC_OP_MSG_SEND,
	    env->pri, sb.data, sb.size, MSG_TIMEOUT_MS, msg_one_cb, m,
	    &cause) != 0) {
		done(arg, IPC_E_NO_PEER, cause, NULL, 0);
		free(cause);
		free(m);
	}
	msgpack_sbuffer_destroy(&sb);
}

/* One broadcast in flight: the answers it is still waiting for. */
struct msg_bcast {
	proto_done_fn	 done;
	void		*arg;
	unsigned	 matched;
	unsigned	 waiting;
	struct strlist	 delivered;
	struct strlist	 failed;	/* "id\terror" */
};

struct msg_bcast_one {
	struct msg_bcast	*b;
	char			 id[AGENT_ID_MAX + 1];
};

static void
msg_bcast_finish(struct msg_bcast *b)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	size_t		 i;
	char		*tab;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_u64(&pk, "matched", b->matched);
	body_pack_str(&pk, "delivered");
	msgpack_pack_array(&pk, b->delivered.n);
	for (i = 0; i < b->delivered.n; i++)
		body_pack_str(&pk, b->delivered.v[i]);
	body_pack_str(&pk, "failed");
	msgpack_pack_array(&pk, b->failed.n);
	for (i = 0; i < b->failed.n; i++) {
		tab = strchr(b->failed.v[i], '\t');
		*tab = '\0';
		msgpack_pack_map(&pk, 2);
		body_pack_kv_str(&pk, "id", b->failed.v[i]);
		body_pack_kv_str(&pk, "error", tab + 1);
	}
	b->done(b->arg, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	strlist_clear(&b->delivered);
	strlist_clear(&b->failed);
	free(b);
}

static void
msg_bcast_failed(struct msg_bcast *b, const char *id, const char *why)
{
	char	*line;

	xasprintf(&line, "%s\t%s", id, why);
	strlist_add(&b->failed, line);
	free(line);
}

static void
msg_bcast_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct msg_bcast_one	*o = arg;
	struct msg_bcast	*b = o->b;

	(void)p;
	if (err == IPC_OK)
		strlist_add(&b->delivered, o->id);
	else
		msg_bcast_failed(b, o->id, env != NULL && env->errmsg[0] ?
		    env->errmsg : proto_strerror(err));
	free(o);
	if (--b->waiting == 0)
		msg_bcast_finish(b);
}

static bool
msg_matches(const struct agent *a, const msgpack_object *filter)
{
	char	v[256];

	/* The MCP gateway speaks for others: it has no inbox of its own. */
	if (a->ac.type == AGENT_GATEWAY)
		return false;
	if (body_str(filter, "agent_type", v, sizeof v) == 0 &&
	    strcmp(v, agent_type_name(a->ac.type)) != 0)
		return false;
	if (body_str(filter, "capability", v, sizeof v) == 0 &&
	    !strlist_has(&a->ac.caps, v))
		return false;
	if (body_str(filter, "status", v, sizeof v) == 0 &&
	    strcmp(v, agent_status_name(a->status)) != 0)
		return false;
	if (body_str(filter, "id", v, sizeof v) == 0 &&
	    fnmatch(v, a->ac.id, 0) != 0)
		return false;
	return true;
}

/*
 * Is the filter's value for key one of the names name_of gives (for 0, 1,
 * ... until "?")? If not, why (with the names there are) in why.
 */
static bool
msg_filter_known(const msgpack_object *filter, const char *key,
    const char *(*name_of)(int), char *why, size_t size)
{
	char	 v[64];
	size_t	 len;
	int	 i;

	if (body_get(filter, key) == NULL)
		return true;
	if (body_str(filter, key, v, sizeof v) == 0)
		for (i = 0; strcmp(name_of(i), "?") != 0; i++)
			if (strcmp(name_of(i), v) == 0)
				return true;
	len = (size_t)snprintf(why, size, "unknown %s (one of:", key);
	for (i = 0; strcmp(name_of(i), "?") != 0 && len < size; i++)
		len += (size_t)snprintf(why + len, size - len, " %s",
		    name_of(i));
	if (len < size)
		snprintf(why + len, size - len, ")");
	return false;
}

static const char *
msg_type_name(int i)
{
	return agent_type_name((enum agent_type)i);
}

static const char *
msg_status_name(int i)
{
	return agent_status_name((enum agent_status)i);
}

void
msg_broadcast(struct supervisor *sup, const char *from,
    const struct envelope *env, proto_done_fn done, void *arg)
{
	const msgpack_object	*filter = body_get(&env->body, "filter");
	struct msg_bcast	*b = xcalloc(1, sizeof *b);
	struct msg_bcast_one	*o;
	struct agent		*a;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	const char		*content;
	char			 type[16] = "notification", *cause = NULL;
	size_t			 len = 0;

	char			 why[256];

	/* A filter value that names nothing is a mistake, not "no match". */
	if (!msg_filter_known(filter, "agent_type", msg_type_name, why,
	    sizeof why) || !msg_filter_known(filter, "status",
	    msg_status_name, why, sizeof why)) {
		free(b);
		done(arg, IPC_E_INVAL, why, NULL, 0);
		return;
	}
	b->done = done;
	b->arg = arg;
	body_str(&env->body, "type", type, sizeof type);
	if ((content = body_bytes(&env->body, "content", &len)) == NULL)
		content = "";
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "type", type);
	body_pack_kv_bin(&pk, "content", content, len);
	b->waiting = 1;		/* held until every send is made */
	for (a = sup->agents; a != NULL; a = a->next) {
		if (!msg_matches(a, filter) || strcmp(a->ac.id, from) == 0)
			continue;
		b->matched++;
		o = xcalloc(1, sizeof *o);
		o->b = b;
		snprintf(o->id, sizeof o->id, "%s", a->ac.id);
		b->waiting++;
		if (relay_send(msg_relay(sup), from, a->ac.id, IPC_OP_MSG_SEND,
		    env->pri, sb.data, sb.size, MSG_TIMEOUT_MS, msg_bcast_cb, o,
		    &cause) != 0) {
			msg_bcast_failed(b, a->ac.id, cause);
			free(cause);
			cause = NULL;
			free(o);
			b->waiting--;
		}
	}
	msgpack_sbuffer_destroy(&sb);
	if (--b->waiting == 0)
		msg_bcast_finish(b);
}
