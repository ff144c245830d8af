#include "tests/unit/unit.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/xmalloc.h"

static void
test_strings(void **state)
{
	char	*s, *cause = NULL;

	(void)state;
	s = xstrdup("abc");
	assert_string_equal(s, "abc");
	free(s);
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	assert_int_equal(xasprintf(&s, "%d-%s", 7, "x"), 3);
	assert_string_equal(s, "7-x");
	free(s);
	assert_int_equal(set_cause(&cause, "bad %s", "thing"), -1);
	assert_string_equal(cause, "bad thing");
	free(cause);
	assert_int_equal(set_cause(NULL, "ignored"), -1);
}

/* Overflow and impossible sizes end the process with a message. */
static void
test_overflow_aborts(void **state)
{
	pid_t	pid;
	int	st;

	(void)state;
	if ((pid = fork()) == 0) {
		close(2);
		xreallocarray(NULL, SIZE_MAX / 2, 4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_overflow_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
