#include "common/shquote.h"

#include <string.h>

#include "common/xmalloc.h"

void
shquote_init(struct shquote *q)
{
	memset(q, 0, sizeof *q);
	q->ctx = SHQUOTE_BARE;
}

int
shquote_safe(const struct shquote *q)
{
	int	i;

	if (q->depth > SHQUOTE_DEPTH)
		return 0;
	for (i = 0; i < q->depth; i++)
		if (q->close[i] == '`')
			return 0;
	return 1;
}

static void
shquote_push(struct shquote *q, char close)
{
	/* Deeper than we follow: '...' around a value is safe anywhere. */
	if (q->depth < SHQUOTE_DEPTH) {
		q->outer[q->depth] = q->ctx;
		q->close[q->depth] = close;
	}
	q->depth++;
	q->ctx = SHQUOTE_BARE;
}

static void
shquote_pop(struct shquote *q)
{
	q->depth--;
	q->ctx = q->depth < SHQUOTE_DEPTH ? q->outer[q->depth] : SHQUOTE_BARE;
}

void
shquote_scan(struct shquote *q, const char *p, size_t n)
{
	size_t	i;
	char	c, close;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (q->escaped) {
			q->escaped = 0;
			continue;
		}
		close = q->depth > 0 && q->depth <= SHQUOTE_DEPTH ?
		    q->close[q->depth - 1] : 0;
		switch (q->ctx) {
		case SHQUOTE_SINGLE:
			if (c == '\'')
				q->ctx = SHQUOTE_BARE;
			break;
		case SHQUOTE_DOUBLE:
			if (c == '\\')
				q->escaped = 1;
			else if (c == '"')
				q->ctx = SHQUOTE_BARE;
			else if (c == '$' && i + 1 < n && p[i + 1] == '(') {
				shquote_push(q, ')');
				i++;
			} else if (c == '`')
				shquote_push(q, '`');
			break;
		case SHQUOTE_BARE:
			if (c == '\\')
				q->escaped = 1;
			else if (c == '\'')
				q->ctx = SHQUOTE_SINGLE;
			else if (c == '"')
				q->ctx = SHQUOTE_DOUBLE;
			else if (close != 0 && c == close)
				shquote_pop(q);
			else if (c == '$' && i + 1 < n && p[i + 1] == '(') {
				shquote_push(q, ')');
				i++;
			} else if (c == '(' && q->depth > 0)
				shquote_push(q, ')');
			else if (c == '`')
				shquote_push(q, '`');
			break;
		}
	}
}

char *
shquote_value(enum shquote_ctx ctx, const char *v, size_t len, size_t *out)
{
	char	*buf = xmalloc(len * 4 + 3), *o = buf;
	size_t	 i;

	if (ctx == SHQUOTE_BARE)
		*o++ = '\'';
	for (i = 0; i < len; i++) {
		/* No shell word holds a NUL: it is left out, not a cut. */
		if (v[i] == '\0')
			continue;
		if (ctx != SHQUOTE_DOUBLE && v[i] == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
			continue;
		}
		if (ctx == SHQUOTE_DOUBLE && strchr("\"\\$`", v[i]) != NULL)
			*o++ = '\\';
		*o++ = v[i];
	}
	if (ctx == SHQUOTE_BARE)
		*o++ = '\'';
	*o = '\0';
	*out = (size_t)(o - buf);
	return buf;
}
