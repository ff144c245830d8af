#include "ipc/proto.h"

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

static const struct {
	int		 code;
	const char	*text;
} proto_errors[] = {
	{ IPC_OK, "ok" },
	{ IPC_E_PARSE, "malformed message" },
	{ IPC_E_PROTO, "protocol error" },
	{ IPC_E_VERSION, "unsupported protocol version" },
	{ IPC_E_TOO_BIG, "message too large" },
	{ IPC_E_CORRUPT, "corrupt compressed body" },
	{ IPC_E_UNKNOWN_OP, "unknown operation" },
	{ IPC_E_TIMEOUT, "timed out" },
	{ IPC_E_PEER_GONE, "peer disconnected" },
	{ IPC_E_NO_PEER, "no such peer" },
	{ IPC_E_BUSY, "queue full" },
	{ IPC_E_SHUTDOWN, "shutting down" },
	{ IPC_E_INVAL, "invalid argument" },
	{ IPC_E_DENIED, "permission denied" },
	{ IPC_E_NOENT, "not found" },
	{ IPC_E_EXISTS, "already exists" },
	{ IPC_E_CONFLICT, "version conflict" },
	{ IPC_E_INTERNAL, "internal error" },
};

static const char *const proto_kinds[IPC_KIND_COUNT] = {
	[IPC_KIND_REQ] = "req",
	[IPC_KIND_RES] = "res",
	[IPC_KIND_NTF] = "ntf",
	[IPC_KIND_ACK] = "ack",
};

const char *
proto_strerror(int code)
{
	size_t	i;

	for (i = 0; i < sizeof proto_errors / sizeof proto_errors[0]; i++) {
		if (proto_errors[i].code == code)
			return proto_errors[i].text;
	}
	return "unknown error";
}

const char *
proto_kind_name(enum ipc_kind kind)
{
	if ((unsigned)kind >= IPC_KIND_COUNT)
		return "?";
	return proto_kinds[kind];
}

int
proto_kind_parse(const char *s, size_t len)
{
	int	i;

	for (i = 0; i < IPC_KIND_COUNT; i++) {
		if (strlen(proto_kinds[i]) == len &&
		    memcmp(proto_kinds[i], s, len) == 0)
			return i;
	}
	return -1;
}

bool
proto_str_ok(const char *s, size_t len)
{
	uint32_t	c;
	size_t		i, n;

	for (i = 0; i < len; i += n)
		if ((n = utf8_seq(s + i, len - i, &c)) == 0 || c == 0)
			return false;
	return true;
}
