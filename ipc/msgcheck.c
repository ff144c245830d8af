#include "ipc/msgcheck.h"

#include <stdint.h>

#include "common/xmalloc.h"

static uint64_t
msgcheck_be(const uint8_t *p, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * How a header byte is followed: "fixed" payload bytes, a big-endian size
 * field of "lenbytes" bytes (plus "extra" bytes, the ext type), or a
 * container whose element count is in a size field.
 */
enum msgcheck_shape {
	MC_SCALAR,	/* fixed bytes follow */
	MC_BLOB,	/* size field, then extra + size bytes */
	MC_ARRAY,	/* size field (or fix count), then count values */
	MC_MAP,		/* size field (or fix count), then 2 * count values */
	MC_BAD,
};

struct msgcheck_head {
	enum msgcheck_shape	shape;
	unsigned		fixed;		/* MC_SCALAR: bytes after header */
	unsigned		lenbytes;	/* size field width, 0 = in byte */
	unsigned		extra;		/* MC_BLOB: ext type byte */
	uint64_t		inline_n;	/* count/size held in the byte */
};

static struct msgcheck_head
msgcheck_classify(uint8_t b)
{
	struct msgcheck_head	h = { MC_SCALAR, 0, 0, 0, 0 };

	if (b <= 0x7f || b >= 0xe0)			/* fixint */
		return h;
	if (b <= 0x8f) {				/* fixmap */
		h.shape = MC_MAP;
		h.inline_n = b & 0x0f;
		return h;
	}
	if (b <= 0x9f) {				/* fixarray */
		h.shape = MC_ARRAY;
		h.inline_n = b & 0x0f;
		return h;
	}
	if (b <= 0xbf) {				/* fixstr */
		h.shape = MC_BLOB;
		h.inline_n = b & 0x1f;
		return h;
	}
	switch (b) {
	case 0xc0: case 0xc2: case 0xc3:		/* nil, false, true */
		return h;
	case 0xc4: case 0xd9:	h.shape = MC_BLOB; h.lenbytes = 1; return h;
	case 0xc5: case 0xda:	h.shape = MC_BLOB; h.lenbytes = 2; return h;
	case 0xc6: case 0xdb:	h.shape = MC_BLOB; h.lenbytes = 4; return h;
	case 0xc7: h.shape = MC_BLOB; h.lenbytes = 1; h.extra = 1; return h;
	case 0xc8: h.shape = MC_BLOB; h.lenbytes = 2; h.extra = 1; return h;
	case 0xc9: h.shape = MC_BLOB; h.lenbytes = 4; h.extra = 1; return h;
	case 0xca: case 0xce: case 0xd2:	h.fixed = 4; return h;
	case 0xcb: case 0xcf: case 0xd3:	h.fixed = 8; return h;
	case 0xcc: case 0xd0:			h.fixed = 1; return h;
	case 0xcd: case 0xd1:			h.fixed = 2; return h;
	case 0xd4:	h.fixed = 2; return h;		/* fixext 1 */
	case 0xd5:	h.fixed = 3; return h;
	case 0xd6:	h.fixed = 5; return h;
	case 0xd7:	h.fixed = 9; return h;
	case 0xd8:	h.fixed = 17; return h;
	case 0xdc:	h.shape = MC_ARRAY; h.lenbytes = 2; return h;
	case 0xdd:	h.shape = MC_ARRAY; h.lenbytes = 4; return h;
	case 0xde:	h.shape = MC_MAP; h.lenbytes = 2; return h;
	case 0xdf:	h.shape = MC_MAP; h.lenbytes = 4; return h;
	default:	/* 0xc1 is never used */
		h.shape = MC_BAD;
		return h;
	}
}

int
msgcheck_value(const void *buf, size_t len, unsigned max_depth, size_t *used,
    char **cause)
{
	const uint8_t	*p = buf;
	/* left[d]: values still owed by the container open at depth d. */
	uint64_t	 left[MSGCHECK_DEPTH_MAX + 1];
	/* Sum of left[]: every owed value needs at least one more byte. */
	uint64_t	 owed = 1;
	unsigned	 depth = 0;
	size_t		 pos = 0;

	if (max_depth > MSGCHECK_DEPTH_MAX)
		max_depth = MSGCHECK_DEPTH_MAX;
	left[0] = 1;
	for (;;) {
		struct msgcheck_head	h;
		uint64_t		n, rest;
		size_t			at;
		uint8_t			b;

		while (depth > 0 && left[depth] == 0)
			depth--;
		if (depth == 0 && left[0] == 0)
			break;
		at = pos;
		if (pos >= len)
			return set_cause(cause, "truncated at byte %zu", pos);
		b = p[pos++];
		left[depth]--;
		owed--;

		h = msgcheck_classify(b);
		if (h.shape == MC_BAD)
			return set_cause(cause,
			    "invalid type byte 0x%02x at byte %zu", b, at);
		rest = len - pos;
		if (h.shape == MC_SCALAR) {
			if (h.fixed > rest)
				return set_cause(cause,
				    "truncated scalar at byte %zu", at);
			pos += h.fixed;
			continue;
		}
		n = h.inline_n;
		if (h.lenbytes != 0) {
			if (h.lenbytes > rest)
				return set_cause(cause,
				    "truncated size field at byte %zu", at);
			n = msgcheck_be(p + pos, h.lenbytes);
			pos += h.lenbytes;
			rest -= h.lenbytes;
		}
		if (h.shape == MC_BLOB) {
			if (h.extra > rest || n > rest - h.extra)
				return set_cause(cause, "value at byte %zu "
				    "claims %llu bytes, only %llu remain", at,
				    (unsigned long long)n,
				    (unsigned long long)(rest - (h.extra > rest ?
				    rest : h.extra)));
			pos += h.extra + (size_t)n;
			continue;
		}
		if (h.shape == MC_MAP)
			n *= 2;		/* n < 2^32, cannot overflow */
		if (n > rest || owed + n > rest)
			return set_cause(cause, "container at byte %zu claims "
			    "%llu elements, only %llu bytes remain", at,
			    (unsigned long long)n, (unsigned long long)rest);
		if (depth + 1 > max_depth)
			return set_cause(cause,
			    "nesting deeper than %u at byte %zu", max_depth, at);
		if (n == 0)
			continue;
		left[++depth] = n;
		owed += n;
	}
	*used = pos;
	return 0;
}

int
msgcheck_exact(const void *buf, size_t len, unsigned max_depth, char **cause)
{
	size_t	used;

	if (msgcheck_value(buf, len, max_depth, &used, cause) != 0)
		return -1;
	if (used != len)
		return set_cause(cause, "%zu trailing bytes after the value",
		    len - used);
	return 0;
}
