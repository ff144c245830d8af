#include "actors/childwatch.h"

#include <stdlib.h>

#include "common/xmalloc.h"

struct childwatch {
	pid_t			 pid;
	childwatch_fn		 fn;
	void			*arg;
	struct childwatch	*next;
};

/* A handful at most (a session's shell): a list will do. */
static struct childwatch	*childwatch_list;

void
childwatch_add(pid_t pid, childwatch_fn fn, void *arg)
{
	struct childwatch	*w = xcalloc(1, sizeof *w);

	w->pid = pid;
	w->fn = fn;
	w->arg = arg;
	w->next = childwatch_list;
	childwatch_list = w;
}

static struct childwatch *
childwatch_take(pid_t pid)
{
	struct childwatch	**pp, *w;

	for (pp = &childwatch_list; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			w = *pp;
			*pp = w->next;
			return w;
		}
	return NULL;
}

void
childwatch_del(pid_t pid)
{
	free(childwatch_take(pid));
}

bool
childwatch_reaped(pid_t pid, int status)
{
	struct childwatch	*w = childwatch_take(pid);

	if (w == NULL)
		return false;
	w->fn(pid, status, w->arg);
	free(w);
	return true;
}
