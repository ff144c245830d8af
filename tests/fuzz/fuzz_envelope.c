/*
 * libFuzzer target: one frame payload through the envelope decoder. When it
 * decodes, encoding it again and decoding that must give the same header
 * and an equal body: the codec loses nothing it accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "ipc/envelope.h"
#include "ipc/frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_header(const struct envelope *a, const struct envelope *b)
{
	if (a->kind != b->kind || a->id != b->id || a->pri != b->pri ||
	    a->ack != b->ack || a->err != b->err || strcmp(a->op, b->op) ||
	    strcmp(a->from, b->from) || strcmp(a->to, b->to) ||
	    a->has_body != b->has_body)
		abort();
	/* Compare packed bytes: a NaN is never == itself, but packs the same. */
	if (a->has_body) {
		msgpack_sbuffer	sa, sb;
		msgpack_packer	pa, pb;

		msgpack_sbuffer_init(&sa);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pa, &sa, msgpack_sbuffer_write);
		msgpack_packer_init(&pb, &sb, msgpack_sbuffer_write);
		msgpack_pack_object(&pa, a->body);
		msgpack_pack_object(&pb, b->body);
		if (sa.size != sb.size || memcmp(sa.data, sb.data, sa.size) != 0)
			abort();
		msgpack_sbuffer_destroy(&sa);
		msgpack_sbuffer_destroy(&sb);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_limits	 lim = IPC_LIMITS_DEFAULT;
	struct envelope		 a, b;
	struct evbuffer		*out;
	msgpack_sbuffer		 scratch, body;
	msgpack_packer		 pk;
	const uint8_t		*payload;
	uint32_t		 len;
	char			*cause = NULL;

	lim.max_frame = 1 << 20;
	lim.z_threshold = 64;	/* exercise compression on small inputs */
	envelope_init(&a);
	if (envelope_decode(&a, data, size, &lim, &cause) != 0) {
		if (cause == NULL)
			abort();	/* every failure says why */
		free(cause);
		envelope_done(&a);
		return 0;
	}
	out = evbuffer_new();
	msgpack_sbuffer_init(&scratch);
	msgpack_sbuffer_init(&body);
	if (a.has_body) {
		msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, a.body);
	}
	envelope_init(&b);
	if (envelope_encode(out, &a, a.has_body ? body.data : NULL, body.size,
	    &lim, &scratch, &cause) == 0) {
		if (frame_peek(out, lim.max_frame, &payload, &len, NULL) != 1)
			abort();
		if (envelope_decode(&b, payload, len, &lim, &cause) != 0)
			abort();
		same_header(&a, &b);
	}
	free(cause);
	envelope_done(&a);
	envelope_done(&b);
	evbuffer_free(out);
	msgpack_sbuffer_destroy(&scratch);
	msgpack_sbuffer_destroy(&body);
	return 0;
}
