#include "tests/unit/unit.h"

#include "ipc/body.h"

static void
test_roundtrip(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	const msgpack_object	*m;
	char			 buf[8];
	const char		*p;
	uint64_t		 u;
	int64_t			 i;
	bool			 b;
	double			 d = 9;
	size_t			 len;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	body_pack_kv_double(&pk, "f", 2.5);
	body_pack_kv_str(&pk, "s", "abc");
	body_pack_kv_u64(&pk, "u", 42);
	body_pack_kv_i64(&pk, "i", -7);
	body_pack_kv_bool(&pk, "b", true);
	body_pack_kv_bin(&pk, "bin", "a\0b", 3);
	body_pack_kv_str(&pk, "long", "0123456789");
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	m = &up.data;

	assert_int_equal(body_str(m, "s", buf, sizeof buf), 0);
	assert_string_equal(buf, "abc");
	assert_int_equal(body_str(m, "long", buf, sizeof buf), -1);
	assert_int_equal(body_str(m, "u", buf, sizeof buf), -1);
	assert_int_equal(body_str(m, "missing", buf, sizeof buf), -1);
	assert_int_equal(body_u64(m, "u", &u), 0);
	assert_int_equal(u, 42);
	assert_int_equal(body_u64(m, "i", &u), -1);
	assert_int_equal(body_i64(m, "i", &i), 0);
	assert_int_equal(i, -7);
	assert_int_equal(body_i64(m, "u", &i), 0);
	assert_int_equal(i, 42);
	assert_int_equal(body_bool(m, "b", &b), 0);
	assert_true(b);
	assert_int_equal(body_bool(m, "s", &b), -1);
	/* Any number reads as a double; anything else leaves it be. */
	assert_int_equal(body_double(m, "f", &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(body_double(m, "u", &d), 0);
	assert_true(d == 42);
	assert_int_equal(body_double(m, "i", &d), 0);
	assert_true(d == -7);
	assert_int_equal(body_double(m, "s", &d), -1);
	assert_int_equal(body_double(m, "missing", &d), -1);
	assert_true(d == -7);
	p = body_bytes(m, "bin", &len);
	assert_non_null(p);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "a\0b", 3);
	assert_null(body_bytes(m, "u", &len));
	/* Not a map: everything reads as absent. */
	assert_null(body_get(NULL, "s"));
	assert_null(body_get(&m->via.map.ptr[1].val, "s"));
	msgpack_unpacked_destroy(&up);

	/* A string with an embedded NUL is refused, not truncated. */
	sb.size = 0;
	msgpack_pack_map(&pk, 1);
	body_pack_str(&pk, "s");
	msgpack_pack_str(&pk, 3);
	msgpack_pack_str_body(&pk, "a\0b", 3);
	msgpack_unpacked_init(&up);
	msgpack_unpack_next(&up, sb.data, sb.size, NULL);
	assert_int_equal(body_str(&up.data, "s", buf, sizeof buf), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
