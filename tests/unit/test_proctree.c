#include "tests/unit/unit.h"

#include <errno.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "common/proctree.h"

/*
 * Start, with env entry tag (or none), a shell that leaves a process
 * behind in a session of its own after a double fork, ignoring SIGTERM,
 * and writes its pid to the pipe. Returns that pid once it runs.
 */
static pid_t
leave_behind(const char *tag)
{
	int	p[2], status;
	pid_t	sh, left = 0;

	assert_int_equal(pipe(p), 0);
	if ((sh = fork()) == 0) {
		char	 fd[16];

		close(p[0]);
		if (tag != NULL)
			putenv((char *)tag);
		snprintf(fd, sizeof fd, "%d", p[1]);
		execl("/bin/sh", "sh", "-c", "(setsid sh -c 'trap \"\" TERM; "
		    "echo $$ >&$0; exec sleep 60' $0 &)", fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	{
		FILE	*f = fdopen(p[0], "r");

		assert_int_equal(fscanf(f, "%d", &left), 1);
		fclose(f);
	}
	assert_int_equal(waitpid(sh, &status, 0), sh);
	return left;
}

/* Wait (with a deadline) for our orphaned child pid to die; reap it. */
static bool
died(pid_t pid)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		i, status;

	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void
test_subreaper_keeps_orphans(void **state)
{
	pid_t	left;

	(void)state;
	/* A system without subreapers (a portable build) has nothing here. */
	if (proctree_subreaper() != 0 && errno == ENOSYS)
		skip();
	left = leave_behind(NULL);
	/* Double-forked and in a session of its own, it is still ours. */
	assert_int_equal(getpgid(left), left);
	assert_int_equal(proctree_other_children(NULL, 0), 1);
	assert_int_equal(proctree_other_children(&left, 1), 0);
	/* SIGTERM is ignored; SIGKILL is not. */
	assert_int_equal(proctree_kill(getpid(), NULL, 0, NULL, SIGTERM), 1);
	assert_int_equal(kill(left, 0), 0);
	assert_int_equal(proctree_kill_all(getpid(), NULL, 0, NULL), 1);
	assert_true(died(left));
	assert_int_equal(proctree_other_children(NULL, 0), 0);
}

/* Only what carries the tag, and nothing under a kept process. */
static void
test_tag_and_keep(void **state)
{
	pid_t	mine, other, kept;

	(void)state;
	if (proctree_subreaper() != 0 && errno == ENOSYS)
		skip();
	mine = leave_behind("ORCH_TASK_TAG=1.2.3");
	other = leave_behind("ORCH_TASK_TAG=1.2.34");
	kept = leave_behind("ORCH_TASK_TAG=1.2.3");
	/* A prefix of another's tag is not that tag. */
	assert_int_equal(proctree_kill_all(getpid(), &kept, 1,
	    "ORCH_TASK_TAG=1.2.3"), 1);
	assert_true(died(mine));
	assert_int_equal(kill(other, 0), 0);
	assert_int_equal(kill(kept, 0), 0);
	assert_int_equal(proctree_kill_all(getpid(), NULL, 0, NULL), 2);
	assert_true(died(other));
	assert_true(died(kept));
}

/* A pid that is not under root is never touched. */
static void
test_not_under_root(void **state)
{
	(void)state;
	/* init's descendants are everything; ours are not init's own. */
	assert_int_equal(proctree_kill(getpid(), NULL, 0,
	    "ORCH_TASK_TAG=no such tag anywhere", 0), 0);
	assert_int_equal(proctree_kill(999999999, NULL, 0, NULL, 0), 0);
}

/* Our parents up to init: from /proc, or from ps where there is none. */
static void
test_ancestors(void **state)
{
	pid_t	chain[256];
	size_t	n;

	(void)state;
	n = proctree_ancestors(getpid(), chain, 256);
	assert_true(n >= 2);
	assert_int_equal(chain[0], getpid());
	assert_int_equal(chain[1], getppid());
	/* A chain cut short is no chain. */
	assert_int_equal(proctree_ancestors(getpid(), chain, 1), 0);
	/* Nobody's: a pid that is not there. */
	assert_int_equal(proctree_ancestors(0x3ffffff0, chain, 256), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_ancestors),
		cmocka_unit_test(test_subreaper_keeps_orphans),
		cmocka_unit_test(test_tag_and_keep),
		cmocka_unit_test(test_not_under_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
