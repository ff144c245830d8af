#include "actors/scrollback.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void
scrollback_init(struct scrollback *sb, size_t size)
{
	sb->buf = xmalloc(size);
	sb->size = size;
	sb->total = 0;
}

void
scrollback_free(struct scrollback *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->size = 0;
}

void
scrollback_append(struct scrollback *sb, const void *data, size_t len)
{
	const char	*p = data;
	size_t		 at, first;

	if (len > sb->size) {
		/* Only the last size bytes can survive. */
		sb->total += len - sb->size;
		p += len - sb->size;
		len = sb->size;
	}
	at = (size_t)(sb->total % sb->size);
	first = sb->size - at < len ? sb->size - at : len;
	memcpy(sb->buf + at, p, first);
	memcpy(sb->buf, p + first, len - first);
	sb->total += len;
}

size_t
scrollback_len(const struct scrollback *sb)
{
	return sb->total < sb->size ? (size_t)sb->total : sb->size;
}

size_t
scrollback_tail(const struct scrollback *sb, size_t n, char *out)
{
	size_t		held = scrollback_len(sb), start, first;

	if (n > held)
		n = held;
	if (n == 0)
		return 0;
	start = (size_t)((sb->total - n) % sb->size);
	first = sb->size - start < n ? sb->size - start : n;
	memcpy(out, sb->buf + start, first);
	memcpy(out + first, sb->buf, n - first);
	return n;
}
