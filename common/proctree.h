/*
 * What a process left behind among its descendants. A task can leave its
 * session (setsid), double-fork and ignore SIGTERM; once its actor is a
 * child subreaper (PR_SET_CHILD_SUBREAPER) such orphans stay the actor's
 * descendants instead of init's, and a tag in their environment
 * (inherited through every fork and exec that does not clear it) says
 * which task they came from. The supervisor, a subreaper too, gets what a
 * dead actor left and kills it, tag or none.
 *
 * The process table comes from /proc, or from ps where there is none;
 * the environment from compat_environ (where the system cannot tell, no
 * process holds a tag).
 */
#ifndef ORCH_COMMON_PROCTREE_H
#define ORCH_COMMON_PROCTREE_H

#include <stddef.h>
#include <sys/types.h>

/* Make the caller a child subreaper. 0, or -1 (not supported). */
int	proctree_subreaper(void);

/*
 * Signal every living descendant of root (root itself excluded) whose
 * environment holds the string tag ("NAME=value"; NULL: any), except the
 * processes in keep[] and their descendants. Returns how many were
 * signalled.
 */
size_t	proctree_kill(pid_t root, const pid_t *keep, size_t nkeep,
	    const char *tag, int sig);

/*
 * proctree_kill with SIGKILL until nothing of it is left alive (what
 * forks meanwhile is found by the next pass), at most a bounded number of
 * passes. Returns how many processes it killed in the first pass.
 */
size_t	proctree_kill_all(pid_t root, const pid_t *keep, size_t nkeep,
	    const char *tag);

/*
 * Has the caller (any of its threads) a child other than those in
 * except[]? 1 yes, 0 no, -1 cannot tell.
 */
int	proctree_other_children(const pid_t *except, size_t nexcept);

/*
 * pid and its parents, up to init: chain[0] is pid, the last is 1 (or a
 * process whose parent is outside our pid namespace). Returns how many,
 * or 0 when a link cannot be read (gone, or the chain is longer than
 * max): whoever it is cannot be told.
 */
size_t	proctree_ancestors(pid_t pid, pid_t *chain, size_t max);

#endif
