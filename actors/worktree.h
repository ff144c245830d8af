/*
 * An agent's own git worktree (worktree.c): made before its session,
 * removed when the agent is terminated if it holds no change.
 */
#ifndef ORCH_ACTORS_WORKTREE_H
#define ORCH_ACTORS_WORKTREE_H

#include <limits.h>
#include <stdbool.h>

#include "ipc/agent_config.h"

struct worktree {
	bool	on;
	char	path[PATH_MAX];
};

/*
 * Make (or take) agent id's worktree by wc in the repository of cwd
 * (NULL: ours). 0 with w->path the session's cwd, or -1 with *cause (not
 * a repository, the branch checked out elsewhere, a path in the way).
 */
int	worktree_open(struct worktree *w, const char *id, const char *cwd,
	    const struct worktree_config *wc, char **cause);
/* The agent is gone for good: remove it if clean, else keep and warn. */
void	worktree_close(struct worktree *w);

#endif
