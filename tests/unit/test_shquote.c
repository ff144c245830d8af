/*
 * Values pasted into shell commands come back exactly, and never run:
 * every hostile value, in every context a template can put it, is run
 * through /bin/sh, which must print the value's bytes and create nothing.
 */
#include "tests/unit/unit.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <unistd.h>

#include "common/shquote.h"

static const char *const values[] = {
	"plain",
	"\"; touch PWNED; echo \"",
	"'; touch PWNED; echo '",
	"$(touch PWNED)",
	"`touch PWNED`",
	"${PWNED:=x}$(touch PWNED)",
	"back\\slash\\",
	"line one\nline two; touch PWNED",
	"it's \"quoted\" $HOME `x` \\$",
	"'",
	"\"",
	"",
	"$((1+1)) ; | & > PWNED < /dev/null",
	"\\'\\\"",
};

/* Templates: @V@ is where the value goes, as {{ }} would be. */
static const char *const templates[] = {
	"printf '%s' @V@",
	"printf '%s' '@V@'",
	"printf '%s' \"@V@\"",
	"printf '%s' \"$(printf '%s' @V@)\"",
	"printf '%s' \"$(printf '%s' \"@V@\")\"",
	"x=@V@; printf '%s' \"$x\"",
	"printf '%s' 'a'@V@'b' | sed 's/^a//; s/b$//'",
};

/* Run cmd in a fresh directory; its output into out. Exit status. */
static int
run_sh(const char *dir, const char *cmd, char *out, size_t size)
{
	char	 full[8400];
	FILE	*p;
	size_t	 n;

	snprintf(full, sizeof full, "cd %s && %s", dir, cmd);
	p = popen(full, "r");
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

static void
test_roundtrip(void **state)
{
	struct shquote	 q;
	char		 dir[64], pwned[96], cmd[8192], out[4096], *esc, *at;
	char		 want[512];
	size_t		 i, j, elen;
	struct stat	 st;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/orch-test-shquote-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(pwned, sizeof pwned, "%s/PWNED", dir);
	for (i = 0; i < sizeof templates / sizeof templates[0]; i++)
		for (j = 0; j < sizeof values / sizeof values[0]; j++) {
			/* The context where %s stands, as the scheduler finds. */
			at = strstr(templates[i], "@V@");
			shquote_init(&q);
			shquote_scan(&q, templates[i], (size_t)(at -
			    templates[i]));
			esc = shquote_value(q.ctx, values[j], strlen(values[j]),
			    &elen);
			snprintf(cmd, sizeof cmd, "%.*s%s%s", (int)(at -
			    templates[i]), templates[i], esc, at + 3);
			free(esc);
			if (run_sh(dir, cmd, out, sizeof out) != 0)
				fail_msg("template %zu, value %zu: [%s] failed",
				    i, j, cmd);
			snprintf(want, sizeof want, "%s", values[j]);
			/* $( ) and `` drop trailing newlines, as shells do. */
			if (strstr(templates[i], "$(") != NULL ||
			    strchr(templates[i], '`') != NULL)
				while (strlen(want) > 0 &&
				    want[strlen(want) - 1] == '\n')
					want[strlen(want) - 1] = '\0';
			if (strcmp(out, want) != 0)
				fail_msg("template %zu, value %zu: got [%s] from "
				    "[%s]", i, j, out, cmd);
			if (stat(pwned, &st) == 0)
				fail_msg("template %zu, value %zu ran code: %s",
				    i, j, cmd);
		}
	rmdir(dir);
}

static void
test_contexts(void **state)
{
	static const struct {
		const char		*text;
		enum shquote_ctx	 ctx;
	} cases[] = {
		{ "echo ", SHQUOTE_BARE },
		{ "echo '", SHQUOTE_SINGLE },
		{ "echo \"", SHQUOTE_DOUBLE },
		{ "echo \"it's ", SHQUOTE_DOUBLE },
		{ "echo 'say \"", SHQUOTE_SINGLE },
		{ "echo \\' ", SHQUOTE_BARE },
		{ "echo \"\\\" ", SHQUOTE_DOUBLE },
		{ "echo \"$(echo ", SHQUOTE_BARE },
		{ "echo \"$(echo \"", SHQUOTE_DOUBLE },
		{ "echo \"$(echo x) ", SHQUOTE_DOUBLE },
		{ "echo `echo ", SHQUOTE_BARE },
		{ "echo 'a' \"b\" ", SHQUOTE_BARE },
	};
	static const char *const unsafe[] = {
		"echo `echo ", "echo \"`", "echo $(echo `",
	};
	struct shquote	q;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		shquote_init(&q);
		shquote_scan(&q, cases[i].text, strlen(cases[i].text));
		if (q.ctx != cases[i].ctx)
			fail_msg("[%s]: context %d, not %d", cases[i].text,
			    q.ctx, cases[i].ctx);
		if (strchr(cases[i].text, '`') == NULL)
			assert_true(shquote_safe(&q));
	}
	/* Inside `...` nothing can be quoted safely: refused. */
	for (i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++) {
		shquote_init(&q);
		shquote_scan(&q, unsafe[i], strlen(unsafe[i]));
		assert_false(shquote_safe(&q));
	}
}

static void
test_nul(void **state)
{
	char	*esc;
	size_t	 len;

	(void)state;
	esc = shquote_value(SHQUOTE_BARE, "a\0b", 3, &len);
	assert_int_equal(len, 4);
	assert_string_equal(esc, "'ab'");
	free(esc);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_contexts),
		cmocka_unit_test(test_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
