/*
 * How a task runs on an agent: a command through /bin/sh -c (any agent), a
 * prompt through the agent's runner: Claude Code in print mode with its
 * stream-json output (an argument vector, no shell quoting), or a custom
 * argv template with "{prompt}" in it.
 */
#ifndef ORCH_SUPERVISOR_RUNNER_H
#define ORCH_SUPERVISOR_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strlist.h"
#include "supervisor/config.h"

/* Whether an agent with this runner can take prompts. */
bool	runner_takes_prompts(const struct agent_config *ac);

/*
 * The argument vector for a prompt on agent ac (appended to argv, which
 * starts empty). 0, or -1 when the agent's runner takes no prompts.
 * Claude Code (print mode) reads the prompt on its standard input, as
 * stream-json, and resumes the session resume (NULL or "": a new one).
 */
int	runner_prompt_argv(const struct agent_config *ac, const char *prompt,
	    const char *resume, struct strlist *argv);

/*
 * runner_claude.c: where the claude binary is: $ORCH_CLAUDE, else the
 * first "claude" on PATH. false when there is none.
 */
bool	runner_claude_path(char *path, size_t size);

/* What a result says it took: turns, and tokens in (cache too) and out. */
struct runner_usage {
	uint64_t	turns;
	uint64_t	tokens_in;
	uint64_t	tokens_out;
};

/*
 * The final "result" event of Claude Code's stream-json output (the last
 * one in out). 0 with *text (malloc'd; the result), *is_error, *cost_usd,
 * *session (malloc'd or NULL) and *u (when not NULL); -1 when there is
 * none.
 */
int	runner_claude_result(const char *out, bool *is_error, char **text,
	    double *cost_usd, char **session, struct runner_usage *u);

/* What a prompt's Claude Code output means for its task. */
struct runner_outcome {
	bool	 ok;		/* it worked */
	char	*text;		/* its output (malloc'd), or NULL: none */
	double	 cost_usd;
	uint64_t turns;
	uint64_t tokens_in;
	uint64_t tokens_out;
	char	 session[128];	/* "-" when it did not say */
	char	 reason[256];	/* why not ok */
};

/* runner_claude.c: the outcome of out (NUL-terminated; NULL: no output). */
void	runner_claude_outcome(const char *out, struct runner_outcome *o);

#endif
