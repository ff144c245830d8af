/*
 * Reading the memory bank: lock-free seqlock reads of an entry (falling
 * back to the bucket's lock after many retries), listing, stats, and
 * subscriptions to data.shared.
 */
#include "shm/bank.h"
#include "shm/bank_int.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <msgpack.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "shm/events.h"
#include "shm/lock.h"

/* Reads -------------------------------------------------------------------- */

enum bank_rd {
	BANK_RD_OK,
	BANK_RD_OTHER,		/* a consistent entry, another key */
	BANK_RD_RETRY,		/* changed under us */
};

/*
 * Read entry e as a seqlock reader: if its key is key (NULL: any), fill
 * meta and, when value is not NULL, a malloc'd copy of the value. *next
 * gets the chain link seen in the same consistent snapshot.
 */
static enum bank_rd
bank_read_entry(struct bank *b, struct bank_entry *e, const char *key,
    size_t klen, char *keyout, void **value, struct bank_meta *meta,
    uint32_t *next)
{
	char		 kbuf[BANK_KEY_MAX + 1];
	char		*raw = NULL, *stored_buf = NULL;
	uint64_t	 s1, s2, flags, lens, ref;
	size_t		 kl, stored, rawlen;

	/* acquire: pairs with the release in bank_seq_end. */
	s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
	if (s1 & 1)
		return BANK_RD_RETRY;
	flags = atomic_load_explicit(&e->flags, READ);
	kl = FLAGS_KEY(flags);
	*next = atomic_load_explicit(&e->next, READ);
	if (kl > BANK_KEY_MAX)
		return BANK_RD_RETRY;
	shmcopy_out(kbuf, e->key, kl);
	kbuf[kl] = '\0';
	if (key != NULL && (kl != klen || memcmp(kbuf, key, kl) != 0)) {
		s2 = atomic_load_explicit(&e->seq, READ);
		return s2 == s1 ? BANK_RD_OTHER : BANK_RD_RETRY;
	}
	lens = atomic_load_explicit(&e->lens, READ);
	ref = atomic_load_explicit(&e->value, READ);
	stored = LENS_STORED(lens);
	rawlen = LENS_RAW(lens);
	meta->version = atomic_load_explicit(&e->version, READ);
	meta->created_ns = atomic_load_explicit(&e->created_ns, READ);
	meta->modified_ns = atomic_load_explicit(&e->modified_ns, READ);
	meta->access = (enum bank_access)FLAGS_ACCESS(flags);
	meta->len = rawlen;
	meta->stored = stored;
	if (FLAGS_OWNER(flags) > BANK_OWNER_MAX)
		return BANK_RD_RETRY;
	shmcopy_out(meta->owner, e->owner, FLAGS_OWNER(flags));
	meta->owner[FLAGS_OWNER(flags)] = '\0';
	if (value != NULL) {
		/* Values come from shared memory: bound every length. */
		if (ref == 0 || ref - 1 >= b->arena_size ||
		    stored > b->value_max || rawlen > b->value_max ||
		    ref - 1 + ARENA_HDR + stored > b->arena_size)
			return BANK_RD_RETRY;
		stored_buf = xmalloc(stored + 1);
		shmcopy_out(stored_buf, arena_data(&b->arena, ref), stored);
	}
	/* The acquire loads above keep this re-check after them. */
	s2 = atomic_load_explicit(&e->seq, READ);
	if (s2 != s1) {
		free(stored_buf);
		return BANK_RD_RETRY;
	}
	if (keyout != NULL)
		memcpy(keyout, kbuf, kl + 1);
	if (value == NULL)
		return BANK_RD_OK;
	if (FLAGS_Z(flags)) {
		raw = xmalloc(rawlen + 1);
		if (LZ4_decompress_safe(stored_buf, raw, (int)stored,
		    (int)rawlen) != (int)rawlen) {
			free(raw);
			free(stored_buf);
			return BANK_RD_RETRY;
		}
		free(stored_buf);
	} else
		raw = stored_buf;
	raw[rawlen] = '\0';
	*value = raw;
	return BANK_RD_OK;
}

/*
 * A reader that keeps finding an entry or chain mid-change may be looking
 * at the leftovers of a writer that died: taking the bucket lock repairs
 * them (or waits for a live writer, as the reader would anyway). Readers
 * take no lock otherwise, except once at the end: a chain that still does
 * not read consistently with its lock held is not being changed by
 * anyone, it was written over (bank_corrupt).
 */
enum bank_pass {
	BANK_PASS_FREE,		/* lock-free, retries left */
	BANK_PASS_LOCKED,	/* the last: the lock is held */
	BANK_PASS_OVER,		/* none left */
};

static enum bank_pass
bank_nudge(struct bank *b, struct bank_bucket *bk, unsigned *retries,
    enum bank_pass pass, int *err)
{
	if (pass == BANK_PASS_LOCKED) {
		lock_release(&bk->lock);
		return BANK_PASS_OVER;
	}
	if (++*retries < BANK_READ_RETRIES * BANK_READ_ROUNDS) {
		if (*retries % BANK_READ_RETRIES == 0 && bank_lock(b, bk) == 0)
			lock_release(&bk->lock);
		return BANK_PASS_FREE;
	}
	if ((*err = bank_lock(b, bk)) != 0)
		return BANK_PASS_OVER;
	return BANK_PASS_LOCKED;
}

/* A chain that does not read even under its lock: said once per process. */
static int
bank_corrupt(struct bank *b, struct bank_bucket *bk)
{
	static bool	told;

	if (!told) {
		told = true;
		log_warnx("memory bank: bucket %zu reads inconsistently with "
		    "its lock held: written over by another process; its "
		    "entries are errors", (size_t)(bk - b->buckets));
	}
	return -BANK_ECORRUPT;
}

int
bank_read(struct bank *b, const char *key, void **value,
    struct bank_meta *meta)
{
	struct bank_bucket	*bk;
	struct bank_meta	 m;
	size_t			 klen = key != NULL ? strlen(key) : 0;
	uint64_t		 g1, g2;
	uint32_t		 idx, next, n;
	unsigned		 retries = 0;
	enum bank_rd		 rd;
	enum bank_pass		 pass = BANK_PASS_FREE;
	int			 rc = 0;

	if (klen == 0 || klen > BANK_KEY_MAX)
		return -BANK_EKEY;
	bk = bank_bucket(b, key, klen);
	for (;; pass = bank_nudge(b, bk, &retries, pass, &rc)) {
		if (pass == BANK_PASS_OVER)
			return rc != 0 ? rc : bank_corrupt(b, bk);
		/* acquire: pairs with the release in bank_gen_end. */
		g1 = atomic_load_explicit(&bk->gen, memory_order_acquire);
		if (g1 & 1)
			continue;
		idx = atomic_load_explicit(&bk->head, memory_order_acquire);
		rd = BANK_RD_OTHER;
		for (n = 0; idx != 0 && idx <= b->nentries &&
		    n < b->nentries; n++) {
			rd = bank_read_entry(b, &b->entries[idx - 1], key, klen,
			    NULL, value, meta != NULL ? meta : &m, &next);
			if (rd != BANK_RD_OTHER)
				break;
			idx = next;
		}
		if (rd == BANK_RD_RETRY)
			continue;
		g2 = atomic_load_explicit(&bk->gen, READ);
		if (rd != BANK_RD_OK && g1 != g2)
			continue;
		if (pass == BANK_PASS_LOCKED)
			lock_release(&bk->lock);
		return rd == BANK_RD_OK ? 0 : -BANK_ENOENT;
	}
}

struct bank_item {
	char		 key[BANK_KEY_MAX + 1];
	struct bank_meta meta;
};

size_t
bank_list(struct bank *b, const char *pattern, const char *prefix,
    bank_list_fn fn, void *arg)
{
	struct bank_item	*items = NULL;
	struct bank_bucket	*bk;
	uint64_t		 g1, g2;
	uint32_t		 i, idx, next, n, cap = 0, got, total = 0;
	size_t			 plen = prefix != NULL ? strlen(prefix) : 0;
	unsigned		 retries = 0;
	enum bank_rd		 rd;
	enum bank_pass		 pass;
	int			 err = 0;

	for (i = 0; i < b->nbuckets; i++) {
		bk = &b->buckets[i];
		if (atomic_load_explicit(&bk->head, memory_order_acquire) == 0)
			continue;
		/* One consistent snapshot of this bucket's chain. */
		pass = BANK_PASS_FREE;
		retries = 0;
		for (;; pass = bank_nudge(b, bk, &retries, pass, &err)) {
			if (pass == BANK_PASS_OVER) {
				/* Written over: the other buckets still list. */
				if (err == 0)
					bank_corrupt(b, bk);
				got = 0;
				break;
			}
			g1 = atomic_load_explicit(&bk->gen,
			    memory_order_acquire);
			if (g1 & 1)
				continue;
			got = 0;
			rd = BANK_RD_OK;
			idx = atomic_load_explicit(&bk->head,
			    memory_order_acquire);
			for (n = 0; idx != 0 && idx <= b->nentries &&
			    n < b->nentries; n++) {
				if (got == cap) {
					cap = cap ? cap * 2 : 16;
					items = xreallocarray(items, cap,
					    sizeof *items);
				}
				rd = bank_read_entry(b, &b->entries[idx - 1],
				    NULL, 0, items[got].key, NULL,
				    &items[got].meta, &next);
				if (rd != BANK_RD_OK)
					break;
				got++;
				idx = next;
			}
			g2 = atomic_load_explicit(&bk->gen, READ);
			if (rd == BANK_RD_OK && g1 == g2) {
				if (pass == BANK_PASS_LOCKED)
					lock_release(&bk->lock);
				break;
			}
		}
		for (n = 0; n < got; n++) {
			if (prefix != NULL && strncmp(items[n].key, prefix,
			    plen) != 0)
				continue;
			if (pattern != NULL && fnmatch(pattern, items[n].key,
			    0) != 0)
				continue;
			if (fn != NULL)
				fn(items[n].key, &items[n].meta, arg);
			total++;
		}
	}
	free(items);
	return total;
}

void
bank_stats(struct bank *b, struct bank_stats *st)
{
	st->entries = atomic_load_explicit(&b->sh->entries_used, RELAXED);
	st->entries_max = b->nentries;
	st->value_bytes = atomic_load_explicit(&b->sh->value_bytes, RELAXED);
	st->arena_used = atomic_load_explicit(&b->sh->arena.used, RELAXED);
	st->arena_size = b->arena_size;
	st->arena_free = st->arena_size > st->arena_used ?
	    st->arena_size - st->arena_used : 0;
}

/* Subscriptions ------------------------------------------------------------ */

bool
bank_event_may_read(const void *payload, size_t len, const char *caller,
    bool can_read, bool can_share)
{
	msgpack_unpacked	 up;
	char			 owner[BANK_OWNER_MAX + 1], access[16];
	int			 acc = -1;

	if (caller == NULL)
		return true;
	msgpack_unpacked_init(&up);
	/* Whatever cannot be read as one of ours is held back. */
	if (payload != NULL && msgpack_unpack_next(&up, payload, len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS && body_str(&up.data, "owner", owner,
	    sizeof owner) == 0 && body_str(&up.data, "access", access,
	    sizeof access) == 0)
		acc = bank_access_parse(access);
	msgpack_unpacked_destroy(&up);
	return acc >= 0 && bank_may_read(caller, can_read, can_share, owner,
	    (enum bank_access)acc);
}

void
bank_subscribe(struct bank_sub *s, struct bank *b, const char *pattern)
{
	ring_sub_init(&s->rs, b->bus, RING_FROM_NOW, EV_DATA_SHARED);
	s->ev = xmalloc(sizeof *s->ev);
	snprintf(s->pattern, sizeof s->pattern, "%s", pattern != NULL ?
	    pattern : "*");
}

int
bank_sub_next(struct bank_sub *s, char *key, uint64_t *version,
    bool *deleted)
{
	struct ring_event	*ev = s->ev;
	msgpack_unpacked	 up;
	char			 op[16];
	int			 found = 0;

	while (!found && ring_read(&s->rs, ev) == 1) {
		msgpack_unpacked_init(&up);
		if (msgpack_unpack_next(&up, (const char *)ev->payload, ev->len,
		    NULL) == MSGPACK_UNPACK_SUCCESS &&
		    body_str(&up.data, "key", key, BANK_KEY_MAX + 1) == 0 &&
		    body_u64(&up.data, "version", version) == 0 &&
		    body_str(&up.data, "op", op, sizeof op) == 0 &&
		    fnmatch(s->pattern, key, 0) == 0) {
			*deleted = strcmp(op, "delete") == 0;
			found = 1;
		}
		msgpack_unpacked_destroy(&up);
	}
	return found;
}

void
bank_unsubscribe(struct bank_sub *s)
{
	free(s->ev);
	s->ev = NULL;
}
