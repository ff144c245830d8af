/*
 * A growable list of owned strings.
 */
#ifndef ORCH_COMMON_STRLIST_H
#define ORCH_COMMON_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char	**v;
	size_t	  n;
};

/* Append a copy of s. */
void	strlist_add(struct strlist *l, const char *s);
void	strlist_clear(struct strlist *l);
bool	strlist_has(const struct strlist *l, const char *s);
/* Fill dst (empty) with copies of src's strings. */
void	strlist_copy(struct strlist *dst, const struct strlist *src);
/* "a,b,c" into buf (truncated to size). */
void	strlist_join(const struct strlist *l, char *buf, size_t size);

#endif
