/*
 * Typing into the session for the supervisor (session.type: MCP's
 * write_to_terminal): the text goes in as keys, and what the session
 * prints is kept until it has been quiet a while, then answered.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "actors/actor.h"
#include "actors/session.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "ipc/body.h"

#define ACTOR_TYPE_QUIET_MS	300
#define ACTOR_TYPE_MAX_MS	10000
#define ACTOR_TYPE_KEEP		(64 * 1024)

struct actor_typing {
	struct actor	*a;
	struct envelope	 req;
	struct event	*quiet;
	uint64_t	 started;
	char		*out;
	size_t		 len;
	uint64_t	 lines;
};

static void
actor_type_arm(struct actor_typing *t)
{
	struct timeval	tv = { 0, ACTOR_TYPE_QUIET_MS * 1000 };

	evtimer_add(t->quiet, &tv);
}

static void
actor_type_done_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor_typing	*t = arg;
	struct actor		*a = t->a;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	(void)fd;
	(void)events;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_u64(&pk, "lines", t->lines);
	body_pack_kv_bin(&pk, "output", t->out, t->len);
	if (a->link != NULL)
		peer_reply(a->link, &t->req, IPC_OK, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	event_free(t->quiet);
	free(t->out);
	free(t);
	a->typing = NULL;
}

void
actor_type_output(struct actor_typing *t, const char *data, size_t len)
{
	size_t	i, keep;

	for (i = 0; i < len; i++)
		t->lines += data[i] == '\n';
	/* The end is what matters: the oldest goes past the cap. */
	if (len >= ACTOR_TYPE_KEEP) {
		memcpy(t->out, data + len - ACTOR_TYPE_KEEP, ACTOR_TYPE_KEEP);
		t->len = ACTOR_TYPE_KEEP;
	} else {
		keep = t->len + len > ACTOR_TYPE_KEEP ? ACTOR_TYPE_KEEP - len :
		    t->len;
		memmove(t->out, t->out + t->len - keep, keep);
		memcpy(t->out + keep, data, len);
		t->len = keep + len;
	}
	if (clock_now_ns() - t->started < (uint64_t)ACTOR_TYPE_MAX_MS *
	    1000000)
		actor_type_arm(t);
}

/* Type into the session, answer with what it printed until quiet. */
void
actor_type(struct actor *a, const struct envelope *env)
{
	struct actor_typing	*t;
	const char		*text;
	bool			 enter = false;
	size_t			 len = 0;

	if (a->session == NULL) {
		peer_reply(a->link, env, IPC_E_NO_PEER, "no session", NULL, 0);
		return;
	}
	if ((text = body_bytes(&env->body, "text", &len)) == NULL) {
		peer_reply(a->link, env, IPC_E_INVAL, "session.type needs text",
		    NULL, 0);
		return;
	}
	body_bool(&env->body, "enter", &enter);
	if (a->typing != NULL) {
		/* Keys (a Ctrl-C for what was typed) go at once. */
		if (enter) {
			peer_reply(a->link, env, IPC_E_BUSY, "a command typed "
			    "into the session is still printing", NULL, 0);
			return;
		}
		session_write(a->session, text, len);
		peer_reply(a->link, env, IPC_OK, NULL, NULL, 0);
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->a = a;
	envelope_answer_to(&t->req, env);
	t->quiet = evtimer_new(a->base, actor_type_done_cb, t);
	t->out = xmalloc(ACTOR_TYPE_KEEP);
	t->started = clock_now_ns();
	a->typing = t;
	session_write(a->session, text, len);
	if (enter)
		session_write(a->session, "\r", 1);
	actor_type_arm(t);
}
