#include "shm/bank.h"
#include "shm/bank_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <msgpack.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "shm/events.h"
#include "shm/lock.h"

_Static_assert(sizeof(struct bank_bucket) == 128, "bucket layout");
_Static_assert(sizeof(struct bank_intent) == 64, "intent layout");
_Static_assert(sizeof(struct bank_entry) == 64 + 256 + 64, "entry layout");
_Static_assert(offsetof(struct bank_shared, alloc_lock) == 64,
    "bank header layout");

void	(*bank_fault_hook)(enum bank_fault stage);

#define FAULT(stage)	do {						\
	if (bank_fault_hook != NULL)					\
		bank_fault_hook(stage);					\
} while (0)

/* Layout ------------------------------------------------------------------- */

static uint32_t
bank_nbuckets(uint32_t nentries)
{
	uint32_t	n = 16;

	while (n < nentries / 2 && n < (1u << 24))
		n <<= 1;
	return n;
}

static size_t
bank_align(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static size_t
bank_buckets_off(void)
{
	return bank_align(sizeof(struct bank_shared));
}

static size_t
bank_entries_off(uint32_t nentries)
{
	return bank_buckets_off() + (size_t)bank_nbuckets(nentries) *
	    sizeof(struct bank_bucket);
}

static size_t
bank_arena_off(uint32_t nentries)
{
	return bank_align(bank_entries_off(nentries) + (size_t)nentries *
	    sizeof(struct bank_entry));
}

size_t
bank_size(uint32_t nentries, uint64_t arena_size)
{
	return bank_arena_off(nentries) + bank_align(arena_size);
}

static int
bank_check(uint32_t nentries, uint64_t arena_size, size_t value_max,
    size_t len, char **cause)
{
	if (nentries < 1 || nentries > (1u << 24))
		return set_cause(cause, "bank: %u entries is not from 1 to 16M",
		    nentries);
	if (arena_size < 4096 || arena_size > ((uint64_t)1 << 40))
		return set_cause(cause, "bank: arena of %llu bytes is not from "
		    "4 KiB to 1 TiB", (unsigned long long)arena_size);
	if (value_max < 1 || value_max > ARENA_DATA_MAX)
		return set_cause(cause, "bank: value maximum %zu is not from 1 "
		    "to %zu", value_max, (size_t)ARENA_DATA_MAX);
	if (bank_size(nentries, arena_size) > len)
		return set_cause(cause, "bank: %u entries and a %llu-byte arena "
		    "need %zu bytes, the region has %zu", nentries,
		    (unsigned long long)arena_size,
		    bank_size(nentries, arena_size), len);
	return 0;
}

/* The handle, with the sizes it checks against copied once (bank.h). */
static void
bank_handle(struct bank *b, void *mem, uint32_t nentries, uint64_t arena_size,
    uint64_t value_max)
{
	struct bank_shared	*sh = mem;

	memset(b, 0, sizeof *b);
	b->sh = sh;
	b->nentries = nentries;
	b->nbuckets = bank_nbuckets(nentries);
	b->arena_size = arena_size;
	b->value_max = value_max;
	b->buckets = (struct bank_bucket *)((char *)mem + bank_buckets_off());
	b->entries = (struct bank_entry *)((char *)mem +
	    bank_entries_off(nentries));
	arena_open(&b->arena, &sh->arena, (char *)mem +
	    bank_arena_off(nentries), arena_size);
}

int
bank_init(void *mem, size_t len, uint32_t nentries, uint64_t arena_size,
    size_t value_max, char **cause)
{
	struct bank_shared	*sh = mem;
	struct bank		 b;
	uint32_t		 i;

	if (bank_check(nentries, arena_size, value_max, len, cause) != 0)
		return -1;
	memset(sh, 0, sizeof *sh);
	sh->version = BANK_VERSION;
	sh->nbuckets = bank_nbuckets(nentries);
	sh->nentries = nentries;
	sh->arena_size = bank_align(arena_size);
	sh->value_max = value_max;
	lock_init(&sh->alloc_lock);
	bank_handle(&b, mem, nentries, sh->arena_size, value_max);
	for (i = 0; i < b.nbuckets; i++) {
		memset(&b.buckets[i], 0, sizeof b.buckets[i]);
		lock_init(&b.buckets[i].lock);
	}
	/* Entries past "fresh" were never used: they need no free list. */
	arena_init(&sh->arena, sh->arena_size);
	/* release: pairs with the acquire in bank_open. */
	atomic_store_explicit(&sh->magic, BANK_MAGIC, memory_order_release);
	return 0;
}

int
bank_open(struct bank *b, void *mem, size_t len, char **cause)
{
	struct bank_shared	*sh = mem;
	uint32_t		 nentries, nbuckets;
	uint64_t		 arena_size, value_max;

	if (len < sizeof *sh)
		return set_cause(cause, "bank: %zu bytes cannot hold a header",
		    len);
	/* acquire: pairs with the release in bank_init. */
	if (atomic_load_explicit(&sh->magic, memory_order_acquire) != BANK_MAGIC)
		return set_cause(cause, "bank: bad magic 0x%08x",
		    atomic_load(&sh->magic));
	if (sh->version != BANK_VERSION)
		return set_cause(cause, "bank: layout version %u, expected %u",
		    sh->version, BANK_VERSION);
	/* Read once: what is checked is what is used. */
	nentries = sh->nentries;
	nbuckets = sh->nbuckets;
	arena_size = sh->arena_size;
	value_max = sh->value_max;
	if (bank_check(nentries, arena_size, (size_t)value_max, len,
	    cause) != 0)
		return -1;
	if (nbuckets != bank_nbuckets(nentries) ||
	    sh->arena.size != arena_size ||
	    atomic_load(&sh->arena.bump) > arena_size ||
	    atomic_load(&sh->free_entry) > nentries ||
	    atomic_load(&sh->fresh) > nentries ||
	    atomic_load(&sh->entries_used) > nentries)
		return set_cause(cause, "bank: inconsistent header (buckets "
		    "%u, arena %llu/%llu)", nbuckets,
		    (unsigned long long)sh->arena.size,
		    (unsigned long long)arena_size);
	bank_handle(b, mem, nentries, arena_size, value_max);
	return 0;
}

/* Allocation (entries and arena), under the allocator lock -------------- */

static void
bank_alloc_repair(void *arg)
{
	struct bank		*b = arg;
	struct bank_shared	*sh = b->sh;
	uint32_t		 i, head = 0, used = 0;

	/* Rebuild everything the dead process may have been changing. */
	arena_rebuild(&b->arena);
	if ((i = atomic_load_explicit(&sh->fresh, RELAXED)) > b->nentries) {
		i = b->nentries;
		atomic_store_explicit(&sh->fresh, i, RELAXED);
	}
	for (; i > 0; i--) {
		if (atomic_load_explicit(&b->entries[i - 1].state, RELAXED) ==
		    ENTRY_USED) {
			used++;
			continue;
		}
		atomic_store_explicit(&b->entries[i - 1].next, head, RELAXED);
		head = i;
	}
	atomic_store_explicit(&sh->free_entry, head, RELAXED);
	atomic_store_explicit(&sh->entries_used, used, RELAXED);
	b->recovered++;
}

static int
bank_alloc_lock(struct bank *b)
{
	int	rc = lock_take(&b->sh->alloc_lock, BANK_LOCK_TIMEOUT_NS,
		    bank_alloc_repair, b);

	if (rc == -ETIMEDOUT)
		return -BANK_ETIMEDOUT;
	return rc < 0 ? -BANK_ECORRUPT : 0;
}

/* Pop a free entry; its index + 1 goes to *out before it is marked used. */
static int
bank_entry_alloc(struct bank *b, _Atomic uint32_t *out)
{
	uint32_t		 idx = atomic_load_explicit(&b->sh->free_entry,
				    RELAXED);
	struct bank_entry	*e;

	/* A free list written over (out of range, or at a live entry): drop
	 * it; never-used entries and later frees make another. */
	if (idx != 0 && (idx > b->nentries || atomic_load_explicit(
	    &b->entries[idx - 1].state, RELAXED) == ENTRY_USED)) {
		atomic_store_explicit(&b->sh->free_entry, 0, RELAXED);
		idx = 0;
	}
	if (idx != 0) {
		e = &b->entries[idx - 1];
		atomic_store_explicit(&b->sh->free_entry,
		    atomic_load_explicit(&e->next, RELAXED), RELAXED);
	} else {
		/*
		 * A never-used entry. Counted first: if we die before it is
		 * marked used, a rebuild finds it free and lists it.
		 */
		idx = atomic_load_explicit(&b->sh->fresh, RELAXED);
		if (idx >= b->nentries)
			return -BANK_EFULL;
		atomic_store_explicit(&b->sh->fresh, ++idx, RELAXED);
		e = &b->entries[idx - 1];
	}
	atomic_store_explicit(out, idx, RELAXED);
	atomic_store_explicit(&e->state, ENTRY_USED, RELAXED);
	atomic_fetch_add_explicit(&b->sh->entries_used, 1, RELAXED);
	return 0;
}

static void
bank_entry_free(struct bank *b, uint32_t idx)
{
	struct bank_entry	*e;

	if (idx == 0 || idx > b->nentries)
		return;
	e = &b->entries[idx - 1];
	if (atomic_load_explicit(&e->state, RELAXED) != ENTRY_USED)
		return;
	atomic_store_explicit(&e->state, ENTRY_FREE, RELAXED);
	atomic_store_explicit(&e->next, atomic_load_explicit(
	    &b->sh->free_entry, RELAXED), RELAXED);
	atomic_store_explicit(&b->sh->free_entry, idx, RELAXED);
	atomic_fetch_sub_explicit(&b->sh->entries_used, 1, RELAXED);
}

/* Buckets ----------------------------------------------------------------- */

static uint64_t
bank_hash(const char *key, size_t len)
{
	uint64_t	h = 1469598103934665603ull;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

struct bank_bucket *
bank_bucket(struct bank *b, const char *key, size_t len)
{
	return &b->buckets[bank_hash(key, len) & (b->nbuckets - 1)];
}

/*
 * The writer side of a seqlock word (an entry's sequence, a bucket's chain
 * generation): odd while the guarded fields change.
 */
static void
bank_odd(_Atomic uint64_t *word)
{
	/* acquire: the changes that follow stay after the odd value. */
	atomic_fetch_add_explicit(word, 1, memory_order_acq_rel);
}

static void
bank_even(_Atomic uint64_t *word)
{
	/* release: pairs with the acquire loads of readers (READ). */
	atomic_fetch_add_explicit(word, 1, memory_order_release);
}

static bool
bank_key_is(const struct bank_entry *e, const char *key, size_t len)
{
	char	buf[BANK_KEY_MAX + 1];

	if (FLAGS_KEY(atomic_load_explicit(&e->flags, RELAXED)) != len)
		return false;
	shmcopy_out(buf, e->key, len);
	return memcmp(buf, key, len) == 0;
}

/* With the bucket locked: the entry for key and its predecessor. */
static uint32_t
bank_find_locked(struct bank *b, struct bank_bucket *bk, const char *key,
    size_t len, uint32_t *prev)
{
	uint32_t	idx = atomic_load_explicit(&bk->head, RELAXED), n = 0;

	*prev = 0;
	while (idx != 0 && idx <= b->nentries && n++ < b->nentries) {
		if (bank_key_is(&b->entries[idx - 1], key, len))
			return idx;
		*prev = idx;
		idx = atomic_load_explicit(&b->entries[idx - 1].next, RELAXED);
	}
	return 0;
}

static bool
bank_chain_has(struct bank *b, struct bank_bucket *bk, uint32_t want)
{
	uint32_t	idx = atomic_load_explicit(&bk->head, RELAXED), n = 0;

	while (idx != 0 && idx <= b->nentries && n++ < b->nentries) {
		if (idx == want)
			return true;
		idx = atomic_load_explicit(&b->entries[idx - 1].next, RELAXED);
	}
	return false;
}

static void
bank_intent_clear(struct bank_intent *in)
{
	atomic_store_explicit(&in->entry, 0, RELAXED);
	atomic_store_explicit(&in->prev, 0, RELAXED);
	atomic_store_explicit(&in->new_block, 0, RELAXED);
	atomic_store_explicit(&in->old_block, 0, RELAXED);
	atomic_store_explicit(&in->op, BANK_OP_NONE, RELAXED);
}

struct bank_repair {
	struct bank		*b;
	struct bank_bucket	*bk;
};

/*
 * A writer died holding this bucket: finish or undo what its intent
 * record says it was doing, so that no value or entry is lost or leaked
 * and readers see a consistent chain.
 */
static void
bank_bucket_repair(void *arg)
{
	struct bank_repair	*r = arg;
	struct bank		*b = r->b;
	struct bank_bucket	*bk = r->bk;
	struct bank_intent	*in = &bk->intent;
	struct bank_entry	*e = NULL;
	uint32_t		 op, idx;
	bool			 linked;

	op = atomic_load_explicit(&in->op, RELAXED);
	idx = atomic_load_explicit(&in->entry, RELAXED);
	if (idx > b->nentries)
		idx = 0;
	if (idx != 0)
		e = &b->entries[idx - 1];
	b->recovered++;
	if (bank_alloc_lock(b) != 0)
		return;		/* the allocator is wedged: nothing to do */
	switch (op) {
	case BANK_OP_WRITE:
		if (e == NULL)
			break;
		if (atomic_load_explicit(&e->seq, RELAXED) & 1) {
			/* Died changing the fields: put the old ones back. */
			atomic_store_explicit(&e->value, atomic_load_explicit(
			    &in->old_block, RELAXED), RELAXED);
			atomic_store_explicit(&e->lens, atomic_load_explicit(
			    &in->old_lens, RELAXED), RELAXED);
			atomic_store_explicit(&e->version, atomic_load_explicit(
			    &in->old_version, RELAXED), RELAXED);
			atomic_store_explicit(&e->modified_ns,
			    atomic_load_explicit(&in->old_modified, RELAXED),
			    RELAXED);
			atomic_store_explicit(&e->flags, atomic_load_explicit(
			    &in->old_flags, RELAXED), RELAXED);
			bank_even(&e->seq);
			arena_free(&b->arena, &in->new_block);
		} else if (atomic_load_explicit(&e->value, RELAXED) ==
		    atomic_load_explicit(&in->new_block, RELAXED))
			arena_free(&b->arena, &in->old_block);	/* done */
		else
			arena_free(&b->arena, &in->new_block);	/* not begun */
		break;
	case BANK_OP_INSERT:
		linked = idx != 0 && bank_chain_has(b, bk, idx);
		if (linked) {
			if (atomic_load_explicit(&e->seq, RELAXED) & 1)
				bank_even(&e->seq);
		} else {
			arena_free(&b->arena, &in->new_block);
			if (idx != 0)
				bank_entry_free(b, idx);
		}
		break;
	case BANK_OP_DELETE:
		if (idx != 0 && !bank_chain_has(b, bk, idx)) {
			/* Unlinked: finish freeing it. */
			arena_free(&b->arena, &in->old_block);
			bank_entry_free(b, idx);
		}
		break;
	default:
		break;
	}
	lock_release(&b->sh->alloc_lock);
	if (atomic_load_explicit(&bk->gen, RELAXED) & 1)
		bank_even(&bk->gen);
	bank_intent_clear(in);
}

int
bank_lock(struct bank *b, struct bank_bucket *bk)
{
	struct bank_repair	r = { b, bk };
	int			rc;

	rc = lock_take(&bk->lock, BANK_LOCK_TIMEOUT_NS, bank_bucket_repair, &r);
	if (rc == -ETIMEDOUT)
		return -BANK_ETIMEDOUT;
	return rc < 0 ? -BANK_ECORRUPT : 0;
}

static uint64_t
bank_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * who made the change is the event's source; the entry's owner and access
 * ride along so that whoever relays the bus can hold back the events of
 * keys its reader may not read (bank_event_may_read).
 */
static void
bank_publish(struct bank *b, const char *key, uint64_t version,
    const char *who, const char *owner, enum bank_access access,
    bool deleted)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (b->bus == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	body_pack_kv_str(&pk, "key", key);
	body_pack_kv_u64(&pk, "version", version);
	body_pack_kv_str(&pk, "op", deleted ? "delete" : "write");
	body_pack_kv_str(&pk, "owner", owner);
	body_pack_kv_str(&pk, "access", bank_access_name(access));
	/* The bus is best effort; the bank's state is the truth. */
	ring_publish(b->bus, EV_DATA_SHARED, who, NULL, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* Writes ------------------------------------------------------------------ */

static int
bank_check_args(const char *key, size_t *klen, const char *owner,
    enum bank_access access)
{
	*klen = key != NULL ? strlen(key) : 0;
	if (*klen == 0 || *klen > BANK_KEY_MAX)
		return -BANK_EKEY;
	if (owner == NULL || strlen(owner) > BANK_OWNER_MAX ||
	    (unsigned)access > BANK_PUBLIC)
		return -BANK_EINVAL;
	return 0;
}

int
bank_write(struct bank *b, const char *key, const void *value, size_t len,
    const char *owner, enum bank_access access, uint64_t expect,
    uint64_t *version)
{
	struct bank_bucket	*bk;
	struct bank_intent	*in;
	struct bank_entry	*e;
	const void		*data = value;
	char			*z = NULL, old_owner[BANK_OWNER_MAX + 1];
	const char		*now_owner = owner;
	enum bank_access	 now_access = access;
	size_t			 klen, olen, stored = len, old_raw = 0;
	uint64_t		 ver, now, flags, old_flags = 0, ref;
	uint32_t		 idx, prev;
	int			 rc, zbound, zlen;
	bool			 found;

	if ((rc = bank_check_args(key, &klen, owner, access)) != 0)
		return rc;
	if (len > b->value_max)
		return -BANK_E2BIG;
	olen = strlen(owner);
	/* Compress outside any lock; keep it only if it saves space. */
	if (len > BANK_Z_THRESHOLD && len < INT32_MAX) {
		zbound = LZ4_compressBound((int)len);
		z = xmalloc((size_t)zbound);
		zlen = LZ4_compress_default(value, z, (int)len, zbound);
		if (zlen > 0 && (size_t)zlen < len) {
			data = z;
			stored = (size_t)zlen;
		}
	}

	bk = bank_bucket(b, key, klen);
	in = &bk->intent;
	if ((rc = bank_lock(b, bk)) != 0)
		goto out;
	idx = bank_find_locked(b, bk, key, klen, &prev);
	found = idx != 0;
	e = found ? &b->entries[idx - 1] : NULL;
	ver = found ? atomic_load_explicit(&e->version, RELAXED) : 0;
	if ((expect == BANK_ABSENT && found) ||
	    (expect != BANK_ABSENT && expect != BANK_ANY && ver != expect)) {
		rc = found || expect == BANK_ABSENT ? -BANK_ECONFLICT :
		    -BANK_ENOENT;
		goto unlock;
	}

	/* Say what we are about to do before doing any of it. */
	atomic_store_explicit(&in->entry, idx, RELAXED);
	if (found) {
		old_flags = atomic_load_explicit(&e->flags, RELAXED);
		old_raw = LENS_RAW(atomic_load_explicit(&e->lens, RELAXED));
		atomic_store_explicit(&in->old_block, atomic_load_explicit(
		    &e->value, RELAXED), RELAXED);
		atomic_store_explicit(&in->old_lens, atomic_load_explicit(
		    &e->lens, RELAXED), RELAXED);
		atomic_store_explicit(&in->old_version, ver, RELAXED);
		atomic_store_explicit(&in->old_modified, atomic_load_explicit(
		    &e->modified_ns, RELAXED), RELAXED);
		atomic_store_explicit(&in->old_flags, old_flags, RELAXED);
	}
	atomic_store_explicit(&in->op, found ? BANK_OP_WRITE : BANK_OP_INSERT,
	    RELAXED);
	FAULT(BANK_FAULT_INTENT);

	if ((rc = bank_alloc_lock(b)) != 0)
		goto abandon;
	if (arena_alloc(&b->arena, stored, &in->new_block) != 0)
		rc = -BANK_ENOSPC;
	else if (!found && (rc = bank_entry_alloc(b, &in->entry)) != 0)
		arena_free(&b->arena, &in->new_block);
	lock_release(&b->sh->alloc_lock);
	if (rc != 0)
		goto abandon;
	FAULT(BANK_FAULT_ALLOCATED);
	/* Read back from shared memory: checked before it is written to. */
	ref = atomic_load_explicit(&in->new_block, RELAXED);
	if (arena_capacity(&b->arena, ref) < stored) {
		rc = -BANK_ECORRUPT;
		goto abandon;
	}
	shmcopy_in(arena_data(&b->arena, ref), data, stored);

	now = bank_now();
	if (found) {
		/* The creator stays the owner; only it changes the access. */
		shmcopy_out(old_owner, e->owner, FLAGS_OWNER_LEN(old_flags));
		old_owner[FLAGS_OWNER_LEN(old_flags)] = '\0';
		flags = strcmp(old_owner, owner) == 0 ? FLAGS(klen,
		    FLAGS_OWNER(old_flags), access, stored != len) :
		    FLAGS(klen, FLAGS_OWNER(old_flags),
		    FLAGS_ACCESS(old_flags), stored != len);
		now_owner = old_owner;
		now_access = (enum bank_access)FLAGS_ACCESS(flags);
		bank_odd(&e->seq);
		atomic_store_explicit(&e->value, atomic_load_explicit(
		    &in->new_block, RELAXED), RELAXED);
		FAULT(BANK_FAULT_UPDATING);
		atomic_store_explicit(&e->lens, LENS(stored, len), RELAXED);
		atomic_store_explicit(&e->version, ver + 1, RELAXED);
		atomic_store_explicit(&e->modified_ns, now, RELAXED);
		atomic_store_explicit(&e->flags, flags, RELAXED);
		bank_even(&e->seq);
		FAULT(BANK_FAULT_UPDATED);
		if (bank_alloc_lock(b) == 0) {
			arena_free(&b->arena, &in->old_block);
			lock_release(&b->sh->alloc_lock);
		}
	} else {
		idx = atomic_load_explicit(&in->entry, RELAXED);
		e = &b->entries[idx - 1];
		bank_odd(&e->seq);
		atomic_store_explicit(&e->value, atomic_load_explicit(
		    &in->new_block, RELAXED), RELAXED);
		atomic_store_explicit(&e->lens, LENS(stored, len), RELAXED);
		atomic_store_explicit(&e->version, 1, RELAXED);
		atomic_store_explicit(&e->created_ns, now, RELAXED);
		atomic_store_explicit(&e->modified_ns, now, RELAXED);
		atomic_store_explicit(&e->flags, FLAGS(klen, olen, access,
		    stored != len), RELAXED);
		shmcopy_in(e->key, key, klen);
		shmcopy_in(e->owner, owner, olen);
		bank_even(&e->seq);
		bank_odd(&bk->gen);
		FAULT(BANK_FAULT_LINKING);
		atomic_store_explicit(&e->next, atomic_load_explicit(&bk->head,
		    RELAXED), RELAXED);
		atomic_store_explicit(&bk->head, idx, memory_order_release);
		FAULT(BANK_FAULT_LINKED);
		bank_even(&bk->gen);
	}
	ver++;
	atomic_fetch_add_explicit(&b->sh->value_bytes, len, RELAXED);
	atomic_fetch_sub_explicit(&b->sh->value_bytes, old_raw, RELAXED);
	bank_intent_clear(in);
	lock_release(&bk->lock);
	if (version != NULL)
		*version = ver;
	bank_publish(b, key, ver, owner, now_owner, now_access, false);
	free(z);
	return 0;
abandon:
	bank_intent_clear(in);
unlock:
	lock_release(&bk->lock);
out:
	free(z);
	return rc;
}

int
bank_delete(struct bank *b, const char *key, uint64_t expect, const char *who)
{
	struct bank_bucket	*bk;
	struct bank_intent	*in;
	struct bank_entry	*e;
	size_t			 klen = key != NULL ? strlen(key) : 0, olen;
	uint64_t		 ver;
	uint32_t		 idx, prev;
	uint64_t		 flags;
	char			 owner[BANK_OWNER_MAX + 1];
	int			 rc;

	if (klen == 0 || klen > BANK_KEY_MAX)
		return -BANK_EKEY;
	bk = bank_bucket(b, key, klen);
	in = &bk->intent;
	if ((rc = bank_lock(b, bk)) != 0)
		return rc;
	if ((idx = bank_find_locked(b, bk, key, klen, &prev)) == 0) {
		lock_release(&bk->lock);
		return -BANK_ENOENT;
	}
	e = &b->entries[idx - 1];
	ver = atomic_load_explicit(&e->version, RELAXED);
	if (expect != BANK_ANY && expect != ver) {
		lock_release(&bk->lock);
		return -BANK_ECONFLICT;
	}
	flags = atomic_load_explicit(&e->flags, RELAXED);
	olen = FLAGS_OWNER_LEN(flags);
	shmcopy_out(owner, e->owner, olen);
	owner[olen] = '\0';

	atomic_store_explicit(&in->entry, idx, RELAXED);
	atomic_store_explicit(&in->prev, prev, RELAXED);
	atomic_store_explicit(&in->old_block, atomic_load_explicit(&e->value,
	    RELAXED), RELAXED);
	atomic_store_explicit(&in->op, BANK_OP_DELETE, RELAXED);

	bank_odd(&bk->gen);
	if (prev == 0)
		atomic_store_explicit(&bk->head, atomic_load_explicit(&e->next,
		    RELAXED), RELAXED);
	else
		atomic_store_explicit(&b->entries[prev - 1].next,
		    atomic_load_explicit(&e->next, RELAXED), RELAXED);
	bank_even(&bk->gen);
	FAULT(BANK_FAULT_UNLINKED);
	/* Readers still on this entry must notice before its memory goes. */
	bank_odd(&e->seq);
	bank_even(&e->seq);
	atomic_fetch_sub_explicit(&b->sh->value_bytes, LENS_RAW(
	    atomic_load_explicit(&e->lens, RELAXED)), RELAXED);
	if (bank_alloc_lock(b) == 0) {
		arena_free(&b->arena, &in->old_block);
		bank_entry_free(b, idx);
		lock_release(&b->sh->alloc_lock);
	}
	bank_intent_clear(in);
	lock_release(&bk->lock);
	bank_publish(b, key, ver, who != NULL ? who : owner, owner,
	    (enum bank_access)FLAGS_ACCESS(flags), true);
	return 0;
}
