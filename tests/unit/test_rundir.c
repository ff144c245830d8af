#include "tests/unit/unit.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <limits.h>
#include <unistd.h>

#include "common/rundir.h"
#include "common/xmalloc.h"

static char	xdg[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(xdg, sizeof xdg, "/tmp/orch-test-rundir-XXXXXX");
	if (mkdtemp(xdg) == NULL)
		return -1;
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	unsetenv("ORCH_INSTANCE");
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", xdg);
	return system(cmd) == 0 ? 0 : -1;
}

static void
expect_refused(const char *dir, const char *says)
{
	char	*cause = NULL;

	assert_int_equal(rundir_prepare(dir, &cause), -1);
	if (cause == NULL || strstr(cause, says) == NULL)
		fail_msg("got \"%s\", want \"...%s...\"", cause, says);
	free(cause);
}

static void
test_path(void **state)
{
	char	buf[PATH_MAX], want[PATH_MAX], *cause = NULL;

	(void)state;
	assert_string_equal(rundir_instance(NULL), "default");
	setenv("ORCH_INSTANCE", "env1", 1);
	assert_string_equal(rundir_instance(NULL), "env1");
	assert_string_equal(rundir_instance("x"), "x");
	unsetenv("ORCH_INSTANCE");
	assert_int_equal(rundir_path("a-1.b_c", buf, sizeof buf, &cause), 0);
	snprintf(want, sizeof want, "%s/orch/a-1.b_c", xdg);
	assert_string_equal(buf, want);
	assert_cause(rundir_path("../x", buf, sizeof buf, &cause), cause);
	assert_cause(rundir_path("", buf, sizeof buf, &cause), cause);
	assert_cause(rundir_path("a/b", buf, sizeof buf, &cause), cause);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(rundir_path("i", buf, sizeof buf, &cause), 0);
	snprintf(want, sizeof want, "/tmp/orch-%lu/i",
	    (unsigned long)geteuid());
	assert_string_equal(buf, want);
	setenv("XDG_RUNTIME_DIR", xdg, 1);
}

/* The state directory: "." is the instance's own, made 0700 on demand. */
static void
test_state(void **state)
{
	char		buf[PATH_MAX], want[PATH_MAX], *cause = NULL;
	struct stat	st;

	(void)state;
	setenv("XDG_STATE_HOME", xdg, 1);
	assert_int_equal(rundir_state("s1", ".", false, buf, sizeof buf,
	    &cause), 0);
	snprintf(want, sizeof want, "%s/orch/s1", xdg);
	assert_string_equal(buf, want);
	assert_int_equal(stat(want, &st), -1);
	assert_int_equal(rundir_state("s1", "logs", true, buf, sizeof buf,
	    &cause), 0);
	snprintf(want, sizeof want, "%s/orch/s1/logs", xdg);
	assert_string_equal(buf, want);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(rundir_state("s2", ".", true, buf, sizeof buf,
	    &cause), 0);
	snprintf(want, sizeof want, "%s/orch/s2", xdg);
	assert_string_equal(buf, want);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_cause(rundir_state("../x", ".", false, buf, sizeof buf,
	    &cause), cause);
	assert_cause(rundir_state("s1", ".", false, buf, 8, &cause), cause);
	unsetenv("XDG_STATE_HOME");
}

static void
test_prepare(void **state)
{
	char		 dir[PATH_MAX], sub[PATH_MAX + 16], *cause = NULL;
	struct stat	 st;

	(void)state;
	assert_int_equal(rundir_path("p", dir, sizeof dir, &cause), 0);
	assert_int_equal(rundir_prepare(dir, &cause), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(sub, sizeof sub, "%s/actors", dir);
	assert_int_equal(stat(sub, &st), 0);
	/* Again: an existing good directory is fine. */
	assert_int_equal(rundir_prepare(dir, &cause), 0);

	chmod(dir, 0777);
	expect_refused(dir, "has mode 0777");
	chmod(dir, 0750);
	expect_refused(dir, "has mode 0750");
	chmod(dir, 0700);
	if (geteuid() == 0) {
		assert_int_equal(chown(dir, 65534, 65534), 0);
		expect_refused(dir, "belongs to uid 65534");
		assert_int_equal(chown(dir, 0, 0), 0);
	}
	rundir_remove(dir);

	/* A symlink where the directory should be. */
	assert_int_equal(symlink("/tmp", dir), 0);
	expect_refused(dir, "symbolic link");
	unlink(dir);
	/* A file. */
	fclose(fopen(dir, "w"));
	expect_refused(dir, "not a directory");
	unlink(dir);
}

static void
test_lock(void **state)
{
	char	 dir[PATH_MAX], *cause = NULL;
	int	 fd, fd2;

	(void)state;
	assert_int_equal(rundir_path("l", dir, sizeof dir, &cause), 0);
	assert_int_equal(rundir_prepare(dir, &cause), 0);
	assert_int_equal(rundir_lock(dir, &fd, &cause), 0);
	/* A second holder (a second open file) is refused, naming us. */
	assert_int_equal(rundir_lock(dir, &fd2, &cause), -1);
	assert_non_null(strstr(cause, "another supervisor"));
	free(cause);
	cause = NULL;
	close(fd);
	assert_int_equal(rundir_lock(dir, &fd2, &cause), 0);
	close(fd2);
	rundir_remove(dir);
}

static void
test_clean(void **state)
{
	struct sockaddr_un	 sa;
	char			 dir[80], keep[100], *cause = NULL;
	int			 fd;

	(void)state;
	assert_int_equal(rundir_path("c", dir, sizeof dir, &cause), 0);
	assert_int_equal(rundir_prepare(dir, &cause), 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/actors/a.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(fd);
	snprintf(keep, sizeof keep, "%s/notes.txt", dir);
	fclose(fopen(keep, "w"));
	rundir_clean(dir);
	assert_int_equal(access(sa.sun_path, F_OK), -1);
	assert_int_equal(access(keep, F_OK), 0);	/* only sockets go */
	unlink(keep);
	rundir_remove(dir);
	assert_int_equal(access(dir, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
