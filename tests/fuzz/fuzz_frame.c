/*
 * libFuzzer target: the frame decoder fed arbitrary bytes in arbitrary
 * pieces, each complete frame checked with the msgpack validator.
 * Invariants: no crash, no over-read, every frame reported fits the limit,
 * and the decoder never reports a frame that is not all there.
 */
#include <stdint.h>
#include <stdlib.h>

#include <event2/buffer.h>

#include "ipc/frame.h"
#include "ipc/msgcheck.h"

#define FUZZ_MAX_FRAME	4096u

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer	*in = evbuffer_new();
	const uint8_t	*payload;
	uint32_t	 len;
	size_t		 off = 1, step;
	char		*cause = NULL;
	int		 rc = 0;

	if (size == 0) {
		evbuffer_free(in);
		return 0;
	}
	/* The first byte picks the piece size, 1 byte at a time included. */
	step = (size_t)data[0] % 17 + 1;
	while (off < size && rc >= 0) {
		size_t	n = size - off < step ? size - off : step;

		evbuffer_add(in, data + off, n);
		off += n;
		while ((rc = frame_peek(in, FUZZ_MAX_FRAME, &payload, &len,
		    &cause)) == 1) {
			size_t	used;

			if (len == 0 || len > FUZZ_MAX_FRAME ||
			    evbuffer_get_length(in) < FRAME_HEADER_SIZE + len)
				abort();
			if (msgcheck_value(payload, len, 32, &used, &cause) == 0 &&
			    (used == 0 || used > len))
				abort();
			free(cause);
			cause = NULL;
			frame_drain(in, len);
		}
		free(cause);
		cause = NULL;
	}
	evbuffer_free(in);
	return 0;
}
