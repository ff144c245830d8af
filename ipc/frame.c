#include "ipc/frame.h"

#include <event2/buffer.h>

#include "common/xmalloc.h"

void
frame_put_length(uint8_t hdr[FRAME_HEADER_SIZE], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

uint32_t
frame_get_length(const uint8_t hdr[FRAME_HEADER_SIZE])
{
	return (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];
}

int
frame_peek(struct evbuffer *in, uint32_t max, const uint8_t **payload,
    uint32_t *len, char **cause)
{
	uint8_t		 hdr[FRAME_HEADER_SIZE];
	uint32_t	 n;
	size_t		 have = evbuffer_get_length(in);
	unsigned char	*p;

	if (have < FRAME_HEADER_SIZE)
		return 0;
	if (evbuffer_copyout(in, hdr, sizeof hdr) != (ev_ssize_t)sizeof hdr)
		return set_cause(cause, "cannot read frame header");
	n = frame_get_length(hdr);
	if (n == 0)
		return set_cause(cause, "empty frame");
	if (n > max)
		return set_cause(cause, "frame of %u bytes exceeds the limit "
		    "of %u bytes", n, max);
	if (have - FRAME_HEADER_SIZE < n)
		return 0;
	p = evbuffer_pullup(in, (ev_ssize_t)FRAME_HEADER_SIZE + n);
	if (p == NULL)
		return set_cause(cause, "cannot assemble frame");
	*payload = p + FRAME_HEADER_SIZE;
	*len = n;
	return 1;
}

void
frame_drain(struct evbuffer *in, uint32_t len)
{
	evbuffer_drain(in, (size_t)FRAME_HEADER_SIZE + len);
}

int
frame_add(struct evbuffer *out, const void *payload, uint32_t len)
{
	uint8_t	hdr[FRAME_HEADER_SIZE];

	frame_put_length(hdr, len);
	if (evbuffer_add(out, hdr, sizeof hdr) != 0 ||
	    evbuffer_add(out, payload, len) != 0)
		return -1;
	return 0;
}
