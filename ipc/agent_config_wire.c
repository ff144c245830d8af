/*
 * An agent's configuration as the supervisor sends it to its actor: packed
 * from struct agent_config, and unpacked from what came over the link,
 * key by key from tables (an unknown key or a bad value is refused: the
 * whole configuration is).
 */
#include "ipc/agent_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "ipc/agent_config_int.h"
#include "ipc/body.h"

/* Packing ------------------------------------------------------------------ */

static void
agent_config_pack_list(msgpack_packer *pk, const struct strlist *l)
{
	size_t	i;

	msgpack_pack_array(pk, l->n);
	for (i = 0; i < l->n; i++)
		body_pack_str(pk, l->v[i]);
}

void
agent_config_pack(msgpack_packer *pk, const struct agent_config *ac)
{
	size_t	i, nsess = 4 + (ac->shell != NULL) + (ac->cwd != NULL) +
		    (ac->env.n > 0);

	/* No permissions key: its tier's (an empty list is none). */
	msgpack_pack_map(pk, 10 + ac->perms_given + ac->approve_given +
	    (ac->type == AGENT_GATEWAY) + (ac->runner == RUNNER_CLAUDE) +
	    ac->worktree.on);
	body_pack_kv_str(pk, "id", ac->id);
	body_pack_kv_str(pk, "type", agent_type_name(ac->type));
	body_pack_str(pk, "capabilities");
	agent_config_pack_list(pk, &ac->caps);
	body_pack_str(pk, "runner");
	if (ac->runner == RUNNER_ARGV) {
		msgpack_pack_map(pk, 1);
		body_pack_str(pk, "argv");
		agent_config_pack_list(pk, &ac->runner_argv);
	} else
		body_pack_str(pk, runner_name(ac->runner));
	body_pack_str(pk, "session");
	msgpack_pack_map(pk, nsess);
	body_pack_kv_str(pk, "backend", session_backend_name(ac->backend));
	body_pack_kv_u64(pk, "scrollback", ac->scrollback);
	body_pack_kv_bool(pk, "rc", ac->rc);
	body_pack_kv_bool(pk, "sandbox", ac->sandbox);
	if (ac->shell != NULL)
		body_pack_kv_str(pk, "shell", ac->shell);
	if (ac->cwd != NULL)
		body_pack_kv_str(pk, "cwd", ac->cwd);
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
	body_pack_kv_u64(pk, "tier", ac->tier);
	if (ac->perms_given) {
		body_pack_str(pk, "permissions");
		agent_config_pack_list(pk, &ac->perms);
	}
	if (ac->approve_given) {
		body_pack_str(pk, "require_approval");
		agent_config_pack_list(pk, &ac->approve);
	}
	body_pack_str(pk, "runner_args");
	agent_config_pack_list(pk, &ac->runner_args);
	body_pack_kv_u64(pk, "inbox", ac->inbox);
	body_pack_kv_str(pk, "deliver", ac->deliver_type ? "type" : "inbox");
	body_pack_str(pk, "restart");
	msgpack_pack_map(pk, 3);
	body_pack_kv_str(pk, "policy", restart_kind_name(ac->restart.kind));
	body_pack_kv_u64(pk, "max", ac->restart.max);
	body_pack_kv_u64(pk, "within", ac->restart.within_s);
	if (ac->runner == RUNNER_CLAUDE) {
		body_pack_str(pk, "claude");
		msgpack_pack_map(pk, 2);
		body_pack_kv_str(pk, "mode", claude_mode_name(ac->claude.mode));
		body_pack_kv_bool(pk, "trust", ac->claude.trust);
	}
	if (ac->worktree.on) {
		const char	*kv[3][2] = { { "branch", ac->worktree.branch },
				    { "base", ac->worktree.base },
				    { "path", ac->worktree.path } };

		body_pack_str(pk, "worktree");
		msgpack_pack_map(pk, (ac->worktree.branch != NULL) +
		    (ac->worktree.base != NULL) + (ac->worktree.path != NULL));
		for (i = 0; i < 3; i++)
			if (kv[i][1] != NULL)
				body_pack_kv_str(pk, kv[i][0], kv[i][1]);
	}
	if (ac->type != AGENT_GATEWAY)
		return;
	body_pack_str(pk, "mcp");
	msgpack_pack_map(pk, 4 + (ac->mcp.token != NULL));
	body_pack_kv_u64(pk, "http", ac->mcp.http);
	body_pack_kv_bool(pk, "web_only", ac->mcp.web_only);
	body_pack_kv_u64(pk, "max_body", ac->mcp.body_max);
	body_pack_kv_u64(pk, "session_idle", ac->mcp.idle_s);
	if (ac->mcp.token != NULL)
		body_pack_kv_str(pk, "token", ac->mcp.token);
}

/* Unpacking ---------------------------------------------------------------- */

/* Strings of the wire: at most this long, and no NUL inside. */
#define AGENT_CONFIG_STR_MAX	4096

typedef int (*agent_config_key_fn)(const msgpack_object *,
	    struct agent_config *);

struct agent_config_key {
	const char		*key;
	agent_config_key_fn	 fn;
};

static char *
agent_config_str(const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >
	    AGENT_CONFIG_STR_MAX || memchr(o->via.str.ptr, '\0',
	    o->via.str.size) != NULL)
		return NULL;
	return xstrndup(o->via.str.ptr, o->via.str.size);
}

static int
agent_config_uint(const msgpack_object *o, uint64_t lo, uint64_t hi,
    uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 < lo ||
	    o->via.u64 > hi)
		return -1;
	*v = o->via.u64;
	return 0;
}

static int
agent_config_enum(const msgpack_object *o, const char *const *names,
    size_t n, int *v)
{
	char	*s = agent_config_str(o);

	if (s == NULL)
		return -1;
	*v = agent_config_index(names, n, s);
	free(s);
	return *v < 0 ? -1 : 0;
}

static int
agent_config_list(const msgpack_object *o, struct strlist *l)
{
	uint32_t	 i;
	char		*s;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	for (i = 0; i < o->via.array.size; i++) {
		if ((s = agent_config_str(&o->via.array.ptr[i])) == NULL)
			return -1;
		strlist_add(l, s);
		free(s);
	}
	return 0;
}

static int
agent_config_walk(const msgpack_object *o, const struct agent_config_key *keys,
    size_t nkeys, struct agent_config *ac)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;
	size_t			 j;

	if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
		return -1;
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			return -1;
		for (j = 0; j < nkeys; j++)
			if (strlen(keys[j].key) == kv->key.via.str.size &&
			    memcmp(keys[j].key, kv->key.via.str.ptr,
			    kv->key.via.str.size) == 0)
				break;
		if (j == nkeys || keys[j].fn(&kv->val, ac) != 0)
			return -1;
	}
	return 0;
}

static int
agent_config_id_key(const msgpack_object *o, struct agent_config *ac)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
	    o->via.str.size > AGENT_ID_MAX || memchr(o->via.str.ptr, '\0',
	    o->via.str.size) != NULL || memchr(o->via.str.ptr, '/',
	    o->via.str.size) != NULL)
		return -1;
	memcpy(ac->id, o->via.str.ptr, o->via.str.size);
	ac->id[o->via.str.size] = '\0';
	return 0;
}

static int
agent_config_type_key(const msgpack_object *o, struct agent_config *ac)
{
	int	v;

	if (agent_config_enum(o, agent_type_names, NITEMS(agent_type_names),
	    &v) != 0)
		return -1;
	ac->type = (enum agent_type)v;
	return 0;
}

static int
agent_config_caps_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_list(o, &ac->caps);
}

static int
agent_config_runner_key(const msgpack_object *o, struct agent_config *ac)
{
	const msgpack_object	*argv;
	int			 v;

	if (o->type == MSGPACK_OBJECT_MAP) {
		if (o->via.map.size != 1 || (argv = body_get(o, "argv")) ==
		    NULL || agent_config_list(argv, &ac->runner_argv) != 0 ||
		    ac->runner_argv.n == 0)
			return -1;
		ac->runner = RUNNER_ARGV;
		return 0;
	}
	/* A name: shell or claude (argv comes as a map). */
	if (agent_config_enum(o, runner_names, RUNNER_ARGV, &v) != 0)
		return -1;
	ac->runner = (enum runner_kind)v;
	return 0;
}

static int
agent_config_backend_key(const msgpack_object *o, struct agent_config *ac)
{
	int	v;

	if (agent_config_enum(o, session_backend_names,
	    NITEMS(session_backend_names), &v) != 0)
		return -1;
	ac->backend = (enum session_backend)v;
	return 0;
}

static int
agent_config_scrollback_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 1024, SCROLLBACK_MAX, &v) != 0)
		return -1;
	ac->scrollback = (size_t)v;
	return 0;
}

static int
agent_config_rc_key(const msgpack_object *o, struct agent_config *ac)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return -1;
	ac->rc = o->via.boolean;
	return 0;
}

static int
agent_config_sandbox_key(const msgpack_object *o, struct agent_config *ac)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return -1;
	ac->sandbox = o->via.boolean;
	return 0;
}

static int
agent_config_shell_key(const msgpack_object *o, struct agent_config *ac)
{
	free(ac->shell);
	return (ac->shell = agent_config_str(o)) != NULL ? 0 : -1;
}

static int
agent_config_cwd_key(const msgpack_object *o, struct agent_config *ac)
{
	free(ac->cwd);
	if ((ac->cwd = agent_config_str(o)) == NULL)
		return -1;
	return ac->cwd[0] == '/' ? 0 : -1;
}

static int
agent_config_env_key(const msgpack_object *o, struct agent_config *ac)
{
	char		*k, *v, *kv;
	uint32_t	 i;
	int		 rc;

	if (o->type != MSGPACK_OBJECT_MAP)
		return -1;
	for (i = 0; i < o->via.map.size; i++) {
		k = agent_config_str(&o->via.map.ptr[i].key);
		v = agent_config_str(&o->via.map.ptr[i].val);
		rc = k == NULL || v == NULL || k[0] == '\0' ||
		    strchr(k, '=') != NULL ? -1 : 0;
		if (rc == 0) {
			xasprintf(&kv, "%s=%s", k, v);
			strlist_add(&ac->env, kv);
			free(kv);
		}
		free(k);
		free(v);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static const struct agent_config_key agent_config_session_keys[] = {
	{ "backend", agent_config_backend_key },
	{ "scrollback", agent_config_scrollback_key },
	{ "rc", agent_config_rc_key },
	{ "sandbox", agent_config_sandbox_key },
	{ "shell", agent_config_shell_key },
	{ "cwd", agent_config_cwd_key },
	{ "env", agent_config_env_key },
};

static int
agent_config_session_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_walk(o, agent_config_session_keys,
	    NITEMS(agent_config_session_keys), ac);
}

static int
agent_config_tier_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 1, 3, &v) != 0)
		return -1;
	ac->tier = (unsigned)v;
	return 0;
}

static int
agent_config_perms_key(const msgpack_object *o, struct agent_config *ac)
{
	ac->perms_given = true;
	return agent_config_list(o, &ac->perms);
}

static int
agent_config_approve_key(const msgpack_object *o, struct agent_config *ac)
{
	ac->approve_given = true;
	return agent_config_list(o, &ac->approve);
}

static int
agent_config_runner_args_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_list(o, &ac->runner_args);
}

static int
agent_config_inbox_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 1, INBOX_MAX, &v) != 0)
		return -1;
	ac->inbox = (unsigned)v;
	return 0;
}

static int
agent_config_deliver_key(const msgpack_object *o, struct agent_config *ac)
{
	static const char *const	names[] = { "inbox", "type" };
	int				v;

	if (agent_config_enum(o, names, NITEMS(names), &v) != 0)
		return -1;
	ac->deliver_type = v == 1;
	return 0;
}

static int
agent_config_policy_key(const msgpack_object *o, struct agent_config *ac)
{
	int	v;

	if (agent_config_enum(o, restart_kind_names,
	    NITEMS(restart_kind_names), &v) != 0)
		return -1;
	ac->restart.kind = (enum restart_kind)v;
	return 0;
}

static int
agent_config_max_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 0, 1000000, &v) != 0)
		return -1;
	ac->restart.max = (unsigned)v;
	return 0;
}

static int
agent_config_within_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 1, 86400 * 365, &v) != 0)
		return -1;
	ac->restart.within_s = (unsigned)v;
	return 0;
}

static const struct agent_config_key agent_config_restart_keys[] = {
	{ "policy", agent_config_policy_key },
	{ "max", agent_config_max_key },
	{ "within", agent_config_within_key },
};

static int
agent_config_restart_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_walk(o, agent_config_restart_keys,
	    NITEMS(agent_config_restart_keys), ac);
}

static int
agent_config_http_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 0, 65535, &v) != 0)
		return -1;
	ac->mcp.http = (unsigned)v;
	return 0;
}

static int
agent_config_body_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 1024, MCP_BODY_MAX, &v) != 0)
		return -1;
	ac->mcp.body_max = (size_t)v;
	return 0;
}

static int
agent_config_idle_key(const msgpack_object *o, struct agent_config *ac)
{
	uint64_t	v;

	if (agent_config_uint(o, 1, 86400 * 30, &v) != 0)
		return -1;
	ac->mcp.idle_s = (unsigned)v;
	return 0;
}

static int
agent_config_token_key(const msgpack_object *o, struct agent_config *ac)
{
	char	*s = agent_config_str(o);

	if (s == NULL || s[0] == '\0' || strlen(s) > MCP_TOKEN_MAX) {
		free(s);
		return -1;
	}
	free(ac->mcp.token);
	ac->mcp.token = s;
	return 0;
}

static int
agent_config_web_only_key(const msgpack_object *o, struct agent_config *ac)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return -1;
	ac->mcp.web_only = o->via.boolean;
	return 0;
}

static const struct agent_config_key agent_config_mcp_keys[] = {
	{ "http", agent_config_http_key },
	{ "max_body", agent_config_body_key },
	{ "session_idle", agent_config_idle_key },
	{ "token", agent_config_token_key },
	{ "web_only", agent_config_web_only_key },
};

static int
agent_config_mcp_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_walk(o, agent_config_mcp_keys,
	    NITEMS(agent_config_mcp_keys), ac);
}

static int
agent_config_mode_key(const msgpack_object *o, struct agent_config *ac)
{
	int	v;

	if (agent_config_enum(o, claude_mode_names, NITEMS(claude_mode_names),
	    &v) != 0)
		return -1;
	ac->claude.mode = (enum claude_mode)v;
	return 0;
}

static int
agent_config_trust_key(const msgpack_object *o, struct agent_config *ac)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return -1;
	ac->claude.trust = o->via.boolean;
	return 0;
}

static const struct agent_config_key agent_config_claude_keys[] = {
	{ "mode", agent_config_mode_key },
	{ "trust", agent_config_trust_key },
};

static int
agent_config_claude_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_walk(o, agent_config_claude_keys,
	    NITEMS(agent_config_claude_keys), ac);
}

/* A worktree's string: no NUL, not empty; replaces what was there. */
static int
agent_config_wt_str(const msgpack_object *o, char **to)
{
	char	*s = agent_config_str(o);

	if (s == NULL || s[0] == '\0') {
		free(s);
		return -1;
	}
	free(*to);
	*to = s;
	return 0;
}

static int
agent_config_branch_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_wt_str(o, &ac->worktree.branch);
}

static int
agent_config_base_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_wt_str(o, &ac->worktree.base);
}

static int
agent_config_wtpath_key(const msgpack_object *o, struct agent_config *ac)
{
	return agent_config_wt_str(o, &ac->worktree.path);
}

static const struct agent_config_key agent_config_worktree_keys[] = {
	{ "branch", agent_config_branch_key },
	{ "base", agent_config_base_key },
	{ "path", agent_config_wtpath_key },
};

static int
agent_config_worktree_key(const msgpack_object *o, struct agent_config *ac)
{
	ac->worktree.on = true;
	return agent_config_walk(o, agent_config_worktree_keys,
	    NITEMS(agent_config_worktree_keys), ac);
}

static const struct agent_config_key agent_config_keys[] = {
	{ "id", agent_config_id_key },
	{ "type", agent_config_type_key },
	{ "capabilities", agent_config_caps_key },
	{ "runner", agent_config_runner_key },
	{ "session", agent_config_session_key },
	{ "tier", agent_config_tier_key },
	{ "permissions", agent_config_perms_key },
	{ "require_approval", agent_config_approve_key },
	{ "runner_args", agent_config_runner_args_key },
	{ "inbox", agent_config_inbox_key },
	{ "deliver", agent_config_deliver_key },
	{ "restart", agent_config_restart_key },
	{ "mcp", agent_config_mcp_key },
	{ "claude", agent_config_claude_key },
	{ "worktree", agent_config_worktree_key },
};

int
agent_config_unpack(const msgpack_object *o, struct agent_config *ac,
    char *why, size_t size)
{
	agent_config_defaults(ac);
	if (agent_config_walk(o, agent_config_keys, NITEMS(agent_config_keys),
	    ac) != 0 || ac->id[0] == '\0') {
		agent_config_clear(ac);
		snprintf(why, size, "the agent's configuration is malformed");
		return -1;
	}
	return 0;
}
