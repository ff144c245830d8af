/*
 * An agent's configuration on the wire: the supervisor sends it to the
 * actor it starts, and orch-ctl sends one to deploy an agent at runtime.
 * Reading goes through the same node tree and the same checks as
 * orch.yaml, so both say the same things about the same mistakes.
 */
#include "supervisor/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "ipc/body.h"

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
	int		 rc;

	doc = xcalloc(1, sizeof *doc);
	doc->file = xstrdup("deploy request");
	doc->root = config_node_from_msgpack(o, 0);
	if (doc->root == NULL) {
		yamldoc_free(doc);
		memset(ac, 0, sizeof *ac);
		return set_cause(cause, "agent: nested too deeply");
	}
	rc = config_agent_parse(doc, doc->root, "agent", ac, cause);
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
config_agent_pack(msgpack_packer *pk, const struct agent_config *ac)
{
	size_t	i, nsess = 3 + (ac->shell != NULL) + (ac->cwd != NULL) +
		    (ac->env.n > 0);

	msgpack_pack_map(pk, 11);
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
		body_pack_str(pk, runner_name(ac->runner));
	body_pack_str(pk, "session");
	msgpack_pack_map(pk, nsess);
	body_pack_str(pk, "backend");
	body_pack_str(pk, session_backend_name(ac->backend));
	body_pack_str(pk, "scrollback");
	msgpack_pack_uint64(pk, ac->scrollback);
	body_pack_kv_bool(pk, "rc", ac->rc);
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
	body_pack_str(pk, "runner_args");
	pack_strlist(pk, &ac->runner_args);
	body_pack_str(pk, "inbox");
	msgpack_pack_unsigned_int(pk, ac->inbox);
	body_pack_kv_str(pk, "deliver", ac->deliver_type ? "type" : "inbox");
	body_pack_str(pk, "restart");
	msgpack_pack_map(pk, 3);
	body_pack_str(pk, "policy");
	body_pack_str(pk, restart_kind_name(ac->restart.kind));
	body_pack_str(pk, "max");
	msgpack_pack_unsigned_int(pk, ac->restart.max);
	body_pack_str(pk, "within");
	msgpack_pack_unsigned_int(pk, ac->restart.within_s);
}
