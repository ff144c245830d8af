/*
 * The agents part of orch.yaml (DESIGN §11) as plain structs.
 *
 * Every error names FILE:LINE:COLUMN and the key path at fault
 * ("agents[1].restart.policy"); unknown keys are errors with a
 * did-you-mean. The same validation serves a runtime deploy request, whose
 * body is converted to the same node tree first.
 */
#ifndef ORCH_SUPERVISOR_CONFIG_H
#define ORCH_SUPERVISOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "common/strlist.h"
#include "ipc/agent_config.h"
#include "supervisor/yamldoc.h"

struct schema;

struct config {
	char			*file;
	char			*name;
	struct strlist		 approve;	/* require_approval for all */
	bool			 approve_given;
	struct agent_config	*agents;
	size_t			 nagents;
	struct mcp_config	 mcp;		/* mcp: (config_mcp.c) */
	bool			 mcp_given;
	unsigned		 metrics_http;	/* metrics: (config_mcp.c) */
	bool			 metrics_given;
};

/* Load a file; NULL with *cause naming the place of the first error. */
struct config	*config_load_file(const char *path, char **cause);
/* Load text (name is used in messages); base_dir resolves relative cwds. */
struct config	*config_load_string(const char *name, const char *text,
		    const char *base_dir, char **cause);
/*
 * The agents (and name) of a (non-empty) document being checked with c,
 * whose errors these add to; need_agents: an empty agents list is an
 * error. NULL after any error.
 */
struct config	*config_from_schema(struct schema *c, bool need_agents);
/* The directory a file is in, absolute (malloc'd). */
char		*config_dir_of(const char *path);
/* The embedded default: three pty shell workers. */
struct config	*config_load_default(char **cause);
/*
 * The session.backend of every agent loaded from now on that names none
 * (a backend's name: pty or tmux). 0, or -1 (no such backend here).
 */
int		 config_default_backend(const char *name);
extern const char config_default_yaml[];
void		 config_free(struct config *cfg);

/*
 * One agents[] entry from node n (path names it in messages). 0, or -1 with
 * *cause.
 */
int		 config_agent_parse(const struct yamldoc *doc,
		    const struct yamlnode *n, const char *path,
		    struct agent_config *ac, char **cause);

/* config_mcp.c: the top-level mcp: and metrics: keys. */
int		 config_mcp_key(struct schema *c, const char *path,
		    const struct yamlnode *n, void *arg);
int		 config_metrics_key(struct schema *c, const char *path,
		    const struct yamlnode *n, void *arg);
/* config_claude.c: an agent's claude: and worktree: keys. */
int		 config_claude_key(struct schema *c, const char *path,
		    const struct yamlnode *n, void *arg);
int		 config_iterm_key(struct schema *c, const char *path,
		    const struct yamlnode *n, void *arg);
int		 config_worktree_key(struct schema *c, const char *path,
		    const struct yamlnode *n, void *arg);
/*
 * The mcp: and metrics: settings (run's own, else base's; port >= 0
 * overrides mcp.http) onto run's gateway agent. HTTP asked for with no
 * gateway adds one: "mcp" for mcp.http, "metrics" (serving /metrics and
 * the dashboard, MCP off) for metrics.http alone. 0, or -1 with *cause.
 */
int		 config_mcp_apply(struct config *run, const struct config *base,
		    int port, char **cause);

/*
 * config_wire.c: an agent someone sent (a deploy request), as a msgpack
 * map with the keys of orch.yaml, read with the checks orch.yaml gets.
 */
int		 config_agent_from_msgpack(const msgpack_object *o,
		    struct agent_config *ac, char **cause);

#endif
