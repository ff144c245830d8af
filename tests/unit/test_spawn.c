#include "tests/unit/unit.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <unistd.h>

#include "supervisor/spawn.h"

static void
test_clean_image(void **state)
{
	char	*argv[] = { (char *)"/bin/sh", (char *)"-c",
		    (char *)"echo \"pgid=$(cut -d' ' -f5 /proc/$$/stat) pid=$$\" >&3; "
		    "exec ls /proc/self/fd >&3", NULL };
	char	*cause = NULL, buf[256], want[64];
	int	 fds[2], extra, status;
	size_t	 got = 0;
	ssize_t	 n;
	pid_t	 pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    fds), 0);
	/* A stray descriptor without close-on-exec must not leak in. */
	extra = dup(0);
	pid = spawn_actor("/bin/sh", argv, fds[1], -1, &cause);
	assert_true(pid > 0);
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/*
	 * Its own process group; only stdio and the link inherited (4 is the
	 * directory ls reads: the lowest free descriptor).
	 */
	snprintf(want, sizeof want, "pgid=%ld pid=%ld\n0\n1\n2\n3\n4\n",
	    (long)pid, (long)pid);
	assert_string_equal(buf, want);
	close(fds[0]);
	close(extra);
}

static void
test_stderr(void **state)
{
	char	*argv[] = { (char *)"/bin/sh", (char *)"-c",
		    (char *)"echo to-err >&2; echo to-link >&3", NULL };
	char	*cause = NULL, buf[64];
	int	 fds[2], err[2], status;
	ssize_t	 n;
	pid_t	 pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    fds), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid = spawn_actor("/bin/sh", argv, fds[1], err[1], &cause);
	assert_true(pid > 0);
	close(fds[1]);
	close(err[1]);
	n = read(err[0], buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "to-err\n");
	n = read(fds[0], buf, sizeof buf - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "to-link\n");
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fds[0]);
	close(err[0]);
}

static void
test_exec_failure(void **state)
{
	char	*argv[] = { (char *)"orch-actor", NULL };
	char	*cause = NULL, path[4096];
	int	 fds[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    fds), 0);
	assert_int_equal(spawn_actor("/nonexistent/orch-actor", argv, fds[1],
	    -1, &cause), -2);
	assert_string_equal(cause, "/nonexistent/orch-actor: No such file or "
	    "directory");
	free(cause);
	close(fds[0]);
	close(fds[1]);

	setenv("ORCH_ACTOR", "/x/y", 1);
	assert_int_equal(spawn_actor_path(path, sizeof path, NULL), 0);
	assert_string_equal(path, "/x/y");
	unsetenv("ORCH_ACTOR");
	assert_int_equal(spawn_actor_path(path, sizeof path, NULL), 0);
	assert_non_null(strstr(path, "/orch-actor"));

	/* A sibling is in our own directory; too long a name is said. */
	assert_int_equal(spawn_sibling_path("orch-ctl", path, sizeof path,
	    NULL), 0);
	assert_int_equal(path[0], '/');
	assert_string_equal(strrchr(path, '/'), "/orch-ctl");
	assert_int_equal(spawn_sibling_path("orch-ctl", path, 4, &cause), -1);
	assert_string_equal(cause, "path too long");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_clean_image),
		cmocka_unit_test(test_stderr),
		cmocka_unit_test(test_exec_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
