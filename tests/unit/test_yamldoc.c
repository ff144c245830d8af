#include "tests/unit/unit.h"

#include <unistd.h>

#include "common/xmalloc.h"
#include "supervisor/yamldoc.h"

static struct yamldoc *
load(const char *text, char **cause)
{
	return yamldoc_load_string("t.yaml", text, strlen(text), NULL, cause);
}

/* Loading must fail with a message that starts with want (a location). */
static void
refuse(const char *text, const struct yamldoc_limits *lim, const char *want,
    const char *says)
{
	struct yamldoc	*doc;
	char		*cause = NULL;

	doc = yamldoc_load_string("t.yaml", text, strlen(text), lim, &cause);
	assert_null(doc);
	assert_non_null(cause);
	if (strncmp(cause, want, strlen(want)) != 0 ||
	    strstr(cause, says) == NULL)
		fail_msg("got \"%s\", want \"%s...%s\"", cause, want, says);
	free(cause);
}

static void
test_tree(void **state)
{
	struct yamldoc	*doc;
	struct yamlnode	*n;
	char		*cause = NULL;

	(void)state;
	doc = load("a: 1\nb: [x, 'y', ~]\nc: {d: e}\n", &cause);
	assert_non_null(doc);
	assert_int_equal(doc->root->type, YAMLNODE_MAP);
	assert_int_equal(doc->root->n, 6);
	n = yamldoc_get(doc->root, "b");
	assert_int_equal(n->type, YAMLNODE_SEQ);
	assert_int_equal(n->n, 3);
	assert_int_equal(n->line, 2);
	assert_int_equal(n->col, 4);
	assert_false(yamldoc_is_null(n->items[0]));
	assert_true(n->items[1]->quoted);
	assert_true(yamldoc_is_null(n->items[2]));
	assert_string_equal(yamldoc_get(yamldoc_get(doc->root, "c"), "d")->str,
	    "e");
	assert_null(yamldoc_get(doc->root, "zz"));
	yamldoc_free(doc);

	doc = load("", &cause);
	assert_non_null(doc);
	assert_null(doc->root);
	yamldoc_free(doc);
}

static void
test_aliases(void **state)
{
	struct yamldoc	*doc;
	struct yamlnode	*n;
	char		*cause = NULL;

	(void)state;
	doc = load("base: &b {x: 1}\nuse: *b\n", &cause);
	assert_non_null(doc);
	n = yamldoc_get(doc->root, "use");
	assert_int_equal(n->type, YAMLNODE_MAP);
	assert_string_equal(yamldoc_get(n, "x")->str, "1");
	yamldoc_free(doc);

	refuse("a: &x [*x]\n", NULL, "t.yaml:1:", "contains it");
	refuse("a: *nope\n", NULL, "t.yaml:1:4:", "names no anchor");
}

static void
test_billion_laughs(void **state)
{
	char	*text;

	(void)state;
	text = xstrdup(
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n");
	refuse(text, NULL, "t.yaml:", "nodes (alias expansion?)");
	free(text);
}

static void
test_limits(void **state)
{
	struct yamldoc_limits	 lim = YAMLDOC_LIMITS_DEFAULT;
	char			*text;
	size_t			 i, n = 100000;

	(void)state;
	/* 100,000 levels of flow nesting: refused at level 65. */
	text = xmalloc(2 * n + 1);
	memset(text, '[', n);
	memset(text + n, ']', n);
	text[2 * n] = '\0';
	refuse(text, NULL, "t.yaml:1:65:", "nested deeper than 64");
	free(text);

	/* Block nesting counts the same way. */
	lim.max_depth = 3;
	refuse("a:\n  b:\n    c:\n      d: 1\n", &lim, "t.yaml:4:", "deeper");

	lim = (struct yamldoc_limits)YAMLDOC_LIMITS_DEFAULT;
	lim.max_scalar = 10;
	refuse("k: 0123456789abc\n", &lim, "t.yaml:1:4:", "scalar of 13");

	lim = (struct yamldoc_limits)YAMLDOC_LIMITS_DEFAULT;
	lim.max_aliases = 2;
	refuse("a: &a 1\nb: [*a, *a, *a]\n", &lim, "t.yaml:2:13:",
	    "more than 2 aliases");

	/* A scalar bigger than the whole-input limit stops the reader. */
	lim = (struct yamldoc_limits)YAMLDOC_LIMITS_DEFAULT;
	lim.max_input = 4096;
	text = xmalloc(20000);
	memcpy(text, "k: ", 3);
	for (i = 3; i < 19999; i++)
		text[i] = 'x';
	text[19999] = '\0';
	refuse(text, &lim, "t.yaml:1:", "input larger than 4096 bytes");
	free(text);
}

static void
test_syntax(void **state)
{
	(void)state;
	refuse("a: [1, 2\n", NULL, "t.yaml:2:1:", "flow sequence");
	refuse("a: 1\n---\nb: 2\n", NULL, "t.yaml:2:1:", "more than one");
	refuse("a: b: c\n", NULL, "t.yaml:1:5:", "not allowed");
}

static void
test_file(void **state)
{
	struct yamldoc	*doc;
	char		*cause = NULL, path[] = "/tmp/orch-test-yaml-XXXXXX";
	int		 fd;

	(void)state;
	assert_null(yamldoc_load_file("/nonexistent/x.yaml", NULL, &cause));
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	cause = NULL;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x: [1\n", 6), 6);
	close(fd);
	assert_null(yamldoc_load_file(path, NULL, &cause));
	assert_non_null(strstr(cause, path));
	free(cause);
	unlink(path);
	(void)doc;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
