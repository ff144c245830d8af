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
    const char *resume, struct strlist *argv)
{
	char	*arg, path[PATH_MAX];
	size_t	 i;

	switch (ac->runner) {
	case RUNNER_CLAUDE:
		/*
		 * The prompt goes in on its standard input, a stream-json user
		 * message, where its permission prompts are answered too
		 * (control_request / control_response): orch's gate decides.
		 */
		/* $ORCH_CLAUDE, else the first on PATH, as interactive ones. */
		strlist_add(argv, runner_claude_path(path, sizeof path) ? path :
		    "claude");
		strlist_add(argv, "-p");
		strlist_add(argv, "--input-format");
		strlist_add(argv, "stream-json");
		strlist_add(argv, "--output-format");
		strlist_add(argv, "stream-json");
		strlist_add(argv, "--verbose");
		strlist_add(argv, "--permission-prompt-tool");
		strlist_add(argv, "stdio");
		/* One conversation on the agent, task after task. */
		if (resume != NULL && resume[0] != '\0') {
			strlist_add(argv, "--resume");
			strlist_add(argv, resume);
		}
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

