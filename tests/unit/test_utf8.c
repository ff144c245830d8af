#include "tests/unit/unit.h"

#include "common/utf8.h"

static void
test_valid(void **state)
{
	uint32_t	cp;

	(void)state;
	assert_int_equal(utf8_seq("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_seq("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_seq("\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(utf8_seq("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_seq("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	/* C1 controls are valid UTF-8: callers decide what to do. */
	assert_int_equal(utf8_seq("\xc2\x9b", 2, &cp), 2);
	assert_int_equal(cp, 0x9b);
}

static void
test_invalid(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ "\x80", 1 },			/* lone continuation */
		{ "\xc0\xaf", 2 },		/* overlong */
		{ "\xe0\x80\xaf", 3 },		/* overlong */
		{ "\xf0\x80\x80\xaf", 4 },	/* overlong */
		{ "\xed\xa0\x80", 3 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 4 },	/* past U+10FFFF */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xe2\x82", 2 },		/* cut short */
		{ "\xe2\x28\xa1", 3 },		/* bad continuation */
		{ "\xff", 1 },
		{ "", 0 },
	};
	uint32_t	cp;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(utf8_seq(bad[i].s, bad[i].len, &cp), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
