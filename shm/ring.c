#include "shm/ring.h"

#include <sys/mman.h>

#include <fnmatch.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/compat.h"
#include "common/proc.h"
#include "common/xmalloc.h"
#include "shm/futex.h"

_Static_assert(sizeof(struct ring_shared) == 192, "ring header layout");
_Static_assert(offsetof(struct ring_shared, tail) == 64, "tail line");
_Static_assert(offsetof(struct ring_shared, pub) == 128, "futex line");
_Static_assert(sizeof(struct ring_slot) == 32, "slot header layout");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics lock-free");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics lock-free");

/*
 * meta word: type length (8 bits), source length (8), target length (8),
 * then the payload length (32) from bit 32. The data words hold the type,
 * source, target and payload bytes back to back.
 */
#define META(t, s, d, p)	((uint64_t)(t) | (uint64_t)(s) << 8 | \
				 (uint64_t)(d) << 16 | (uint64_t)(p) << 32)
#define META_TYPE(m)		((size_t)((m) & 0xff))
#define META_SRC(m)		((size_t)(((m) >> 8) & 0xff))
#define META_DST(m)		((size_t)(((m) >> 16) & 0xff))
#define META_LEN(m)		((size_t)((m) >> 32))

/* After this long stalled on one slot, check whether its claimer lives. */
#define RING_LIVENESS_NS	(1ull * 1000000)
/* A lapped reader resumes this far behind the head (1/8 of a lap). */
#define RING_RESUME_SHIFT	3

void	(*ring_fault_hook)(uint64_t seq);

static uint64_t
ring_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct ring_slot *
ring_slot(const struct ring *r, uint64_t seq)
{
	return (struct ring_slot *)(r->slots + (seq & r->mask) * r->slot_size);
}

size_t
ring_size(uint32_t nslots, uint32_t slot_size)
{
	return sizeof(struct ring_shared) + (size_t)nslots * slot_size;
}

static int
ring_check_geometry(uint32_t nslots, uint32_t slot_size, size_t len,
    char **cause)
{
	if (nslots < 2 || (nslots & (nslots - 1)) != 0 || nslots > (1u << 24))
		return set_cause(cause, "ring: %u slots is not a power of two "
		    "from 2 to 16M", nslots);
	if (slot_size < RING_SLOT_MIN || slot_size > RING_SLOT_MAX ||
	    slot_size % 64 != 0)
		return set_cause(cause, "ring: slot size %u is not a multiple "
		    "of 64 from %u to %u", slot_size, RING_SLOT_MIN,
		    RING_SLOT_MAX);
	if (ring_size(nslots, slot_size) > len)
		return set_cause(cause, "ring: %u slots of %u bytes need %zu "
		    "bytes, the region has %zu", nslots, slot_size,
		    ring_size(nslots, slot_size), len);
	return 0;
}

int
ring_init(void *mem, size_t len, uint32_t nslots, uint32_t slot_size,
    uint64_t abort_ns, char **cause)
{
	struct ring_shared	*sh = mem;

	if (ring_check_geometry(nslots, slot_size, len, cause) != 0)
		return -1;
	/* The slots are zero already (a fresh mapping): touch only the header. */
	memset(sh, 0, sizeof *sh);
	sh->nslots = nslots;
	sh->slot_size = slot_size;
	sh->abort_ns = abort_ns ? abort_ns : RING_ABORT_NS_DEFAULT;
	sh->version = RING_VERSION;
	/* release: pairs with the acquire in ring_open. */
	atomic_store_explicit(&sh->magic, RING_MAGIC, memory_order_release);
	return 0;
}

/* Which pages of the slots are resident (mincore), or NULL if unknown. */
static unsigned char *
ring_resident(struct ring *r)
{
	unsigned char	*vec;
	size_t		 len;

	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->base_page = (unsigned char *)((uintptr_t)r->slots &
	    ~(uintptr_t)(r->page - 1));
	len = (size_t)(r->slots - r->base_page) + (size_t)(r->mask + 1) *
	    r->slot_size;
	vec = xmalloc((len + r->page - 1) / r->page);
	if (compat_resident(r->base_page, len, vec) != 0) {
		free(vec);
		return NULL;
	}
	return vec;
}

int
ring_open(struct ring *r, void *mem, size_t len, char **cause)
{
	struct ring_shared	*sh = mem;
	struct ring_slot	*slot;
	unsigned char		*resident;
	uint64_t		 tail, seq, i, max = 0, at = 0, nslots, abort_ns;
	uint32_t		 slot_size;

	if (len < sizeof *sh)
		return set_cause(cause, "ring: %zu bytes cannot hold a header",
		    len);
	/* acquire: pairs with the release in ring_init. */
	if (atomic_load_explicit(&sh->magic, memory_order_acquire) != RING_MAGIC)
		return set_cause(cause, "ring: bad magic 0x%08x",
		    atomic_load(&sh->magic));
	if (sh->version != RING_VERSION)
		return set_cause(cause, "ring: layout version %u, expected %u",
		    sh->version, RING_VERSION);
	/* Read once (others may write the header): what is checked is used. */
	nslots = sh->nslots;
	slot_size = sh->slot_size;
	abort_ns = sh->abort_ns;
	if (ring_check_geometry(nslots, slot_size, len, cause) != 0)
		return -1;
	memset(r, 0, sizeof *r);
	r->sh = sh;
	r->slots = (unsigned char *)mem + sizeof *sh;
	r->mask = nslots - 1;
	r->slot_size = slot_size;
	r->data_max = slot_size - (uint32_t)sizeof(struct ring_slot);
	r->abort_ns = abort_ns > 0 && abort_ns <= RING_ABORT_NS_MAX ? abort_ns :
	    RING_ABORT_NS_DEFAULT;
	r->me = (uint64_t)getpid() << 32 |
	    (proc_start_time(getpid()) & 0xffffffffu);

	/*
	 * No slot may claim a sequence the tail has not handed out. Pages of
	 * the region that were never written hold zeros: they are skipped
	 * rather than read, which would make them resident in every process
	 * that attaches.
	 */
	resident = ring_resident(r);
	for (i = 0; i < nslots; i++) {
		if (resident != NULL && !resident[(i * r->slot_size +
		    (size_t)(r->slots - r->base_page)) / r->page])
			continue;
		slot = ring_slot(r, i);
		/* acquire: the tail read below is newer than this claim. */
		seq = atomic_load_explicit(&slot->seq, memory_order_acquire);
		if (seq != 0 && (seq - 1) / 2 >= max) {
			max = (seq - 1) / 2 + 1;
			at = i;
		}
	}
	/*
	 * Producers raise the tail before they mark a slot, so a tail read
	 * after the scan covers every sequence a live region holds: only a
	 * scribbled slot can be beyond it.
	 */
	tail = atomic_load_explicit(&sh->tail, memory_order_acquire);
	if (max > tail) {
		free(resident);
		return set_cause(cause, "ring: slot %llu holds sequence %llu "
		    "beyond the tail %llu", (unsigned long long)at,
		    (unsigned long long)(max - 1), (unsigned long long)tail);
	}
	free(resident);
	return 0;
}

size_t
ring_payload_max(const struct ring *r, size_t type_len, size_t source_len,
    size_t target_len)
{
	size_t	names = type_len + source_len + target_len;

	return names >= r->data_max ? 0 : r->data_max - names;
}

uint64_t
ring_tail(const struct ring *r)
{
	return atomic_load_explicit(&r->sh->tail, memory_order_acquire);
}

static inline void
ring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * The claimer word names a process by pid and the low bits of its start
 * time, so a recycled pid is not taken for the producer that died.
 */
static bool
ring_claimer_alive(uint64_t claimer)
{
	pid_t		pid = (pid_t)(claimer >> 32);
	uint64_t	start = claimer & 0xffffffffu;

	if (!proc_alive(pid, 0))
		return false;
	return start == 0 || (proc_start_time(pid) & 0xffffffffu) == start;
}

enum ring_wait_writer {
	RING_WAIT_AGAIN,
	RING_WAIT_TAKE_OVER,
	RING_WAIT_GIVE_UP,
};

/* A writer of an earlier lap holds the slot: what now? */
static enum ring_wait_writer
ring_writer_wait(const struct ring *r, struct ring_slot *slot,
    uint64_t *since)
{
	uint64_t	now = ring_mono_ns();

	if (*since == 0) {
		*since = now;
		return RING_WAIT_AGAIN;
	}
	if (now - *since < RING_LIVENESS_NS)
		return RING_WAIT_AGAIN;
	if (!ring_claimer_alive(atomic_load_explicit(&slot->claimer,
	    memory_order_relaxed)))
		return RING_WAIT_TAKE_OVER;
	if (now - *since >= r->abort_ns)
		return RING_WAIT_GIVE_UP;
	return RING_WAIT_AGAIN;
}

int
ring_publish(struct ring *r, const char *type, const char *source,
    const char *target, const void *payload, size_t len)
{
	struct ring_slot	*slot;
	unsigned char		 buf[RING_SLOT_MAX];
	size_t			 tl, sl, dl, n;
	uint64_t		 s, v, ts, since = 0;
	struct timespec		 now;

	tl = strlen(type);
	sl = source != NULL ? strlen(source) : 0;
	dl = target != NULL ? strlen(target) : 0;
	if (tl == 0 || tl > RING_TYPE_MAX || sl > RING_NAME_MAX ||
	    dl > RING_NAME_MAX)
		return -RING_EINVAL;
	if (len > ring_payload_max(r, tl, sl, dl))
		return -RING_E2BIG;
	n = tl + sl + dl + len;
	memcpy(buf, type, tl);
	if (sl > 0)
		memcpy(buf + tl, source, sl);
	if (dl > 0)
		memcpy(buf + tl + sl, target, dl);
	if (len > 0)
		memcpy(buf + tl + sl + dl, payload, len);
	clock_gettime(CLOCK_REALTIME, &now);
	ts = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;

	/* Claim. The slot's own sequence word orders everything after. */
	s = atomic_fetch_add_explicit(&r->sh->tail, 1, memory_order_relaxed);
	slot = ring_slot(r, s);

	/*
	 * Mark the slot as being written for s. If a producer of a later lap
	 * got there first (we were descheduled for a whole lap), our event is
	 * dropped and readers count its sequence as missed. If a producer of
	 * an earlier lap is still writing it, wait: two writers in one slot
	 * would tear it behind the readers' backs. A writer that died is
	 * overtaken; one stuck longer than the abort delay costs us this
	 * event, never the slot's integrity.
	 */
	v = atomic_load_explicit(&slot->seq, memory_order_relaxed);
	for (;;) {
		if (v >= 2 * s + 1)
			return -RING_ELAPPED;
		if ((v & 1) != 0) {
			switch (ring_writer_wait(r, slot, &since)) {
			case RING_WAIT_AGAIN:
				ring_cpu_relax();
				v = atomic_load_explicit(&slot->seq,
				    memory_order_relaxed);
				continue;
			case RING_WAIT_GIVE_UP:
				return -RING_ELAPPED;
			case RING_WAIT_TAKE_OVER:
				break;
			}
		}
		/*
		 * acquire: no data store below may move above the odd mark
		 * (the writer side of the seqlock). release: our claim of the
		 * tail is visible to whoever sees the mark (ring_open's scan).
		 */
		if (atomic_compare_exchange_weak_explicit(&slot->seq, &v,
		    2 * s + 1, memory_order_acq_rel, memory_order_relaxed))
			break;
	}
	atomic_store_explicit(&slot->claimer, r->me, memory_order_relaxed);
	if (ring_fault_hook != NULL)
		ring_fault_hook(s);

	atomic_store_explicit(&slot->meta, META(tl, sl, dl, len),
	    memory_order_relaxed);
	atomic_store_explicit(&slot->ts_ns, ts, memory_order_relaxed);
	shmcopy_in(slot->data, buf, n);

	/* release: pairs with the acquire load in ring_read_slot. */
	v = 2 * s + 1;
	if (!atomic_compare_exchange_strong_explicit(&slot->seq, &v, 2 * s + 2,
	    memory_order_release, memory_order_relaxed))
		return -RING_ELAPPED;

	/*
	 * seq_cst on both sides (here and in ring_wait): either we see the
	 * sleeper, or it sees the new counter and does not sleep.
	 */
	atomic_fetch_add_explicit(&r->sh->pub, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&r->sh->sleepers, memory_order_seq_cst) > 0) {
		atomic_fetch_add_explicit(&r->sh->wakes, 1, memory_order_relaxed);
		futex_wake(&r->sh->pub, -1);
	}
	return 0;
}

void
ring_sub_init(struct ring_sub *s, struct ring *r, uint64_t from,
    const char *pattern)
{
	uint64_t	tail = ring_tail(r), oldest;

	memset(s, 0, sizeof *s);
	s->r = r;
	oldest = tail > r->mask ? tail - r->mask : 0;
	if (from == RING_FROM_NOW)
		s->cursor = tail;
	else
		s->cursor = from < oldest ? oldest : from > tail ? tail : from;
	if (pattern != NULL)
		snprintf(s->pattern, sizeof s->pattern, "%s", pattern);
}

/* Skip n sequences the reader will never see. */
static void
ring_skip(struct ring_sub *s, uint64_t n, bool aborted)
{
	s->cursor += n;
	s->missed += n;
	if (aborted)
		s->aborted += n;
	else
		s->lost += n;
	s->stall_since = 0;
}

/* Lapped: resume a little behind the head and say how much was lost. */
static void
ring_resync(struct ring_sub *s)
{
	uint64_t	tail = ring_tail(s->r), lap = s->r->mask + 1, to;

	to = tail > lap ? tail - lap + (lap >> RING_RESUME_SHIFT) : 0;
	if (to <= s->cursor)
		to = s->cursor + 1;
	ring_skip(s, to - s->cursor, false);
}

enum ring_state {
	RING_READY,	/* the slot holds our sequence, published */
	RING_LAPPED,	/* it holds a later one */
	RING_EMPTY,	/* nothing claimed at the cursor yet */
	RING_STALLED,	/* claimed, not published, not yet given up on */
	RING_ABORT,	/* claimed, not published, given up on */
};

static bool
ring_later_published(const struct ring_sub *s, uint64_t tail)
{
	uint64_t	q, v;

	for (q = s->cursor + 1; q < tail && q < s->cursor + 64; q++) {
		v = atomic_load_explicit(&ring_slot(s->r, q)->seq,
		    memory_order_acquire);
		if (v >= 2 * q + 2)
			return true;
	}
	return false;
}

static enum ring_state
ring_probe(struct ring_sub *s)
{
	struct ring_slot	*slot = ring_slot(s->r, s->cursor);
	uint64_t		 v, tail, now, claimer;

	/* acquire: pairs with the release CAS in ring_publish. */
	v = atomic_load_explicit(&slot->seq, memory_order_acquire);
	if (v == 2 * s->cursor + 2)
		return RING_READY;
	if (v > 2 * s->cursor + 2)
		return RING_LAPPED;
	tail = ring_tail(s->r);
	if (tail <= s->cursor)
		return RING_EMPTY;
	if (tail - s->cursor > s->r->mask + 1)
		return RING_LAPPED;

	/* Claimed and not published: its producer is slow, or dead. */
	now = ring_mono_ns();
	if (s->stall_since == 0 || s->stall_seq != s->cursor) {
		s->stall_seq = s->cursor;
		s->stall_since = now;
		return RING_STALLED;
	}
	if (!ring_later_published(s, tail))
		return RING_STALLED;
	if (now - s->stall_since >= s->r->abort_ns)
		return RING_ABORT;
	if (v == 2 * s->cursor + 1 && now - s->stall_since >= RING_LIVENESS_NS) {
		claimer = atomic_load_explicit(&slot->claimer,
		    memory_order_relaxed);
		if (!ring_claimer_alive(claimer))
			return RING_ABORT;
	}
	return RING_STALLED;
}

/* Copy the slot at the cursor; false if it changed under us. */
static bool
ring_copy(struct ring_sub *s, struct ring_event *ev, uint64_t *v1)
{
	struct ring_slot	*slot = ring_slot(s->r, s->cursor);
	unsigned char		 buf[RING_SLOT_MAX];
	uint64_t		 meta, v2;
	size_t			 tl, sl, dl, len;

	*v1 = 2 * s->cursor + 2;
	/* acquire loads: the re-check below stays after them (seqlock). */
	meta = atomic_load_explicit(&slot->meta, memory_order_acquire);
	ev->ts_ns = atomic_load_explicit(&slot->ts_ns, memory_order_acquire);
	tl = META_TYPE(meta);
	sl = META_SRC(meta);
	dl = META_DST(meta);
	len = META_LEN(meta);
	/* Lengths come from shared memory: never trust them for a copy. */
	if (tl == 0 || tl > RING_TYPE_MAX || sl > RING_NAME_MAX ||
	    dl > RING_NAME_MAX || len > s->r->data_max ||
	    tl + sl + dl + len > s->r->data_max)
		return false;
	shmcopy_out(buf, slot->data, tl + sl + dl + len);
	v2 = atomic_load_explicit(&slot->seq, memory_order_relaxed);
	if (v2 != *v1)
		return false;
	memcpy(ev->type, buf, tl);
	ev->type[tl] = '\0';
	memcpy(ev->source, buf + tl, sl);
	ev->source[sl] = '\0';
	memcpy(ev->target, buf + tl + sl, dl);
	ev->target[dl] = '\0';
	memcpy(ev->payload, buf + tl + sl + dl, len);
	ev->len = (uint32_t)len;
	ev->seq = s->cursor;
	return true;
}

int
ring_read(struct ring_sub *s, struct ring_event *ev)
{
	uint64_t	v1;

	for (;;) {
		switch (ring_probe(s)) {
		case RING_EMPTY:
		case RING_STALLED:
			return 0;
		case RING_LAPPED:
			ring_resync(s);
			continue;
		case RING_ABORT:
			ring_skip(s, 1, true);
			continue;
		case RING_READY:
			break;
		}
		if (!ring_copy(s, ev, &v1)) {
			/* Overwritten while we copied (or scribbled): lapped. */
			ring_resync(s);
			continue;
		}
		s->cursor++;
		s->stall_since = 0;
		if (s->pattern[0] != '\0' &&
		    fnmatch(s->pattern, ev->type, 0) != 0) {
			s->filtered++;
			continue;
		}
		ev->missed = s->missed;
		s->missed = 0;
		s->received++;
		return 1;
	}
}

static bool
ring_ready(struct ring_sub *s)
{
	enum ring_state	st = ring_probe(s);

	return st == RING_READY || st == RING_LAPPED || st == RING_ABORT;
}

int
ring_wait(struct ring_sub *s, uint64_t spin_ns, uint64_t timeout_ns)
{
	struct ring_shared	*sh = s->r->sh;
	struct ring_slot	*slot;
	uint64_t		 start = ring_mono_ns(), now, left, nap;
	uint32_t		 w;
	unsigned		 i;

	/*
	 * Spin: a hand-off between cores costs tens of ns, a wake ~20 us.
	 * Between full checks, watch only the slot's sequence word: polling
	 * the tail too would pull the producers' claim counter back and forth
	 * between cores on every claim.
	 */
	slot = ring_slot(s->r, s->cursor);
	for (now = start; now - start < spin_ns; now = ring_mono_ns()) {
		if (ring_ready(s))
			return 1;
		for (i = 0; i < 64; i++) {
			if (atomic_load_explicit(&slot->seq,
			    memory_order_relaxed) >= 2 * s->cursor + 2)
				return 1;
			ring_cpu_relax();
		}
	}
	for (;;) {
		w = atomic_load_explicit(&sh->pub, memory_order_seq_cst);
		atomic_fetch_add_explicit(&sh->sleepers, 1,
		    memory_order_seq_cst);
		if (ring_ready(s)) {
			atomic_fetch_sub_explicit(&sh->sleepers, 1,
			    memory_order_seq_cst);
			return 1;
		}
		now = ring_mono_ns();
		left = timeout_ns == 0 ? 0 : now - start >= timeout_ns ? 1 :
		    timeout_ns - (now - start);
		/*
		 * Stalled on a claim: wake up to see whether its producer
		 * still lives (a publish wakes us sooner anyway).
		 */
		nap = left;
		if (s->stall_since != 0 && (nap == 0 || nap > RING_LIVENESS_NS))
			nap = RING_LIVENESS_NS;
		atomic_fetch_add_explicit(&sh->sleeps, 1, memory_order_relaxed);
		futex_wait(&sh->pub, w, nap);
		atomic_fetch_sub_explicit(&sh->sleepers, 1,
		    memory_order_seq_cst);
		if (ring_ready(s))
			return 1;
		if (timeout_ns != 0 && ring_mono_ns() - start >= timeout_ns)
			return 0;
	}
}
