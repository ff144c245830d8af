#include "ipc/agent_config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "ipc/agent_config_int.h"

const char *const agent_type_names[AGENT_TYPE_COUNT] = {
	[AGENT_PRIMARY] = "primary",
	[AGENT_WORKER] = "worker",
	[AGENT_SPECIALIST] = "specialist",
	[AGENT_GATEWAY] = "gateway",
};

const char *const runner_names[RUNNER_COUNT] = {
	[RUNNER_SHELL] = "shell",
	[RUNNER_CLAUDE] = "claude",
	[RUNNER_ARGV] = "argv",
};

const char *const session_backend_names[SESSION_BACKEND_COUNT] = {
	[SESSION_PTY] = "pty",
	[SESSION_TMUX] = "tmux",
	[SESSION_ITERM2] = "iterm2",
};

const char *const restart_kind_names[RESTART_KIND_COUNT] = {
	[RESTART_PERMANENT] = "permanent",
	[RESTART_TRANSIENT] = "transient",
	[RESTART_TEMPORARY] = "temporary",
};

static const char *
agent_config_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "?";
}

int
agent_config_index(const char *const *names, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
agent_type_name(enum agent_type t)
{
	return agent_config_name(agent_type_names, NITEMS(agent_type_names), t);
}

const char *const claude_mode_names[CLAUDE_MODE_COUNT] = {
	[CLAUDE_PRINT] = "print",
	[CLAUDE_INTERACTIVE] = "interactive",
};

const char *
claude_mode_name(enum claude_mode m)
{
	return agent_config_name(claude_mode_names, NITEMS(claude_mode_names),
	    m);
}

bool
agent_config_interactive(const struct agent_config *ac)
{
	return ac->runner == RUNNER_CLAUDE &&
	    ac->claude.mode == CLAUDE_INTERACTIVE;
}

const char *
runner_name(enum runner_kind r)
{
	return agent_config_name(runner_names, NITEMS(runner_names), r);
}

const char *
session_backend_name(enum session_backend b)
{
	return agent_config_name(session_backend_names,
	    NITEMS(session_backend_names), b);
}

const char *
restart_kind_name(enum restart_kind kind)
{
	return agent_config_name(restart_kind_names, NITEMS(restart_kind_names),
	    kind);
}

int
restart_kind_parse(const char *s)
{
	return agent_config_index(restart_kind_names,
	    NITEMS(restart_kind_names), s);
}

void
agent_config_defaults(struct agent_config *ac)
{
	memset(ac, 0, sizeof *ac);
	ac->type = AGENT_WORKER;
	ac->runner = RUNNER_SHELL;
	ac->backend = SESSION_PTY;
	ac->scrollback = SCROLLBACK_DEFAULT;
	ac->inbox = INBOX_DEFAULT;
	ac->tier = 1;
	ac->restart.kind = RESTART_PERMANENT;
	ac->restart.max = RESTART_MAX_DEFAULT;
	ac->restart.within_s = RESTART_WITHIN_DEFAULT;
	mcp_config_defaults(&ac->mcp);
}

void
mcp_config_defaults(struct mcp_config *m)
{
	memset(m, 0, sizeof *m);
	m->body_max = MCP_BODY_DEFAULT;
	m->idle_s = MCP_IDLE_DEFAULT;
}

void
mcp_config_copy(struct mcp_config *dst, const struct mcp_config *src)
{
	free(dst->token);
	*dst = *src;
	dst->token = src->token != NULL ? xstrdup(src->token) : NULL;
}

void
agent_config_clear(struct agent_config *ac)
{
	strlist_clear(&ac->caps);
	strlist_clear(&ac->runner_argv);
	strlist_clear(&ac->runner_args);
	strlist_clear(&ac->env);
	strlist_clear(&ac->perms);
	strlist_clear(&ac->approve);
	free(ac->shell);
	free(ac->cwd);
	free(ac->mcp.token);
	free(ac->worktree.branch);
	free(ac->worktree.base);
	free(ac->worktree.path);
	memset(ac, 0, sizeof *ac);
}

static char *
agent_config_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
agent_config_copy(struct agent_config *dst, const struct agent_config *src)
{
	*dst = *src;
	strlist_copy(&dst->caps, &src->caps);
	strlist_copy(&dst->runner_argv, &src->runner_argv);
	strlist_copy(&dst->runner_args, &src->runner_args);
	strlist_copy(&dst->env, &src->env);
	strlist_copy(&dst->perms, &src->perms);
	strlist_copy(&dst->approve, &src->approve);
	dst->shell = src->shell != NULL ? xstrdup(src->shell) : NULL;
	dst->cwd = src->cwd != NULL ? xstrdup(src->cwd) : NULL;
	dst->mcp.token = NULL;
	mcp_config_copy(&dst->mcp, &src->mcp);
	dst->worktree.branch = agent_config_dup(src->worktree.branch);
	dst->worktree.base = agent_config_dup(src->worktree.base);
	dst->worktree.path = agent_config_dup(src->worktree.path);
}
