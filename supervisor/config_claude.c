/*
 * An agent's claude: and worktree: keys in orch.yaml: how runner: claude
 * runs prompts (print: claude -p per task; interactive: the TUI in the
 * agent's session), and the agent's own git worktree.
 */
#include "supervisor/config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "supervisor/schema.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

static int
claude_mode_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (schema_enum(c, path, n, claude_mode_names, CLAUDE_MODE_COUNT,
	    &v) != 0)
		return -1;
	ac->claude.mode = (enum claude_mode)v;
	return 0;
}

static int
claude_trust_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_bool(c, path, n, &((struct agent_config *)arg)->claude.trust);
}

static const struct schema_key claude_keys[] = {
	{ "mode", claude_mode_key },
	{ "trust", claude_trust_key },
};

int
config_claude_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	/* "claude: interactive" is short for {mode: interactive}. */
	if (n->type == YAMLNODE_SCALAR)
		return claude_mode_key(c, path, n, arg);
	return schema_walk(c, path, n, claude_keys, NITEMS(claude_keys), arg);
}

/* A git ref name, as far as it matters here: no option, no space. */
static int
worktree_str(struct schema *c, const char *path, const struct yamlnode *n,
    char **to, bool ref)
{
	const char	*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	if (s[0] == '\0' || (ref && (s[0] == '-' || strpbrk(s, " \t\n~^:?*[\\")
	    != NULL)))
		return schema_err(c, n, path, "'%s' is not a valid %s", s,
		    ref ? "git branch or ref name" : "path");
	free(*to);
	if (!ref && s[0] != '/' && c->base_dir != NULL)
		xasprintf(to, "%s/%s", c->base_dir, s);
	else
		*to = xstrdup(s);
	return 0;
}

static int
worktree_branch_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	return worktree_str(c, path, n,
	    &((struct agent_config *)arg)->worktree.branch, true);
}

static int
worktree_base_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return worktree_str(c, path, n,
	    &((struct agent_config *)arg)->worktree.base, true);
}

static int
worktree_path_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return worktree_str(c, path, n,
	    &((struct agent_config *)arg)->worktree.path, false);
}

static const struct schema_key worktree_keys[] = {
	{ "branch", worktree_branch_key },
	{ "base", worktree_base_key },
	{ "path", worktree_path_key },
};

static int
iterm_window_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	static const char *const	 names[] = { "new", "shared" };
	int				 v;

	if (schema_enum(c, path, n, names, 2, &v) != 0)
		return -1;
	((struct agent_config *)arg)->iterm.shared = v == 1;
	return 0;
}

static int
iterm_profile_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	if (strlen(s) >= sizeof ac->iterm.profile)
		return schema_err(c, n, path, "a profile name of at most %zu "
		    "bytes", sizeof ac->iterm.profile - 1);
	snprintf(ac->iterm.profile, sizeof ac->iterm.profile, "%s", s);
	return 0;
}

static const struct schema_key iterm_keys[] = {
	{ "window", iterm_window_key },
	{ "profile", iterm_profile_key },
};

int
config_iterm_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_walk(c, path, n, iterm_keys, NITEMS(iterm_keys), arg);
}

int
config_worktree_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct agent_config	*ac = arg;

	/* "worktree: true": every default. */
	if (n->type == YAMLNODE_SCALAR)
		return schema_bool(c, path, n, &ac->worktree.on);
	ac->worktree.on = true;
	return schema_walk(c, path, n, worktree_keys, NITEMS(worktree_keys),
	    arg);
}
