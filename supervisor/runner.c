#include "supervisor/runner.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

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

bool
runner_claude_path(char *path, size_t size)
{
	const char	*env = getenv("ORCH_CLAUDE"), *p;
	char		*copy, *dir, *save;
	bool		 found = false;

	if (env != NULL && *env != '\0') {
		snprintf(path, size, "%s", env);
		return access(path, X_OK) == 0;
	}
	if ((p = getenv("PATH")) == NULL)
		return false;
	copy = xstrdup(p);
	for (dir = strtok_r(copy, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, size, "%s/claude", *dir ? dir : ".");
		found = access(path, X_OK) == 0;
	}
	free(copy);
	return found;
}

int
runner_claude_result(const char *out, bool *is_error, char **text,
    double *cost_usd, char **session)
{
	const char	*line, *end;
	json_t		*j, *v;
	int		 rc = -1;

	*text = *session = NULL;
	*is_error = true;
	*cost_usd = 0;
	/* The last complete line that is a result event. */
	for (end = out + strlen(out); end > out; end = line) {
		while (end > out && end[-1] == '\n')
			end--;
		for (line = end; line > out && line[-1] != '\n'; line--)
			;
		if (line == end)
			break;
		j = json_loadb(line, (size_t)(end - line), 0, NULL);
		if (j == NULL)
			continue;
		v = json_object_get(j, "type");
		if (json_is_string(v) && strcmp(json_string_value(v),
		    "result") == 0) {
			v = json_object_get(j, "is_error");
			*is_error = json_is_true(v) || (v == NULL &&
			    json_is_string(json_object_get(j, "subtype")) &&
			    strcmp(json_string_value(json_object_get(j,
			    "subtype")), "success") != 0);
			v = json_object_get(j, "result");
			*text = xstrdup(json_is_string(v) ?
			    json_string_value(v) : "");
			v = json_object_get(j, "total_cost_usd");
			*cost_usd = json_is_number(v) ? json_number_value(v) : 0;
			v = json_object_get(j, "session_id");
			if (json_is_string(v))
				*session = xstrdup(json_string_value(v));
			rc = 0;
		}
		json_decref(j);
		if (rc == 0)
			break;
	}
	return rc;
}
