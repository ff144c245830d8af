#include "actors/mcp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/body.h"
#include "ipc/body_json.h"
#include "ipc/proto.h"

static int
mcp_args_bad(char *why, size_t size, const char *field, const char *want)
{
	snprintf(why, size, "argument '%s' must be %s", field, want);
	return -1;
}

/* A required string argument, 1-max bytes. */
static const char *
mcp_args_str(const json_t *args, const char *field, size_t max, char *why,
    size_t size)
{
	const json_t	*v = json_object_get(args, field);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max) {
		snprintf(why, size, "argument '%s' must be a string of 1 to "
		    "%zu bytes", field, max);
		return NULL;
	}
	return json_string_value(v);
}

static void
mcp_args_begin(struct mcp_req *r, msgpack_packer *pk)
{
	msgpack_packer_init(pk, &r->body, msgpack_sbuffer_write);
}

/* {id: args.agent}: the agent ops. */
int
mcp_args_agent_id(const json_t *args, struct mcp_req *r, char *why, size_t size)
{
	msgpack_packer	 pk;
	const char	*id;

	if ((id = mcp_args_str(args, "agent", AGENT_ID_MAX, why, size)) == NULL)
		return -1;
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, "id", id);
	return 0;
}

/* {task: args.task}: approve, deny, cancel. */
int
mcp_args_task_name(const json_t *args, struct mcp_req *r, char *why, size_t size)
{
	msgpack_packer	 pk;
	const char	*task;

	if ((task = mcp_args_str(args, "task", 127, why, size)) == NULL)
		return -1;
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, "task", task);
	return 0;
}

int
mcp_args_deploy(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	msgpack_packer	 pk;

	if (mcp_args_str(args, "id", AGENT_ID_MAX, why, size) == NULL)
		return -1;
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 1);
	body_pack_str(&pk, "agent");
	/* As an orch.yaml entry: the supervisor checks it as --check does. */
	body_pack_json(&pk, args);
	return 0;
}

int
mcp_args_submit(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	static const char *const	 keys[] = { "command", "agent", "id",
					    "requires", "priority", "timeout",
					    "retry", "requiresApproval",
					    "wait" };
	const json_t			*v;
	msgpack_packer			 pk;
	const char			*k;
	size_t				 n = 0, i;

	if (mcp_args_str(args, "command", 1 << 20, why, size) == NULL)
		return -1;
	json_object_foreach((json_t *)args, k, v) {
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (i == sizeof keys / sizeof keys[0]) {
			snprintf(why, size, "unknown argument '%s'", k);
			return -1;
		}
		n++;
	}
	if ((v = json_object_get(args, "timeout")) != NULL &&
	    (!json_is_number(v) || json_number_value(v) <= 0))
		return mcp_args_bad(why, size, "timeout", "a number of seconds "
		    "over 0");
	if ((v = json_object_get(args, "wait")) != NULL && !json_is_boolean(v))
		return mcp_args_bad(why, size, "wait", "true or false");
	if ((v = json_object_get(args, "requiresApproval")) != NULL &&
	    !json_is_boolean(v))
		return mcp_args_bad(why, size, "requiresApproval", "true or false");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, n);
	json_object_foreach((json_t *)args, k, v) {
		if (strcmp(k, "timeout") == 0) {
			body_pack_kv_u64(&pk, "timeout_ms",
			    (uint64_t)(json_number_value(v) * 1000));
			continue;
		}
		body_pack_str(&pk, strcmp(k, "requiresApproval") == 0 ?
		    "approval" : k);
		body_pack_json(&pk, v);
	}
	return 0;
}

int
mcp_args_message(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	static const char *const	 pris[] = { "low", "medium", "high" };
	const json_t			*v;
	msgpack_packer			 pk;
	const char			*to, *content, *type = "notification";
	size_t				 i;

	if ((to = mcp_args_str(args, "to", AGENT_ID_MAX, why, size)) == NULL ||
	    (content = mcp_args_str(args, "content", 1 << 20, why, size)) == NULL)
		return -1;
	if ((v = json_object_get(args, "type")) != NULL &&
	    (type = json_string_value(v)) == NULL)
		return mcp_args_bad(why, size, "type", "a string");
	r->pri = IPC_PRI_MEDIUM;
	if ((v = json_object_get(args, "priority")) != NULL) {
		for (i = 0; i < 3; i++)
			if (json_is_string(v) && strcmp(json_string_value(v),
			    pris[i]) == 0)
				break;
		if (i == 3)
			return mcp_args_bad(why, size, "priority", "low, medium or "
			    "high");
		r->pri = (unsigned)i;
	}
	snprintf(r->to, sizeof r->to, "%s", to);
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "type", type);
	body_pack_kv_bin(&pk, "content", content, strlen(content));
	return 0;
}

int
mcp_args_broadcast(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	const json_t	*v, *filter = json_object_get(args, "filter");
	msgpack_packer	 pk;
	const char	*content, *type = "notification";

	if ((content = mcp_args_str(args, "content", 1 << 20, why, size)) == NULL)
		return -1;
	if ((v = json_object_get(args, "type")) != NULL &&
	    (type = json_string_value(v)) == NULL)
		return mcp_args_bad(why, size, "type", "a string");
	if (filter != NULL && !json_is_object(filter))
		return mcp_args_bad(why, size, "filter", "an object (agent_type, "
		    "capability, status, id)");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_str(&pk, "type", type);
	body_pack_kv_bin(&pk, "content", content, strlen(content));
	body_pack_str(&pk, "filter");
	if (filter != NULL)
		body_pack_json(&pk, filter);
	else
		msgpack_pack_map(&pk, 0);
	return 0;
}

int
mcp_args_screen(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	const json_t	*v = json_object_get(args, "linesOfOutput");
	msgpack_packer	 pk;
	const char	*agent;

	if ((agent = mcp_args_str(args, "agent", AGENT_ID_MAX, why, size)) == NULL)
		return -1;
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > MCP_LINES_MAX))
		return mcp_args_bad(why, size, "linesOfOutput", "a whole number "
		    "from 1 to 10000");
	snprintf(r->to, sizeof r->to, "%s", agent);
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_u64(&pk, "bytes", MCP_SCREEN_BYTES);
	return 0;
}

/* {key} for memory_read and memory_delete. */
int
mcp_args_key(const json_t *args, struct mcp_req *r, char *why, size_t size)
{
	msgpack_packer	 pk;
	const char	*key;

	if ((key = mcp_args_str(args, "key", 255, why, size)) == NULL)
		return -1;
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, "key", key);
	return 0;
}

int
mcp_args_mem_write(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	const json_t	*v = json_object_get(args, "access");
	msgpack_packer	 pk;
	const char	*key, *value;

	if ((key = mcp_args_str(args, "key", 255, why, size)) == NULL)
		return -1;
	if (!json_is_string(json_object_get(args, "value")))
		return mcp_args_bad(why, size, "value", "a string");
	value = json_string_value(json_object_get(args, "value"));
	if (v != NULL && !json_is_string(v))
		return mcp_args_bad(why, size, "access", "private, shared or public");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 2 + (v != NULL));
	body_pack_kv_str(&pk, "key", key);
	body_pack_kv_bin(&pk, "value", value, json_string_length(
	    json_object_get(args, "value")));
	if (v != NULL)
		body_pack_kv_str(&pk, "access", json_string_value(v));
	return 0;
}

int
mcp_args_mem_list(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	const json_t	*v = json_object_get(args, "pattern");
	msgpack_packer	 pk;

	if (v != NULL && (!json_is_string(v) || json_string_length(v) > 255))
		return mcp_args_bad(why, size, "pattern", "a shell pattern of at "
		    "most 255 bytes");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, v != NULL);
	if (v != NULL)
		body_pack_kv_str(&pk, "pattern", json_string_value(v));
	return 0;
}

int
mcp_args_publish(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	const json_t	*v = json_object_get(args, "payload");
	const json_t	*target = json_object_get(args, "target");
	msgpack_packer	 pk;
	const char	*type;
	char		*text = NULL;

	if ((type = mcp_args_str(args, "type", 31, why, size)) == NULL)
		return -1;
	if (target != NULL && !json_is_string(target))
		return mcp_args_bad(why, size, "target", "an agent id");
	if (v != NULL)
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 1 + (target != NULL) + (text != NULL));
	body_pack_kv_str(&pk, "type", type);
	if (target != NULL)
		body_pack_kv_str(&pk, "target", json_string_value(target));
	/* The payload as the bus carries it: its JSON text. */
	if (text != NULL)
		body_pack_kv_bin(&pk, "payload", text, strlen(text));
	free(text);
	return 0;
}

int
mcp_args_events(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	static const char *const	 nums[] = { "since", "max", "wait_ms" };
	const json_t			*v, *type = json_object_get(args, "type");
	msgpack_packer			 pk;
	size_t				 i, n = type != NULL;

	for (i = 0; i < 3; i++)
		if ((v = json_object_get(args, nums[i])) != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return mcp_args_bad(why, size, nums[i], "a whole "
				    "number, 0 or more");
			n++;
		}
	if (type != NULL && (!json_is_string(type) ||
	    json_string_length(type) > 31))
		return mcp_args_bad(why, size, "type", "a pattern of at most 31 "
		    "bytes");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, n);
	for (i = 0; i < 3; i++)
		if ((v = json_object_get(args, nums[i])) != NULL)
			body_pack_kv_u64(&pk, nums[i],
			    (uint64_t)json_integer_value(v));
	if (type != NULL)
		body_pack_kv_str(&pk, "type", json_string_value(type));
	return 0;
}

int
mcp_args_inbox(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	const json_t	*v = json_object_get(args, "wait_ms");
	msgpack_packer	 pk;

	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 600000))
		return mcp_args_bad(why, size, "wait_ms", "a whole number of "
		    "milliseconds, at most 600000");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, v != NULL);
	if (v != NULL)
		body_pack_kv_u64(&pk, "wait_ms", (uint64_t)json_integer_value(v));
	return 0;
}

int
mcp_args_type(const json_t *args, struct mcp_req *r, char *why, size_t size)
{
	msgpack_packer	 pk;
	const char	*agent, *command;

	if ((agent = mcp_args_str(args, "agent", AGENT_ID_MAX, why, size)) == NULL ||
	    (command = mcp_args_str(args, "command", 65536, why, size)) == NULL)
		return -1;
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_str(&pk, "agent", agent);
	body_pack_kv_bin(&pk, "text", command, strlen(command));
	body_pack_kv_bool(&pk, "command", true);
	return 0;
}

/* A-Z (and [ \ ] ^ _ after them) as the control character it names. */
int
mcp_args_control(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	msgpack_packer	 pk;
	const char	*agent, *letter;
	char		 key;

	if ((agent = mcp_args_str(args, "agent", AGENT_ID_MAX, why, size)) == NULL ||
	    (letter = mcp_args_str(args, "letter", 1, why, size)) == NULL)
		return -1;
	key = letter[0] >= 'a' && letter[0] <= 'z' ? (char)(letter[0] - 32) :
	    letter[0];
	if (key < 'A' || key > '_')
		return mcp_args_bad(why, size, "letter", "a letter A-Z, or one of "
		    "[ \\ ] ^ _");
	key = (char)(key - '@');
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_str(&pk, "agent", agent);
	body_pack_kv_bin(&pk, "text", &key, 1);
	body_pack_kv_bool(&pk, "command", false);
	return 0;
}


/* {task, attempt?, bytes}: the end of a task's log, cut to lines later. */
int
mcp_args_logs(const json_t *args, struct mcp_req *r, char *why, size_t size)
{
	msgpack_packer	 pk;
	const char	*task;
	const json_t	*tail = json_object_get(args, "tail");
	const json_t	*att = json_object_get(args, "attempt");

	if ((task = mcp_args_str(args, "task", 127, why, size)) == NULL)
		return -1;
	if (tail != NULL && (!json_is_integer(tail) || json_integer_value(
	    tail) < 1 || json_integer_value(tail) > MCP_LINES_MAX))
		return mcp_args_bad(why, size, "tail", "a number of lines from "
		    "1 to 10000");
	if (att != NULL && (!json_is_integer(att) || json_integer_value(att) <
	    1 || json_integer_value(att) > 1000))
		return mcp_args_bad(why, size, "attempt", "a number from 1 to "
		    "1000");
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, att != NULL ? 3 : 2);
	body_pack_kv_str(&pk, "task", task);
	body_pack_kv_u64(&pk, "bytes", MCP_SCREEN_BYTES);
	if (att != NULL)
		body_pack_kv_u64(&pk, "attempt", (uint64_t)json_integer_value(
		    att));
	return 0;
}

/*
 * {file, text, wait?}: a workflow as YAML, or as the same model in JSON
 * (which YAML reads as it is; indented, so that an error's line is the
 * line of its key).
 */
int
mcp_args_workflow(const json_t *args, struct mcp_req *r, char *why,
    size_t size)
{
	msgpack_packer	 pk;
	const json_t	*yaml = json_object_get(args, "yaml");
	const json_t	*model = json_object_get(args, "workflow");
	const json_t	*wait = json_object_get(args, "wait");
	char		*text;

	if ((yaml != NULL) == (model != NULL))
		return mcp_args_bad(why, size, "yaml", "given, or else "
		    "'workflow' (one of the two)");
	if (yaml != NULL && (!json_is_string(yaml) || json_string_length(
	    yaml) == 0 || json_string_length(yaml) > MCP_WORKFLOW_MAX))
		return mcp_args_bad(why, size, "yaml", "the text of a workflow "
		    "file (at most 1 MiB)");
	if (model != NULL && !json_is_object(model))
		return mcp_args_bad(why, size, "workflow", "an object: the "
		    "workflow file's model ({name, stages: [...]})");
	if (wait != NULL && !json_is_boolean(wait))
		return mcp_args_bad(why, size, "wait", "true or false");
	text = yaml != NULL ? strdup(json_string_value(yaml)) :
	    json_dumps(model, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL || strlen(text) > MCP_WORKFLOW_MAX) {
		free(text);
		return mcp_args_bad(why, size, "workflow", "at most 1 MiB as "
		    "text");
	}
	mcp_args_begin(r, &pk);
	msgpack_pack_map(&pk, wait != NULL ? 3 : 2);
	body_pack_kv_str(&pk, "file", yaml != NULL ? "(yaml)" : "(workflow)");
	body_pack_kv_str(&pk, "text", text);
	if (wait != NULL)
		body_pack_kv_bool(&pk, "wait", json_is_true(wait));
	free(text);
	return 0;
}
