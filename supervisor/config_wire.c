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
