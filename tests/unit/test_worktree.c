/*
 * An agent's git worktree, against a real repository in a temporary
 * directory: made on its own branch (or an existing one), taken as it is
 * when it is there already, refused outside a repository or for a branch
 * checked out elsewhere (git's reason said), removed when clean, kept
 * when it holds a change.
 */
#include "tests/unit/unit.h"

#include <limits.h>
#include <unistd.h>

#include "actors/worktree.h"

static char	top[] = "/tmp/orch-test-wt.XXXXXX";
static char	repo[256];

static void
sh(const char *fmt, const char *arg)
{
	char	cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof cmd, fmt, arg, arg, arg);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(repo, sizeof repo, "%s/repo", top);
	sh("git init -q -b main %s && git -C %s -c user.name=t -c user.email=t@t "
	    "commit -q --allow-empty -m init && git -C %s branch old", repo);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", top);
	return 0;
}

static void
test_make_and_remove(void **state)
{
	struct worktree_config	 wc = { true, NULL, NULL, NULL };
	struct worktree		 w, again;
	char			 want[PATH_MAX], *cause = NULL;

	(void)state;
	assert_int_equal(worktree_open(&w, "a1", repo, &wc, &cause), 0);
	snprintf(want, sizeof want, "%s/.orch/worktrees/a1", repo);
	assert_string_equal(w.path, want);
	assert_int_equal(access(want, F_OK), 0);
	sh("test \"$(git -C %s rev-parse --abbrev-ref HEAD)\" = orch/a1", want);
	/* There already (a restart): taken as it is. */
	assert_int_equal(worktree_open(&again, "a1", repo, &wc, &cause), 0);
	assert_string_equal(again.path, want);
	/* Clean: removed, the branch stays. */
	worktree_close(&w);
	assert_int_equal(access(want, F_OK), -1);
	sh("git -C %s rev-parse --verify -q refs/heads/orch/a1 >/dev/null", repo);
	worktree_close(&w);	/* once only */
}

static void
test_dirty_kept(void **state)
{
	struct worktree_config	 wc = { true, (char *)"old", NULL, NULL };
	struct worktree		 w;
	char			 path[PATH_MAX], *cause = NULL;

	(void)state;
	snprintf(path, sizeof path, "%s/elsewhere", top);
	wc.path = path;
	assert_int_equal(worktree_open(&w, "a2", repo, &wc, &cause), 0);
	/* The branch that was there, checked out. */
	sh("test \"$(git -C %s rev-parse --abbrev-ref HEAD)\" = old", path);
	sh("echo x >%s/wip", path);
	worktree_close(&w);
	assert_int_equal(access(path, F_OK), 0);
}

static void
test_refused(void **state)
{
	struct worktree_config	 wc = { true, (char *)"main", NULL, NULL };
	struct worktree		 w;
	char			*cause = NULL;

	(void)state;
	/* main is the repository's own checkout. */
	assert_int_equal(worktree_open(&w, "a3", repo, &wc, &cause), -1);
	assert_non_null(strstr(cause, "worktree: cannot add"));
	assert_non_null(strstr(cause, "(branch main): "));
	assert_non_null(strstr(cause, "main"));
	free(cause);
	cause = NULL;
	wc.branch = NULL;
	assert_int_equal(worktree_open(&w, "a4", top, &wc, &cause), -1);
	assert_non_null(strstr(cause, "is not in a git repository"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_and_remove),
		cmocka_unit_test(test_dirty_kept),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
