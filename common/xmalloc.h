/*
 * Allocation that cannot fail: on out-of-memory these abort the process with
 * a message, so call sites need no error path. Every *_free in orch accepts
 * NULL.
 *
 * Error-string convention: a function that can fail for a reason the user
 * must see returns -1 (or NULL) and, when cause is not NULL, stores an
 * xasprintf'd message in *cause that the caller prints and frees.
 */
#ifndef ORCH_COMMON_XMALLOC_H
#define ORCH_COMMON_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
int	 xasprintf(char **ret, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **ret, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* Fill *cause (when cause is not NULL) and return -1. */
int	 set_cause(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
