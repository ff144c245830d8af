/* Child exits go to whoever started the child, once. */
#include "tests/unit/unit.h"

#include "actors/childwatch.h"

static int	calls;
static int	last_status;

static void
watched(pid_t pid, int status, void *arg)
{
	(void)pid;
	calls++;
	last_status = status;
	assert_ptr_equal(arg, &calls);
}

static void
test_childwatch(void **state)
{
	(void)state;
	childwatch_add(100, watched, &calls);
	childwatch_add(200, watched, &calls);
	assert_false(childwatch_reaped(300, 0));
	assert_true(childwatch_reaped(100, 7));
	assert_int_equal(calls, 1);
	assert_int_equal(last_status, 7);
	/* Once only. */
	assert_false(childwatch_reaped(100, 7));
	childwatch_del(200);
	assert_false(childwatch_reaped(200, 0));
	assert_int_equal(calls, 1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_childwatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
