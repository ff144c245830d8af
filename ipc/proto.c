#include "ipc/proto.h"

#include <stdint.h>
#include <string.h>

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
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	uint32_t		 c, min;

	while (i < len) {
		c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			return false;
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}
