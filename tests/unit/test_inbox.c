#include "tests/unit/unit.h"

#include "actors/inbox.h"

static void
test_order_and_capacity(void **state)
{
	struct inbox		 ib;
	struct inbox_msg	*m;
	char			 buf[16];
	int			 i;

	(void)state;
	inbox_init(&ib, 5);
	assert_null(inbox_pop(&ib));
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof buf, "low%d", i);
		assert_int_equal(inbox_push(&ib, "a", "notification", 0, buf,
		    strlen(buf)), 0);
	}
	assert_int_equal(inbox_push(&ib, "b", "request", 2, "high", 4), 0);
	assert_int_equal(inbox_push(&ib, "c", "request", 1, "mid", 3), 0);
	/* Full: refused, counted, nothing else disturbed. */
	assert_int_equal(inbox_push(&ib, "d", "request", 2, "x", 1), -1);
	assert_int_equal(ib.refused, 1);
	assert_int_equal(ib.count, 5);
	/* Priority first, then arrival within a priority. */
	m = inbox_pop(&ib);
	assert_string_equal(m->content, "high");
	assert_string_equal(m->from, "b");
	inbox_msg_free(m);
	m = inbox_pop(&ib);
	assert_string_equal(m->content, "mid");
	inbox_msg_free(m);
	for (i = 0; i < 3; i++) {
		m = inbox_pop(&ib);
		snprintf(buf, sizeof buf, "low%d", i);
		assert_string_equal(m->content, buf);
		assert_int_equal(m->len, strlen(buf));
		inbox_msg_free(m);
	}
	assert_null(inbox_pop(&ib));
	/* An out-of-range priority counts as high. */
	assert_int_equal(inbox_push(&ib, "e", "request", 9, "z", 1), 0);
	assert_int_equal(inbox_push(&ib, "e", "request", 2, "y", 1), 0);
	m = inbox_pop(&ib);
	assert_string_equal(m->content, "z");
	inbox_msg_free(m);
	inbox_clear(&ib);
	assert_int_equal(ib.count, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_order_and_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
