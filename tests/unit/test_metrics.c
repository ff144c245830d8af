#include "tests/unit/unit.h"

#include <math.h>
#include <stdlib.h>

#include "supervisor/metrics.h"

#define MS	1000000ull
#define S	1000000000ull

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nothing ended: zeros, not a division by zero. */
static void
test_empty(void **state)
{
	struct metrics		*m = metrics_new(5 * S);
	struct metrics_view	 v;

	(void)state;
	metrics_view(m, 90 * S, &v);
	assert_int_equal(v.ended, 0);
	assert_true(v.per_minute == 0 && v.per_minute_all == 0);
	assert_true(v.success_rate == 0 && v.avg_ms == 0 && v.p95_ms == 0);
	metrics_free(m);
}

/*
 * 100 tasks of 1..100 ms, given out of order, every 20th failing: the
 * mean is 50.5 ms, the 95th percentile (nearest rank) 95 ms, 95% succeed.
 */
static void
test_exact(void **state)
{
	struct metrics		*m = metrics_new(0);
	struct metrics_view	 v;
	unsigned		 i, d;

	(void)state;
	for (i = 0; i < 100; i++) {
		d = (i * 37) % 100 + 1;		/* a permutation of 1..100 */
		metrics_task_end(m, d % 20 != 0, d * MS, (i + 1) * 100 * MS);
	}
	metrics_view(m, 10 * S, &v);
	assert_int_equal(v.ended, 100);
	assert_int_equal(v.ok, 95);
	assert_int_equal(v.failed, 5);
	assert_true(fabs(v.success_rate - 0.95) < 1e-12);
	assert_true(fabs(v.avg_ms - 50.5) < 1e-9);
	assert_true(v.p95_exact);
	assert_true(v.p95_ms == 95.0);
	/* All within the last minute, and the first minute is not over. */
	assert_true(v.per_minute == 100);
	assert_true(v.per_minute_all == 100);
	/* One more, slow: the percentile moves to the next rank's value. */
	metrics_task_end(m, true, 1000 * MS, 11 * S);
	metrics_view(m, 11 * S, &v);
	assert_true(v.p95_ms == 96.0);
	metrics_free(m);
}

/* The last minute is the last minute; since the start is per minute. */
static void
test_window(void **state)
{
	struct metrics		*m = metrics_new(0);
	struct metrics_view	 v;
	unsigned		 i;

	(void)state;
	/* One task a second for two minutes. */
	for (i = 1; i <= 120; i++)
		metrics_task_end(m, true, 10 * MS, i * S);
	metrics_view(m, 120 * S, &v);
	/* Ended in (60 s, 120 s]: 61..120. */
	assert_true(v.per_minute == 60);
	assert_true(fabs(v.per_minute_all - 60) < 1e-9);
	metrics_view(m, 150 * S, &v);
	assert_true(v.per_minute == 30);
	assert_true(fabs(v.per_minute_all - 48) < 1e-9);	/* 120 in 2.5 min */
	metrics_view(m, 600 * S, &v);
	assert_true(v.per_minute == 0);
	/* The ring grows past its first size and keeps its order. */
	for (i = 0; i < 1000; i++)
		metrics_task_end(m, true, MS, 600 * S + i * MS);
	metrics_view(m, 601 * S, &v);
	assert_true(v.per_minute == 1000);
	metrics_view(m, 600 * S + 60 * S + 500 * MS, &v);
	assert_true(v.per_minute == 499);
	metrics_free(m);
}

/* Past METRICS_EXACT_MAX: the histogram's answer, within 2%. */
static void
test_histogram(void **state)
{
	struct metrics		*m = metrics_new(0);
	struct metrics_view	 v;
	unsigned		 n = METRICS_EXACT_MAX + 5000, i;
	uint64_t		 d, *all = malloc(n * sizeof *all);
	double			 want;

	(void)state;
	assert_non_null(all);
	for (i = 0; i < n; i++) {
		/* 0.1 ms .. ~10 s, spread over four decades. */
		d = (uint64_t)(100000.0 * pow(10.0, 5.0 * (double)((i *
		    7919u) % n) / n));
		all[i] = d;
		metrics_task_end(m, true, d, S + i);
	}
	metrics_view(m, 2 * S, &v);
	assert_false(v.p95_exact);
	/* The exact answer, as the test counts it. */
	qsort(all, n, sizeof *all, cmp_u64);
	want = (double)all[(n * 95 + 99) / 100 - 1] / 1e6;
	assert_true(v.p95_ms >= want);
	assert_true(v.p95_ms <= want * METRICS_BUCKET_STEP * 1.0001);
	free(all);
	metrics_free(m);
}

/* Prometheus's buckets: inclusive bounds, cumulative, exact. */
static void
test_le_buckets(void **state)
{
	struct metrics		*m = metrics_new(0);
	struct metrics_view	 v;
	size_t			 i;

	(void)state;
	metrics_task_end(m, true, 5000000, 1);		/* 5 ms: le 0.005 */
	metrics_task_end(m, true, 5000001, 2);		/* just past it */
	metrics_task_end(m, false, 1000000000, 3);	/* 1 s: le 1 */
	metrics_task_end(m, true, 3600ull * 1000000000, 4);	/* +Inf only */
	metrics_view(m, 5, &v);
	assert_int_equal(v.le[0], 1);
	assert_int_equal(v.le[1], 2);
	for (i = 2; metrics_le_s[i] < 1; i++)
		assert_int_equal(v.le[i], 2);
	assert_int_equal(v.le[i], 3);
	assert_int_equal(v.le[METRICS_LE_N - 1], 3);
	assert_int_equal(v.ended, 4);
	assert_true(fabs(v.sum_s - (0.005 + 0.005000001 + 1 + 3600)) < 1e-6);
	for (i = 1; i < METRICS_LE_N; i++)
		assert_true(metrics_le_s[i] > metrics_le_s[i - 1]);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_le_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
