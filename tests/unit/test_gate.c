/*
 * The command gate's reading, on a corpus of forms with the decision each
 * must get (rules: rm and sudo need approval, as tier 2's default): every
 * way of writing rm that a shell would run is held, what cannot be read
 * statically is held, and plain commands run.
 */
#include "tests/unit/unit.h"

#include <errno.h>
#include <stdio.h>

#include "common/gate.h"

static const char *const words[] = { "rm", "sudo" };
static const struct gate_rules	rules = { words, 2 };

/* The corpus, shared with the e2e test: tests/gate_forms.txt. */
#define GATE_FORMS	"tests/gate_forms.txt"

struct form {
	char			*cmd;
	enum gate_verdict	 want;
};

/* Every form of the file, in order; *n how many. */
static struct form *
forms_read(size_t *n)
{
	FILE		*f = fopen(GATE_FORMS, "re");
	struct form	*v = NULL;
	char		*line = NULL, *cmd = NULL;
	size_t		 cap = 0, len;
	ssize_t		 got;

	if (f == NULL)
		fail_msg("%s: %s (run from the top of the tree)", GATE_FORMS,
		    strerror(errno));
	*n = 0;
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "+ ", 2) == 0) {
			assert_true(*n > 0);
			len = strlen(v[*n - 1].cmd);
			v[*n - 1].cmd = realloc(v[*n - 1].cmd, len +
			    (size_t)got);
			v[*n - 1].cmd[len] = '\n';
			memcpy(v[*n - 1].cmd + len + 1, line + 2, (size_t)got - 1);
			continue;
		}
		v = realloc(v, (*n + 1) * sizeof *v);
		if (strncmp(line, "run ", 4) == 0) {
			v[*n].want = GATE_RUN;
			cmd = line + 4;
		} else if (strncmp(line, "hold ", 5) == 0) {
			v[*n].want = GATE_HOLD;
			cmd = line + 5;
		} else
			fail_msg("%s: not run/hold: %s", GATE_FORMS, line);
		v[(*n)++].cmd = strdup(cmd);
	}
	free(line);
	fclose(f);
	return v;
}

static void
test_corpus(void **state)
{
	struct form		*corpus;
	char			 why[512];
	enum gate_verdict	 got;
	size_t			 i, n, held = 0;

	(void)state;
	corpus = forms_read(&n);
	for (i = 0; i < n; i++) {
		got = gate_shell(corpus[i].cmd, &rules, why, sizeof why);
		if (got != corpus[i].want)
			fail_msg("[%s]: %s, not %s (%s)", corpus[i].cmd,
			    got == GATE_RUN ? "run" : "held", corpus[i].want ==
			    GATE_RUN ? "run" : "held", why);
		if (got == GATE_HOLD) {
			assert_true(why[0] != '\0');
			held++;
		}
		free(corpus[i].cmd);
	}
	free(corpus);
	assert_true(n >= 100);
	assert_true(held >= 60);
}

static void
test_why(void **state)
{
	char	why[512];

	(void)state;
	assert_int_equal(gate_shell("sh -c 'rm x'", &rules, why, sizeof why),
	    GATE_HOLD);
	assert_string_equal(why, "'rm' needs approval (inside sh -c)");
	assert_int_equal(gate_shell("ls; /bin/rm x", &rules, why, sizeof why),
	    GATE_HOLD);
	assert_string_equal(why, "'rm' needs approval");
	assert_int_equal(gate_shell("$x", &rules, why, sizeof why), GATE_HOLD);
	assert_string_equal(why, "the command '$x' comes from an expansion");
}

static void
test_argv(void **state)
{
	char	*rm[] = { (char *)"/bin/rm", (char *)"-v", (char *)"x" };
	char	*ls[] = { (char *)"ls", (char *)"rm" };
	char	*env[] = { (char *)"env", (char *)"A=1", (char *)"rm" };
	char	*sh[] = { (char *)"/bin/sh", (char *)"-c", (char *)"ls; rm x" };
	char	 why[512];

	(void)state;
	assert_int_equal(gate_argv(rm, 3, &rules, why, sizeof why), GATE_HOLD);
	assert_int_equal(gate_argv(ls, 2, &rules, why, sizeof why), GATE_RUN);
	assert_int_equal(gate_argv(env, 3, &rules, why, sizeof why), GATE_HOLD);
	assert_int_equal(gate_argv(sh, 3, &rules, why, sizeof why), GATE_HOLD);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
