/*
 * Everything a session's terminal printed, bounded: a byte ring that keeps
 * the most recent `size` bytes.
 */
#ifndef ORCH_ACTORS_SCROLLBACK_H
#define ORCH_ACTORS_SCROLLBACK_H

#include <stddef.h>
#include <stdint.h>

struct scrollback {
	char		*buf;
	size_t		 size;
	uint64_t	 total;		/* bytes ever appended */
};

void	scrollback_init(struct scrollback *sb, size_t size);
void	scrollback_free(struct scrollback *sb);
void	scrollback_append(struct scrollback *sb, const void *data, size_t len);
/* Bytes currently held (at most size). */
size_t	scrollback_len(const struct scrollback *sb);
/*
 * Copy the last n bytes held (fewer if fewer are held) into out, oldest
 * first. Returns the count copied.
 */
size_t	scrollback_tail(const struct scrollback *sb, size_t n, char *out);

#endif
