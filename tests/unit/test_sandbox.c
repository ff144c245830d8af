/*
 * The sandbox's command line: what it hides (every instance's run and
 * state directories, /dev/shm), the one socket it binds in, how it joins
 * a command; and a probe that fails says what bwrap said.
 */
#include "tests/unit/unit.h"

#include <sys/stat.h>

#include <stdio.h>
#include <unistd.h>

#include "actors/sandbox.h"

/* The argument after the first flag that has it as its value, or NULL. */
static const char *
after(char *const *v, const char *flag, const char *value)
{
	size_t	i;

	for (i = 0; v[i] != NULL && v[i + 1] != NULL; i++)
		if (strcmp(v[i], flag) == 0 && strcmp(v[i + 1], value) == 0)
			return v[i + 2] != NULL ? v[i + 2] : "";
	return NULL;
}

static void
test_prefix(void **state)
{
	char	**v, *cause = NULL, *argv[] = { (char *)"sh", (char *)"-c",
		    (char *)"true", NULL }, **joined;
	size_t	  n;

	(void)state;
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	setenv("XDG_STATE_HOME", "/home/u/.local/state", 1);
	if ((v = sandbox_prefix("inst", "a1", &cause)) == NULL) {
		/* Only when bwrap is not installed: then it says so. */
		assert_non_null(strstr(cause, "Debian package bubblewrap"));
		free(cause);
		skip();
	}
	assert_true(v[0][0] == '/');
	assert_non_null(strstr(v[0], "bwrap"));
	/* The directory holding every instance's, not just this one's. */
	assert_non_null(after(v, "--tmpfs", "/run/user/7/orch"));
	assert_non_null(after(v, "--tmpfs", "/home/u/.local/state/orch"));
	assert_non_null(after(v, "--tmpfs", "/dev/shm"));
	assert_string_equal(after(v, "--bind",
	    "/run/user/7/orch/inst/actors/a1.sock"),
	    "/run/user/7/orch/inst/actors/a1.sock");
	assert_non_null(after(v, "--proc", "/proc"));
	for (n = 0; v[n] != NULL; n++)
		;
	assert_string_equal(v[n - 1], "--");
	joined = sandbox_join(v, argv);
	assert_ptr_equal(joined[0], v[0]);
	assert_string_equal(joined[n], "sh");
	assert_string_equal(joined[n + 2], "true");
	assert_null(joined[n + 3]);
	free(joined);
	sandbox_free(v);
}

/* A bwrap that cannot make namespaces: refused with its words. */
static void
test_probe_fails(void **state)
{
	char	 dir[] = "/tmp/orch-test-sandbox-XXXXXX", path[64], *cause = NULL;
	char	*prefix[3];
	FILE	*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/bwrap", dir);
	f = fopen(path, "w");
	fputs("#!/bin/sh\necho 'bwrap: setting up uid map: Permission "
	    "denied' >&2\nexit 1\n", f);
	fclose(f);
	chmod(path, 0755);
	prefix[0] = path;
	prefix[1] = (char *)"--";
	prefix[2] = NULL;
	assert_int_equal(sandbox_probe(prefix, &cause), -1);
	assert_string_equal(cause, "the sandbox cannot be made here (bwrap: "
	    "bwrap: setting up uid map: Permission denied)");
	free(cause);
	cause = NULL;
	/* One that works: /bin/true's wrapper is /usr/bin/env. */
	prefix[0] = (char *)"/usr/bin/env";
	prefix[1] = NULL;
	assert_int_equal(sandbox_probe(prefix, &cause), 0);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_probe_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
