/*
 * Values pasted into a shell command as data, never as code: where a
 * value goes in a command (outside quotes, inside '...', inside "...", in
 * a $( ) or `` nested in those) decides how it is escaped so that the
 * shell reads back exactly its bytes. Used for {{ tasks.ID.output }} in a
 * workflow's shell command: no upstream output can break out of it.
 */
#ifndef ORCH_COMMON_SHQUOTE_H
#define ORCH_COMMON_SHQUOTE_H

#include <stddef.h>

enum shquote_ctx {
	SHQUOTE_BARE = 0,	/* a word of its own: '...' around it */
	SHQUOTE_SINGLE,		/* inside '...': each ' as '\'' */
	SHQUOTE_DOUBLE,		/* inside "...": \ before " \ $ ` */
};

#define SHQUOTE_DEPTH	16

/* The quoting at a point of a command, as the text before it leaves it. */
struct shquote {
	enum shquote_ctx	 ctx;
	int			 escaped;	/* the last byte was a \ */
	int			 depth;		/* $( and ` nesting */
	enum shquote_ctx	 outer[SHQUOTE_DEPTH];
	char			 close[SHQUOTE_DEPTH];	/* ')' or '`' */
};

void		 shquote_init(struct shquote *q);
/*
 * Can a value be placed here at all? Not inside `...` (old-style command
 * substitution re-reads backslashes and backquotes: no quoting is safe
 * there; $( ) is), nor deeper than SHQUOTE_DEPTH.
 */
int		 shquote_safe(const struct shquote *q);
/* Move q over n bytes of command text. */
void		 shquote_scan(struct shquote *q, const char *p, size_t n);
/*
 * v (len bytes), escaped for context ctx (NUL bytes, which no shell word
 * holds, left out); malloc'd, its length in *out.
 */
char		*shquote_value(enum shquote_ctx ctx, const char *v, size_t len,
		    size_t *out);

#endif
