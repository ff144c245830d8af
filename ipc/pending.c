#include "ipc/pending.h"

#include <stdlib.h>

#include "common/xmalloc.h"
#include "ipc/proto.h"

#define PENDING_BUCKETS_MIN	64

struct pending {
	uint64_t	 id;
	uint64_t	 deadline;
	size_t		 heap_idx;
	struct pending	*next;
	ipc_reply_cb	 cb;
	void		*arg;
};

void
pending_init(struct pending_table *t)
{
	t->buckets = xcalloc(PENDING_BUCKETS_MIN, sizeof *t->buckets);
	t->mask = PENDING_BUCKETS_MIN - 1;
	t->count = 0;
	t->heap_cap = PENDING_BUCKETS_MIN;
	t->heap = xcalloc(t->heap_cap, sizeof *t->heap);
}

void
pending_done(struct pending_table *t)
{
	size_t	i;

	for (i = 0; i < t->count; i++)
		free(t->heap[i]);
	free(t->heap);
	free(t->buckets);
	t->heap = NULL;
	t->buckets = NULL;
	t->count = 0;
}

static void
pending_heap_set(struct pending_table *t, size_t i, struct pending *p)
{
	t->heap[i] = p;
	p->heap_idx = i;
}

static void
pending_sift_up(struct pending_table *t, size_t i)
{
	struct pending	*p = t->heap[i];

	while (i > 0) {
		size_t	parent = (i - 1) / 2;

		if (t->heap[parent]->deadline <= p->deadline)
			break;
		pending_heap_set(t, i, t->heap[parent]);
		i = parent;
	}
	pending_heap_set(t, i, p);
}

static void
pending_sift_down(struct pending_table *t, size_t i)
{
	struct pending	*p = t->heap[i];

	for (;;) {
		size_t	c = 2 * i + 1;

		if (c >= t->count)
			break;
		if (c + 1 < t->count &&
		    t->heap[c + 1]->deadline < t->heap[c]->deadline)
			c++;
		if (p->deadline <= t->heap[c]->deadline)
			break;
		pending_heap_set(t, i, t->heap[c]);
		i = c;
	}
	pending_heap_set(t, i, p);
}

static void
pending_rehash(struct pending_table *t, size_t nbuckets)
{
	struct pending	**nb = xcalloc(nbuckets, sizeof *nb);
	size_t		  i;

	for (i = 0; i < t->count; i++) {
		struct pending	*p = t->heap[i];
		size_t		 b = p->id & (nbuckets - 1);

		p->next = nb[b];
		nb[b] = p;
	}
	free(t->buckets);
	t->buckets = nb;
	t->mask = nbuckets - 1;
}

int
pending_add(struct pending_table *t, uint64_t id, uint64_t deadline_ns,
    ipc_reply_cb cb, void *arg)
{
	struct pending	*p;

	for (p = t->buckets[id & t->mask]; p != NULL; p = p->next) {
		if (p->id == id)
			return -1;
	}
	if (t->count == t->heap_cap) {
		t->heap_cap *= 2;
		t->heap = xreallocarray(t->heap, t->heap_cap, sizeof *t->heap);
	}
	p = xmalloc(sizeof *p);
	p->id = id;
	p->deadline = deadline_ns;
	p->cb = cb;
	p->arg = arg;
	p->next = t->buckets[id & t->mask];
	t->buckets[id & t->mask] = p;
	pending_heap_set(t, t->count++, p);
	pending_sift_up(t, p->heap_idx);
	if (t->count > t->mask + 1)
		pending_rehash(t, (t->mask + 1) * 2);
	return 0;
}

/* Unlink p from both structures; the caller frees it. */
static void
pending_unlink(struct pending_table *t, struct pending *p)
{
	struct pending	**pp = &t->buckets[p->id & t->mask];
	size_t		  i = p->heap_idx;

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;

	if (i != --t->count) {
		struct pending	*last = t->heap[t->count];

		/* The last leaf fills the hole and moves whichever way fits. */
		pending_heap_set(t, i, last);
		pending_sift_down(t, i);
		pending_sift_up(t, last->heap_idx);
	}
}

/* The callback may add requests; the entry is gone from the table first. */
static void
pending_finish(struct pending_table *t, struct pending *p, struct peer *owner,
    int err, const struct envelope *reply)
{
	ipc_reply_cb	 cb = p->cb;
	void		*arg = p->arg;

	pending_unlink(t, p);
	free(p);
	cb(owner, err, reply, arg);
}

int
pending_complete(struct pending_table *t, struct peer *owner, uint64_t id,
    int err, const struct envelope *reply)
{
	struct pending	*p;

	for (p = t->buckets[id & t->mask]; p != NULL; p = p->next) {
		if (p->id == id) {
			pending_finish(t, p, owner, err, reply);
			return 0;
		}
	}
	return -1;
}

size_t
pending_expire(struct pending_table *t, struct peer *owner, uint64_t now_ns)
{
	size_t	n = 0;

	while (t->count > 0 && t->heap[0]->deadline <= now_ns) {
		pending_finish(t, t->heap[0], owner, IPC_E_TIMEOUT, NULL);
		n++;
	}
	return n;
}

size_t
pending_fail_all(struct pending_table *t, struct peer *owner, int err)
{
	size_t	n = 0;

	/* Oldest deadline first, so callers see them in a sensible order. */
	while (t->count > 0) {
		pending_finish(t, t->heap[0], owner, err, NULL);
		n++;
	}
	return n;
}

uint64_t
pending_next_deadline(const struct pending_table *t)
{
	return t->count > 0 ? t->heap[0]->deadline : UINT64_MAX;
}

size_t
pending_count(const struct pending_table *t)
{
	return t->count;
}
