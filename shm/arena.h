/*
 * The memory bank's value allocator, inside the shared region: blocks of
 * power-of-two size classes (64 B to 2 MiB), each with a 16-byte header,
 * carved from a bump pointer and recycled through one free list per
 * class. Blocks never split or merge, so churn cannot fragment the arena
 * beyond one class's worth, and the whole state can be rebuilt from the
 * block headers if a process dies in the middle of an operation.
 *
 * The caller serialises every call with the bank's allocator lock.
 */
#ifndef ORCH_SHM_ARENA_H
#define ORCH_SHM_ARENA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/shmcopy.h"

#define ARENA_CLASSES		16
#define ARENA_MIN_SHIFT		6		/* 64-byte smallest block */
#define ARENA_HDR		16u
/* The largest value a block can hold. */
#define ARENA_DATA_MAX		((((size_t)1 << ARENA_MIN_SHIFT) << \
				 (ARENA_CLASSES - 1)) - ARENA_HDR)

struct arena_shared {
	uint64_t		size;		/* bytes of blocks */
	_Atomic uint64_t	bump;		/* carved so far */
	_Atomic uint64_t	used;		/* bytes of blocks in use */
	_Atomic uint64_t	blocks;		/* blocks in use */
	_Atomic uint64_t	free_head[ARENA_CLASSES]; /* offset + 1 */
};

/*
 * A process's handle. size is the arena's, checked by the caller at open:
 * every offset read from shared memory (free lists, bump, block refs) is
 * checked against it, never against what the region says now.
 */
struct arena {
	struct arena_shared	*sh;
	unsigned char		*base;		/* block 0 */
	uint64_t		 size;
};

void	arena_init(struct arena_shared *sh, uint64_t size);
void	arena_open(struct arena *a, struct arena_shared *sh, void *base,
	    uint64_t size);

/*
 * Allocate a block for len bytes and store its offset + 1 in *out (in
 * shared memory, before the block is marked in use: see arena.c). 0, or
 * -1 when the arena is full or len too large.
 */
int	arena_alloc(struct arena *a, size_t len, _Atomic uint64_t *out);
/* Free the block *slot names (if any and in use), then clear *slot. */
void	arena_free(struct arena *a, _Atomic uint64_t *slot);
/* Whether the block (offset + 1) is allocated. */
bool	arena_in_use(const struct arena *a, uint64_t ref);

/* The data words of a block, and how many bytes it can hold. */
shm_word *arena_data(const struct arena *a, uint64_t ref);
size_t	arena_capacity(const struct arena *a, uint64_t ref);

/* Recompute the free lists and counters from the block headers. */
void	arena_rebuild(struct arena *a);

#endif
