#include "tests/unit/unit.h"

#include <msgpack.h>

#include "ipc/msgcheck.h"

static int
check(const void *buf, size_t len, unsigned depth)
{
	char	*cause = NULL;
	int	 rc = msgcheck_exact(buf, len, depth, &cause);

	if (rc == 0)
		assert_null(cause);
	else
		assert_non_null(cause);
	free(cause);
	return rc;
}

/* The hostile headers from the msgpack-c trust problem, each alone. */
static void
test_hostile_headers(void **state)
{
	static const uint8_t	array32_max[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t	array32_2p28[] = { 0xdd, 0x10, 0x00, 0x00, 0x00 };
	static const uint8_t	map32_max[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t	str32_4g[] = { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' };
	static const uint8_t	bin32_4g[] = { 0xc6, 0xff, 0xff, 0xff, 0xff, 0 };
	static const uint8_t	ext32_4g[] = { 0xc9, 0xff, 0xff, 0xff, 0xff, 1 };

	(void)state;
	assert_int_equal(check(array32_max, sizeof array32_max, 32), -1);
	assert_int_equal(check(array32_2p28, sizeof array32_2p28, 32), -1);
	assert_int_equal(check(map32_max, sizeof map32_max, 32), -1);
	assert_int_equal(check(str32_4g, sizeof str32_4g, 32), -1);
	assert_int_equal(check(bin32_4g, sizeof bin32_4g, 32), -1);
	assert_int_equal(check(ext32_4g, sizeof ext32_4g, 32), -1);
}

/*
 * Each container claims no more elements than bytes remain after it, but
 * together they claim more: the second header must be refused at once
 * (byte 5), before anything could reserve room for those elements.
 */
static void
test_owed_elements_sum(void **state)
{
	uint8_t	 buf[40];
	char	*cause = NULL;

	(void)state;
	memset(buf, 0, sizeof buf);
	memcpy(buf, "\xdd\x00\x00\x00\x1e" "\xdd\x00\x00\x00\x1e", 10);
	assert_int_equal(msgcheck_exact(buf, sizeof buf, 32, &cause), -1);
	assert_non_null(strstr(cause, "at byte 5 claims 30 elements"));
	free(cause);
}

static size_t
nest(uint8_t *buf, size_t depth)
{
	memset(buf, 0x91, depth);	/* fixarray of one element */
	buf[depth] = 0xc0;		/* nil at the bottom */
	return depth + 1;
}

static void
test_nesting(void **state)
{
	uint8_t	*buf = malloc(1000001);
	size_t	 n;

	(void)state;
	n = nest(buf, 32);
	assert_int_equal(check(buf, n, 32), 0);
	n = nest(buf, 33);
	assert_int_equal(check(buf, n, 32), -1);
	n = nest(buf, 1000000);
	assert_int_equal(check(buf, n, 32), -1);
	/* An empty container still counts as a level. */
	memset(buf, 0x91, 32);
	buf[32] = 0x90;
	assert_int_equal(check(buf, 33, 32), -1);
	/* The limit cannot be raised past the built-in cap. */
	n = nest(buf, MSGCHECK_DEPTH_MAX + 1);
	assert_int_equal(check(buf, n, 1000), -1);
	free(buf);
}

/* What msgcheck lets through at the limit, msgpack-c must accept. */
static void
test_limit_matches_msgpack(void **state)
{
	uint8_t		buf[64];
	size_t		n = nest(buf, 32), off = 0;
	msgpack_zone	zone;
	msgpack_object	obj;

	(void)state;
	assert_int_equal(check(buf, n, 32), 0);
	msgpack_zone_init(&zone, 1024);
	assert_int_equal(msgpack_unpack((const char *)buf, n, &off, &zone,
	    &obj), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, n);
	msgpack_zone_destroy(&zone);
}

static void
test_valid_values(void **state)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	char		big[300];

	(void)state;
	memset(big, 'x', sizeof big);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	msgpack_pack_str_with_body(&pk, "a", 1);
	msgpack_pack_array(&pk, 8);
	msgpack_pack_int64(&pk, -5000000000LL);
	msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_double(&pk, 1.5);
	msgpack_pack_float(&pk, 2.5f);
	msgpack_pack_nil(&pk);
	msgpack_pack_true(&pk);
	msgpack_pack_bin_with_body(&pk, big, sizeof big);
	msgpack_pack_ext_with_body(&pk, big, 16, 7);
	msgpack_pack_str_with_body(&pk, "b", 1);
	msgpack_pack_map(&pk, 0);
	msgpack_pack_str_with_body(&pk, big, sizeof big);
	msgpack_pack_ext_with_body(&pk, big, 200, 3);
	assert_int_equal(check(sb.data, sb.size, 32), 0);

	/* Every proper prefix is truncated. */
	for (size_t i = 0; i < sb.size; i++)
		assert_int_equal(check(sb.data, i, 32), -1);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_trailing_and_reserved(void **state)
{
	static const uint8_t	two[] = { 0x01, 0x02 };
	static const uint8_t	reserved[] = { 0xc1 };
	static const uint8_t	in_array[] = { 0x92, 0x01, 0xc1 };
	size_t			used;

	(void)state;
	assert_int_equal(check(two, sizeof two, 32), -1);
	assert_int_equal(msgcheck_value(two, sizeof two, 32, &used, NULL), 0);
	assert_int_equal(used, 1);
	assert_int_equal(check(reserved, 1, 32), -1);
	assert_int_equal(check(in_array, sizeof in_array, 32), -1);
	assert_int_equal(check(two, 0, 32), -1);
}

static void
test_truncated_scalars(void **state)
{
	static const uint8_t	heads[] = { 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1,
	    0xd2, 0xd3, 0xca, 0xcb, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
	    0xdb, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xdc, 0xdd, 0xde, 0xdf };
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof heads; i++)
		assert_int_equal(check(&heads[i], 1, 32), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_owed_elements_sum),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_limit_matches_msgpack),
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_trailing_and_reserved),
		cmocka_unit_test(test_truncated_scalars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
