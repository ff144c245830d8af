#include "tests/unit/unit.h"

#include "common/xmalloc.h"
#include "ipc/body.h"
#include "supervisor/config.h"

/* Loading text must fail with exactly this message. */
static void
refuse(const char *text, const char *want)
{
	struct config	*cfg;
	char		*cause = NULL;

	cfg = config_load_string("c.yaml", text, "/base", &cause);
	assert_null(cfg);
	assert_non_null(cause);
	if (strcmp(cause, want) != 0)
		fail_msg("got  \"%s\"\nwant \"%s\"", cause, want);
	free(cause);
}

static void
test_default(void **state)
{
	struct config	*cfg;
	char		*cause = NULL;
	size_t		 i;

	(void)state;
	cfg = config_load_default(&cause);
	assert_non_null(cfg);
	assert_int_equal(cfg->nagents, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(cfg->agents[i].backend, SESSION_PTY);
		assert_int_equal(cfg->agents[i].runner, RUNNER_SHELL);
		assert_int_equal(cfg->agents[i].restart.kind,
		    RESTART_PERMANENT);
		assert_int_equal(cfg->agents[i].restart.max, 5);
		assert_int_equal(cfg->agents[i].restart.within_s, 60);
		assert_int_equal(cfg->agents[i].scrollback, 1 << 20);
	}
	assert_string_equal(cfg->agents[1].id, "worker-2");
	config_free(cfg);
}

static void
test_full(void **state)
{
	struct config		*cfg;
	struct agent_config	*a;
	char			*cause = NULL;

	(void)state;
	cfg = config_load_string("c.yaml",
	    "name: deploy-application\n"
	    "version: 1.0\n"
	    "agents:\n"
	    "  - id: fe\n"
	    "    type: specialist\n"
	    "    capabilities: [react, webpack]\n"
	    "    runner: {argv: [tool, \"{prompt}\"]}\n"
	    "    session: {backend: pty, cwd: sub, shell: /bin/sh,\n"
	    "              env: {A: b, EMPTY: ~}, scrollback: 64K,\n"
	    "              sandbox: true}\n"
	    "    tier: 2\n"
	    "    permissions: [command:execute, data:read]\n"
	    "    restart: {policy: transient, max: 3, within: 10}\n"
	    "  - id: be\n"
	    "    capabilities: jest\n"
	    "    restart: temporary\n"
	    "stages: []\n", "/base", &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_string_equal(cfg->name, "deploy-application");
	assert_int_equal(cfg->nagents, 2);
	a = &cfg->agents[0];
	assert_int_equal(a->type, AGENT_SPECIALIST);
	assert_int_equal(a->caps.n, 2);
	assert_int_equal(a->runner, RUNNER_ARGV);
	assert_string_equal(a->runner_argv.v[1], "{prompt}");
	assert_string_equal(a->cwd, "/base/sub");
	assert_string_equal(a->shell, "/bin/sh");
	assert_string_equal(a->env.v[0], "A=b");
	assert_string_equal(a->env.v[1], "EMPTY=");
	assert_int_equal(a->scrollback, 64 * 1024);
	assert_true(a->sandbox);
	assert_int_equal(a->tier, 2);
	assert_int_equal(a->restart.kind, RESTART_TRANSIENT);
	assert_int_equal(a->restart.max, 3);
	assert_int_equal(a->restart.within_s, 10);
	a = &cfg->agents[1];
	assert_true(strlist_has(&a->caps, "jest"));
	assert_int_equal(a->restart.kind, RESTART_TEMPORARY);
	config_free(cfg);
}

static void
test_errors(void **state)
{
	(void)state;
	refuse("", "c.yaml:1:1: the file is empty");
	refuse("- a\n", "c.yaml:1:1: expected a mapping, got a list");
	refuse("name: x\n", "c.yaml:1:1: agents: at least one agent is needed");
	refuse("agent: []\n",
	    "c.yaml:1:1: unknown key 'agent' (did you mean 'agents'?)");
	refuse("agents: []\nfoo: 1\n", "c.yaml:2:1: unknown key 'foo'");
	refuse("agents: {id: x}\n",
	    "c.yaml:1:9: agents: expected a list of agents, got a mapping");
	refuse("agents:\n  - type: worker\n",
	    "c.yaml:2:5: agents[0]: missing required key 'id'");
	refuse("agents:\n  - id: a\n    typ: worker\n",
	    "c.yaml:3:5: agents[0]: unknown key 'typ' (did you mean 'type'?)");
	refuse("agents:\n  - id: a\n    cwd: /tmp\n",
	    "c.yaml:3:5: agents[0]: 'cwd' belongs under 'session:' (session: "
	    "{cwd: ...})");
	refuse("agents:\n  - id: a\n    id: b\n",
	    "c.yaml:3:5: agents[0]: duplicate key 'id' (first at line 2)");
	refuse("agents:\n  - id: a\n  - id: a\n",
	    "c.yaml:3:5: agents[1]: duplicate agent id 'a'");
	refuse("agents:\n  - id: 'a b'\n",
	    "c.yaml:2:9: agents[0].id: 'a b' is not a valid agent id "
	    "(1-63 of A-Z a-z 0-9 _ . -, not starting with . or -)");
	refuse("agents:\n  - id: [a]\n",
	    "c.yaml:2:9: agents[0].id: expected a string, got a list");
	refuse("agents:\n  - id: a\n    type: boss\n",
	    "c.yaml:3:11: agents[0].type: 'boss' is not one of: primary, "
	    "worker, specialist, gateway");
	refuse("agents:\n  - {id: g1, type: gateway}\n"
	    "  - {id: g2, type: gateway}\n",
	    "c.yaml:3:5: agents[1]: a second gateway ('g1' is one): an "
	    "instance has one MCP gateway");
	refuse("agents:\n  - id: a\n    capabilities: [x, x]\n",
	    "c.yaml:3:23: agents[0].capabilities: 'x' is listed twice");
	refuse("agents:\n  - id: a\n    capabilities: {x: 1}\n",
	    "c.yaml:3:19: agents[0].capabilities: expected a list of strings, "
	    "got a mapping");
	refuse("agents:\n  - id: a\n    runner: python\n",
	    "c.yaml:3:13: agents[0].runner: 'python' is not one of: shell, "
	    "claude");
	refuse("agents:\n  - id: a\n    runner: {argv: []}\n",
	    "c.yaml:3:20: agents[0].runner.argv: expected a non-empty list "
	    "(program and arguments)");
	refuse("agents:\n  - id: a\n    iterm2: {window: shared}\n",
	    "c.yaml:3:13: agents[0]: iterm2: applies to an agent with "
	    "session.backend iterm2");
	refuse("agents:\n  - id: a\n    session: {backend: iterm2}\n"
	    "    iterm2: {window: tab}\n",
	    "c.yaml:4:22: agents[0].iterm2.window: 'tab' is not one of: new, "
	    "shared");
	refuse("agents:\n  - id: a\n    session: {backend: screen}\n",
	    "c.yaml:3:24: agents[0].session.backend: 'screen' is not one of: "
	    "pty, tmux, iterm2");
	refuse("agents:\n  - id: a\n    session: {shel: /bin/sh}\n",
	    "c.yaml:3:15: agents[0].session: unknown key 'shel' (did you mean "
	    "'shell'?)");
	refuse("agents:\n  - id: a\n    session: {env: [A]}\n",
	    "c.yaml:3:20: agents[0].session.env: expected a mapping of NAME: "
	    "value, got a list");
	refuse("agents:\n  - id: a\n    session: {env: {A: [1]}}\n",
	    "c.yaml:3:24: agents[0].session.env: A: expected a string, got a "
	    "list");
	refuse("agents:\n  - id: a\n    session: {scrollback: 1G}\n",
	    "c.yaml:3:27: agents[0].session.scrollback: '1G' is not a size "
	    "from 1K to 256M (bytes, or with a K or M suffix)");
	refuse("agents:\n  - id: a\n    session: {sandbox: maybe}\n",
	    "c.yaml:3:24: agents[0].session.sandbox: 'maybe' is not true or "
	    "false");
	refuse("agents:\n  - id: a\n    tier: 4\n",
	    "c.yaml:3:11: agents[0].tier: '4' is not a whole number from 1 "
	    "to 3");
	refuse("agents:\n  - id: a\n    permissions: [root]\n",
	    "c.yaml:3:19: agents[0].permissions: unknown permission 'root'");
	refuse("agents:\n  - id: a\n    require_approval: [/bin/rm]\n",
	    "c.yaml:3:24: agents[0].require_approval: '/bin/rm' is not a "
	    "command name");
	refuse("agents:\n  - id: a\n    restart: {policy: sometimes}\n",
	    "c.yaml:3:23: agents[0].restart.policy: 'sometimes' is not one "
	    "of: permanent, transient, temporary");
	refuse("agents:\n  - id: a\n    restart: {max: -1}\n",
	    "c.yaml:3:20: agents[0].restart.max: '-1' is not a whole number "
	    "from 0 to 64");
	refuse("agents:\n  - id: a\n    restart: {within: 0}\n",
	    "c.yaml:3:23: agents[0].restart.within: '0' is not a whole number "
	    "from 1 to 86400");
	refuse("agents:\n  - id: a\n    restart: {max: 1, max: 2}\n",
	    "c.yaml:3:23: agents[0].restart: duplicate key 'max' (first at "
	    "line 3)");
	refuse("agents: [\n", "c.yaml:2:1: did not find expected node content "
	    "while parsing a flow node");
}

/* require_approval: an agent's own list, else the file's, else none. */
/* claude: and worktree: */
static void
test_claude(void **state)
{
	struct config	*cfg;
	char		*cause = NULL;

	(void)state;
	cfg = config_load_string("c.yaml", "agents:\n"
	    "  - {id: a, runner: claude, claude: {mode: interactive, trust: true}, "
	    "worktree: true}\n"
	    "  - {id: b, runner: claude, claude: interactive, worktree: {branch: "
	    "feat/b, base: main, path: trees/b}}\n"
	    "  - {id: c, runner: claude}\n", "/base", &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_true(agent_config_interactive(&cfg->agents[0]));
	assert_true(cfg->agents[0].claude.trust);
	assert_true(cfg->agents[0].worktree.on);
	assert_null(cfg->agents[0].worktree.branch);
	assert_true(agent_config_interactive(&cfg->agents[1]));
	assert_false(cfg->agents[1].claude.trust);
	assert_string_equal(cfg->agents[1].worktree.branch, "feat/b");
	assert_string_equal(cfg->agents[1].worktree.base, "main");
	/* A path is relative to the file. */
	assert_string_equal(cfg->agents[1].worktree.path, "/base/trees/b");
	/* print is the default mode. */
	assert_false(agent_config_interactive(&cfg->agents[2]));
	assert_false(cfg->agents[2].worktree.on);
	config_free(cfg);

	refuse("agents:\n  - {id: a, claude: {mode: interactive}}\n",
	    "c.yaml:2:21: agents[0]: claude: applies to an agent with runner: "
	    "claude");
	refuse("agents:\n  - {id: a, runner: claude, claude: {mode: tui}}\n",
	    "c.yaml:2:44: agents[0].claude.mode: 'tui' is not one of: print, "
	    "interactive");
	refuse("agents:\n  - {id: a, runner: claude, claude: {trust: maybe}}\n",
	    "c.yaml:2:45: agents[0].claude.trust: 'maybe' is not true or "
	    "false");
	refuse("agents:\n  - {id: a, worktree: {branch: '-f'}}\n",
	    "c.yaml:2:32: agents[0].worktree.branch: '-f' is not a valid git "
	    "branch or ref name");
	refuse("agents:\n  - {id: a, worktree: {branch: 'a b'}}\n",
	    "c.yaml:2:32: agents[0].worktree.branch: 'a b' is not a valid git "
	    "branch or ref name");
	refuse("agents:\n  - {id: a, worktree: {where: x}}\n",
	    "c.yaml:2:24: agents[0].worktree: unknown key 'where'");
}

static void
test_approve(void **state)
{
	struct config	*cfg;
	char		*cause = NULL;

	(void)state;
	cfg = config_load_string("c.yaml", "require_approval: [rm, git]\n"
	    "agents:\n  - {id: a}\n  - {id: b, require_approval: [dd]}\n"
	    "  - {id: c, require_approval: []}\n", NULL, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_true(cfg->agents[0].approve_given);
	assert_int_equal(cfg->agents[0].approve.n, 2);
	assert_string_equal(cfg->agents[0].approve.v[1], "git");
	assert_int_equal(cfg->agents[1].approve.n, 1);
	assert_string_equal(cfg->agents[1].approve.v[0], "dd");
	assert_true(cfg->agents[2].approve_given);
	assert_int_equal(cfg->agents[2].approve.n, 0);
	config_free(cfg);
	cfg = config_load_string("c.yaml", "agents:\n  - {id: a}\n", NULL,
	    &cause);
	assert_false(cfg->agents[0].approve_given);
	config_free(cfg);
}

static void
test_msgpack(void **state)
{
	struct agent_config	 ac, back;
	struct config		*cfg;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	char			*cause = NULL;

	(void)state;
	cfg = config_load_string("c.yaml", "agents:\n  - id: a\n"
	    "    capabilities: [x, y]\n    session: {env: {K: v}, shell: /bin/sh}\n"
	    "    restart: {policy: transient, max: 2, within: 7}\n", NULL,
	    &cause);
	assert_non_null(cfg);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_config_pack(&pk, &cfg->agents[0]);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(config_agent_from_msgpack(&up.data, &back, &cause),
	    0);
	assert_string_equal(back.id, "a");
	assert_true(strlist_has(&back.caps, "y"));
	assert_string_equal(back.env.v[0], "K=v");
	assert_string_equal(back.shell, "/bin/sh");
	assert_int_equal(back.restart.kind, RESTART_TRANSIENT);
	assert_int_equal(back.restart.within_s, 7);
	agent_config_clear(&back);
	msgpack_unpacked_destroy(&up);

	/* A bad request names the key, without a position. */
	sb.size = 0;
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "id", "z");
	body_pack_kv_str(&pk, "type", "boss");
	msgpack_unpacked_init(&up);
	msgpack_unpack_next(&up, sb.data, sb.size, NULL);
	assert_int_equal(config_agent_from_msgpack(&up.data, &ac, &cause), -1);
	assert_string_equal(cause, "deploy request: agent.type: 'boss' is not "
	    "one of: primary, worker, specialist, gateway");
	free(cause);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	config_free(cfg);
}

static struct config *
load(const char *text)
{
	struct config	*cfg;
	char		*cause = NULL;

	if ((cfg = config_load_string("c.yaml", text, NULL, &cause)) == NULL)
		fail_msg("%s", cause);
	return cfg;
}

/* config_mcp_apply must fail with exactly this message. */
static void
refuse_apply(const char *text, int port, const char *want)
{
	struct config	*cfg = load(text);
	char		*cause = NULL;

	assert_int_equal(config_mcp_apply(cfg, NULL, port, &cause), -1);
	if (strcmp(cause, want) != 0)
		fail_msg("got  \"%s\"\nwant \"%s\"", cause, want);
	free(cause);
	config_free(cfg);
}

/* mcp: and metrics: onto the one gateway, or the one they bring. */
static void
test_mcp_metrics(void **state)
{
	struct config	*cfg, *base;
	char		*cause = NULL;

	(void)state;
	/* metrics: alone brings a gateway that serves no MCP. */
	cfg = load("agents: [{id: w}]\nmetrics: {http: 9100}\n");
	assert_int_equal(config_mcp_apply(cfg, NULL, -1, &cause), 0);
	assert_int_equal(cfg->nagents, 2);
	assert_string_equal(cfg->agents[1].id, "metrics");
	assert_int_equal(cfg->agents[1].type, AGENT_GATEWAY);
	assert_int_equal(cfg->agents[1].mcp.http, 9100);
	assert_true(cfg->agents[1].mcp.web_only);
	config_free(cfg);

	/* The same port for both: one gateway, MCP on. */
	cfg = load("agents: [{id: w}]\nmetrics: {http: 9100}\n"
	    "mcp: {http: 9100, token: t}\n");
	assert_int_equal(config_mcp_apply(cfg, NULL, -1, &cause), 0);
	assert_int_equal(cfg->nagents, 2);
	assert_string_equal(cfg->agents[1].id, "mcp");
	assert_false(cfg->agents[1].mcp.web_only);
	assert_string_equal(cfg->agents[1].mcp.token, "t");
	config_free(cfg);

	/* A gateway of the file's own takes the port and keeps its MCP. */
	cfg = load("agents: [{id: w}, {id: g, type: gateway}]\n"
	    "metrics: {http: 9100}\n");
	assert_int_equal(config_mcp_apply(cfg, NULL, -1, &cause), 0);
	assert_int_equal(cfg->nagents, 2);
	assert_int_equal(cfg->agents[1].mcp.http, 9100);
	assert_false(cfg->agents[1].mcp.web_only);
	config_free(cfg);

	/* --mcp-http with the same port as metrics: is one listener. */
	cfg = load("agents: [{id: w}]\nmetrics: {http: 9100}\n");
	assert_int_equal(config_mcp_apply(cfg, NULL, 9100, &cause), 0);
	assert_string_equal(cfg->agents[1].id, "mcp");
	assert_false(cfg->agents[1].mcp.web_only);
	config_free(cfg);

	/* A workflow's run takes its base's metrics: unless it has its own. */
	base = load("agents: [{id: w}]\nmetrics: {http: 9100}\n");
	cfg = load("agents: [{id: v}]\n");
	assert_int_equal(config_mcp_apply(cfg, base, -1, &cause), 0);
	assert_int_equal(cfg->nagents, 2);
	assert_int_equal(cfg->agents[1].mcp.http, 9100);
	config_free(cfg);
	cfg = load("agents: [{id: v}]\nmetrics: {http: 0}\n");
	assert_int_equal(config_mcp_apply(cfg, base, -1, &cause), 0);
	assert_int_equal(cfg->nagents, 1);
	config_free(cfg);
	config_free(base);

	refuse_apply("agents: [{id: w}]\nmetrics: {http: 9100}\n"
	    "mcp: {http: 9101}\n", -1, "metrics.http (9100) and mcp.http "
	    "(9101) differ: the gateway serves /mcp, /metrics and / on one "
	    "port");
	refuse_apply("agents: [{id: w}]\nmetrics: {http: 9100}\n", 9101,
	    "metrics.http (9100) and --mcp-http (9101) differ: the gateway "
	    "serves /mcp, /metrics and / on one port");
	refuse_apply("agents: [{id: metrics}]\nmetrics: {http: 9100}\n", -1,
	    "metrics.http needs a gateway, and agent 'metrics' is not one: "
	    "give it 'type: gateway' or add an agent that is");
	refuse_apply("agents: [{id: mcp}]\nmcp: {http: 9100}\n", -1,
	    "MCP over HTTP needs a gateway, and agent 'mcp' is not one: give "
	    "it 'type: gateway' or add an agent that is");
	refuse("agents: [{id: w}]\nmetrics: {http: 70000}\n",
	    "c.yaml:2:17: metrics.http: '70000' is not a whole number from 0 "
	    "to 65535");
	refuse("agents: [{id: w}]\nmetrics: {port: 1}\n",
	    "c.yaml:2:11: metrics: unknown key 'port'");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_claude),
		cmocka_unit_test(test_approve),
		cmocka_unit_test(test_msgpack),
		cmocka_unit_test(test_mcp_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
