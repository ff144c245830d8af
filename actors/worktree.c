/*
 * An agent's own git worktree (worktree: in orch.yaml): made before its
 * session starts, in the repository of the agent's cwd (default path
 * .orch/worktrees/AGENT, branch orch/AGENT from HEAD; a branch that
 * exists is reused, a worktree already there from an earlier run is
 * taken as it is), and the session's cwd from then on. When the agent is
 * terminated it is removed if it holds no uncommitted change, else kept
 * with a warning naming it. git runs synchronously: only this actor
 * waits, before it is ready or as it ends.
 */
#include "actors/worktree.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/xmalloc.h"

#define WORKTREE_OUT_MAX	4096

/*
 * Run git with argv (argv[0] "git"); its output and errors, trimmed, in
 * out. Its exit status, or -1 (it could not run: out says why).
 */
static int
worktree_git(char *const *argv, char *out, size_t size)
{
	int	status;

	if (proc_run(argv, NULL, 0, out, size, &status) != 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * worktree_git, again while another git of the same repository holds its
 * lock (agents starting together make their worktrees at once).
 */
static int
worktree_git_locked(char *const *argv, char *out, size_t size)
{
	const struct timespec	 pause = { 0, 100 * 1000 * 1000 };
	int			 rc, tries = 0;

	while ((rc = worktree_git(argv, out, size)) != 0 && tries++ < 20 &&
	    strstr(out, ".lock") != NULL)
		nanosleep(&pause, NULL);
	return rc;
}

/* git's first line, for a message. */
static const char *
worktree_line(char *s)
{
	char	*p;

	if ((p = strrchr(s, '\n')) != NULL && p[1] != '\0')
		s = p + 1;
	return strncmp(s, "fatal: ", 7) == 0 ? s + 7 : s;
}

int
worktree_open(struct worktree *w, const char *id, const char *cwd,
    const struct worktree_config *wc, char **cause)
{
	char		 out[WORKTREE_OUT_MAX], top[PATH_MAX], ref[PATH_MAX + 16];
	char		 branch[PATH_MAX];
	const char	*dir = cwd != NULL ? cwd : ".";
	struct stat	 st;
	int		 rc;

	memset(w, 0, sizeof *w);
	{
		char *const argv[] = { (char *)"git", (char *)"-C", (char *)dir,
		    (char *)"rev-parse", (char *)"--show-toplevel", NULL };

		if (worktree_git(argv, out, sizeof out) != 0) {
			set_cause(cause, "worktree: %s is not in a git "
			    "repository (%s)", dir, worktree_line(out));
			return -1;
		}
	}
	snprintf(top, sizeof top, "%s", out);
	snprintf(branch, sizeof branch, "%s", wc->branch != NULL ? wc->branch :
	    "");
	if (wc->branch == NULL)
		snprintf(branch, sizeof branch, "orch/%s", id);
	if (wc->path != NULL)
		snprintf(w->path, sizeof w->path, "%s", wc->path);
	else if ((size_t)snprintf(w->path, sizeof w->path,
	    "%s/.orch/worktrees/%s", top, id) >= sizeof w->path) {
		set_cause(cause, "worktree: the path is too long");
		return -1;
	}
	/* One left by an earlier run of this agent: taken as it is. */
	if (stat(w->path, &st) == 0) {
		char *const argv[] = { (char *)"git", (char *)"-C", w->path,
		    (char *)"rev-parse", (char *)"--show-toplevel", NULL };

		if (worktree_git(argv, out, sizeof out) == 0 &&
		    strcmp(out, w->path) == 0) {
			log_info("worktree %s (branch %s) is there already: "
			    "used as it is", w->path, branch);
			w->on = true;
			return 0;
		}
		set_cause(cause, "worktree: %s exists and is not a worktree of "
		    "%s", w->path, top);
		return -1;
	}
	snprintf(ref, sizeof ref, "refs/heads/%s", branch);
	{
		char *const argv[] = { (char *)"git", (char *)"-C", top,
		    (char *)"rev-parse", (char *)"--verify", (char *)"--quiet",
		    ref, NULL };

		rc = worktree_git(argv, out, sizeof out);
	}
	if (rc == 0) {
		/* The branch exists: it is checked out here. */
		char *const argv[] = { (char *)"git", (char *)"-C", top,
		    (char *)"worktree", (char *)"add", w->path, branch, NULL };

		rc = worktree_git_locked(argv, out, sizeof out);
	} else {
		char *const argv[] = { (char *)"git", (char *)"-C", top,
		    (char *)"worktree", (char *)"add", (char *)"-b", branch,
		    w->path, (char *)(wc->base != NULL ? wc->base : "HEAD"),
		    NULL };

		rc = worktree_git_locked(argv, out, sizeof out);
	}
	if (rc != 0) {
		set_cause(cause, "worktree: cannot add %s (branch %s): %s",
		    w->path, branch, worktree_line(out));
		return -1;
	}
	log_info("worktree %s made (branch %s)", w->path, branch);
	w->on = true;
	return 0;
}

void
worktree_close(struct worktree *w)
{
	char	out[WORKTREE_OUT_MAX];
	int	rc;

	if (!w->on)
		return;
	w->on = false;
	{
		char *const argv[] = { (char *)"git", (char *)"-C", w->path,
		    (char *)"status", (char *)"--porcelain", NULL };

		rc = worktree_git(argv, out, sizeof out);
	}
	if (rc != 0) {
		log_warnx("worktree %s: cannot tell whether it holds changes "
		    "(%s): kept", w->path, worktree_line(out));
		return;
	}
	if (out[0] != '\0') {
		log_warnx("worktree %s has uncommitted changes: kept (remove it "
		    "with git worktree remove once they are safe)", w->path);
		return;
	}
	{
		char *const argv[] = { (char *)"git", (char *)"-C", w->path,
		    (char *)"worktree", (char *)"remove", w->path, NULL };

		rc = worktree_git_locked(argv, out, sizeof out);
	}
	if (rc != 0)
		log_warnx("worktree %s: cannot remove it: %s", w->path,
		    worktree_line(out));
	else
		log_info("worktree %s removed (it held no changes)", w->path);
}
