#include "tests/unit/unit.h"

#include "ipc/envelope.h"
#include "ipc/pending.h"

#define MS	1000000ull

struct calls {
	int		n;
	uint64_t	order[4096];
	int		err[4096];
};

static void
record_cb(struct peer *p, int err, const struct envelope *reply, void *arg)
{
	struct calls	*c = arg;

	(void)p;
	(void)reply;
	c->err[c->n] = err;
	c->n++;
}

/* The arg is the id itself, so the order of expiry can be checked. */
static struct calls	*ordered;

static void
order_cb(struct peer *p, int err, const struct envelope *reply, void *arg)
{
	(void)p;
	(void)reply;
	ordered->err[ordered->n] = err;
	ordered->order[ordered->n++] = (uint64_t)(uintptr_t)arg;
}

static void
test_complete_and_unknown(void **state)
{
	struct pending_table	t;
	struct calls		c = { 0 };
	struct envelope		reply;

	(void)state;
	pending_init(&t);
	envelope_init(&reply);
	assert_int_equal(pending_add(&t, 1, 100 * MS, record_cb, &c), 0);
	assert_int_equal(pending_add(&t, 2, 50 * MS, record_cb, &c), 0);
	assert_int_equal(pending_add(&t, 2, 50 * MS, record_cb, &c), -1);
	assert_int_equal(pending_count(&t), 2);
	assert_int_equal(pending_next_deadline(&t), 50 * MS);

	assert_int_equal(pending_complete(&t, NULL, 2, IPC_OK, &reply), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.err[0], IPC_OK);
	assert_int_equal(pending_next_deadline(&t), 100 * MS);
	/* A late or unknown answer finds nothing. */
	assert_int_equal(pending_complete(&t, NULL, 2, IPC_OK, &reply), -1);
	assert_int_equal(pending_complete(&t, NULL, 99, IPC_OK, &reply), -1);
	assert_int_equal(c.n, 1);
	pending_done(&t);
	envelope_done(&reply);
}

static void
test_expire_by_deadline(void **state)
{
	struct pending_table	t;
	struct calls		c = { 0 };

	(void)state;
	ordered = &c;
	pending_init(&t);
	/* Deadlines out of insertion order. */
	pending_add(&t, 1, 30 * MS, order_cb, (void *)1);
	pending_add(&t, 2, 10 * MS, order_cb, (void *)2);
	pending_add(&t, 3, 20 * MS, order_cb, (void *)3);
	pending_add(&t, 4, 40 * MS, order_cb, (void *)4);

	assert_int_equal(pending_expire(&t, NULL, 5 * MS), 0);
	assert_int_equal(pending_expire(&t, NULL, 20 * MS), 2);
	assert_int_equal(c.order[0], 2);
	assert_int_equal(c.order[1], 3);
	assert_int_equal(c.err[0], IPC_E_TIMEOUT);
	assert_int_equal(pending_count(&t), 2);
	assert_int_equal(pending_expire(&t, NULL, UINT64_MAX - 1), 2);
	assert_int_equal(c.order[2], 1);
	assert_int_equal(c.order[3], 4);
	assert_int_equal(pending_next_deadline(&t), UINT64_MAX);
	pending_done(&t);
}

/*
 * Many requests with random deadlines, answered in random order: what
 * expires must always be exactly the ones at or before "now", in order.
 */
static void
test_heap_under_churn(void **state)
{
	struct pending_table	 t;
	struct calls		*c = calloc(1, sizeof *c);
	uint64_t		 deadline[2048], now, last = 0;
	int			 i, alive = 0;

	(void)state;
	srand(7);
	ordered = c;
	pending_init(&t);
	for (i = 1; i < 2048; i++) {
		deadline[i] = (uint64_t)(rand() % 100000) * MS;
		assert_int_equal(pending_add(&t, (uint64_t)i, deadline[i],
		    order_cb, (void *)(uintptr_t)i), 0);
	}
	/* Complete a third of them at random. */
	for (i = 1; i < 2048; i += 3)
		assert_int_equal(pending_complete(&t, NULL, (uint64_t)i, IPC_OK,
		    NULL), 0);
	alive = (int)pending_count(&t);
	c->n = 0;
	for (now = 0; pending_count(&t) > 0; now += 997 * MS)
		pending_expire(&t, NULL, now);
	assert_int_equal(c->n, alive);
	for (i = 0; i < c->n; i++) {
		assert_true(deadline[c->order[i]] >= last);
		assert_true(c->order[i] % 3 != 1);	/* those were answered */
		last = deadline[c->order[i]];
	}
	pending_done(&t);
	free(c);
}

static void
test_fail_all(void **state)
{
	struct pending_table	t;
	struct calls		c = { 0 };

	(void)state;
	pending_init(&t);
	for (uint64_t i = 1; i <= 1000; i++)
		pending_add(&t, i, i * MS, record_cb, &c);
	assert_int_equal(pending_fail_all(&t, NULL, IPC_E_PEER_GONE), 1000);
	assert_int_equal(c.n, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(c.err[i], IPC_E_PEER_GONE);
	assert_int_equal(pending_count(&t), 0);
	pending_done(&t);
}

/* pending_done frees what is left without calling anyone. */
static void
test_done_silent(void **state)
{
	struct pending_table	t;
	struct calls		c = { 0 };

	(void)state;
	pending_init(&t);
	pending_add(&t, 1, MS, record_cb, &c);
	pending_done(&t);
	assert_int_equal(c.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_and_unknown),
		cmocka_unit_test(test_expire_by_deadline),
		cmocka_unit_test(test_heap_under_churn),
		cmocka_unit_test(test_fail_all),
		cmocka_unit_test(test_done_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
