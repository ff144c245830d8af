#include "tests/unit/unit.h"

#include "actors/scrollback.h"

static void
test_wrap(void **state)
{
	struct scrollback	sb;
	char			out[64];
	size_t			n, i;

	(void)state;
	scrollback_init(&sb, 8);
	assert_int_equal(scrollback_tail(&sb, 8, out), 0);
	scrollback_append(&sb, "abc", 3);
	n = scrollback_tail(&sb, 8, out);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	scrollback_append(&sb, "defghij", 7);	/* wraps: keeps the last 8 */
	assert_int_equal(scrollback_len(&sb), 8);
	n = scrollback_tail(&sb, 8, out);
	assert_memory_equal(out, "cdefghij", 8);
	n = scrollback_tail(&sb, 3, out);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "hij", 3);
	/* Larger than the buffer at once. */
	scrollback_append(&sb, "0123456789ABCDEF", 16);
	n = scrollback_tail(&sb, 100, out);
	assert_int_equal(n, 8);
	assert_memory_equal(out, "89ABCDEF", 8);
	assert_int_equal(sb.total, 26);
	/* Byte by byte, many times around. */
	for (i = 0; i < 1000; i++) {
		char	c = (char)('a' + i % 26);

		scrollback_append(&sb, &c, 1);
	}
	n = scrollback_tail(&sb, 8, out);
	for (i = 0; i < 8; i++)
		assert_int_equal(out[i], 'a' + (992 + i) % 26);
	scrollback_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
