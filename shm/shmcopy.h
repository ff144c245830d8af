/*
 * Copying bytes into and out of shared memory that another process may be
 * writing at the same time (seqlock readers). The shared side is accessed
 * as atomic 64-bit words, so the race is defined behaviour (and visible as
 * such to ThreadSanitizer). Stores are relaxed: the writer's acquire on
 * the odd sequence keeps them after it. Loads are acquire, so the reader's
 * re-check of the sequence cannot move above them (this replaces a fence,
 * which ThreadSanitizer does not model); on x86-64 both are plain moves.
 */
#ifndef ORCH_SHM_SHMCOPY_H
#define ORCH_SHM_SHMCOPY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef _Atomic uint64_t shm_word;

#define SHM_WORDS(n)	(((n) + 7) / 8)

/* Copy len bytes from src into shared words (the last word zero-padded). */
static inline void
shmcopy_in(shm_word *dst, const void *src, size_t len)
{
	const unsigned char	*p = src;
	uint64_t		 w;
	size_t			 i, n = len / 8;

	for (i = 0; i < n; i++) {
		memcpy(&w, p + i * 8, 8);
		atomic_store_explicit(&dst[i], w, memory_order_relaxed);
	}
	if (len % 8) {
		w = 0;
		memcpy(&w, p + n * 8, len % 8);
		atomic_store_explicit(&dst[n], w, memory_order_relaxed);
	}
}

/* Copy len bytes out of shared words. */
static inline void
shmcopy_out(void *dst, const shm_word *src, size_t len)
{
	unsigned char	*p = dst;
	uint64_t	 w;
	size_t		 i, n = len / 8;

	for (i = 0; i < n; i++) {
		w = atomic_load_explicit(&src[i], memory_order_acquire);
		memcpy(p + i * 8, &w, 8);
	}
	if (len % 8) {
		w = atomic_load_explicit(&src[n], memory_order_acquire);
		memcpy(p + n * 8, &w, len % 8);
	}
}

#endif
