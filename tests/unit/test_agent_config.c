/*
 * An agent's configuration on the wire: what the supervisor packs, the
 * actor reads back exactly; a body of the wrong shape is refused whole.
 */
#include "tests/unit/unit.h"

#include "ipc/agent_config.h"

static void
full(struct agent_config *ac)
{
	agent_config_defaults(ac);
	snprintf(ac->id, sizeof ac->id, "builder-1");
	ac->type = AGENT_SPECIALIST;
	strlist_add(&ac->caps, "build");
	strlist_add(&ac->caps, "test");
	ac->runner = RUNNER_ARGV;
	strlist_add(&ac->runner_argv, "llm");
	strlist_add(&ac->runner_argv, "{prompt}");
	strlist_add(&ac->runner_args, "--model=x");
	ac->backend = SESSION_TMUX;
	ac->shell = strdup("/bin/bash");
	ac->cwd = strdup("/tmp");
	strlist_add(&ac->env, "A=1");
	strlist_add(&ac->env, "B=x=y");
	ac->scrollback = 4096;
	ac->rc = true;
	ac->sandbox = true;
	ac->inbox = 7;
	ac->deliver_type = true;
	ac->tier = 3;
	strlist_add(&ac->perms, "data:read");
	ac->perms_given = true;
	ac->restart.kind = RESTART_TRANSIENT;
	ac->restart.max = 9;
	ac->restart.within_s = 30;
}

static int
unpack(const msgpack_sbuffer *sb, struct agent_config *ac)
{
	msgpack_unpacked	up;
	char			why[128];
	int			rc;

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb->data, sb->size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	rc = agent_config_unpack(&up.data, ac, why, sizeof why);
	if (rc != 0)
		assert_string_equal(why, "the agent's configuration is malformed");
	msgpack_unpacked_destroy(&up);
	return rc;
}

static void
test_roundtrip(void **state)
{
	struct agent_config	a, b;
	msgpack_sbuffer		sb;
	msgpack_packer		pk;
	size_t			i;

	(void)state;
	full(&a);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_config_pack(&pk, &a);
	assert_int_equal(unpack(&sb, &b), 0);
	assert_string_equal(b.id, "builder-1");
	assert_int_equal(b.type, AGENT_SPECIALIST);
	assert_int_equal(b.caps.n, 2);
	assert_string_equal(b.caps.v[1], "test");
	assert_int_equal(b.runner, RUNNER_ARGV);
	assert_int_equal(b.runner_argv.n, 2);
	assert_string_equal(b.runner_argv.v[1], "{prompt}");
	assert_string_equal(b.runner_args.v[0], "--model=x");
	assert_int_equal(b.backend, SESSION_TMUX);
	assert_string_equal(b.shell, "/bin/bash");
	assert_string_equal(b.cwd, "/tmp");
	assert_int_equal(b.env.n, 2);
	for (i = 0; i < 2; i++)
		assert_string_equal(b.env.v[i], a.env.v[i]);
	assert_int_equal(b.scrollback, 4096);
	assert_true(b.rc);
	assert_true(b.sandbox);
	assert_int_equal(b.inbox, 7);
	assert_true(b.deliver_type);
	assert_int_equal(b.tier, 3);
	assert_true(b.perms_given);
	assert_string_equal(b.perms.v[0], "data:read");
	assert_int_equal(b.restart.kind, RESTART_TRANSIENT);
	assert_int_equal(b.restart.max, 9);
	assert_int_equal(b.restart.within_s, 30);
	agent_config_clear(&b);
	msgpack_sbuffer_destroy(&sb);

	/* The defaults, with a named runner, come back as defaults. */
	agent_config_clear(&a);
	agent_config_defaults(&a);
	snprintf(a.id, sizeof a.id, "w");
	a.runner = RUNNER_CLAUDE;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_config_pack(&pk, &a);
	assert_int_equal(unpack(&sb, &b), 0);
	assert_int_equal(b.runner, RUNNER_CLAUDE);
	assert_null(b.shell);
	/* No list: its tier's, not "none". */
	assert_false(b.perms_given);
	assert_int_equal(b.scrollback, SCROLLBACK_DEFAULT);
	agent_config_clear(&b);
	msgpack_sbuffer_destroy(&sb);

	/* An empty list stays an empty list: no permission at all. */
	a.perms_given = true;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_config_pack(&pk, &a);
	assert_int_equal(unpack(&sb, &b), 0);
	assert_true(b.perms_given);
	assert_int_equal(b.perms.n, 0);
	agent_config_clear(&b);
	msgpack_sbuffer_destroy(&sb);

	/* Claude Code's mode and trust, and a worktree, travel too. */
	a.claude.mode = CLAUDE_INTERACTIVE;
	a.claude.trust = true;
	a.worktree.on = true;
	a.worktree.branch = strdup("feature/x");
	a.worktree.path = strdup("/w/t");
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_config_pack(&pk, &a);
	assert_int_equal(unpack(&sb, &b), 0);
	assert_true(agent_config_interactive(&b));
	assert_true(b.claude.trust);
	assert_true(b.worktree.on);
	assert_string_equal(b.worktree.branch, "feature/x");
	assert_null(b.worktree.base);
	assert_string_equal(b.worktree.path, "/w/t");
	agent_config_clear(&b);
	msgpack_sbuffer_destroy(&sb);
	/* A copy owns its own strings. */
	agent_config_copy(&b, &a);
	assert_ptr_not_equal(b.worktree.branch, a.worktree.branch);
	assert_string_equal(b.worktree.branch, "feature/x");
	agent_config_clear(&b);
	free(a.worktree.branch);
	free(a.worktree.path);
	a.worktree.branch = a.worktree.path = NULL;
	a.worktree.on = false;
	a.claude.mode = CLAUDE_PRINT;

	/* A gateway's HTTP transport travels with it, token and all. */
	a.type = AGENT_GATEWAY;
	a.mcp.http = 8765;
	a.mcp.body_max = 65536;
	a.mcp.idle_s = 2;
	a.mcp.token = strdup("s3cret");
	a.mcp.web_only = true;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	agent_config_pack(&pk, &a);
	assert_int_equal(unpack(&sb, &b), 0);
	assert_int_equal(b.type, AGENT_GATEWAY);
	assert_int_equal(b.mcp.http, 8765);
	assert_int_equal(b.mcp.body_max, 65536);
	assert_int_equal(b.mcp.idle_s, 2);
	assert_string_equal(b.mcp.token, "s3cret");
	assert_true(b.mcp.web_only);
	agent_config_clear(&b);
	msgpack_sbuffer_destroy(&sb);
	agent_config_clear(&a);
}

/* A valid map refuses nothing: the cases below fail for their key alone. */
static void
test_valid_base(void **state)
{
	struct agent_config	ac;
	msgpack_sbuffer		sb;
	msgpack_packer		pk;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str(&pk, 2);
	msgpack_pack_str_body(&pk, "id", 2);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "w", 1);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "tier", 4);
	msgpack_pack_uint64(&pk, 2);
	assert_int_equal(unpack(&sb, &ac), 0);
	assert_string_equal(ac.id, "w");
	assert_int_equal(ac.tier, 2);
	agent_config_clear(&ac);
	msgpack_sbuffer_destroy(&sb);
}

/* Pack {key: ...} built by fn on top of a valid id. */
static int
bad(void (*fn)(msgpack_packer *))
{
	struct agent_config	ac;
	msgpack_sbuffer		sb;
	msgpack_packer		pk;
	int			rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	fn(&pk);
	rc = unpack(&sb, &ac);
	if (rc == 0)
		agent_config_clear(&ac);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
pk_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void b_not_map(msgpack_packer *pk) { msgpack_pack_array(pk, 0); }
static void b_no_id(msgpack_packer *pk) { msgpack_pack_map(pk, 0); }
static void
b_unknown(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "colour"); pk_str(pk, "red");
}
static void
b_tier(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "tier"); msgpack_pack_uint64(pk, 4);
}
static void
b_id_slash(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	pk_str(pk, "id"); pk_str(pk, "../x");
}
static void
b_nul(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "session");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "shell");
	msgpack_pack_str(pk, 3);
	msgpack_pack_str_body(pk, "a\0b", 3);
}
static void
b_caps_type(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "capabilities");
	msgpack_pack_array(pk, 1);
	msgpack_pack_int(pk, 1);
}
static void
b_backend(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "session");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "backend"); pk_str(pk, "screen");
}
static void
b_cwd(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "session");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "cwd"); pk_str(pk, "relative");
}
static void
b_env(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "session");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "env");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "A=B"); pk_str(pk, "c");
}
static void
b_scrollback(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "session");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "scrollback"); msgpack_pack_uint64(pk, 1ull << 40);
}
static void
b_runner(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	/* "argv" comes as a map with its template, never as a name. */
	pk_str(pk, "runner"); pk_str(pk, "argv");
}
static void
b_restart(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "restart");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "policy"); pk_str(pk, "sometimes");
}

static void
b_mcp_port(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "mcp");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "http"); msgpack_pack_uint64(pk, 70000);
}
static void
b_mcp_token(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "mcp");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "token"); pk_str(pk, "");
}
static void
b_mcp_body(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "mcp");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "max_body"); msgpack_pack_uint64(pk, 10);
}
static void
b_mcp_web_only(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "id"); pk_str(pk, "w");
	pk_str(pk, "mcp");
	msgpack_pack_map(pk, 1);
	pk_str(pk, "web_only"); msgpack_pack_uint64(pk, 1);
}

static void
test_refused(void **state)
{
	void	(*const cases[])(msgpack_packer *) = { b_not_map, b_no_id,
		    b_unknown, b_tier, b_id_slash, b_nul, b_caps_type,
		    b_backend, b_cwd, b_env, b_scrollback, b_runner,
		    b_restart, b_mcp_port, b_mcp_token, b_mcp_body,
		    b_mcp_web_only };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (bad(cases[i]) != -1)
			fail_msg("case %zu was accepted", i);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(agent_type_name(AGENT_PRIMARY), "primary");
	assert_string_equal(agent_type_name((enum agent_type)9), "?");
	assert_string_equal(session_backend_name(SESSION_ITERM2), "iterm2");
	assert_string_equal(runner_name(RUNNER_CLAUDE), "claude");
	assert_int_equal(restart_kind_parse("temporary"), RESTART_TEMPORARY);
	assert_int_equal(restart_kind_parse("never"), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_valid_base),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
