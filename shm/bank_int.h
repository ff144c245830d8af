/*
 * Inside the memory bank, shared by its writers (bank.c: layout,
 * allocation, buckets, writes) and its readers (bank_read.c: lock-free
 * reads, listing, subscriptions). Nothing else includes this.
 */
#ifndef ORCH_SHM_BANK_INT_H
#define ORCH_SHM_BANK_INT_H

#include <stdatomic.h>
#include <stddef.h>

#include "shm/bank.h"

enum {
	BANK_OP_NONE = 0,
	BANK_OP_WRITE,		/* replace the value of an entry */
	BANK_OP_INSERT,		/* link a new entry */
	BANK_OP_DELETE,		/* unlink an entry */
};

#define ENTRY_FREE	0u
#define ENTRY_USED	1u

/* flags word: key length (9 bits), owner length (8), access (8), z (1). */
#define FLAGS(k, o, a, z)	((uint64_t)(k) | (uint64_t)(o) << 16 | \
				 (uint64_t)(a) << 24 | (uint64_t)(z) << 32)
#define FLAGS_KEY(f)		((size_t)((f) & 0x1ff))
#define FLAGS_OWNER(f)		((size_t)((f) >> 16 & 0xff))
/* The owner's length as a buffer may take it (the flags are shared). */
#define FLAGS_OWNER_LEN(f)	(FLAGS_OWNER(f) > BANK_OWNER_MAX ? \
				 (size_t)BANK_OWNER_MAX : FLAGS_OWNER(f))
#define FLAGS_ACCESS(f)		((unsigned)((f) >> 24 & 0xff))
#define FLAGS_Z(f)		((unsigned)((f) >> 32 & 1))
#define LENS(stored, raw)	((uint64_t)(stored) | (uint64_t)(raw) << 32)
#define LENS_STORED(l)		((size_t)((l) & 0xffffffffu))
#define LENS_RAW(l)		((size_t)((l) >> 32))

#define RELAXED			memory_order_relaxed
/*
 * Every load of a lock-free reader is acquire, so that its closing re-check
 * of a sequence or generation cannot move above them (a fence would do, but
 * ThreadSanitizer does not model fences). On x86-64 it costs nothing.
 */
#define READ			memory_order_acquire
/* Failed optimistic reads of one bucket before a reader checks its lock. */
#define BANK_READ_RETRIES	4096
/* Lock-free rounds of those (each ends taking the lock) before the last. */
#define BANK_READ_ROUNDS	4

/* The bucket key hashes to. */
struct bank_bucket *bank_bucket(struct bank *b, const char *key, size_t len);
/* Take bk's lock (repairing what a dead holder left). 0, or -BANK_E*. */
int	bank_lock(struct bank *b, struct bank_bucket *bk);

#endif
