#include "supervisor/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "ipc/body.h"

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

static const char *const agent_type_names[] = {
	[AGENT_PRIMARY] = "primary",
	[AGENT_WORKER] = "worker",
	[AGENT_SPECIALIST] = "specialist",
};

static const char *const runner_names[] = {
	[RUNNER_SHELL] = "shell",
	[RUNNER_CLAUDE] = "claude",
	[RUNNER_ARGV] = "argv",
};

static const char *const backend_names[] = {
	[SESSION_PTY] = "pty",
	[SESSION_TMUX] = "tmux",
	[SESSION_ITERM2] = "iterm2",
};

/* The seed's permission names (DESIGN §9). */
static const char *const permission_names[] = {
	"session:read", "session:write", "session:create", "session:delete",
	"data:share", "data:read", "command:execute", "agent:coordinate",
};

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

struct cfgctx {
	const struct yamldoc	*doc;
	const char		*base_dir;
	char			**cause;
};

struct cfgkey {
	const char	*name;
	int		(*parse)(struct cfgctx *, const char *path,
			    const struct yamlnode *, void *);
};

const char *
agent_type_name(enum agent_type t)
{
	return (unsigned)t < NITEMS(agent_type_names) ?
	    agent_type_names[t] : "?";
}

const char *
session_backend_name(enum session_backend b)
{
	return (unsigned)b < NITEMS(backend_names) ? backend_names[b] : "?";
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

void
strlist_clear(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
strlist_join(const struct strlist *l, char *buf, size_t size)
{
	size_t	i, off = 0;
	int	n;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < l->n && off < size; i++) {
		n = snprintf(buf + off, size - off, "%s%s", i ? "," : "",
		    l->v[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static void
strlist_copy(struct strlist *dst, const struct strlist *src)
{
	size_t	i;

	memset(dst, 0, sizeof *dst);
	for (i = 0; i < src->n; i++)
		strlist_add(dst, src->v[i]);
}

/* Edit distance, for "did you mean". Keys are short. */
static size_t
config_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, prev, tmp;
	size_t	row[64];

	if (la >= NITEMS(row) || lb >= NITEMS(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? prev :
			    1 + (prev < row[j] ? (prev < row[j - 1] ? prev :
			    row[j - 1]) : (row[j] < row[j - 1] ? row[j] :
			    row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

static int
config_err(struct cfgctx *c, const struct yamlnode *n, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
config_err(struct cfgctx *c, const struct yamlnode *n, const char *path,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	int	 rc;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n == NULL || n->line == 0) {
		/* Built from a request, not a file: no position to give. */
		rc = set_cause(c->cause, "%s: %s%s%s", c->doc->file, path,
		    *path ? ": " : "", msg);
	} else
		rc = yamldoc_error(c->doc, n, c->cause, "%s%s%s", path,
		    *path ? ": " : "", msg);
	free(msg);
	return rc;
}

static int
config_walk(struct cfgctx *c, const char *path, const struct yamlnode *map,
    const struct cfgkey *keys, size_t nkeys, void *target)
{
	const struct cfgkey	*best;
	const struct yamlnode	*k;
	size_t			 i, j, d, bestd;
	char			*sub;
	int			 rc;

	if (map->type != YAMLNODE_MAP)
		return config_err(c, map, path, "expected a mapping, got %s",
		    yamldoc_type_name(map));
	for (i = 0; i + 1 < map->n; i += 2) {
		k = map->items[i];
		if (k->type != YAMLNODE_SCALAR)
			return config_err(c, k, path, "a key must be a scalar");
		for (j = 0; j < i; j += 2)
			if (strcmp(map->items[j]->str, k->str) == 0)
				return config_err(c, k, path, "duplicate key "
				    "'%s' (first at line %u)", k->str,
				    map->items[j]->line);
		best = NULL;
		bestd = SIZE_MAX;
		for (j = 0; j < nkeys; j++) {
			if (strcmp(keys[j].name, k->str) == 0)
				break;
			d = config_distance(keys[j].name, k->str);
			if (d < bestd) {
				bestd = d;
				best = &keys[j];
			}
		}
		if (j == nkeys) {
			if (best != NULL && bestd <= 2)
				return config_err(c, k, path, "unknown key "
				    "'%s' (did you mean '%s'?)", k->str,
				    best->name);
			return config_err(c, k, path, "unknown key '%s'",
			    k->str);
		}
		if (keys[j].parse == NULL)
			continue;	/* known, read by another part of orch */
		if (*path != '\0')
			xasprintf(&sub, "%s.%s", path, k->str);
		else
			sub = xstrdup(k->str);
		rc = keys[j].parse(c, sub, map->items[i + 1], target);
		free(sub);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
config_scalar(struct cfgctx *c, const char *path, const struct yamlnode *n,
    const char **out)
{
	if (n->type != YAMLNODE_SCALAR || yamldoc_is_null(n))
		return config_err(c, n, path, "expected a string, got %s",
		    yamldoc_is_null(n) ? "null" : yamldoc_type_name(n));
	*out = n->str;
	return 0;
}

static int
config_uint(struct cfgctx *c, const char *path, const struct yamlnode *n,
    unsigned long min, unsigned long max, unsigned long *out)
{
	const char	*s;
	char		*end;
	unsigned long	 v;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *s == '-' || v < min ||
	    v > max)
		return config_err(c, n, path, "'%s' is not a whole number "
		    "from %lu to %lu", s, min, max);
	*out = v;
	return 0;
}

static int
config_enum(struct cfgctx *c, const char *path, const struct yamlnode *n,
    const char *const *names, size_t count, int *out)
{
	const char	*s;
	char		 all[128];
	size_t		 i;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	for (i = 0; i < count; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return 0;
		}
	all[0] = '\0';
	for (i = 0; i < count; i++)
		if (names[i] != NULL)
			snprintf(all + strlen(all), sizeof all - strlen(all),
			    "%s%s", all[0] ? ", " : "", names[i]);
	return config_err(c, n, path, "'%s' is not one of: %s", s, all);
}

static int
config_strlist(struct cfgctx *c, const char *path, const struct yamlnode *n,
    struct strlist *out)
{
	const char	*s;
	size_t		 i;

	if (n->type == YAMLNODE_SCALAR && !yamldoc_is_null(n)) {
		strlist_add(out, n->str);	/* a single item */
		return 0;
	}
	if (n->type != YAMLNODE_SEQ)
		return config_err(c, n, path, "expected a list of strings, "
		    "got %s", yamldoc_type_name(n));
	for (i = 0; i < n->n; i++) {
		if (config_scalar(c, path, n->items[i], &s) != 0)
			return -1;
		if (strlist_has(out, s))
			return config_err(c, n->items[i], path, "'%s' is "
			    "listed twice", s);
		strlist_add(out, s);
	}
	return 0;
}

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
agent_id_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	if (!config_id_valid(s))
		return config_err(c, n, path, "'%s' is not a valid agent id "
		    "(1-%d of A-Z a-z 0-9 _ . -, not starting with . or -)",
		    s, AGENT_ID_MAX);
	snprintf(ac->id, sizeof ac->id, "%s", s);
	return 0;
}

static int
agent_type_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (config_enum(c, path, n, agent_type_names,
	    NITEMS(agent_type_names), &v) != 0)
		return -1;
	ac->type = (enum agent_type)v;
	return 0;
}

static int
agent_caps_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return config_strlist(c, path, n, &((struct agent_config *)arg)->caps);
}

static int
runner_argv_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;
	size_t			 i;

	if (n->type != YAMLNODE_SEQ || n->n == 0)
		return config_err(c, n, path, "expected a non-empty list "
		    "(program and arguments)");
	for (i = 0; i < n->n; i++) {
		if (config_scalar(c, path, n->items[i], &s) != 0)
			return -1;
		strlist_add(&ac->runner_argv, s);
	}
	ac->runner = RUNNER_ARGV;
	return 0;
}

static const struct cfgkey runner_keys[] = {
	{ "argv", runner_argv_cb },
};

static int
agent_runner_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (n->type == YAMLNODE_MAP) {
		if (config_walk(c, path, n, runner_keys, NITEMS(runner_keys),
		    ac) != 0)
			return -1;
		if (ac->runner != RUNNER_ARGV)
			return config_err(c, n, path, "a custom runner needs "
			    "'argv'");
		return 0;
	}
	/* "argv" is only spelled as a mapping. */
	if (config_enum(c, path, n, runner_names, RUNNER_ARGV, &v) != 0)
		return -1;
	ac->runner = (enum runner_kind)v;
	return 0;
}

static int
session_backend_cb(struct cfgctx *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct agent_config	*ac = arg;
	int			 v;

	if (config_enum(c, path, n, backend_names, NITEMS(backend_names),
	    &v) != 0)
		return -1;
	if (v != SESSION_PTY)
		return config_err(c, n, path, "session backend '%s' is not "
		    "available in this build (use pty)", n->str);
	ac->backend = (enum session_backend)v;
	return 0;
}

static int
session_shell_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	free(ac->shell);
	ac->shell = xstrdup(s);
	return 0;
}

static int
session_cwd_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	free(ac->cwd);
	if (s[0] == '/' || c->base_dir == NULL)
		ac->cwd = xstrdup(s);
	else
		xasprintf(&ac->cwd, "%s/%s", c->base_dir, s);
	return 0;
}

static int
session_env_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	const struct yamlnode	*k, *v;
	const char		*val;
	char			*kv;
	size_t			 i;

	if (n->type != YAMLNODE_MAP)
		return config_err(c, n, path, "expected a mapping of "
		    "NAME: value, got %s", yamldoc_type_name(n));
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->items[i];
		v = n->items[i + 1];
		if (k->type != YAMLNODE_SCALAR || k->len == 0 ||
		    strchr(k->str, '=') != NULL)
			return config_err(c, k, path, "'%s' is not a valid "
			    "environment variable name", k->type ==
			    YAMLNODE_SCALAR ? k->str : "?");
		if (v->type != YAMLNODE_SCALAR)
			return config_err(c, v, path, "%s: expected a string, "
			    "got %s", k->str, yamldoc_type_name(v));
		val = yamldoc_is_null(v) ? "" : v->str;
		xasprintf(&kv, "%s=%s", k->str, val);
		strlist_add(&ac->env, kv);
		free(kv);
	}
	return 0;
}

static int
session_scrollback_cb(struct cfgctx *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct agent_config	*ac = arg;
	const char		*s;
	char			*end;
	unsigned long long	 v, mul = 1;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	if (*s == '-' || end == s || *end != '\0' || errno != 0 ||
	    v == 0 || v > SCROLLBACK_MAX / mul || v * mul < 1024)
		return config_err(c, n, path, "'%s' is not a size from 1K to "
		    "256M (bytes, or with a K or M suffix)", s);
	ac->scrollback = (size_t)(v * mul);
	return 0;
}

static const struct cfgkey session_keys[] = {
	{ "backend", session_backend_cb },
	{ "shell", session_shell_cb },
	{ "cwd", session_cwd_cb },
	{ "env", session_env_cb },
	{ "scrollback", session_scrollback_cb },
};

static int
agent_session_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return config_walk(c, path, n, session_keys, NITEMS(session_keys), arg);
}

static int
agent_tier_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	unsigned long	v;

	if (config_uint(c, path, n, 1, 3, &v) != 0)
		return -1;
	((struct agent_config *)arg)->tier = (unsigned)v;
	return 0;
}

static int
agent_perms_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct agent_config	*ac = arg;
	size_t			 i, j;

	if (config_strlist(c, path, n, &ac->perms) != 0)
		return -1;
	for (i = 0; i < ac->perms.n; i++) {
		for (j = 0; j < NITEMS(permission_names); j++)
			if (strcmp(ac->perms.v[i], permission_names[j]) == 0)
				break;
		if (j == NITEMS(permission_names))
			return config_err(c, n->type == YAMLNODE_SEQ ?
			    n->items[i] : n, path, "unknown permission '%s'",
			    ac->perms.v[i]);
	}
	return 0;
}

static int
restart_policy_cb(struct cfgctx *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	const char *const	 names[] = {
		restart_kind_name(RESTART_PERMANENT),
		restart_kind_name(RESTART_TRANSIENT),
		restart_kind_name(RESTART_TEMPORARY),
	};
	struct agent_config	*ac = arg;
	int			 v;

	if (config_enum(c, path, n, names, NITEMS(names), &v) != 0)
		return -1;
	ac->restart.kind = (enum restart_kind)v;
	return 0;
}

static int
restart_max_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	unsigned long	v;

	if (config_uint(c, path, n, 0, RESTART_HISTORY_MAX, &v) != 0)
		return -1;
	((struct agent_config *)arg)->restart.max = (unsigned)v;
	return 0;
}

static int
restart_within_cb(struct cfgctx *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	unsigned long	v;

	if (config_uint(c, path, n, 1, 86400, &v) != 0)
		return -1;
	((struct agent_config *)arg)->restart.within_s = (unsigned)v;
	return 0;
}

static const struct cfgkey restart_keys[] = {
	{ "policy", restart_policy_cb },
	{ "max", restart_max_cb },
	{ "within", restart_within_cb },
};

static int
agent_restart_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	/* "restart: transient" is short for {policy: transient}. */
	if (n->type == YAMLNODE_SCALAR)
		return restart_policy_cb(c, path, n, arg);
	return config_walk(c, path, n, restart_keys, NITEMS(restart_keys),
	    arg);
}

static const struct cfgkey agent_keys[] = {
	{ "id", agent_id_cb },
	{ "type", agent_type_cb },
	{ "capabilities", agent_caps_cb },
	{ "runner", agent_runner_cb },
	{ "session", agent_session_cb },
	{ "tier", agent_tier_cb },
	{ "permissions", agent_perms_cb },
	{ "restart", agent_restart_cb },
};

static void
agent_config_defaults(struct agent_config *ac)
{
	memset(ac, 0, sizeof *ac);
	ac->type = AGENT_WORKER;
	ac->runner = RUNNER_SHELL;
	ac->backend = SESSION_PTY;
	ac->scrollback = SCROLLBACK_DEFAULT;
	ac->tier = 1;
	ac->restart.kind = RESTART_PERMANENT;
	ac->restart.max = RESTART_MAX_DEFAULT;
	ac->restart.within_s = RESTART_WITHIN_DEFAULT;
}

static int
config_agent(struct cfgctx *c, const char *path, const struct yamlnode *n,
    struct agent_config *ac)
{
	agent_config_defaults(ac);
	if (config_walk(c, path, n, agent_keys, NITEMS(agent_keys), ac) != 0)
		return -1;
	if (ac->id[0] == '\0')
		return config_err(c, n, path, "missing required key 'id'");
	return 0;
}

void
agent_config_clear(struct agent_config *ac)
{
	strlist_clear(&ac->caps);
	strlist_clear(&ac->runner_argv);
	strlist_clear(&ac->env);
	strlist_clear(&ac->perms);
	free(ac->shell);
	free(ac->cwd);
	memset(ac, 0, sizeof *ac);
}

void
agent_config_copy(struct agent_config *dst, const struct agent_config *src)
{
	*dst = *src;
	strlist_copy(&dst->caps, &src->caps);
	strlist_copy(&dst->runner_argv, &src->runner_argv);
	strlist_copy(&dst->env, &src->env);
	strlist_copy(&dst->perms, &src->perms);
	dst->shell = src->shell != NULL ? xstrdup(src->shell) : NULL;
	dst->cwd = src->cwd != NULL ? xstrdup(src->cwd) : NULL;
}

/* Top level ---------------------------------------------------------------- */

static int
config_name_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct config	*cfg = arg;
	const char	*s;

	if (config_scalar(c, path, n, &s) != 0)
		return -1;
	free(cfg->name);
	cfg->name = xstrdup(s);
	return 0;
}

static int
config_agents_cb(struct cfgctx *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct config	*cfg = arg;
	char		*sub;
	size_t		 i, j;
	int		 rc;

	if (n->type != YAMLNODE_SEQ)
		return config_err(c, n, path, "expected a list of agents, got "
		    "%s", yamldoc_type_name(n));
	cfg->agents = xcalloc(n->n ? n->n : 1, sizeof *cfg->agents);
	for (i = 0; i < n->n; i++) {
		xasprintf(&sub, "%s[%zu]", path, i);
		rc = config_agent(c, sub, n->items[i], &cfg->agents[i]);
		cfg->nagents++;
		if (rc == 0)
			for (j = 0; j < i; j++)
				if (strcmp(cfg->agents[j].id,
				    cfg->agents[i].id) == 0) {
					rc = config_err(c, n->items[i], sub,
					    "duplicate agent id '%s'",
					    cfg->agents[i].id);
					break;
				}
		free(sub);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Keys without a parser belong to workflows and are read there. */
static const struct cfgkey config_keys[] = {
	{ "name", config_name_cb },
	{ "version", NULL },
	{ "description", NULL },
	{ "agents", config_agents_cb },
	{ "stages", NULL },
};

static struct config *
config_from_doc(struct yamldoc *doc, const char *base_dir, char **cause)
{
	struct cfgctx	 c = { doc, base_dir, cause };
	struct config	*cfg;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->file = xstrdup(doc->file);
	if (doc->root == NULL || yamldoc_is_null(doc->root)) {
		yamldoc_error(doc, NULL, cause, "the file is empty");
		goto fail;
	}
	if (config_walk(&c, "", doc->root, config_keys, NITEMS(config_keys),
	    cfg) != 0)
		goto fail;
	if (cfg->nagents == 0) {
		config_err(&c, doc->root, "agents", "at least one agent is "
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
	struct config	*cfg;

	if (doc == NULL)
		return NULL;
	cfg = config_from_doc(doc, base_dir, cause);
	yamldoc_free(doc);
	return cfg;
}

struct config *
config_load_file(const char *path, char **cause)
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
	{
		struct config	*cfg = config_load_doc(yamldoc_load_file(path,
		    NULL, cause), dir, cause);

		free(dir);
		return cfg;
	}
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
	free(cfg->name);
	free(cfg->file);
	free(cfg);
}

/* Runtime deploy: msgpack -> the same node tree -> the same checks. -------- */

static struct yamlnode *
config_node_from_msgpack(const msgpack_object *o, unsigned depth)
{
	struct yamlnode	*n;
	char		 num[32];
	uint32_t	 i;

	if (depth > 16)
		return NULL;
	n = xcalloc(1, sizeof *n);
	switch (o->type) {
	case MSGPACK_OBJECT_ARRAY:
		n->type = YAMLNODE_SEQ;
		n->items = xcalloc(o->via.array.size + 1, sizeof *n->items);
		for (i = 0; i < o->via.array.size; i++) {
			n->items[n->n] = config_node_from_msgpack(
			    &o->via.array.ptr[i], depth + 1);
			if (n->items[n->n++] == NULL)
				goto bad;
		}
		return n;
	case MSGPACK_OBJECT_MAP:
		n->type = YAMLNODE_MAP;
		n->items = xcalloc(o->via.map.size * 2 + 1, sizeof *n->items);
		for (i = 0; i < o->via.map.size; i++) {
			n->items[n->n] = config_node_from_msgpack(
			    &o->via.map.ptr[i].key, depth + 1);
			if (n->items[n->n++] == NULL)
				goto bad;
			n->items[n->n] = config_node_from_msgpack(
			    &o->via.map.ptr[i].val, depth + 1);
			if (n->items[n->n++] == NULL)
				goto bad;
		}
		return n;
	case MSGPACK_OBJECT_STR:
		n->str = xstrndup(o->via.str.ptr, o->via.str.size);
		n->quoted = true;
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		snprintf(num, sizeof num, "%llu",
		    (unsigned long long)o->via.u64);
		n->str = xstrdup(num);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)o->via.i64);
		n->str = xstrdup(num);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		n->str = xstrdup(o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_NIL:
		n->str = xstrdup("");
		break;
	default:
		n->str = xstrdup("?");
		n->quoted = true;
		break;
	}
	n->type = YAMLNODE_SCALAR;
	n->len = strlen(n->str);
	return n;
bad:
	n->n--;		/* the failed slot is NULL */
	yamldoc_node_free(n);
	return NULL;
}

int
config_agent_from_msgpack(const msgpack_object *o, struct agent_config *ac,
    char **cause)
{
	struct yamldoc	*doc;
	struct cfgctx	 c;
	int		 rc;

	doc = xcalloc(1, sizeof *doc);
	doc->file = xstrdup("deploy request");
	doc->root = config_node_from_msgpack(o, 0);
	if (doc->root == NULL) {
		yamldoc_free(doc);
		memset(ac, 0, sizeof *ac);
		return set_cause(cause, "agent: nested too deeply");
	}
	c.doc = doc;
	c.base_dir = NULL;
	c.cause = cause;
	rc = config_agent(&c, "agent", doc->root, ac);
	if (rc != 0)
		agent_config_clear(ac);
	yamldoc_free(doc);
	return rc;
}

static void
pack_strlist(msgpack_packer *pk, const struct strlist *l)
{
	size_t	i;

	msgpack_pack_array(pk, l->n);
	for (i = 0; i < l->n; i++)
		body_pack_str(pk, l->v[i]);
}

void
agent_config_pack(msgpack_packer *pk, const struct agent_config *ac)
{
	size_t	i, nsess = 2 + (ac->shell != NULL) + (ac->cwd != NULL) +
		    (ac->env.n > 0);

	msgpack_pack_map(pk, 8);
	body_pack_kv_str(pk, "id", ac->id);
	body_pack_str(pk, "type");
	body_pack_str(pk, agent_type_name(ac->type));
	body_pack_str(pk, "capabilities");
	pack_strlist(pk, &ac->caps);
	body_pack_str(pk, "runner");
	if (ac->runner == RUNNER_ARGV) {
		msgpack_pack_map(pk, 1);
		body_pack_str(pk, "argv");
		pack_strlist(pk, &ac->runner_argv);
	} else
		body_pack_str(pk, runner_names[ac->runner]);
	body_pack_str(pk, "session");
	msgpack_pack_map(pk, nsess);
	body_pack_str(pk, "backend");
	body_pack_str(pk, session_backend_name(ac->backend));
	body_pack_str(pk, "scrollback");
	msgpack_pack_uint64(pk, ac->scrollback);
	if (ac->shell != NULL) {
		body_pack_str(pk, "shell");
		body_pack_str(pk, ac->shell);
	}
	if (ac->cwd != NULL) {
		body_pack_str(pk, "cwd");
		body_pack_str(pk, ac->cwd);
	}
	if (ac->env.n > 0) {
		body_pack_str(pk, "env");
		msgpack_pack_map(pk, ac->env.n);
		for (i = 0; i < ac->env.n; i++) {
			const char	*eq = strchr(ac->env.v[i], '=');
			size_t		 klen = (size_t)(eq - ac->env.v[i]);

			msgpack_pack_str(pk, klen);
			msgpack_pack_str_body(pk, ac->env.v[i], klen);
			body_pack_str(pk, eq + 1);
		}
	}
	body_pack_str(pk, "tier");
	msgpack_pack_unsigned_int(pk, ac->tier);
	body_pack_str(pk, "permissions");
	pack_strlist(pk, &ac->perms);
	body_pack_str(pk, "restart");
	msgpack_pack_map(pk, 3);
	body_pack_str(pk, "policy");
	body_pack_str(pk, restart_kind_name(ac->restart.kind));
	body_pack_str(pk, "max");
	msgpack_pack_unsigned_int(pk, ac->restart.max);
	body_pack_str(pk, "within");
	msgpack_pack_unsigned_int(pk, ac->restart.within_s);
}
