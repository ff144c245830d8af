#include "tests/unit/unit.h"

#include <malloc.h>

#include <event2/buffer.h>
#include <lz4.h>
#include <msgpack.h>

#include "ipc/envelope.h"
#include "ipc/frame.h"

static const struct ipc_limits	lim = IPC_LIMITS_DEFAULT;

struct fixture {
	struct envelope	 env;
	msgpack_sbuffer	 sb;	/* hand-built payloads */
	msgpack_sbuffer	 scratch;
	msgpack_packer	 pk;
	struct evbuffer	*out;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);

	envelope_init(&f->env);
	msgpack_sbuffer_init(&f->sb);
	msgpack_sbuffer_init(&f->scratch);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
	f->out = evbuffer_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	envelope_done(&f->env);
	msgpack_sbuffer_destroy(&f->sb);
	msgpack_sbuffer_destroy(&f->scratch);
	evbuffer_free(f->out);
	free(f);
	return 0;
}

static void
key(struct fixture *f, const char *k)
{
	msgpack_pack_str_with_body(&f->pk, k, strlen(k));
}

static void
str(struct fixture *f, const char *s)
{
	msgpack_pack_str_with_body(&f->pk, s, strlen(s));
}

/* Decode f->sb; return the result and keep the cause for inspection. */
static int
decode_sb(struct fixture *f, char **cause)
{
	return envelope_decode(&f->env, f->sb.data, f->sb.size, &lim, cause);
}

static int
decode_expect(struct fixture *f, int want)
{
	char	*cause = NULL;
	int	 rc = decode_sb(f, &cause);

	assert_int_equal(rc, want);
	if (rc != 0)
		assert_non_null(cause);
	free(cause);
	f->sb.size = 0;
	return rc;
}

/* Encode hdr+body to a frame and decode the frame back into f->env. */
static void
round_trip(struct fixture *f, const struct envelope *hdr, const void *body,
    size_t len)
{
	const uint8_t	*payload;
	uint32_t	 plen;
	char		*cause = NULL;

	evbuffer_drain(f->out, evbuffer_get_length(f->out));
	assert_int_equal(envelope_encode(f->out, hdr, body, len, &lim,
	    &f->scratch, &cause), 0);
	assert_int_equal(frame_peek(f->out, lim.max_frame, &payload, &plen,
	    NULL), 1);
	assert_int_equal(envelope_decode(&f->env, payload, plen, &lim, &cause),
	    0);
	assert_null(cause);
}

static void
header(struct envelope *h, enum ipc_kind kind, uint64_t id, const char *op)
{
	memset(h, 0, sizeof *h);
	h->v = IPC_PROTO_VERSION;
	h->kind = kind;
	h->id = id;
	h->pri = IPC_PRI_MEDIUM;
	snprintf(h->op, sizeof h->op, "%s", op);
}

static void
test_round_trip_every_kind(void **state)
{
	struct fixture	*f = *state;
	struct envelope	 h;
	msgpack_sbuffer	 body;
	msgpack_packer	 bpk;

	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&bpk, &body, msgpack_sbuffer_write);
	msgpack_pack_array(&bpk, 2);
	msgpack_pack_str_with_body(&bpk, "hello", 5);
	msgpack_pack_int(&bpk, -7);

	for (int k = 0; k < IPC_KIND_COUNT; k++) {
		header(&h, (enum ipc_kind)k, 1000 + (uint64_t)k, "msg.send");
		snprintf(h.from, sizeof h.from, "agent-a");
		snprintf(h.to, sizeof h.to, "agent-b");
		h.pri = IPC_PRI_HIGH;
		h.ack = k == IPC_KIND_NTF;
		if (k == IPC_KIND_RES || k == IPC_KIND_ACK) {
			h.err = IPC_E_BUSY;
			snprintf(h.errmsg, sizeof h.errmsg, "inbox full");
		}
		round_trip(f, &h, body.data, body.size);
		assert_int_equal(f->env.kind, k);
		assert_int_equal(f->env.id, 1000 + (uint64_t)k);
		assert_string_equal(f->env.op, "msg.send");
		assert_string_equal(f->env.from, "agent-a");
		assert_string_equal(f->env.to, "agent-b");
		assert_int_equal(f->env.pri, IPC_PRI_HIGH);
		assert_int_equal(f->env.ack, k == IPC_KIND_NTF);
		assert_int_equal(f->env.err, h.err);
		assert_string_equal(f->env.errmsg, h.errmsg);
		assert_true(f->env.has_body);
		assert_int_equal(f->env.body.type, MSGPACK_OBJECT_ARRAY);
		assert_int_equal(f->env.body.via.array.size, 2);
		assert_int_equal(f->env.body.via.array.ptr[1].via.i64, -7);
	}

	/* No body, defaults. */
	header(&h, IPC_KIND_RES, 5, "");
	round_trip(f, &h, NULL, 0);
	assert_false(f->env.has_body);
	assert_int_equal(f->env.pri, IPC_PRI_MEDIUM);
	assert_int_equal(f->env.err, IPC_OK);
	assert_string_equal(f->env.op, "");
	msgpack_sbuffer_destroy(&body);
}

static void
pack_bin_body(msgpack_sbuffer *sb, const char *data, size_t n)
{
	msgpack_packer	pk;

	sb->size = 0;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_bin_with_body(&pk, data, n);
}

static void
test_compressed_round_trip(void **state)
{
	struct fixture	*f = *state;
	struct envelope	 h;
	msgpack_sbuffer	 body;
	size_t		 n = 64 * 1024, i;
	char		*data = malloc(n);

	for (i = 0; i < n; i++)
		data[i] = (char)("orch"[i % 4]);
	msgpack_sbuffer_init(&body);
	pack_bin_body(&body, data, n);
	header(&h, IPC_KIND_REQ, 9, "mem.write");
	round_trip(f, &h, body.data, body.size);
	/* It travelled compressed... */
	assert_true(evbuffer_get_length(f->out) < n / 4);
	/* ...and came back whole. */
	assert_int_equal(f->env.body.type, MSGPACK_OBJECT_BIN);
	assert_int_equal(f->env.body.via.bin.size, n);
	assert_memory_equal(f->env.body.via.bin.ptr, data, n);

	/* Incompressible bodies go as they are. */
	for (i = 0; i < n; i++)
		data[i] = (char)(rand() & 0xff);
	pack_bin_body(&body, data, n);
	round_trip(f, &h, body.data, body.size);
	assert_true(evbuffer_get_length(f->out) > n);
	assert_memory_equal(f->env.body.via.bin.ptr, data, n);

	/* At or under the threshold nothing is compressed. */
	memset(data, 'a', n);
	pack_bin_body(&body, data, lim.z_threshold - 3);
	assert_int_equal(body.size, lim.z_threshold);
	round_trip(f, &h, body.data, body.size);
	assert_true(evbuffer_get_length(f->out) > lim.z_threshold);
	msgpack_sbuffer_destroy(&body);
	free(data);
}

/* v, id, k, then whatever the caller adds (n more keys). */
static void
base_map(struct fixture *f, size_t extra, const char *kind)
{
	msgpack_pack_map(&f->pk, 3 + extra);
	key(f, "v");
	msgpack_pack_uint8(&f->pk, 1);
	key(f, "id");
	msgpack_pack_uint64(&f->pk, 77);
	key(f, "k");
	str(f, kind);
}

static void
test_unknown_keys_ignored(void **state)
{
	struct fixture	*f = *state;

	base_map(f, 4, "ntf");
	key(f, "op");
	str(f, "x.y");
	key(f, "future");
	msgpack_pack_map(&f->pk, 1);
	key(f, "deep");
	msgpack_pack_array(&f->pk, 0);
	msgpack_pack_uint8(&f->pk, 42);		/* a non-string key */
	msgpack_pack_nil(&f->pk);
	key(f, "zz");
	msgpack_pack_true(&f->pk);
	decode_expect(f, 0);
	assert_int_equal(f->env.kind, IPC_KIND_NTF);
	assert_int_equal(f->env.id, 77);
	assert_string_equal(f->env.op, "x.y");
}

static void
test_missing_required(void **state)
{
	struct fixture	*f = *state;

	/* no v */
	msgpack_pack_map(&f->pk, 2);
	key(f, "id");
	msgpack_pack_uint8(&f->pk, 1);
	key(f, "k");
	str(f, "res");
	decode_expect(f, -IPC_E_PROTO);

	/* no id: the kind is still reported */
	msgpack_pack_map(&f->pk, 3);
	key(f, "v");
	msgpack_pack_uint8(&f->pk, 1);
	key(f, "k");
	str(f, "req");
	key(f, "op");
	str(f, "a");
	decode_expect(f, -IPC_E_PROTO);
	assert_int_equal(f->env.kind, IPC_KIND_REQ);

	/* no k */
	msgpack_pack_map(&f->pk, 2);
	key(f, "v");
	msgpack_pack_uint8(&f->pk, 1);
	key(f, "id");
	msgpack_pack_uint8(&f->pk, 1);
	decode_expect(f, -IPC_E_PROTO);

	/* a req without op: the id is kept so it can be answered */
	base_map(f, 0, "req");
	decode_expect(f, -IPC_E_PROTO);
	assert_int_equal(f->env.id, 77);
	/* a res needs no op */
	base_map(f, 0, "res");
	decode_expect(f, 0);
}

/* One bad value per key: each gives a typed error naming the key. */
static void
test_wrong_types(void **state)
{
	struct fixture	*f = *state;
	static const char *const keys[] = { "op", "from", "to", "pri", "ack",
	    "err", "z" };
	char		*cause = NULL;
	char		 longname[200];
	size_t		 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		base_map(f, 1, "res");
		key(f, keys[i]);
		msgpack_pack_array(&f->pk, 0);
		assert_int_equal(decode_sb(f, &cause), -IPC_E_PROTO);
		assert_non_null(strstr(cause, keys[i]));
		free(cause);
		cause = NULL;
		f->sb.size = 0;
	}
	/* v, id, k themselves */
	msgpack_pack_map(&f->pk, 1);
	key(f, "v");
	str(f, "1");
	decode_expect(f, -IPC_E_PROTO);
	msgpack_pack_map(&f->pk, 1);
	key(f, "id");
	msgpack_pack_int(&f->pk, -1);
	decode_expect(f, -IPC_E_PROTO);
	msgpack_pack_map(&f->pk, 1);
	key(f, "k");
	str(f, "request");
	decode_expect(f, -IPC_E_PROTO);

	/* out of range */
	base_map(f, 1, "res");
	key(f, "pri");
	msgpack_pack_uint8(&f->pk, 3);
	decode_expect(f, -IPC_E_PROTO);
	base_map(f, 1, "res");
	key(f, "err");
	msgpack_pack_map(&f->pk, 1);
	key(f, "code");
	msgpack_pack_uint8(&f->pk, 0);
	decode_expect(f, -IPC_E_PROTO);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	base_map(f, 1, "res");
	key(f, "from");
	str(f, longname);
	decode_expect(f, -IPC_E_PROTO);

	/* not a map at all */
	msgpack_pack_array(&f->pk, 1);
	msgpack_pack_nil(&f->pk);
	decode_expect(f, -IPC_E_PROTO);
}

/* A string with a NUL or bytes that are not UTF-8 is refused, not cut. */
static void
test_strings_nul_utf8(void **state)
{
	struct fixture	*f = *state;
	static const struct {
		const char	*key, *bytes;
		size_t		 len;
		int		 want;
	} cases[] = {
		{ "op", "ping\0x", 6, -IPC_E_PROTO },
		{ "op", "ping\xff", 5, -IPC_E_PROTO },
		{ "from", "a\0b", 3, -IPC_E_PROTO },
		{ "to", "\xc0\xaf", 2, -IPC_E_PROTO },	/* overlong '/' */
		{ "to", "\xed\xa0\x80", 3, -IPC_E_PROTO },	/* surrogate */
		{ "to", "\xf4\x90\x80\x80", 4, -IPC_E_PROTO }, /* > U+10FFFF */
		{ "to", "\xe2\x82", 2, -IPC_E_PROTO },	/* cut short */
		{ "to", "caf\xc3\xa9 \xf0\x9f\x98\x80", 10, 0 },
		{ "from", "plain", 5, 0 },
	};
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		base_map(f, 2, "ntf");
		key(f, cases[i].key);
		msgpack_pack_str_with_body(&f->pk, cases[i].bytes,
		    cases[i].len);
		if (strcmp(cases[i].key, "op") != 0) {
			key(f, "op");
			str(f, "x.y");
		} else {
			key(f, "pri");
			msgpack_pack_uint8(&f->pk, 1);
		}
		decode_expect(f, cases[i].want);
	}
	/* err.msg too */
	base_map(f, 2, "res");
	key(f, "op");
	str(f, "x.y");
	key(f, "err");
	msgpack_pack_map(&f->pk, 2);
	key(f, "code");
	msgpack_pack_uint8(&f->pk, IPC_E_BUSY);
	key(f, "msg");
	msgpack_pack_str_with_body(&f->pk, "full\0!", 6);
	decode_expect(f, -IPC_E_PROTO);
}

static void
test_version(void **state)
{
	struct fixture	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	key(f, "v");
	msgpack_pack_uint8(&f->pk, 2);
	key(f, "id");
	msgpack_pack_uint8(&f->pk, 1);
	key(f, "k");
	str(f, "res");
	decode_expect(f, -IPC_E_VERSION);
}

/* Bytes malloc holds now (heap in use + mmapped chunks); 0 if unknown. */
static size_t
heap_bytes(void)
{
	struct mallinfo2	mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * Hostile headers are refused by the bounded pass (its cause names what
 * was claimed) before msgpack-c could reserve memory for them: checked
 * with malloc's own accounting, because a multi-gigabyte reservation that
 * is never touched does not show in the resident set.
 */
static void
test_hostile_reserve_nothing(void **state)
{
	struct fixture	*f = *state;
	static const struct {
		const char	*bytes;
		size_t		 len;
		const char	*says;
	} cases[] = {
		{ "\xdd\xff\xff\xff\xff", 5, "claims 4294967295 elements" },
		{ "\xdd\x10\x00\x00\x00", 5, "claims 268435456 elements" },
		{ "\xdf\x10\x00\x00\x00\xc0", 6, "claims 536870912 elements" },
		{ "\xdb\xff\xff\xff\xff", 5, "claims 4294967295 bytes" },
		{ "\xc6\xff\xff\xff\xff", 5, "claims 4294967295 bytes" },
		{ "\x81\xa4" "body" "\xdd\x10\x00\x00\x00", 11,
		    "claims 268435456 elements" },
	};
	uint8_t		 deep[64];
	size_t		 before, after, i;
	char		*cause = NULL;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		before = heap_bytes();
		assert_int_equal(envelope_decode(&f->env, cases[i].bytes,
		    cases[i].len, &lim, &cause), -IPC_E_PARSE);
		after = heap_bytes();
		assert_non_null(strstr(cause, cases[i].says));
		free(cause);
		cause = NULL;
		if (before != 0)
			assert_true(after < before + (1 << 20));
	}
	memset(deep, 0x91, 33);
	deep[33] = 0xc0;
	assert_int_equal(envelope_decode(&f->env, deep, 34, &lim, &cause),
	    -IPC_E_PARSE);
	assert_non_null(strstr(cause, "nesting deeper than 32"));
	free(cause);
}

static void
test_truncated_and_hostile(void **state)
{
	struct fixture	*f = *state;
	static const uint8_t *const hostile[] = {
		(const uint8_t *)"\xdd\xff\xff\xff\xff",
		(const uint8_t *)"\xdd\x10\x00\x00\x00",
		(const uint8_t *)"\xdb\xff\xff\xff\xff",
		(const uint8_t *)"\xc6\xff\xff\xff\xff",
	};
	uint8_t		 deep[40];
	size_t		 full, i;

	base_map(f, 1, "ntf");
	key(f, "op");
	str(f, "x");
	full = f->sb.size;
	for (i = 1; i < full; i++)
		assert_int_equal(envelope_decode(&f->env, f->sb.data, i, &lim,
		    NULL), -IPC_E_PARSE);
	f->sb.size = 0;
	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
		assert_int_equal(envelope_decode(&f->env, hostile[i], 5, &lim,
		    NULL), -IPC_E_PARSE);
	memset(deep, 0x91, 33);		/* [[[...nil...]]] 33 deep */
	deep[33] = 0xc0;
	assert_int_equal(envelope_decode(&f->env, deep, 34, &lim, NULL),
	    -IPC_E_PARSE);
}

/* Build a frame whose body claims to be LZ4 of some size. */
static void
z_payload(struct fixture *f, uint64_t zsize, const void *blob, size_t n)
{
	base_map(f, 3, "ntf");
	key(f, "op");
	str(f, "x");
	key(f, "z");
	msgpack_pack_uint64(&f->pk, zsize);
	key(f, "body");
	msgpack_pack_bin_with_body(&f->pk, blob, n);
}

static void
test_corrupt_compressed(void **state)
{
	struct fixture	*f = *state;
	char		 src[8192], comp[9000], *junk;
	int		 n;
	size_t		 i;

	memset(src, 0, sizeof src);
	src[0] = (char)0xc5;		/* bin16 of 8189 bytes */
	src[1] = 0x1f;
	src[2] = (char)0xfd;
	n = LZ4_compress_default(src, comp, sizeof src, sizeof comp);
	assert_true(n > 0);

	z_payload(f, sizeof src, comp, (size_t)n);	/* sanity: valid */
	decode_expect(f, 0);
	assert_int_equal(f->env.body.via.bin.size, 8189);

	z_payload(f, sizeof src + 1, comp, (size_t)n);	/* wrong size */
	decode_expect(f, -IPC_E_CORRUPT);
	z_payload(f, sizeof src, comp, (size_t)n - 3);	/* truncated */
	decode_expect(f, -IPC_E_CORRUPT);

	/* Random garbage as the block, with many claimed sizes. */
	junk = malloc(512);
	for (i = 0; i < 200; i++) {
		for (size_t j = 0; j < 512; j++)
			junk[j] = (char)(rand() & 0xff);
		z_payload(f, 1 + (uint64_t)(rand() % 100000), junk, 512);
		decode_expect(f, -IPC_E_CORRUPT);
	}
	free(junk);

	/* Decompresses fine but is not one msgpack value. */
	memset(src, 0xc1, sizeof src);
	n = LZ4_compress_default(src, comp, sizeof src, sizeof comp);
	z_payload(f, sizeof src, comp, (size_t)n);
	decode_expect(f, -IPC_E_CORRUPT);

	/* Claims to expand past the frame limit: refused before allocating. */
	z_payload(f, (uint64_t)lim.max_frame + 1, comp, (size_t)n);
	decode_expect(f, -IPC_E_TOO_BIG);

	/* z with a body that is not binary. */
	base_map(f, 3, "ntf");
	key(f, "op");
	str(f, "x");
	key(f, "z");
	msgpack_pack_uint64(&f->pk, 10);
	key(f, "body");
	str(f, "plain");
	decode_expect(f, -IPC_E_PROTO);
}

static void
test_encode_too_big(void **state)
{
	struct fixture	*f = *state;
	struct ipc_limits small = lim;
	struct envelope	 h;
	msgpack_sbuffer	 body;
	char		 data[2000], *cause = NULL;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(rand() & 0xff);
	small.max_frame = 1000;
	msgpack_sbuffer_init(&body);
	pack_bin_body(&body, data, sizeof data);
	header(&h, IPC_KIND_REQ, 1, "x");
	assert_int_equal(envelope_encode(f->out, &h, body.data, body.size,
	    &small, &f->scratch, &cause), -IPC_E_TOO_BIG);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(evbuffer_get_length(f->out), 0);
	msgpack_sbuffer_destroy(&body);
}

static void
test_proto_names(void **state)
{
	(void)state;
	assert_string_equal(proto_kind_name(IPC_KIND_ACK), "ack");
	assert_int_equal(proto_kind_parse("res", 3), IPC_KIND_RES);
	assert_int_equal(proto_kind_parse("re", 2), -1);
	assert_string_equal(proto_strerror(IPC_E_TIMEOUT), "timed out");
	assert_string_equal(proto_strerror(12345), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_every_kind,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_compressed_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_keys_ignored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_required,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_types,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings_nul_utf8, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_hostile,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_reserve_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_compressed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_encode_too_big,
		    setup, teardown),
		cmocka_unit_test(test_proto_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
