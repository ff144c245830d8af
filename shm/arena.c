#include "shm/arena.h"

#include <stdbool.h>
#include <string.h>

/* Block header word: magic (16 bits) | state (8) | class (8). */
#define ARENA_MAGIC	0xb10cu
#define ARENA_USED	1u
#define ARENA_FREE	2u
#define HDR(c, st)	((uint64_t)ARENA_MAGIC << 16 | (uint64_t)(st) << 8 | (c))
#define HDR_OK(w)	(((w) >> 16 & 0xffff) == ARENA_MAGIC && \
			 ((w) & 0xff) < ARENA_CLASSES)
#define HDR_CLASS(w)	((unsigned)((w) & 0xff))
#define HDR_STATE(w)	((unsigned)((w) >> 8 & 0xff))

struct arena_hdr {
	_Atomic uint64_t	word;
	_Atomic uint64_t	next;		/* free list: offset + 1 */
};

_Static_assert(sizeof(struct arena_hdr) == ARENA_HDR, "block header");
_Static_assert(sizeof(struct arena_shared) == 32 + 8 * ARENA_CLASSES,
    "arena header layout");

static inline size_t
arena_class_size(unsigned c)
{
	return (size_t)1 << (ARENA_MIN_SHIFT + c);
}

static inline struct arena_hdr *
arena_hdr(const struct arena *a, uint64_t off)
{
	return (struct arena_hdr *)(a->base + off);
}

void
arena_init(struct arena_shared *sh, uint64_t size)
{
	memset(sh, 0, sizeof *sh);
	sh->size = size & ~(uint64_t)63;
}

void
arena_open(struct arena *a, struct arena_shared *sh, void *base,
    uint64_t size)
{
	a->sh = sh;
	a->base = base;
	a->size = size & ~(uint64_t)63;
}

/*
 * Is off the start of a whole block of class c inside the arena? Blocks
 * are aligned to their size, so a block of class c starts on a multiple of
 * it; an offset that does not is not one of ours, whatever the region says.
 */
static bool
arena_block_ok(const struct arena *a, uint64_t off, unsigned c)
{
	return c < ARENA_CLASSES && (off & (arena_class_size(c) - 1)) == 0 &&
	    off < a->size && arena_class_size(c) <= a->size - off;
}

int
arena_alloc(struct arena *a, size_t len, _Atomic uint64_t *out)
{
	struct arena_hdr	*h;
	uint64_t		 ref, off, bump, next;
	unsigned		 c;

	for (c = 0; c < ARENA_CLASSES; c++)
		if (arena_class_size(c) >= len + ARENA_HDR)
			break;
	if (c == ARENA_CLASSES)
		return -1;
	ref = atomic_load_explicit(&a->sh->free_head[c], memory_order_relaxed);
	/* A free list that points outside the arena or at a block that is
	 * not a free one of this class was written over: drop it. */
	if (ref != 0 && (!arena_block_ok(a, ref - 1, c) ||
	    atomic_load_explicit(&arena_hdr(a, ref - 1)->word,
	    memory_order_relaxed) != HDR(c, ARENA_FREE))) {
		atomic_store_explicit(&a->sh->free_head[c], 0,
		    memory_order_relaxed);
		ref = 0;
	}
	if (ref != 0) {
		off = ref - 1;
		h = arena_hdr(a, off);
		next = atomic_load_explicit(&h->next, memory_order_relaxed);
		atomic_store_explicit(&a->sh->free_head[c], next,
		    memory_order_relaxed);
	} else {
		bump = atomic_load_explicit(&a->sh->bump, memory_order_relaxed);
		if (bump > a->size || (bump & 63) != 0)
			return -1;	/* written over: nothing to carve */
		/* Blocks are aligned to their size: no block straddles. */
		off = (bump + arena_class_size(c) - 1) &
		    ~(uint64_t)(arena_class_size(c) - 1);
		if (!arena_block_ok(a, off, c))
			return -1;
		/* Padding before it becomes free 64-byte blocks. */
		while (bump < off) {
			h = arena_hdr(a, bump);
			atomic_store_explicit(&h->word, HDR(0, ARENA_FREE),
			    memory_order_relaxed);
			atomic_store_explicit(&h->next, atomic_load_explicit(
			    &a->sh->free_head[0], memory_order_relaxed),
			    memory_order_relaxed);
			atomic_store_explicit(&a->sh->free_head[0], bump + 1,
			    memory_order_relaxed);
			bump += arena_class_size(0);
		}
		h = arena_hdr(a, off);
		atomic_store_explicit(&h->word, HDR(c, ARENA_FREE),
		    memory_order_relaxed);
		atomic_store_explicit(&a->sh->bump, off + arena_class_size(c),
		    memory_order_relaxed);
	}
	/*
	 * The owner learns the block before it is marked in use: if we die
	 * in between, a rebuild sees it free and the owner's repair, seeing
	 * it free too, does not free it twice.
	 */
	atomic_store_explicit(out, off + 1, memory_order_relaxed);
	atomic_store_explicit(&h->word, HDR(c, ARENA_USED),
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&a->sh->used, arena_class_size(c),
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&a->sh->blocks, 1, memory_order_relaxed);
	return 0;
}

bool
arena_in_use(const struct arena *a, uint64_t ref)
{
	uint64_t	w;

	if (ref == 0 || ref - 1 >= atomic_load_explicit(&a->sh->bump,
	    memory_order_relaxed) || !arena_block_ok(a, ref - 1, 0))
		return false;
	w = atomic_load_explicit(&arena_hdr(a, ref - 1)->word,
	    memory_order_relaxed);
	return HDR_OK(w) && HDR_STATE(w) == ARENA_USED &&
	    arena_block_ok(a, ref - 1, HDR_CLASS(w));
}

void
arena_free(struct arena *a, _Atomic uint64_t *slot)
{
	struct arena_hdr	*h;
	uint64_t		 ref = atomic_load_explicit(slot,
				    memory_order_relaxed), w;
	unsigned		 c;

	if (arena_in_use(a, ref)) {
		h = arena_hdr(a, ref - 1);
		w = atomic_load_explicit(&h->word, memory_order_relaxed);
		c = HDR_CLASS(w);
		atomic_store_explicit(&h->word, HDR(c, ARENA_FREE),
		    memory_order_relaxed);
		atomic_store_explicit(&h->next, atomic_load_explicit(
		    &a->sh->free_head[c], memory_order_relaxed),
		    memory_order_relaxed);
		atomic_store_explicit(&a->sh->free_head[c], ref,
		    memory_order_relaxed);
		atomic_fetch_sub_explicit(&a->sh->used, arena_class_size(c),
		    memory_order_relaxed);
		atomic_fetch_sub_explicit(&a->sh->blocks, 1,
		    memory_order_relaxed);
	}
	atomic_store_explicit(slot, 0, memory_order_relaxed);
}

shm_word *
arena_data(const struct arena *a, uint64_t ref)
{
	return (shm_word *)(a->base + ref - 1 + ARENA_HDR);
}

size_t
arena_capacity(const struct arena *a, uint64_t ref)
{
	uint64_t	w;

	if (ref == 0 || !arena_block_ok(a, ref - 1, 0))
		return 0;
	w = atomic_load_explicit(&arena_hdr(a, ref - 1)->word,
	    memory_order_relaxed);
	return HDR_OK(w) && arena_block_ok(a, ref - 1, HDR_CLASS(w)) ?
	    arena_class_size(HDR_CLASS(w)) - ARENA_HDR : 0;
}

void
arena_rebuild(struct arena *a)
{
	uint64_t	off = 0, bump, w, used = 0, blocks = 0;
	unsigned	c;

	bump = atomic_load_explicit(&a->sh->bump, memory_order_relaxed);
	if (bump > a->size)
		bump = a->size;
	for (c = 0; c < ARENA_CLASSES; c++)
		atomic_store_explicit(&a->sh->free_head[c], 0,
		    memory_order_relaxed);
	while (off < bump) {
		w = atomic_load_explicit(&arena_hdr(a, off)->word,
		    memory_order_relaxed);
		if (!HDR_OK(w) || !arena_block_ok(a, off, HDR_CLASS(w)))
			break;	/* carved but never stamped (or garbage): the end */
		c = HDR_CLASS(w);
		if (HDR_STATE(w) == ARENA_USED) {
			used += arena_class_size(c);
			blocks++;
		} else {
			atomic_store_explicit(&arena_hdr(a, off)->next,
			    atomic_load_explicit(&a->sh->free_head[c],
			    memory_order_relaxed), memory_order_relaxed);
			atomic_store_explicit(&a->sh->free_head[c], off + 1,
			    memory_order_relaxed);
		}
		off += arena_class_size(c);
	}
	atomic_store_explicit(&a->sh->bump, off, memory_order_relaxed);
	atomic_store_explicit(&a->sh->used, used, memory_order_relaxed);
	atomic_store_explicit(&a->sh->blocks, blocks, memory_order_relaxed);
}
