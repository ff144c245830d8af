#include "supervisor/hub.h"

#include <stdlib.h>

#include "common/xmalloc.h"

struct hub_sub {
	unsigned	 mask;
	hub_fn		 fn;
	void		*arg;
};

struct hub {
	struct hub_sub	*subs;
	size_t		 n;
};

struct hub *
hub_new(void)
{
	return xcalloc(1, sizeof (struct hub));
}

void
hub_free(struct hub *h)
{
	if (h == NULL)
		return;
	free(h->subs);
	free(h);
}

void
hub_subscribe(struct hub *h, unsigned mask, hub_fn fn, void *arg)
{
	h->subs = xreallocarray(h->subs, h->n + 1, sizeof *h->subs);
	h->subs[h->n].mask = mask;
	h->subs[h->n].fn = fn;
	h->subs[h->n].arg = arg;
	h->n++;
}

void
hub_announce(struct hub *h, const struct hub_change *ch)
{
	size_t	i;

	if (h == NULL)
		return;
	/* An observer may subscribe another: h->n is read each time. */
	for (i = 0; i < h->n; i++)
		if (h->subs[i].mask & ch->kind)
			h->subs[i].fn(h->subs[i].arg, ch);
}
