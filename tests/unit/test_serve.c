#include "tests/unit/unit.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <unistd.h>

#include <event2/event.h>

#include "ipc/body.h"
#include "shm/serve.h"

/* One server connection answering as `who`, one client asking. */
struct rig {
	struct event_base	*base;
	struct region		 rg;
	struct serve		*sv;
	struct peer		*server, *client;
	struct serve_caller	 who;
	char			 why[256];
	int			 denied;
	/* the last answer */
	bool			 answered;
	int			 err;
	char			 errmsg[512];
	msgpack_sbuffer		 body;
	msgpack_unpacked	 up;
};

static const struct region_config small = { 256, 256, 0, 64, 1 << 16, 4096 };

static void
server_cb(struct peer *p, const struct envelope *env, void *arg)
{
	struct rig	*r = arg;

	if (serve_dispatch(r->sv, p, env, &r->who, r->why, sizeof r->why) ==
	    SERVE_DENIED)
		r->denied++;
}

static void
answer_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct rig	*r = arg;
	msgpack_packer	 pk;

	(void)p;
	r->answered = true;
	r->err = err;
	snprintf(r->errmsg, sizeof r->errmsg, "%s", env != NULL ? env->errmsg :
	    "");
	r->body.size = 0;
	if (env != NULL && env->has_body) {
		msgpack_packer_init(&pk, &r->body, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, env->body);
	}
	event_base_loopbreak(r->base);
}

/* Ask op with a map of string pairs (NULL-terminated); the answer's body. */
static const msgpack_object *
ask(struct rig *r, const char *op, const char *const *kv, uint64_t wait_ms)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	struct timeval	tv = { 10, 0 };
	size_t		n = 0;

	while (kv != NULL && kv[n] != NULL)
		n += 2;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n / 2 + (wait_ms > 0));
	for (n = 0; kv != NULL && kv[n] != NULL; n += 2)
		if (strcmp(kv[n], "value") == 0)
			body_pack_kv_bin(&pk, kv[n], kv[n + 1],
			    strlen(kv[n + 1]));
		else
			body_pack_kv_str(&pk, kv[n], kv[n + 1]);
	if (wait_ms > 0)
		body_pack_kv_u64(&pk, "wait_ms", wait_ms);
	r->answered = false;
	assert_true(peer_request(r->client, op, sb.data, sb.size, 10000,
	    answer_cb, r) > 0);
	msgpack_sbuffer_destroy(&sb);
	event_base_loopexit(r->base, &tv);
	while (!r->answered)
		event_base_loop(r->base, EVLOOP_ONCE);
	msgpack_unpacked_destroy(&r->up);
	msgpack_unpacked_init(&r->up);
	if (r->body.size == 0)
		return NULL;
	msgpack_unpack_next(&r->up, r->body.data, r->body.size, NULL);
	return &r->up.data;
}

static int
setup(void **state)
{
	static const struct peer_cbs	 scbs = { server_cb, NULL };
	struct rig			*r = calloc(1, sizeof *r);
	char				 name[64], *cause = NULL;
	int				 sp[2];

	snprintf(name, sizeof name, "/orch-test-serve-%ld", (long)getpid());
	shm_unlink(name);
	if (region_create_named(&r->rg, name, &small, &cause) != 0)
		return -1;
	shm_unlink(name);	/* mapped: the name is not needed */
	r->base = event_base_new();
	r->sv = serve_new(r->base, &r->rg, &cause);
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp);
	r->server = peer_new(r->base, sp[0], "server", NULL, &scbs, r);
	r->client = peer_new(r->base, sp[1], "client", NULL, NULL, NULL);
	msgpack_sbuffer_init(&r->body);
	msgpack_unpacked_init(&r->up);
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	struct rig	*r = *state;

	serve_forget(r->sv, r->server);
	peer_free(r->client);
	peer_free(r->server);
	serve_free(r->sv);
	region_detach(&r->rg);
	event_base_free(r->base);
	msgpack_sbuffer_destroy(&r->body);
	msgpack_unpacked_destroy(&r->up);
	free(r);
	return 0;
}

static void
test_mem(void **state)
{
	struct rig		*r = *state;
	const msgpack_object	*res;
	const char		*kv_put[] = { "key", "k", "value", "v1",
				    "access", "private", NULL };
	const char		*kv_key[] = { "key", "k", NULL };
	char			 owner[64];
	uint64_t		 version = 0;
	size_t			 len;

	r->who = (struct serve_caller){ "alice", true, true };
	res = ask(r, IPC_OP_MEM_PUT, kv_put, 0);
	assert_int_equal(r->err, IPC_OK);
	body_u64(res, "version", &version);
	assert_int_equal(version, 1);
	res = ask(r, IPC_OP_MEM_GET, kv_key, 0);
	assert_int_equal(r->err, IPC_OK);
	assert_memory_equal(body_bytes(res, "value", &len), "v1", 2);
	body_str(res, "owner", owner, sizeof owner);
	assert_string_equal(owner, "alice");

	/* Another agent: private means denied, and not even listed. */
	r->who = (struct serve_caller){ "bob", true, true };
	ask(r, IPC_OP_MEM_GET, kv_key, 0);
	assert_int_equal(r->err, IPC_E_DENIED);
	assert_string_equal(r->errmsg, "'k' (owner alice) is not readable by "
	    "this agent");
	assert_int_equal(r->denied, 1);
	ask(r, IPC_OP_MEM_PUT, kv_put, 0);
	assert_int_equal(r->err, IPC_E_DENIED);
	ask(r, IPC_OP_MEM_RM, kv_key, 0);
	assert_int_equal(r->err, IPC_E_DENIED);
	res = ask(r, IPC_OP_MEM_LS, NULL, 0);
	assert_int_equal(body_get(res, "entries")->via.array.size, 0);
	/* Sharing needs data:share. */
	r->who = (struct serve_caller){ "carol", true, false };
	{
		const char	*kv[] = { "key", "s", "value", "x", NULL };

		ask(r, IPC_OP_MEM_PUT, kv, 0);
		assert_int_equal(r->err, IPC_E_DENIED);
	}
	/* The operator sees and may do everything. */
	r->who = (struct serve_caller){ NULL, true, true };
	res = ask(r, IPC_OP_MEM_LS, NULL, 0);
	assert_int_equal(body_get(res, "entries")->via.array.size, 1);
	ask(r, IPC_OP_MEM_RM, kv_key, 0);
	assert_int_equal(r->err, IPC_OK);
	ask(r, IPC_OP_MEM_GET, kv_key, 0);
	assert_int_equal(r->err, IPC_E_NOENT);
	/* Bad requests: clear errors. */
	ask(r, IPC_OP_MEM_PUT, kv_key, 0);
	assert_int_equal(r->err, IPC_E_INVAL);
	{
		const char	*kv[] = { "key", "k", "value", "x", "access",
				    "secret", NULL };

		ask(r, IPC_OP_MEM_PUT, kv, 0);
		assert_int_equal(r->err, IPC_E_INVAL);
	}
	/* Over the bank's value_max (4096 here): refused, sizes named. */
	{
		char		 big[5001];
		const char	*kv[] = { "key", "big", "value", big, NULL };
		const char	*kv_big[] = { "key", "big", NULL };

		memset(big, 'v', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		ask(r, IPC_OP_MEM_PUT, kv, 0);
		assert_int_equal(r->err, IPC_E_TOO_BIG);
		assert_string_equal(r->errmsg, "a value of 5000 bytes is over "
		    "the maximum of 4096");
		ask(r, IPC_OP_MEM_GET, kv_big, 0);
		assert_int_equal(r->err, IPC_E_NOENT);
	}
}

static void
test_events(void **state)
{
	struct rig		*r = *state;
	const msgpack_object	*res, *evs;
	const char		*kv_pub[] = { "type", "coordination.request",
				    "target", "bob", NULL };
	const char		*kv_since[] = { "type", "coord*", NULL };
	uint64_t		 next = 0;

	r->who = (struct serve_caller){ "alice", true, true };
	ask(r, IPC_OP_EVENTS_PUBLISH, kv_pub, 0);
	assert_int_equal(r->err, IPC_OK);
	res = ask(r, IPC_OP_EVENTS_READ, kv_since, 0);
	evs = body_get(res, "events");
	/* Without since: from now, so nothing yet. */
	assert_int_equal(evs->via.array.size, 0);

	/* A waiting read is answered by the next publish. */
	{
		msgpack_sbuffer	sb;
		msgpack_packer	pk;
		struct timeval	tv = { 10, 0 };

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		body_pack_kv_u64(&pk, "since", 0);
		body_pack_kv_u64(&pk, "wait_ms", 5000);
		r->answered = false;
		peer_request(r->client, IPC_OP_EVENTS_READ, sb.data, sb.size,
		    10000, answer_cb, r);
		msgpack_sbuffer_destroy(&sb);
		event_base_loopexit(r->base, &tv);
		while (!r->answered)
			event_base_loop(r->base, EVLOOP_ONCE);
		/* since 0 holds the earlier publish: answered at once. */
		msgpack_unpacked_destroy(&r->up);
		msgpack_unpacked_init(&r->up);
		msgpack_unpack_next(&r->up, r->body.data, r->body.size, NULL);
		evs = body_get(&r->up.data, "events");
		assert_int_equal(evs->via.array.size, 1);
		body_u64(&r->up.data, "next", &next);
		assert_int_equal(next, 1);
	}
	/* Too big for a slot: refused, with the way out. */
	{
		char	 big[400];
		const char *kv[] = { "type", "t", "payload", big, NULL };

		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		ask(r, IPC_OP_EVENTS_PUBLISH, kv, 0);
		assert_int_equal(r->err, IPC_E_TOO_BIG);
	}
	/* Not ours: passed on. */
	{
		struct envelope	env;

		memset(&env, 0, sizeof env);
		env.kind = IPC_KIND_REQ;
		snprintf(env.op, sizeof env.op, "status");
		assert_int_equal(serve_dispatch(r->sv, r->server, &env, &r->who,
		    r->why, sizeof r->why), SERVE_NOT_MINE);
	}
}

/* The types and keys of the data.shared events in an events.read answer. */
static void
event_keys(const msgpack_object *res, char *out, size_t size)
{
	const msgpack_object	*evs = body_get(res, "events");
	msgpack_unpacked	 up;
	const char		*pl;
	char			 key[64], op[16], src[64];
	size_t			 i, len, used = 0;

	out[0] = '\0';
	for (i = 0; evs != NULL && i < evs->via.array.size; i++) {
		pl = body_bytes(&evs->via.array.ptr[i], "payload", &len);
		body_str(&evs->via.array.ptr[i], "source", src, sizeof src);
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, pl, len, NULL),
		    MSGPACK_UNPACK_SUCCESS);
		body_str(&up.data, "key", key, sizeof key);
		body_str(&up.data, "op", op, sizeof op);
		used += (size_t)snprintf(out + used, size - used, "%s%s %s by %s",
		    used ? ", " : "", key, op, src);
		msgpack_unpacked_destroy(&up);
	}
}

/*
 * A change is announced from whoever made it, and only to those who may
 * read the key: a private key's name never reaches another agent, in a
 * read or in a parked one. Agents may not forge orch's own events.
 */
static void
test_events_bank_visibility(void **state)
{
	struct rig		*r = *state;
	const char		*kv_priv[] = { "key", "alice/secret", "value",
				    "x", "access", "private", NULL };
	const char		*kv_shared[] = { "key", "plan", "value", "y",
				    NULL };
	const char		*kv_rm[] = { "key", "plan", NULL };
	char			 seen[512];

	r->who = (struct serve_caller){ "alice", true, true };
	ask(r, IPC_OP_MEM_PUT, kv_priv, 0);
	assert_int_equal(r->err, IPC_OK);
	ask(r, IPC_OP_MEM_PUT, kv_shared, 0);
	assert_int_equal(r->err, IPC_OK);
	r->who = (struct serve_caller){ NULL, true, true };
	ask(r, IPC_OP_MEM_RM, kv_rm, 0);
	assert_int_equal(r->err, IPC_OK);

	{
		msgpack_sbuffer	sb;
		msgpack_packer	pk;
		struct timeval	tv = { 10, 0 };
		const char	*as[] = { "bob", "alice", NULL };
		const char	*want[] = {
			"plan write by alice, plan delete by operator",
			"alice/secret write by alice, plan write by alice, "
			    "plan delete by operator",
			"alice/secret write by alice, plan write by alice, "
			    "plan delete by operator",
		};
		int		i;

		for (i = 0; i < 3; i++) {
			r->who = (struct serve_caller){ as[i], true, true };
			msgpack_sbuffer_init(&sb);
			msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
			msgpack_pack_map(&pk, 2);
			body_pack_kv_u64(&pk, "since", 0);
			body_pack_kv_str(&pk, "type", "data.shared");
			r->answered = false;
			peer_request(r->client, IPC_OP_EVENTS_READ, sb.data,
			    sb.size, 10000, answer_cb, r);
			msgpack_sbuffer_destroy(&sb);
			event_base_loopexit(r->base, &tv);
			while (!r->answered)
				event_base_loop(r->base, EVLOOP_ONCE);
			msgpack_unpacked_destroy(&r->up);
			msgpack_unpacked_init(&r->up);
			msgpack_unpack_next(&r->up, r->body.data, r->body.size,
			    NULL);
			event_keys(&r->up.data, seen, sizeof seen);
			assert_string_equal(seen, want[i]);
		}
	}

	/* Parked: alice's private write does not wake bob; the shared one does. */
	r->who = (struct serve_caller){ "bob", true, true };
	{
		msgpack_sbuffer	sb;
		msgpack_packer	pk;
		struct timeval	tv = { 10, 0 };
		int		i;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		body_pack_kv_str(&pk, "type", "data.shared");
		body_pack_kv_u64(&pk, "wait_ms", 5000);
		r->answered = false;
		peer_request(r->client, IPC_OP_EVENTS_READ, sb.data, sb.size,
		    10000, answer_cb, r);
		msgpack_sbuffer_destroy(&sb);
		for (i = 0; i < 100; i++)
			event_base_loop(r->base, EVLOOP_NONBLOCK);
		assert_int_equal(bank_write(&r->rg.bank, "alice/second", "z",
		    1, "alice", BANK_PRIVATE, BANK_ANY, NULL), 0);
		for (i = 0; i < 100; i++)
			event_base_loop(r->base, EVLOOP_NONBLOCK);
		assert_false(r->answered);
		assert_int_equal(bank_write(&r->rg.bank, "open", "z", 1,
		    "alice", BANK_PUBLIC, BANK_ANY, NULL), 0);
		event_base_loopexit(r->base, &tv);
		while (!r->answered)
			event_base_loop(r->base, EVLOOP_ONCE);
		msgpack_unpacked_destroy(&r->up);
		msgpack_unpacked_init(&r->up);
		msgpack_unpack_next(&r->up, r->body.data, r->body.size, NULL);
		event_keys(&r->up.data, seen, sizeof seen);
		assert_string_equal(seen, "open write by alice");
	}

	/* Forged orch events: refused to agents, the operator's own. */
	{
		const char	*forged[] = { "task.completed", "agent.ready",
				    "data.shared" };
		const char	*kv[] = { "type", NULL, NULL };
		size_t		 i;

		for (i = 0; i < 3; i++) {
			kv[1] = forged[i];
			r->who = (struct serve_caller){ "bob", true, true };
			ask(r, IPC_OP_EVENTS_PUBLISH, kv, 0);
			assert_int_equal(r->err, IPC_E_DENIED);
			assert_non_null(strstr(r->errmsg, "orch's own event"));
			r->who = (struct serve_caller){ NULL, true, true };
			ask(r, IPC_OP_EVENTS_PUBLISH, kv, 0);
			assert_int_equal(r->err, IPC_OK);
		}
	}
}

static void
quiet_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	*(bool *)arg = true;
}

/*
 * A parked read whose client leaves, then events: the wake that nobody
 * waits for any more is drained, so the loop sleeps again (it spun on a
 * readable pipe before).
 */
static void
test_events_follower_leaves(void **state)
{
	struct rig	*r = *state;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct event	*quiet;
	struct timeval	 tv = { 0, 200000 };
	bool		 slept = false;
	int		 i, passes;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_u64(&pk, "wait_ms", 60000);
	peer_request(r->client, IPC_OP_EVENTS_READ, sb.data, sb.size, 60000,
	    answer_cb, r);
	msgpack_sbuffer_destroy(&sb);
	/* Let the server park it. */
	for (i = 0; i < 100; i++)
		event_base_loop(r->base, EVLOOP_NONBLOCK);
	/* The follower goes: its connection's waits are forgotten. */
	serve_forget(r->sv, r->server);
	for (i = 0; i < 1000; i++)
		assert_int_equal(serve_publish(r->sv, "agent.status", "a", "",
		    "x", 1), 0);
	/*
	 * At most a few passes answer the wake the notifier had already sent;
	 * then the loop must sleep until the 200 ms timer.
	 */
	quiet = evtimer_new(r->base, quiet_cb, &slept);
	evtimer_add(quiet, &tv);
	for (passes = 0; !slept && passes < 5; passes++)
		event_base_loop(r->base, EVLOOP_ONCE);
	assert_true(slept);
	event_free(quiet);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_mem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_bank_visibility,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_follower_leaves,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
