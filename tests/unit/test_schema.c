#include "tests/unit/unit.h"

#include "common/xmalloc.h"
#include "supervisor/schema.h"

struct target {
	unsigned long	 n;
	int		 color;
	struct strlist	 tags;
};

static int
n_cb(struct schema *c, const char *path, const struct yamlnode *n, void *arg)
{
	return schema_uint(c, path, n, 1, 10, &((struct target *)arg)->n);
}

static int
color_cb(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	static const char *const names[] = { "red", NULL, "blue" };

	return schema_enum(c, path, n, names, 3, &((struct target *)arg)->color);
}

static int
tags_cb(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_strlist(c, path, n, &((struct target *)arg)->tags);
}

static const struct schema_key keys[] = {
	{ "count", n_cb },
	{ "color", color_cb },
	{ "tags", tags_cb },
	{ "later", NULL },
};

/* Walk text; return the cause (or NULL on success). */
static char *
walk(const char *text, struct target *t)
{
	struct yamldoc	*doc;
	struct schema	 c;
	char		*cause = NULL;

	memset(t, 0, sizeof *t);
	doc = yamldoc_load_string("s.yaml", text, strlen(text), NULL, &cause);
	assert_non_null(doc);
	memset(&c, 0, sizeof c);
	c.doc = doc;
	c.base_dir = NULL;
	c.cause = &cause;
	if (schema_walk(&c, "top", doc->root, keys, 4, t) == 0)
		assert_null(cause);
	else
		assert_non_null(cause);
	yamldoc_free(doc);
	strlist_clear(&t->tags);
	return cause;
}

static void
expect(const char *text, const char *want)
{
	struct target	 t;
	char		*cause = walk(text, &t);

	if (cause == NULL || strcmp(cause, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", cause, want);
	free(cause);
}

static void
test_ok(void **state)
{
	struct target	 t;
	struct yamldoc	*doc;
	struct schema	 c;
	char		*cause = NULL;
	const char	*text = "count: 3\ncolor: blue\ntags: [a, b]\nlater: {x: 1}\n";

	(void)state;
	doc = yamldoc_load_string("s.yaml", text, strlen(text), NULL, &cause);
	memset(&c, 0, sizeof c);
	c.doc = doc;
	c.base_dir = NULL;
	c.cause = &cause;
	memset(&t, 0, sizeof t);
	assert_int_equal(schema_walk(&c, "top", doc->root, keys, 4, &t), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.color, 2);
	assert_int_equal(t.tags.n, 2);
	strlist_clear(&t.tags);
	yamldoc_free(doc);
	assert_null(walk("tags: one\n", &t));
}

static void
test_errors(void **state)
{
	(void)state;
	expect("colour: red\n", "s.yaml:1:1: top: unknown key 'colour' (did "
	    "you mean 'color'?)");
	expect("zzzzzz: 1\n", "s.yaml:1:1: top: unknown key 'zzzzzz'");
	expect("count: 1\ncount: 2\n", "s.yaml:2:1: top: duplicate key 'count' "
	    "(first at line 1)");
	expect("count: 11\n", "s.yaml:1:8: top.count: '11' is not a whole "
	    "number from 1 to 10");
	expect("count: 3x\n", "s.yaml:1:8: top.count: '3x' is not a whole "
	    "number from 1 to 10");
	expect("count: ~\n", "s.yaml:1:8: top.count: expected a string, got "
	    "null");
	expect("color: green\n", "s.yaml:1:8: top.color: 'green' is not one "
	    "of: red, blue");
	expect("tags: [a, a]\n", "s.yaml:1:11: top.tags: 'a' is listed twice");
	expect("tags: [[a]]\n", "s.yaml:1:8: top.tags: expected a string, got "
	    "a list");
	expect("[1]\n", "s.yaml:1:1: top: expected a mapping, got a list");
	expect("? [a]\n: 1\n", "s.yaml:1:3: top: a key must be a scalar");
}

/* Checking goes on after an error: every one is told, a line each. */
static void
test_every_error(void **state)
{
	struct target	 t;
	char		*cause, *text, *p;
	size_t		 lines, i;

	(void)state;
	expect("colour: red\ncount: 0\ncount: 2\ntags: [a, a]\n",
	    "s.yaml:1:1: top: unknown key 'colour' (did you mean 'color'?)\n"
	    "s.yaml:2:8: top.count: '0' is not a whole number from 1 to 10\n"
	    "s.yaml:3:1: top: duplicate key 'count' (first at line 2)\n"
	    "s.yaml:4:11: top.tags: 'a' is listed twice");
	/* A good key after bad ones is still read. */
	cause = walk("zz: 1\ncount: 4\n", &t);
	assert_string_equal(cause, "s.yaml:1:1: top: unknown key 'zz'");
	assert_int_equal(t.n, 4);
	free(cause);

	/* But not for ever: the first SCHEMA_ERRORS_MAX, then a stop. */
	text = xstrdup("");
	for (i = 0; i < 3 * SCHEMA_ERRORS_MAX; i++) {
		p = text;
		xasprintf(&text, "%sk%zu: 1\n", p, i);
		free(p);
	}
	cause = walk(text, &t);
	free(text);
	for (lines = 1, p = cause; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, SCHEMA_ERRORS_MAX + 1);
	assert_non_null(strstr(cause, "s.yaml:20:1: top: unknown key 'k19'\n"
	    "s.yaml: stopping after 20 errors"));
	assert_null(strstr(cause, "'k20'"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
