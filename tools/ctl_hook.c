/*
 * orch-ctl hook EVENT: Claude Code's command hook for an interactive
 * agent (the settings file orch gives each session names it). It reads
 * the hook's JSON on its standard input, passes what the actor needs to
 * the agent's actor (claude.hook, fields typed and bounded), and prints
 * Claude Code's decision JSON when orch decided a tool call.
 *
 * When the actor cannot be reached it fails as documented: with --fail
 * closed (PreToolUse on a gated agent) it denies the tool call; otherwise
 * it says why on stderr and exits 1, which Claude Code takes as a
 * non-blocking error (never 2: for Stop that would keep Claude going).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/proto.h"
#include "tools/client.h"
#include "tools/ctl.h"

#define HOOK_INPUT_MAX		(32u << 20)
#define HOOK_MESSAGE_MAX	(8u << 20)	/* Stop's answer: a task's output */
#define HOOK_COMMAND_MAX	(1u << 20)
#define HOOK_SHOW_MAX		4096		/* a tool's input, to show */
#define HOOK_TIMEOUT_MS		30000

/* Events whose hook may wait for a person's decision. */
static bool
hook_decides(const char *event)
{
	return strcmp(event, "PreToolUse") == 0 ||
	    strcmp(event, "PermissionRequest") == 0;
}

static char *
hook_read(size_t *len)
{
	size_t	 cap = 65536, n = 0;
	ssize_t	 r;
	char	*buf = xmalloc(cap);

	for (;;) {
		if (n == cap) {
			if (cap >= HOOK_INPUT_MAX)
				break;
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		if ((r = read(0, buf + n, cap - n)) <= 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

static void
hook_pack_str(msgpack_packer *pk, const char *key, json_t *v, size_t max,
    bool *cut)
{
	const char	*s = json_string_value(v);
	size_t		 n = json_string_length(v);

	if (cut != NULL)
		*cut = n > max;
	body_pack_kv_bin(pk, key, s != NULL ? s : "", n > max ? max : n);
}

/* The hook's JSON as claude.hook's body. */
static void
hook_pack(msgpack_packer *pk, const char *event, json_t *in)
{
	json_t	*tool_input = json_object_get(in, "tool_input");
	json_t	*msg, *bg, *text = NULL;
	char	*shown = NULL;
	bool	 cut = false;

	msgpack_pack_map(pk, 9);
	body_pack_kv_str(pk, "event", event);
	body_pack_kv_str(pk, "prompt", json_is_string(json_object_get(in,
	    "prompt_id")) ? json_string_value(json_object_get(in,
	    "prompt_id")) : "");
	body_pack_kv_str(pk, "session", json_is_string(json_object_get(in,
	    "session_id")) ? json_string_value(json_object_get(in,
	    "session_id")) : "");
	/* Stop's answer, a notification's words, StopFailure's error. */
	if ((msg = json_object_get(in, "last_assistant_message")) == NULL &&
	    (msg = json_object_get(in, "message")) == NULL)
		msg = json_object_get(in, "error");
	if (msg != NULL && !json_is_string(msg)) {
		shown = json_dumps(msg, JSON_COMPACT);
		msg = json_string(shown != NULL ? shown : "");
		free(shown);
		shown = NULL;
	} else
		json_incref(msg);
	hook_pack_str(pk, "message", msg, HOOK_MESSAGE_MAX, NULL);
	json_decref(msg);
	body_pack_kv_str(pk, "kind", json_is_string(json_object_get(in,
	    "notification_type")) ? json_string_value(json_object_get(in,
	    "notification_type")) : "");
	body_pack_kv_str(pk, "tool", json_is_string(json_object_get(in,
	    "tool_name")) ? json_string_value(json_object_get(in,
	    "tool_name")) : "");
	/* A Bash command whole (the gate reads it); any other input shown. */
	if (json_is_string(json_object_get(tool_input, "command")))
		text = json_incref(json_object_get(tool_input, "command"));
	else if (tool_input != NULL) {
		shown = json_dumps(tool_input, JSON_COMPACT);
		text = json_string(shown != NULL ? shown : "");
		free(shown);
	}
	hook_pack_str(pk, "text", text, text != NULL &&
	    json_is_string(json_object_get(tool_input, "command")) ?
	    HOOK_COMMAND_MAX : HOOK_SHOW_MAX, &cut);
	json_decref(text);
	/* A command too long to be read whole cannot be let through. */
	body_pack_kv_bool(pk, "cut", cut && json_is_string(json_object_get(
	    tool_input, "command")));
	bg = json_object_get(in, "background_tasks");
	body_pack_kv_u64(pk, "background", json_is_array(bg) ?
	    json_array_size(bg) : 0);
}

/* Claude Code's decision JSON for event. */
static void
hook_print(const char *event, const char *decision, const char *reason)
{
	json_t	*out, *spec;
	char	*s;

	if (strcmp(event, "PreToolUse") == 0)
		spec = json_pack("{s:s, s:s, s:s}", "hookEventName", event,
		    "permissionDecision", decision, "permissionDecisionReason",
		    reason);
	else
		spec = json_pack("{s:s, s:{s:s, s:s}}", "hookEventName", event,
		    "decision", "behavior", decision, "message", reason);
	out = json_pack("{s:o}", "hookSpecificOutput", spec);
	if ((s = json_dumps(out, JSON_COMPACT)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(out);
}

static void
hook_usage(FILE *f)
{
	fprintf(f, "usage: orch-ctl hook [--socket PATH] [--fail open|closed] "
	    "EVENT < HOOK-JSON\n");
}

int
ctl_hook(int argc, char **argv)
{
	const char		*sock = getenv("ORCH_SOCKET"), *event;
	const msgpack_object	*res;
	struct client		 c;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	json_t			*in;
	char			*buf, decision[16] = "", reason[512] = "";
	char			 why[640];
	bool			 closed = false;
	size_t			 len;
	int			 i, rc;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc - 1)
			sock = argv[++i];
		else if (strcmp(argv[i], "--fail") == 0 && i + 1 < argc - 1) {
			i++;
			if (strcmp(argv[i], "closed") != 0 &&
			    strcmp(argv[i], "open") != 0) {
				hook_usage(stderr);
				return 2;
			}
			closed = strcmp(argv[i], "closed") == 0;
		} else {
			hook_usage(stderr);
			return 2;
		}
	}
	if (i != argc - 1 || argv[i][0] == '-') {
		hook_usage(stderr);
		return 2;
	}
	event = argv[i];
	buf = hook_read(&len);
	in = json_loadb(buf, len, 0, NULL);
	free(buf);
	if (!json_is_object(in)) {
		fprintf(stderr, "orch-ctl hook: the hook's input is not a JSON "
		    "object\n");
		json_decref(in);
		return 1;
	}
	if (sock == NULL || *sock == '\0' || client_start_socket(&c,
	    "orch-ctl hook", sock) != 0) {
		json_decref(in);
		if (sock == NULL || *sock == '\0')
			fprintf(stderr, "orch-ctl hook: no --socket and no "
			    "$ORCH_SOCKET: not in an orch agent's session\n");
		if (closed && hook_decides(event)) {
			hook_print(event, "deny", "orch cannot be reached to "
			    "decide this tool call, so it is refused");
			return 0;
		}
		return 1;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	hook_pack(&pk, event, in);
	json_decref(in);
	rc = client_call(&c, IPC_OP_CLAUDE_HOOK,
	    sb.data, sb.size, hook_decides(event) ? CTL_FOREVER_MS :
	    HOOK_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc == IPC_OK) {
		body_str(res, "decision", decision, sizeof decision);
		body_str(res, "reason", reason, sizeof reason);
	}
	snprintf(why, sizeof why, "%s", c.errmsg);
	client_done(&c);
	if (rc != IPC_OK) {
		fprintf(stderr, "orch-ctl hook: %s\n", why[0] ? why :
		    proto_strerror(rc));
		if (closed && hook_decides(event)) {
			hook_print(event, "deny", "orch could not decide this "
			    "tool call, so it is refused");
			return 0;
		}
		return 1;
	}
	if (hook_decides(event) && (strcmp(decision, "allow") == 0 ||
	    strcmp(decision, "deny") == 0))
		hook_print(event, decision, reason);
	return 0;
}
