/*
 * Framing: a 4-byte big-endian payload length, then the payload.
 *
 * The decoder works on a libevent evbuffer, so it accepts any fragmentation:
 * bytes may arrive one at a time or many frames in one read. The length is
 * checked against the limit as soon as its 4 bytes are present, before
 * anything is allocated for the payload.
 */
#ifndef ORCH_IPC_FRAME_H
#define ORCH_IPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define FRAME_HEADER_SIZE	4

/*
 * Look at the front of in. Returns 1 when a whole frame is there (the payload
 * is made contiguous and *payload, *len point at it; call frame_drain when
 * done with it), 0 when more bytes are needed, -1 when the length prefix is
 * zero or over max (with *cause set): the stream cannot be trusted after.
 */
int	frame_peek(struct evbuffer *in, uint32_t max, const uint8_t **payload,
	    uint32_t *len, char **cause);

/* Remove the frame of payload length len from the front of in. */
void	frame_drain(struct evbuffer *in, uint32_t len);

/* Append one frame holding payload to out. */
int	frame_add(struct evbuffer *out, const void *payload, uint32_t len);

void	 frame_put_length(uint8_t hdr[FRAME_HEADER_SIZE], uint32_t len);
uint32_t frame_get_length(const uint8_t hdr[FRAME_HEADER_SIZE]);

#endif
