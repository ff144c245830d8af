#include "common/strlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

void
strlist_clear(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
strlist_join(const struct strlist *l, char *buf, size_t size)
{
	size_t	i, off = 0;
	int	n;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < l->n && off < size; i++) {
		n = snprintf(buf + off, size - off, "%s%s", i ? "," : "",
		    l->v[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

void
strlist_copy(struct strlist *dst, const struct strlist *src)
{
	size_t	i;

	memset(dst, 0, sizeof *dst);
	for (i = 0; i < src->n; i++)
		strlist_add(dst, src->v[i]);
}
