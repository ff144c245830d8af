#include "tests/unit/unit.h"

#include "common/strlist.h"

static void
test_strlist(void **state)
{
	struct strlist	l = { NULL, 0 }, c = { NULL, 0 };
	char		buf[8];

	(void)state;
	strlist_join(&l, buf, sizeof buf);
	assert_string_equal(buf, "");
	strlist_add(&l, "a");
	strlist_add(&l, "bb");
	strlist_add(&l, "ccc");
	assert_true(strlist_has(&l, "bb"));
	assert_false(strlist_has(&l, "b"));
	strlist_join(&l, buf, sizeof buf);
	assert_string_equal(buf, "a,bb,cc");	/* truncated, terminated */
	strlist_copy(&c, &l);
	strlist_clear(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.v[2], "ccc");
	strlist_clear(&c);
	strlist_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_strlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
