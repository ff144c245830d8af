/*
 * Asking orch's gate about a tool call, for both kinds of Claude Code
 * agent (claude.h): the interactive one's hooks (claude_hook.c) and a
 * print-mode task's permission prompts (claude_print.c). The supervisor's
 * door decides, and may hold the call for a person; a call nobody waits
 * for any more is let go.
 */
#include "actors/claude.h"

#include "actors/actor.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/proto.h"

/* A held tool call may wait for a person this long. */
#define CLAUDE_GATE_TIMEOUT_MS	(7u * 24 * 3600 * 1000)

int
claude_gate_ask(struct actor *a, uint64_t hold, const char *event,
    const char *tool, const char *text, size_t len, bool cut, ipc_reply_cb cb,
    void *arg)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	int64_t		rc;

	if (a->link == NULL)
		return -1;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	body_pack_kv_bool(&pk, "cut", cut);
	body_pack_kv_u64(&pk, "hold", hold);
	body_pack_kv_str(&pk, "event", event);
	body_pack_kv_str(&pk, "tool", tool);
	body_pack_kv_bin(&pk, "text", text, len);
	rc = peer_request(a->link, IPC_OP_CLAUDE_PERMIT, sb.data, sb.size,
	    CLAUDE_GATE_TIMEOUT_MS, cb, arg);
	msgpack_sbuffer_destroy(&sb);
	return rc < 0 ? -1 : 0;
}

void
claude_gate_drop(struct actor *a, uint64_t hold)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (a->link == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_u64(&pk, "hold", hold);
	peer_notify(a->link, IPC_OP_CLAUDE_UNPERMIT, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}
