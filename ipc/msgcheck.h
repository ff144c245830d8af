/*
 * A bounded validation pass over msgpack bytes, run before msgpack-c sees
 * them.
 *
 * msgpack-c trusts the counts in container and string headers: an array32
 * header claiming 2^28 elements makes it reserve gigabytes before a single
 * element arrives, and nesting deeper than its stack (32) fails with a
 * misleading out-of-memory. This pass walks the bytes without allocating
 * and rejects any value whose declared sizes cannot fit in the bytes that
 * remain, or whose nesting exceeds a limit. Once a buffer passes, msgpack-c
 * allocates at most in proportion to the buffer's real content.
 */
#ifndef ORCH_IPC_MSGCHECK_H
#define ORCH_IPC_MSGCHECK_H

#include <stddef.h>

/* Hard cap on the nesting limit a caller may ask for. */
#define MSGCHECK_DEPTH_MAX	64

/*
 * Check that buf[0, len) starts with one complete msgpack value, nesting at
 * most max_depth containers deep. On success store its size in *used and
 * return 0; otherwise return -1 and set *cause.
 */
int	msgcheck_value(const void *buf, size_t len, unsigned max_depth,
	    size_t *used, char **cause);

/* As msgcheck_value, but the value must span exactly len bytes. */
int	msgcheck_exact(const void *buf, size_t len, unsigned max_depth,
	    char **cause);

#endif
