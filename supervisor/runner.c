#include "supervisor/runner.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"

bool
runner_takes_prompts(const struct agent_config *ac)
{
	return ac->runner == RUNNER_CLAUDE || ac->runner == RUNNER_ARGV;
}

/* Replace every "{prompt}" in arg. */
static char *
runner_fill(const char *arg, const char *prompt)
{
	const char	*p = arg, *at;
	char		*out = xstrdup(""), *next;

	while ((at = strstr(p, "{prompt}")) != NULL) {
		xasprintf(&next, "%s%.*s%s", out, (int)(at - p), p, prompt);
		free(out);
		out = next;
		p = at + 8;
	}
	xasprintf(&next, "%s%s", out, p);
	free(out);
	return next;
}

int
runner_prompt_argv(const struct agent_config *ac, const char *prompt,
    struct strlist *argv)
{
	char	*arg;
	size_t	 i;

	switch (ac->runner) {
	case RUNNER_CLAUDE:
		strlist_add(argv, "claude");
		strlist_add(argv, "-p");
		/* NULL: the prompt is on its standard input. */
		if (prompt != NULL)
			strlist_add(argv, prompt);
		strlist_add(argv, "--output-format");
		strlist_add(argv, "stream-json");
		strlist_add(argv, "--verbose");
		for (i = 0; i < ac->runner_args.n; i++)
			strlist_add(argv, ac->runner_args.v[i]);
		return 0;
	case RUNNER_ARGV:
		for (i = 0; i < ac->runner_argv.n; i++) {
			arg = runner_fill(ac->runner_argv.v[i], prompt);
			strlist_add(argv, arg);
			free(arg);
		}
		return 0;
	default:
		return -1;
	}
}

