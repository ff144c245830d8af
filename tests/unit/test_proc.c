#include "tests/unit/unit.h"

#include <sys/wait.h>

#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/proc.h"

struct spawn_arg {
	char *const	*argv;
	char *const	*envp;
};

static void
spawn_child(int report, void *arg)
{
	struct spawn_arg	*a = arg;

	proc_execvpe(a->argv[0], a->argv, a->envp);
	proc_exec_fail(report, a->argv[0]);
}

/* Run argv with envp through proc_spawn: its exit status, or -1 + *cause. */
static int
spawn_run(char *const *argv, char *const *envp, char **cause)
{
	struct spawn_arg	 a = { argv, envp };
	int			 status;
	pid_t			 pid;

	if ((pid = proc_spawn(spawn_child, &a, cause)) < 0)
		return -1;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
test_exec_report(void **state)
{
	char	*cause = NULL;
	char	*missing[] = { (char *)"/nonexistent/prog", NULL };
	char	*ok[] = { (char *)"/bin/true", NULL };
	char	*envp[] = { NULL };

	(void)state;
	assert_int_equal(spawn_run(missing, envp, &cause), -1);
	assert_string_equal(cause, "/nonexistent/prog: No such file or "
	    "directory");
	free(cause);
	assert_int_equal(spawn_run(ok, envp, &cause), 0);
}

static void
test_signals_reset(void **state)
{
	struct spawn_arg	 a;
	char			*cause = NULL;
	char			*argv[] = { (char *)"/bin/sleep",
				    (char *)"30", NULL };
	char			*envp[] = { NULL };
	int			 status;
	pid_t			 pid;

	(void)state;
	/* An ignored SIGTERM in the parent must not be inherited. */
	a.argv = argv;
	a.envp = envp;
	signal(SIGTERM, SIG_IGN);
	pid = proc_spawn(spawn_child, &a, &cause);
	signal(SIGTERM, SIG_DFL);
	assert_true(pid > 0);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void
test_spawn(void **state)
{
	char	 dir[] = "/tmp/orch-test-proc.XXXXXX", path[4096], pathenv[4200];
	char	*cause = NULL, *env_before = getenv("PATH");
	FILE	*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/only-here", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 7\n", f);
	fclose(f);
	chmod(path, 0755);
	snprintf(pathenv, sizeof pathenv, "PATH=/nonexistent:%s", dir);
	{
		/* Found on the child's PATH, not ours; its status comes back. */
		char	*argv[] = { (char *)"only-here", NULL };
		char	*envp[] = { pathenv, NULL };

		assert_int_equal(spawn_run(argv, envp, &cause), 7);
	}
	{
		/* Not on the child's PATH: the exec failure is reported. */
		char	*argv[] = { (char *)"only-here", NULL };
		char	*envp[] = { (char *)"PATH=/nonexistent", NULL };

		assert_int_equal(spawn_run(argv, envp, &cause), -1);
		assert_string_equal(cause, "only-here: No such file or "
		    "directory");
		free(cause);
		cause = NULL;
	}
	{
		/* Found but not executable: EACCES, as execvp says. */
		char	*argv[] = { (char *)"only-here", NULL };
		char	*envp[] = { pathenv, NULL };

		/* (Even root needs an execute bit.) */
		chmod(path, 0644);
		assert_int_equal(spawn_run(argv, envp, &cause), -1);
		assert_non_null(strstr(cause, "Permission denied"));
		free(cause);
		cause = NULL;
	}
	{
		/* An absolute path; no PATH at all. */
		char	*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"exit 3", NULL };
		char	*envp[] = { NULL };

		assert_int_equal(spawn_run(argv, envp, &cause), 3);
	}
	/* The child shared our memory for a while: nothing of ours moved. */
	assert_ptr_equal(getenv("PATH"), env_before);
	unlink(path);
	rmdir(dir);
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

/* A program's words and status; bounded in time and in what is kept. */
static void
test_run(void **state)
{
	char	*say[] = { (char *)"sh", (char *)"-c",
		    (char *)"echo out; echo err >&2; exit 3", NULL };
	char	*flood[] = { (char *)"sh", (char *)"-c",
		    (char *)"head -c 1000000 /dev/zero | tr '\\0' y; exit 0",
		    NULL };
	char	*slow[] = { (char *)"sleep", (char *)"10", NULL };
	char	*none[] = { (char *)"/nonexistent/prog", NULL };
	char	 out[64];
	int	 status;

	(void)state;
	assert_int_equal(proc_run(say, NULL, 0, out, sizeof out, &status), 0);
	assert_string_equal(out, "out\nerr");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	/* More than fits: the first bytes, and no deadlock on a full pipe. */
	assert_int_equal(proc_run(flood, NULL, 5000, out, sizeof out,
	    &status), 0);
	assert_int_equal(strlen(out), sizeof out - 1);
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Too slow: killed, and that is the answer. */
	assert_int_equal(proc_run(slow, NULL, 100, out, sizeof out, &status),
	    -1);
	assert_string_equal(out, "sleep did not answer within 100 ms");
	assert_true(WIFSIGNALED(status));
	assert_int_equal(proc_run(none, NULL, 0, out, sizeof out, &status),
	    -1);
	assert_non_null(strstr(out, "No such file or directory"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_exec_report),
		cmocka_unit_test(test_signals_reset),
		cmocka_unit_test(test_spawn),
		cmocka_unit_test(test_kill_session),
		cmocka_unit_test(test_exit_reason),
		cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
