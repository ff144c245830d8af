#include "tests/unit/unit.h"

#include "supervisor/restart.h"

#define MS	1000000ull
#define SEC	1000000000ull

static const struct restart_policy permanent = { RESTART_PERMANENT, 5, 60 };

static void
test_not_a_crash(void **state)
{
	struct restart_policy	 p = permanent;
	struct restart_history	 h;
	struct restart_decision	 d;

	(void)state;
	memset(&h, 0, sizeof h);
	/* Asked to stop: never restarted, whatever the policy. */
	d = restart_decide(&p, &h, true, false, 100 * SEC);
	assert_int_equal(d.action, RESTART_NONE);
	/* temporary: never restarted. */
	p.kind = RESTART_TEMPORARY;
	d = restart_decide(&p, &h, false, false, 100 * SEC);
	assert_int_equal(d.action, RESTART_NONE);
	/* transient: a normal exit is the end, a crash is restarted. */
	p.kind = RESTART_TRANSIENT;
	d = restart_decide(&p, &h, false, true, 100 * SEC);
	assert_int_equal(d.action, RESTART_NONE);
	d = restart_decide(&p, &h, false, false, 100 * SEC);
	assert_int_equal(d.action, RESTART_AFTER);
	assert_int_equal(d.delay_ns, 0);
	/* permanent: even a normal exit is restarted. */
	p.kind = RESTART_PERMANENT;
	memset(&h, 0, sizeof h);
	d = restart_decide(&p, &h, false, true, 100 * SEC);
	assert_int_equal(d.action, RESTART_AFTER);
	assert_int_equal(h.total, 1);
}

static void
test_backoff_and_intensity(void **state)
{
	struct restart_history	 h;
	struct restart_decision	 d;
	uint64_t		 now = 1000 * SEC;
	static const uint64_t	 want[] = { 0, 10 * MS, 20 * MS, 40 * MS,
				    80 * MS };
	unsigned		 i;

	(void)state;
	memset(&h, 0, sizeof h);
	for (i = 0; i < 5; i++) {
		d = restart_decide(&permanent, &h, false, false, now);
		assert_int_equal(d.action, RESTART_AFTER);
		assert_int_equal(d.delay_ns, want[i]);
		now += d.delay_ns + 1 * MS;
	}
	/* The sixth crash inside 60 s exceeds 5 in 60. */
	d = restart_decide(&permanent, &h, false, false, now);
	assert_int_equal(d.action, RESTART_GIVE_UP);
	assert_int_equal(d.in_window, 5);
	assert_int_equal(h.total, 5);
	/* Asked for again: the window starts over, the count goes on. */
	restart_forget(&h);
	assert_int_equal(h.n, 0);
	assert_int_equal(h.total, 5);
	d = restart_decide(&permanent, &h, false, false, now);
	assert_int_equal(d.action, RESTART_AFTER);
	assert_int_equal(d.delay_ns, 0);
	assert_int_equal(h.total, 6);
}

static void
test_window_slides(void **state)
{
	struct restart_history	 h;
	struct restart_decision	 d;
	uint64_t		 now = 5000 * SEC;
	unsigned		 i;

	(void)state;
	memset(&h, 0, sizeof h);
	/* One crash every 13 s never has 5 others within 60 s. */
	for (i = 0; i < 40; i++) {
		d = restart_decide(&permanent, &h, false, false, now);
		assert_int_equal(d.action, RESTART_AFTER);
		assert_true(d.in_window <= 4);
		now += 13 * SEC;
	}
	/* Quiet for longer than the window: back to an immediate restart. */
	now += 61 * SEC;
	d = restart_decide(&permanent, &h, false, false, now);
	assert_int_equal(d.delay_ns, 0);
	assert_int_equal(d.in_window, 0);
}

static void
test_cap(void **state)
{
	struct restart_policy	 p = { RESTART_PERMANENT, 64, 3600 };
	struct restart_history	 h;
	struct restart_decision	 d;
	uint64_t		 now = 10 * SEC;
	unsigned		 i;

	(void)state;
	memset(&h, 0, sizeof h);
	for (i = 0; i < 64; i++) {
		d = restart_decide(&p, &h, false, false, now);
		assert_int_equal(d.action, RESTART_AFTER);
		assert_true(d.delay_ns <= RESTART_BACKOFF_MAX_NS);
		now += 1 * SEC;
	}
	assert_int_equal(d.delay_ns, RESTART_BACKOFF_MAX_NS);
	d = restart_decide(&p, &h, false, false, now);
	assert_int_equal(d.action, RESTART_GIVE_UP);

	/* max 0: the first crash is already too many. */
	p.max = 0;
	memset(&h, 0, sizeof h);
	d = restart_decide(&p, &h, false, false, now);
	assert_int_equal(d.action, RESTART_GIVE_UP);
	/* A clock near zero does not underflow the window. */
	p.max = 1;
	d = restart_decide(&p, &h, false, false, 5);
	assert_int_equal(d.action, RESTART_AFTER);
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(restart_kind_parse("transient"), RESTART_TRANSIENT);
	assert_int_equal(restart_kind_parse("sometimes"), -1);
	assert_string_equal(restart_kind_name(RESTART_TEMPORARY), "temporary");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_not_a_crash),
		cmocka_unit_test(test_backoff_and_intensity),
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
