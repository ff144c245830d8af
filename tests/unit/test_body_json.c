/*
 * Bodies as JSON and back: every kind round-trips, bytes that are not
 * UTF-8 become '?', map keys that are not strings are dropped.
 */
#include "tests/unit/unit.h"

#include "ipc/body.h"
#include "ipc/body_json.h"

static void
test_roundtrip(void **state)
{
	const char	*text = "{\"a\":[1,-2,3.5,true,false,null],"
			    "\"b\":{\"c\":\"d\"},\"e\":\"\"}";
	json_error_t	 err;
	json_t		*in = json_loads(text, 0, &err), *out;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	char		*s;

	(void)state;
	assert_non_null(in);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	body_pack_json(&pk, in);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	out = body_json(&up.data);
	assert_true(json_equal(in, out));
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, text);
	free(s);
	json_decref(in);
	json_decref(out);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_bytes(void **state)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	json_t		*j;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_bin(&pk, "data", "ok\xff\x01", 4);
	msgpack_pack_int(&pk, 7);	/* a key that is no string */
	msgpack_pack_int(&pk, 8);
	msgpack_unpacked_init(&up);
	msgpack_unpack_next(&up, sb.data, sb.size, NULL);
	j = body_json(&up.data);
	assert_int_equal(json_object_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(j, "data")),
	    "ok?\x01");
	json_decref(j);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
