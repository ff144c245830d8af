#include "tests/unit/unit.h"

#include <math.h>

#include "supervisor/load.h"

#define S	1000000000ull

static void
test_add_and_decay(void **state)
{
	struct load	l = { 0, 0 };
	uint64_t	t0 = 1000 * S;

	(void)state;
	assert_true(load_now(&l, t0) == 0);
	/* A task: its duration plus the per-task charge. */
	load_add(&l, 2 * S, t0);
	assert_true(load_now(&l, t0) == 2e9 + LOAD_TASK_CHARGE_NS);
	/* Halved after one half-life, quartered after two. */
	assert_true(fabs(load_now(&l, t0 + LOAD_HALF_LIFE_S * S) -
	    (2e9 + LOAD_TASK_CHARGE_NS) / 2) < 1);
	assert_true(fabs(load_now(&l, t0 + 2 * LOAD_HALF_LIFE_S * S) -
	    (2e9 + LOAD_TASK_CHARGE_NS) / 4) < 1);
	/* A clock that did not move (or a stamp from the future) changes nothing. */
	assert_true(load_now(&l, t0 - S) == 2e9 + LOAD_TASK_CHARGE_NS);
	/* Adding decays what was there first. */
	load_add(&l, 0, t0 + LOAD_HALF_LIFE_S * S);
	assert_true(fabs(l.ns - ((2e9 + LOAD_TASK_CHARGE_NS) / 2 +
	    LOAD_TASK_CHARGE_NS)) < 1);
	assert_int_equal(l.at, t0 + LOAD_HALF_LIFE_S * S);
}

/*
 * The point of it: an agent that was busy long ago is less loaded now than
 * one that ran a few short tasks a moment ago, and quick tasks add up.
 */
static void
test_recent_work_counts(void **state)
{
	struct load	old = { 0, 0 }, recent = { 0, 0 }, quick = { 0, 0 };
	uint64_t	now = 10000 * S;
	int		i;

	(void)state;
	load_add(&old, 600 * S, now - 3600 * S);	/* 10 min, an hour ago */
	load_add(&recent, 5 * S, now - S);
	assert_true(load_now(&old, now) < load_now(&recent, now));
	for (i = 0; i < 20; i++)
		load_add(&quick, 1000000, now);		/* 20 tasks of 1 ms */
	assert_true(load_now(&quick, now) > 20 * 1e6);
	assert_true(load_now(&quick, now) > load_now(&old, now));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_add_and_decay),
		cmocka_unit_test(test_recent_work_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
