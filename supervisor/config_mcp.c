/*
 * orch.yaml's mcp: the gateway's HTTP transport. It belongs to the one
 * gateway agent; asking for HTTP with none configured brings one, "mcp".
 */
#include "supervisor/config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "supervisor/schema.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])
#define CONFIG_MCP_AGENT	"mcp"

static int
config_mcp_http_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 0, 65535, &v) != 0)
		return -1;
	((struct config *)arg)->mcp.http = (unsigned)v;
	return 0;
}

static int
config_mcp_token_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct config	*cfg = arg;
	const char	*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	if (s[0] == '\0' || strlen(s) > MCP_TOKEN_MAX)
		return schema_err(c, n, path, "a token is 1 to %d characters",
		    MCP_TOKEN_MAX);
	free(cfg->mcp.token);
	cfg->mcp.token = xstrdup(s);
	return 0;
}

static int
config_mcp_body_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 1024, MCP_BODY_MAX, &v) != 0)
		return -1;
	((struct config *)arg)->mcp.body_max = v;
	return 0;
}

static int
config_mcp_idle_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 1, 86400 * 30, &v) != 0)
		return -1;
	((struct config *)arg)->mcp.idle_s = (unsigned)v;
	return 0;
}

static const struct schema_key config_mcp_keys[] = {
	{ "http", config_mcp_http_key },
	{ "token", config_mcp_token_key },
	{ "max_body", config_mcp_body_key },
	{ "session_idle", config_mcp_idle_key },
};

int
config_mcp_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct config	*cfg = arg;

	cfg->mcp_given = true;
	return schema_walk(c, path, n, config_mcp_keys, NITEMS(config_mcp_keys),
	    cfg);
}

int
config_mcp_apply(struct config *run, const struct config *base, int port,
    char **cause)
{
	struct mcp_config	 m;
	struct agent_config	*gw = NULL;
	size_t			 i;

	memset(&m, 0, sizeof m);
	mcp_config_defaults(&m);
	if (run->mcp_given)
		mcp_config_copy(&m, &run->mcp);
	else if (base != NULL && base->mcp_given)
		mcp_config_copy(&m, &base->mcp);
	if (port >= 0)
		m.http = (unsigned)port;
	for (i = 0; i < run->nagents; i++)
		if (run->agents[i].type == AGENT_GATEWAY)
			gw = &run->agents[i];
	if (gw == NULL && m.http != 0) {
		for (i = 0; i < run->nagents; i++)
			if (strcmp(run->agents[i].id, CONFIG_MCP_AGENT) == 0) {
				xasprintf(cause, "MCP over HTTP needs a gateway, "
				    "and agent '%s' is not one: give it "
				    "'type: gateway' or add an agent that is",
				    CONFIG_MCP_AGENT);
				free(m.token);
				return -1;
			}
		run->agents = xreallocarray(run->agents, run->nagents + 1,
		    sizeof *run->agents);
		gw = &run->agents[run->nagents++];
		agent_config_defaults(gw);
		snprintf(gw->id, sizeof gw->id, "%s", CONFIG_MCP_AGENT);
		gw->type = AGENT_GATEWAY;
	}
	if (gw != NULL)
		mcp_config_copy(&gw->mcp, &m);
	free(m.token);
	return 0;
}
