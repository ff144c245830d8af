/*
 * The shared memory bank: string keys (1-255 bytes) to values with
 * metadata (owner, access, created, modified, version), in shared memory.
 *
 * Readers never lock: each entry is a seqlock and each bucket's chain has
 * a generation, so a read that raced a writer is retried, never torn.
 * Writers serialise per bucket on a robust mutex; a writer killed while
 * holding it leaves an intent record that the next writer uses to finish
 * or undo its change (values and entries are neither lost nor leaked).
 * Values over 4 KiB are LZ4-compressed when that saves space; values over
 * the configured maximum are refused.
 *
 * With an event bus attached, every write and delete publishes a
 * "data.shared" event from whoever made it, with the key, version, owner
 * and access: whoever relays the bus to an agent holds back the events of
 * keys that agent may not read (bank_event_may_read).
 */
#ifndef ORCH_SHM_BANK_H
#define ORCH_SHM_BANK_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/arena.h"
#include "shm/lock.h"
#include "shm/ring.h"

#define BANK_MAGIC		0x4b4e4142u	/* "BANK" */
#define BANK_VERSION		2u
#define BANK_KEY_MAX		255
#define BANK_OWNER_MAX		63
#define BANK_ENTRIES_DEFAULT	65536u
#define BANK_ARENA_DEFAULT	((uint64_t)64 << 20)
#define BANK_VALUE_MAX_DEFAULT	((size_t)1 << 20)
#define BANK_Z_THRESHOLD	4096u
#define BANK_LOCK_TIMEOUT_NS	(1ull * 1000000000)
/* Expect-version values for bank_write and bank_delete. */
#define BANK_ANY		UINT64_MAX	/* whatever is there */
#define BANK_ABSENT		0		/* must not exist yet */

enum bank_access {
	BANK_PRIVATE = 0,
	BANK_SHARED,
	BANK_PUBLIC,
};

enum bank_error {
	BANK_ENOENT = 1,	/* no such key */
	BANK_ECONFLICT,		/* version is not the expected one */
	BANK_EKEY,		/* key empty or over 255 bytes */
	BANK_E2BIG,		/* value over the maximum */
	BANK_EFULL,		/* no free entry */
	BANK_ENOSPC,		/* arena full */
	BANK_ETIMEDOUT,		/* a bucket lock was not released in time */
	BANK_EINVAL,		/* bad owner or access */
	BANK_ECORRUPT,		/* written over: a lock or a chain beyond repair */
};

/* What an intent record says a writer was doing. */
struct bank_intent {
	_Atomic uint32_t	op;		/* BANK_OP_* in bank.c */
	_Atomic uint32_t	entry;		/* index + 1 */
	_Atomic uint32_t	prev;		/* chain predecessor, index + 1 */
	_Atomic uint32_t	pad;
	_Atomic uint64_t	new_block;	/* arena ref */
	_Atomic uint64_t	old_block;
	_Atomic uint64_t	old_lens;	/* the entry before the change */
	_Atomic uint64_t	old_version;
	_Atomic uint64_t	old_modified;
	_Atomic uint64_t	old_flags;
};

struct bank_bucket {
	struct lock		lock;
	_Atomic uint64_t	gen;		/* odd while the chain changes */
	_Atomic uint32_t	head;		/* entry index + 1 */
	uint32_t		pad;
	struct bank_intent	intent;
	char			pad2[128 - sizeof(struct lock) - 16 -
				    sizeof(struct bank_intent)];
};

struct bank_entry {
	_Atomic uint64_t	seq;		/* odd while it changes */
	_Atomic uint32_t	next;		/* chain, or free list */
	_Atomic uint32_t	state;		/* free or in use */
	_Atomic uint64_t	value;		/* arena ref */
	_Atomic uint64_t	lens;		/* stored len | raw len << 32 */
	_Atomic uint64_t	version;
	_Atomic uint64_t	created_ns;	/* CLOCK_REALTIME */
	_Atomic uint64_t	modified_ns;
	_Atomic uint64_t	flags;		/* key len, owner len, access, z */
	shm_word		key[SHM_WORDS(BANK_KEY_MAX + 1)];
	shm_word		owner[SHM_WORDS(BANK_OWNER_MAX + 1)];
};

struct bank_shared {
	_Atomic uint32_t	magic;
	uint32_t		version;
	uint32_t		nbuckets;
	uint32_t		nentries;
	uint64_t		arena_size;
	uint64_t		value_max;
	uint64_t		reserved[4];
	alignas(64) struct lock	alloc_lock;	/* entries and arena */
	_Atomic uint32_t	free_entry;	/* index + 1 */
	_Atomic uint32_t	entries_used;
	_Atomic uint64_t	value_bytes;	/* raw bytes of all values */
	_Atomic uint32_t	fresh;		/* entries ever handed out */
	uint32_t		pad;
	struct arena_shared	arena;
};

/* A process's handle. */
/*
 * A process's handle on a bank. The sizes are copied from the header at
 * open and checked there: whoever else maps the region may write any byte
 * of it later, so nothing that bounds an index or an offset is read from
 * it again.
 */
struct bank {
	struct bank_shared	*sh;
	uint32_t		 nbuckets;
	uint32_t		 nentries;
	uint64_t		 arena_size;
	uint64_t		 value_max;
	struct bank_bucket	*buckets;
	struct bank_entry	*entries;
	struct arena		 arena;
	struct ring		*bus;		/* data.shared events, or NULL */
	uint64_t		 recovered;	/* dead owners repaired */
};

struct bank_meta {
	char		 owner[BANK_OWNER_MAX + 1];
	enum bank_access access;
	uint64_t	 created_ns;
	uint64_t	 modified_ns;
	uint64_t	 version;
	size_t		 len;		/* value bytes */
	size_t		 stored;	/* bytes in the arena */
};

struct bank_stats {
	uint32_t	entries;
	uint32_t	entries_max;
	uint64_t	value_bytes;	/* what the values hold */
	uint64_t	arena_used;	/* bytes of blocks in use */
	uint64_t	arena_free;	/* bytes not in use */
	uint64_t	arena_size;
};

size_t	bank_size(uint32_t nentries, uint64_t arena_size);
/*
 * Lay out a bank in mem, which must be zeroed (a fresh mapping): only the
 * header and the bucket locks are written, so the entry table and the
 * arena cost memory only as they fill.
 */
int	bank_init(void *mem, size_t len, uint32_t nentries, uint64_t arena_size,
	    size_t value_max, char **cause);
int	bank_open(struct bank *b, void *mem, size_t len, char **cause);

/*
 * Create or replace key. expect: BANK_ANY, BANK_ABSENT, or the version the
 * entry must have (compare-and-set). On success *version (if not NULL) is
 * the new version. 0 or a negative bank_error.
 */
int	bank_write(struct bank *b, const char *key, const void *value,
	    size_t len, const char *owner, enum bank_access access,
	    uint64_t expect, uint64_t *version);

/*
 * Read key: *value is malloc'd (the caller frees it; NUL-terminated for
 * convenience, not counted in the length). 0 or a negative bank_error.
 */
int	bank_read(struct bank *b, const char *key, void **value,
	    struct bank_meta *meta);

/*
 * Delete key (expect as for bank_write) on behalf of who (NULL: its
 * owner), the source of the event. 0 or a negative bank_error.
 */
int	bank_delete(struct bank *b, const char *key, uint64_t expect,
	    const char *who);

/*
 * Call fn for each key matching pattern (fnmatch; NULL: all) or, when
 * prefix is set, starting with it. Returns the count.
 */
typedef void (*bank_list_fn)(const char *key, const struct bank_meta *meta,
	    void *arg);
size_t	bank_list(struct bank *b, const char *pattern, const char *prefix,
	    bank_list_fn fn, void *arg);

void	bank_stats(struct bank *b, struct bank_stats *st);

const char *bank_strerror(int err);
const char *bank_access_name(enum bank_access a);
int	bank_access_parse(const char *s);

/*
 * The access decision, a pure function: may caller (NULL: the operator)
 * with permissions data:read (can_read) and data:share (can_share) read
 * or write an entry owned by owner with access a?
 */
bool	bank_may_read(const char *caller, bool can_read, bool can_share,
	    const char *owner, enum bank_access a);
bool	bank_may_write(const char *caller, bool can_share, const char *owner,
	    enum bank_access a);
/*
 * May that caller see a data.shared event with this payload (its key's
 * name)? As bank_may_read for the entry the event names; a payload that
 * does not say whose entry it is, is held back from everyone but the
 * operator.
 */
bool	bank_event_may_read(const void *payload, size_t len,
	    const char *caller, bool can_read, bool can_share);

/*
 * Test-only fault hook: called at each stage of a write or delete while
 * the bucket lock is held, when set; a test makes it kill the process.
 */
enum bank_fault {
	BANK_FAULT_INTENT,	/* intent recorded, nothing changed yet */
	BANK_FAULT_ALLOCATED,	/* new block (and entry) allocated */
	BANK_FAULT_UPDATING,	/* entry half updated (odd sequence) */
	BANK_FAULT_UPDATED,	/* entry updated, old block not yet freed */
	BANK_FAULT_LINKING,	/* new entry, chain generation odd */
	BANK_FAULT_LINKED,	/* new entry linked, generation still odd */
	BANK_FAULT_UNLINKED,	/* deleted entry unlinked, not yet freed */
};
extern void (*bank_fault_hook)(enum bank_fault stage);

/* Subscriptions to changes of keys matching a pattern, built on the bus. */
struct bank_sub {
	struct ring_sub		 rs;
	struct ring_event	*ev;
	char			 pattern[BANK_KEY_MAX + 1];
};

/* b must have a bus. */
void	bank_subscribe(struct bank_sub *s, struct bank *b,
	    const char *pattern);
void	bank_unsubscribe(struct bank_sub *s);
/*
 * The next change: 1 with the key, version and whether it was a delete;
 * 0 when none is ready (ring_wait(&s->rs, ...) waits for one).
 */
int	bank_sub_next(struct bank_sub *s, char *key, uint64_t *version,
	    bool *deleted);

#endif
