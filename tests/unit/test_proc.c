#include "tests/unit/unit.h"

#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include "common/proc.h"

static void
test_exec_report(void **state)
{
	char	*cause = NULL;
	int	 report, status;
	pid_t	 pid;

	(void)state;
	pid = proc_fork(&report, &cause);
	assert_true(pid >= 0);
	if (pid == 0) {
		char	*argv[] = { (char *)"/nonexistent/prog", NULL };

		execv(argv[0], argv);
		proc_exec_fail(report, argv[0]);
	}
	assert_int_equal(proc_exec_wait(report, &cause), -1);
	assert_string_equal(cause, "/nonexistent/prog: No such file or "
	    "directory");
	free(cause);
	waitpid(pid, &status, 0);

	pid = proc_fork(&report, &cause);
	if (pid == 0) {
		char	*argv[] = { (char *)"/bin/true", NULL };

		execv(argv[0], argv);
		proc_exec_fail(report, argv[0]);
	}
	assert_int_equal(proc_exec_wait(report, &cause), 0);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_signals_reset(void **state)
{
	char	*cause = NULL;
	int	 report, status;
	pid_t	 pid;

	(void)state;
	/* An ignored SIGTERM in the parent must not be inherited. */
	signal(SIGTERM, SIG_IGN);
	pid = proc_fork(&report, &cause);
	if (pid == 0) {
		close(report);
		pause();
		_exit(0);
	}
	signal(SIGTERM, SIG_DFL);
	proc_exec_wait(report, &cause);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void
test_kill_session(void **state)
{
	int	p[2], status;
	pid_t	pid;
	char	c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		/* A session whose members are in different groups. */
		setsid();
		if (fork() == 0) {
			setpgid(0, 0);
			pause();
			_exit(0);
		}
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_true(proc_session_alive(pid));
	proc_kill_session(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	/* The grandchild is reaped by init; give it a bounded moment. */
	for (int i = 0; i < 500 && proc_session_alive(pid); i++)
		usleep(2000);
	assert_false(proc_session_alive(pid));
	close(p[0]);
	close(p[1]);
}

static void
test_exit_reason(void **state)
{
	char	buf[64];

	(void)state;
	assert_string_equal(proc_exit_reason(3 << 8, buf, sizeof buf),
	    "exited 3");
	assert_string_equal(proc_exit_reason(SIGKILL, buf, sizeof buf),
	    "killed by signal 9 (Killed)");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_exec_report),
		cmocka_unit_test(test_signals_reset),
		cmocka_unit_test(test_kill_session),
		cmocka_unit_test(test_exit_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
