/*
 * orch.yaml's mcp: and metrics: the gateway's HTTP listener. It belongs to
 * the one gateway agent, which serves /mcp, /metrics and / on one port;
 * asking for it with none configured brings one: "mcp", or, for metrics:
 * alone, "metrics", which serves /metrics and the dashboard with MCP off.
 */
#include "supervisor/config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "supervisor/schema.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])
#define CONFIG_MCP_AGENT	"mcp"
#define CONFIG_METRICS_AGENT	"metrics"

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
config_metrics_http_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 0, 65535, &v) != 0)
		return -1;
	((struct config *)arg)->metrics_http = (unsigned)v;
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

static const struct schema_key config_metrics_keys[] = {
	{ "http", config_metrics_http_key },
};

int
config_metrics_key(struct schema *c, const char *path,
    const struct yamlnode *n, void *arg)
{
	struct config	*cfg = arg;

	cfg->metrics_given = true;
	return schema_walk(c, path, n, config_metrics_keys,
	    NITEMS(config_metrics_keys), cfg);
}

/* The gateway agent run lacks, added as id; NULL if id is another's. */
static struct agent_config *
config_mcp_add(struct config *run, const char *id, const char *what,
    char **cause)
{
	struct agent_config	*gw;
	size_t			 i;

	for (i = 0; i < run->nagents; i++)
		if (strcmp(run->agents[i].id, id) == 0) {
			xasprintf(cause, "%s needs a gateway, and agent '%s' "
			    "is not one: give it 'type: gateway' or add an "
			    "agent that is", what, id);
			return NULL;
		}
	run->agents = xreallocarray(run->agents, run->nagents + 1,
	    sizeof *run->agents);
	gw = &run->agents[run->nagents++];
	agent_config_defaults(gw);
	snprintf(gw->id, sizeof gw->id, "%s", id);
	gw->type = AGENT_GATEWAY;
	return gw;
}

int
config_mcp_apply(struct config *run, const struct config *base, int port,
    char **cause)
{
	struct mcp_config	 m;
	struct agent_config	*gw = NULL;
	unsigned		 metrics = 0;
	size_t			 i;

	memset(&m, 0, sizeof m);
	mcp_config_defaults(&m);
	if (run->mcp_given)
		mcp_config_copy(&m, &run->mcp);
	else if (base != NULL && base->mcp_given)
		mcp_config_copy(&m, &base->mcp);
	if (run->metrics_given)
		metrics = run->metrics_http;
	else if (base != NULL && base->metrics_given)
		metrics = base->metrics_http;
	if (port >= 0)
		m.http = (unsigned)port;
	/* One listener serves all three: two ports cannot both be it. */
	if (metrics != 0 && m.http != 0 && metrics != m.http) {
		xasprintf(cause, "metrics.http (%u) and %s (%u) differ: the "
		    "gateway serves /mcp, /metrics and / on one port",
		    metrics, port >= 0 ? "--mcp-http" : "mcp.http", m.http);
		free(m.token);
		return -1;
	}
	for (i = 0; i < run->nagents; i++)
		if (run->agents[i].type == AGENT_GATEWAY)
			gw = &run->agents[i];
	if (gw == NULL && m.http != 0)
		gw = config_mcp_add(run, CONFIG_MCP_AGENT, "MCP over HTTP",
		    cause);
	else if (gw == NULL && metrics != 0) {
		gw = config_mcp_add(run, CONFIG_METRICS_AGENT, "metrics.http",
		    cause);
		m.web_only = true;
	} else if (gw == NULL) {
		free(m.token);
		return 0;
	}
	if (gw == NULL) {
		free(m.token);
		return -1;
	}
	if (m.http == 0)
		m.http = metrics;
	mcp_config_copy(&gw->mcp, &m);
	free(m.token);
	return 0;
}
