#include "supervisor/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "ipc/perm.h"
#include "supervisor/restart.h"
#include "supervisor/schema.h"

const char config_default_yaml[] =
    "# The embedded default: three shell workers, each on its own PTY.\n"
    "name: default\n"
    "agents:\n"
    "  - id: worker-1\n"
    "    type: worker\n"
    "    capabilities: [shell]\n"
    "  - id: worker-2\n"
    "    type: worker\n"
    "    capabilities: [shell]\n"
    "  - id: worker-3\n"
    "    type: worker\n"
    "    capabilities: [shell]\n";


#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

/* Agent keys --------------------------------------------------------------- */

static bool
config_id_valid(const char *s)
{
	size_t	i, len = strlen(s);

	if (len == 0 || len > AGENT_ID_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) ==
		    NULL)
			return false;
	return true;
}

static int
agent_id_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	if (!config_id_valid(s))
		return schema_err(c, n, path, "'%s' is not a valid agent id "
		    "(1-%d of A-Z a-z 0-9 _ . -, not starting with . or -)",
		    s, AGENT_ID_MAX);
	snprintf(ac->id, sizeof ac->id, "%s", s);
	return 0;
}

static int
agent_type_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (schema_enum(c, path, n, agent_type_names,
	    NITEMS(agent_type_names), &v) != 0)
		return -1;
	ac->type = (enum agent_type)v;
	return 0;
}

static int
agent_caps_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_strlist(c, path, n, &((struct agent_config *)arg)->caps);
}

static int
runner_argv_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;
	size_t			 i;

	if (n->type != YAMLNODE_SEQ || n->n == 0)
		return schema_err(c, n, path, "expected a non-empty list "
		    "(program and arguments)");
	for (i = 0; i < n->n; i++) {
		if (schema_scalar(c, path, n->items[i], &s) != 0)
			return -1;
		strlist_add(&ac->runner_argv, s);
	}
	ac->runner = RUNNER_ARGV;
	return 0;
}

static const struct schema_key runner_keys[] = {
	{ "argv", runner_argv_key },
};

static int
agent_runner_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (n->type == YAMLNODE_MAP) {
		if (schema_walk(c, path, n, runner_keys, NITEMS(runner_keys),
		    ac) != 0)
			return -1;
		if (ac->runner != RUNNER_ARGV)
			return schema_err(c, n, path, "a custom runner needs "
			    "'argv'");
		return 0;
	}
	/* "argv" is only spelled as a mapping. */
	if (schema_enum(c, path, n, runner_names, RUNNER_ARGV, &v) != 0)
		return -1;
	ac->runner = (enum runner_kind)v;
	return 0;
}

static int
session_backend_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (schema_enum(c, path, n, session_backend_names, NITEMS(session_backend_names),
	    &v) != 0)
		return -1;
	ac->backend = (enum session_backend)v;
	return 0;
}

static int
session_shell_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	free(ac->shell);
	ac->shell = xstrdup(s);
	return 0;
}

static int
session_cwd_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	free(ac->cwd);
	if (s[0] == '/' || c->base_dir == NULL)
		ac->cwd = xstrdup(s);
	else
		xasprintf(&ac->cwd, "%s/%s", c->base_dir, s);
	return 0;
}

static int
session_env_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const struct yamlnode	*k, *v;
	const char		*val;
	char			*kv;
	size_t			 i;

	if (n->type != YAMLNODE_MAP)
		return schema_err(c, n, path, "expected a mapping of "
		    "NAME: value, got %s", yamldoc_type_name(n));
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->type != YAMLNODE_SCALAR || k->len == 0 ||
		    strchr(k->str, '=') != NULL)
			return schema_err(c, k, path, "'%s' is not a valid "
			    "environment variable name", k->type ==
			    YAMLNODE_SCALAR ? k->str : "?");
		if (v->type != YAMLNODE_SCALAR)
			return schema_err(c, v, path, "%s: expected a string, "
			    "got %s", k->str, yamldoc_type_name(v));
		val = yamldoc_is_null(v) ? "" : v->str;
		xasprintf(&kv, "%s=%s", k->str, val);
		strlist_add(&ac->env, kv);
		free(kv);
	}
	return 0;
}

static int
session_scrollback_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;
	char			*end;
	unsigned long long	 v, mul = 1;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	if (*s == '-' || end == s || *end != '\0' || errno != 0 ||
	    v == 0 || v > SCROLLBACK_MAX / mul || v * mul < 1024)
		return schema_err(c, n, path, "'%s' is not a size from 1K to "
		    "256M (bytes, or with a K or M suffix)", s);
	ac->scrollback = (size_t)(v * mul);
	return 0;
}

static int
session_rc_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_bool(c, path, n, &((struct agent_config *)arg)->rc);
}

static int
session_sandbox_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	return schema_bool(c, path, n, &((struct agent_config *)arg)->sandbox);
}

static const struct schema_key session_keys[] = {
	{ "backend", session_backend_key },
	{ "shell", session_shell_key },
	{ "cwd", session_cwd_key },
	{ "env", session_env_key },
	{ "scrollback", session_scrollback_key },
	{ "rc", session_rc_key },
	{ "sandbox", session_sandbox_key },
};

static int
agent_session_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_walk(c, path, n, session_keys, NITEMS(session_keys), arg);
}

static int
agent_tier_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 1, 3, &v) != 0)
		return -1;
	((struct agent_config *)arg)->tier = (unsigned)v;
	return 0;
}

static int
agent_perms_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	size_t			 i, j;

	if (schema_strlist(c, path, n, &ac->perms) != 0)
		return -1;
	/* Given, even empty: an empty list is no permission at all. */
	ac->perms_given = true;
	for (i = 0; i < ac->perms.n; i++) {
		for (j = 0; j < PERM_COUNT; j++)
			if (strcmp(ac->perms.v[i], perm_names[j]) == 0)
				break;
		if (j == PERM_COUNT)
			return schema_err(c, n->type == YAMLNODE_SEQ ?
			    n->items[i] : n, path, "unknown permission '%s'",
			    ac->perms.v[i]);
	}
	return 0;
}

/* Words of a require_approval list: command names, as the gate sees them. */
static int
config_approve_list(struct schema *c, const char *path,
    const struct yamlnode *n, struct strlist *l)
{
	size_t	i;

	if (schema_strlist(c, path, n, l) != 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if (l->v[i][0] == '\0' || strpbrk(l->v[i], " \t/=") != NULL)
			return schema_err(c, n->type == YAMLNODE_SEQ ?
			    n->items[i] : n, path, "'%s' is not a command name",
			    l->v[i]);
	return 0;
}

static int
agent_approve_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;

	ac->approve_given = true;
	return config_approve_list(c, path, n, &ac->approve);
}

static int
restart_policy_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	const char *const	 names[] = {
		restart_kind_name(RESTART_PERMANENT),
		restart_kind_name(RESTART_TRANSIENT),
		restart_kind_name(RESTART_TEMPORARY),
	};
	struct agent_config	*ac = arg;
	int			 v;

	if (schema_enum(c, path, n, names, NITEMS(names), &v) != 0)
		return -1;
	ac->restart.kind = (enum restart_kind)v;
	return 0;
}

static int
restart_max_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 0, RESTART_HISTORY_MAX, &v) != 0)
		return -1;
	((struct agent_config *)arg)->restart.max = (unsigned)v;
	return 0;
}

static int
restart_within_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 1, 86400, &v) != 0)
		return -1;
	((struct agent_config *)arg)->restart.within_s = (unsigned)v;
	return 0;
}

static const struct schema_key restart_keys[] = {
	{ "policy", restart_policy_key },
	{ "max", restart_max_key },
	{ "within", restart_within_key },
};

static int
agent_restart_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	/* "restart: transient" is short for {policy: transient}. */
	if (n->type == YAMLNODE_SCALAR)
		return restart_policy_key(c, path, n, arg);
	return schema_walk(c, path, n, restart_keys, NITEMS(restart_keys),
	    arg);
}

static int
agent_inbox_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 1, INBOX_MAX, &v) != 0)
		return -1;
	((struct agent_config *)arg)->inbox = (unsigned)v;
	return 0;
}

static int
agent_deliver_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	static const char *const names[] = { "inbox", "type" };
	int			 v;

	if (schema_enum(c, path, n, names, 2, &v) != 0)
		return -1;
	((struct agent_config *)arg)->deliver_type = v == 1;
	return 0;
}

static int
agent_runner_args_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;
	size_t			 i;

	/* In order, repeats allowed: these are command-line arguments. */
	if (n->type != YAMLNODE_SEQ)
		return schema_err(c, n, path, "expected a list of arguments");
	for (i = 0; i < n->n; i++) {
		if (schema_scalar(c, path, n->items[i], &s) != 0)
			return -1;
		strlist_add(&ac->runner_args, s);
	}
	return 0;
}

static const struct schema_key agent_keys[] = {
	{ "id", agent_id_key },
	{ "type", agent_type_key },
	{ "capabilities", agent_caps_key },
	{ "runner", agent_runner_key },
	{ "runner_args", agent_runner_args_key },
	{ "session", agent_session_key },
	{ "tier", agent_tier_key },
	{ "permissions", agent_perms_key },
	{ "require_approval", agent_approve_key },
	{ "restart", agent_restart_key },
	{ "inbox", agent_inbox_key },
	{ "deliver", agent_deliver_key },
	{ "claude", config_claude_key },
	{ "worktree", config_worktree_key },
	{ "iterm2", config_iterm_key },
};

/* Session keys, put straight under the agent by mistake. */
static const struct schema_moved agent_moved[] = {
	{ "backend", "session" },
	{ "shell", "session" },
	{ "cwd", "session" },
	{ "env", "session" },
	{ "scrollback", "session" },
};

/* What an agent that names no session.backend gets (--backend). */
static enum session_backend	config_backend = SESSION_PTY;

int
config_default_backend(const char *name)
{
	int	i;

	for (i = 0; i < SESSION_BACKEND_COUNT; i++)
		if (strcmp(name, session_backend_names[i]) == 0) {
			config_backend = (enum session_backend)i;
			return 0;
		}
	return -1;
}

static int
config_agent(struct schema *c, const char *path, const struct yamlnode *n,
    struct agent_config *ac)
{
	agent_config_defaults(ac);
	ac->backend = config_backend;
	if (schema_walk_moved(c, path, n, agent_keys, NITEMS(agent_keys),
	    agent_moved, NITEMS(agent_moved), ac) != 0)
		return -1;
	if (ac->id[0] == '\0')
		return schema_err(c, n, path, "missing required key 'id'");
	if (yamldoc_get(n, "iterm2") != NULL && ac->backend != SESSION_ITERM2)
		return schema_err(c, yamldoc_get(n, "iterm2"), path, "iterm2: "
		    "applies to an agent with session.backend iterm2");
	if (yamldoc_get(n, "claude") != NULL && ac->runner != RUNNER_CLAUDE)
		return schema_err(c, yamldoc_get(n, "claude"), path, "claude: "
		    "applies to an agent with runner: claude");
	if (agent_config_interactive(ac) && ac->type == AGENT_GATEWAY)
		return schema_err(c, n, path, "a gateway runs no Claude Code "
		    "session");
	return 0;
}

/* Top level ---------------------------------------------------------------- */

static int
config_name_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct config	*cfg = arg;
	const char	*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	free(cfg->name);
	cfg->name = xstrdup(s);
	return 0;
}

static int
config_agents_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct config	*cfg = arg;
	char		*sub;
	size_t		 i, j;
	int		 rc, failed = 0;

	if (n->type != YAMLNODE_SEQ)
		return schema_err(c, n, path, "expected a list of agents, got "
		    "%s", yamldoc_type_name(n));
	cfg->agents = xcalloc(n->n ? n->n : 1, sizeof *cfg->agents);
	for (i = 0; i < n->n && (failed == 0 || schema_go_on(c)); i++) {
		xasprintf(&sub, "%s[%zu]", path, i);
		rc = config_agent(c, sub, n->items[i], &cfg->agents[i]);
		cfg->nagents++;
		for (j = 0; rc == 0 && j < i; j++) {
			if (strcmp(cfg->agents[j].id, cfg->agents[i].id) == 0)
				rc = schema_err(c, n->items[i], sub,
				    "duplicate agent id '%s'",
				    cfg->agents[i].id);
			else if (cfg->agents[i].type == AGENT_GATEWAY &&
			    cfg->agents[j].type == AGENT_GATEWAY)
				rc = schema_err(c, n->items[i], sub,
				    "a second gateway ('%s' is one): an "
				    "instance has one MCP gateway",
				    cfg->agents[j].id);
		}
		free(sub);
		if (rc != 0)
			failed = -1;
	}
	return failed;
}

static int
config_approve_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct config	*cfg = arg;

	cfg->approve_given = true;
	return config_approve_list(c, path, n, &cfg->approve);
}

/* Keys without a parser belong to workflows and are read there. */
static const struct schema_key config_keys[] = {
	{ "name", config_name_key },
	{ "version", NULL },
	{ "description", NULL },
	{ "agents", config_agents_key },
	{ "require_approval", config_approve_key },
	{ "stages", NULL },
	{ "mcp", config_mcp_key },
	{ "metrics", config_metrics_key },
};

struct config *
config_from_schema(struct schema *c, bool need_agents)
{
	const struct yamldoc	*doc = c->doc;
	struct config		*cfg;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->file = xstrdup(doc->file);
	mcp_config_defaults(&cfg->mcp);
	if (schema_walk(c, "", doc->root, config_keys, NITEMS(config_keys),
	    cfg) != 0)
		goto fail;
	/* The file's list, for every agent without its own. */
	for (size_t i = 0; cfg->approve_given && i < cfg->nagents; i++)
		if (!cfg->agents[i].approve_given) {
			strlist_copy(&cfg->agents[i].approve, &cfg->approve);
			cfg->agents[i].approve_given = true;
		}
	if (cfg->nagents == 0 && need_agents) {
		schema_err(c, doc->root, "agents", "at least one agent is "
		    "needed");
		goto fail;
	}
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

static struct config *
config_load_doc(struct yamldoc *doc, const char *base_dir, char **cause)
{
	struct schema	 c = { doc, base_dir, cause, 0 };
	struct config	*cfg = NULL;

	if (doc == NULL)
		return NULL;
	if (doc->root == NULL || yamldoc_is_null(doc->root))
		yamldoc_error(doc, NULL, cause, "the file is empty");
	else
		cfg = config_from_schema(&c, true);
	yamldoc_free(doc);
	return cfg;
}

char *
config_dir_of(const char *path)
{
	char	*dir, *slash, cwd[PATH_MAX];

	if (path[0] == '/')
		dir = xstrdup(path);
	else if (getcwd(cwd, sizeof cwd) != NULL)
		xasprintf(&dir, "%s/%s", cwd, path);
	else
		dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir)
		*slash = '\0';
	else if (slash != NULL)
		slash[1] = '\0';
	return dir;
}

struct config *
config_load_file(const char *path, char **cause)
{
	char		*dir = config_dir_of(path);
	struct config	*cfg;

	cfg = config_load_doc(yamldoc_load_file(path, NULL, cause), dir, cause);
	free(dir);
	return cfg;
}

struct config *
config_load_string(const char *name, const char *text, const char *base_dir,
    char **cause)
{
	return config_load_doc(yamldoc_load_string(name, text, strlen(text),
	    NULL, cause), base_dir, cause);
}

struct config *
config_load_default(char **cause)
{
	return config_load_string("(default config)", config_default_yaml, NULL,
	    cause);
}

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nagents; i++)
		agent_config_clear(&cfg->agents[i]);
	free(cfg->agents);
	strlist_clear(&cfg->approve);
	free(cfg->mcp.token);
	free(cfg->name);
	free(cfg->file);
	free(cfg);
}

int
config_agent_parse(const struct yamldoc *doc, const struct yamlnode *n,
    const char *path, struct agent_config *ac, char **cause)
{
	struct schema	c = { doc, NULL, cause, 0 };

	return config_agent(&c, path, n, ac);
}

