/*
 * Claude Code as a runner: where its binary is, and what its stream-json
 * output says about a prompt (the final "result" event decides whether it
 * worked, and its text is the task's output).
 */
#include "supervisor/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/xmalloc.h"

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


/*
 * A result event's text: its "result"; an error without one (a run that
 * reached --max-turns) says why in "errors", else its subtype does.
 */
static char *
runner_claude_text(json_t *j)
{
	json_t		*v = json_object_get(j, "result"), *e;
	char		*text = NULL, *next;
	size_t		 i;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	json_array_foreach(json_object_get(j, "errors"), i, e) {
		if (!json_is_string(e))
			continue;
		xasprintf(&next, "%s%s%s", text != NULL ? text : "",
		    text != NULL ? "; " : "", json_string_value(e));
		free(text);
		text = next;
	}
	if (text != NULL)
		return text;
	v = json_object_get(j, "subtype");
	return xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

/* A count in the result, or 0: a whole number within reason. */
static uint64_t
runner_claude_count(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	    (uint64_t)json_integer_value(v) : 0;
}

static void
runner_claude_usage(json_t *j, struct runner_usage *u)
{
	json_t	*usage = json_object_get(j, "usage");

	u->turns = runner_claude_count(j, "num_turns");
	u->tokens_in = runner_claude_count(usage, "input_tokens") +
	    runner_claude_count(usage, "cache_creation_input_tokens") +
	    runner_claude_count(usage, "cache_read_input_tokens");
	u->tokens_out = runner_claude_count(usage, "output_tokens");
}

int
runner_claude_result(const char *out, bool *is_error, char **text,
    double *cost_usd, char **session, struct runner_usage *u)
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
			*text = runner_claude_text(j);
			v = json_object_get(j, "total_cost_usd");
			*cost_usd = json_is_number(v) ? json_number_value(v) : 0;
			v = json_object_get(j, "session_id");
			if (json_is_string(v))
				*session = xstrdup(json_string_value(v));
			if (u != NULL)
				runner_claude_usage(j, u);
			rc = 0;
		}
		json_decref(j);
		if (rc == 0)
			break;
	}
	return rc;
}

void
runner_claude_outcome(const char *out, struct runner_outcome *o)
{
	struct runner_usage	 u = { 0, 0, 0 };
	char			*session = NULL;
	bool			 is_error;

	memset(o, 0, sizeof *o);
	if (out == NULL || runner_claude_result(out, &is_error, &o->text,
	    &o->cost_usd, &session, &u) != 0) {
		snprintf(o->reason, sizeof o->reason, "claude gave no result "
		    "event");
		return;
	}
	o->ok = !is_error;
	o->turns = u.turns;
	o->tokens_in = u.tokens_in;
	o->tokens_out = u.tokens_out;
	if (is_error)
		snprintf(o->reason, sizeof o->reason, "claude: %.200s", o->text);
	snprintf(o->session, sizeof o->session, "%s", session != NULL ?
	    session : "-");
	free(session);
}
