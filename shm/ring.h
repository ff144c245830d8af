/*
 * The event bus: a broadcast ring of fixed-size slots in shared memory.
 *
 * Any number of producer processes claim sequence numbers with one atomic
 * fetch-add and publish each slot with a release store of its sequence;
 * any number of subscribers read every event with a cursor of their own,
 * as seqlock readers: acquire the slot's sequence, copy, re-check. A
 * subscriber never returns torn data and never holds producers back: when
 * it falls more than a lap behind it is told exactly how many events it
 * missed and resumes near the head. A producer that dies between claim and
 * publish costs subscribers at most the abort delay (50 ms by default, or
 * less when its pid is seen to be dead): they skip the slot once later ones
 * are published, and count it as aborted.
 *
 * Sequence word of a slot: 0 never used; 2s+1 being written for sequence
 * s; 2s+2 sequence s published. Counters are free-running 64-bit values
 * and are only ever used masked, so a scribbled counter cannot lead a
 * reader out of bounds.
 *
 * Waiting subscribers spin a few microseconds, then sleep on a shared futex
 * over the publish counter; a publish makes a system call only when some
 * subscriber is asleep.
 */
#ifndef ORCH_SHM_RING_H
#define ORCH_SHM_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/shmcopy.h"

#define RING_MAGIC		0x474e4952u	/* "RING" */
#define RING_VERSION		1u
#define RING_TYPE_MAX		31		/* bytes of an event type */
#define RING_NAME_MAX		63		/* bytes of a source or target */
#define RING_SLOT_MIN		128u
#define RING_SLOT_MAX		65536u
#define RING_SLOTS_DEFAULT	32768u
#define RING_SLOT_SIZE_DEFAULT	512u
#define RING_ABORT_NS_DEFAULT	(50ull * 1000000)
/* A claim is never waited for longer, whatever the header says. */
#define RING_ABORT_NS_MAX	(10ull * 1000000000)

/* Shared header; slots follow it. Laid out for 64-byte cache lines. */
struct ring_shared {
	_Atomic uint32_t	magic;
	uint32_t		version;
	uint32_t		nslots;		/* a power of two */
	uint32_t		slot_size;	/* a multiple of 64 */
	uint64_t		abort_ns;
	_Atomic uint64_t	wakes;		/* futex_wake calls */
	_Atomic uint64_t	sleeps;		/* futex_wait calls */
	uint64_t		reserved[3];
	alignas(64) _Atomic uint64_t tail;	/* next sequence to claim */
	char			pad1[56];
	alignas(64) _Atomic uint32_t pub;	/* futex word: publishes */
	_Atomic uint32_t	sleepers;	/* subscribers in futex_wait */
	char			pad2[56];
};

struct ring_slot {
	_Atomic uint64_t	seq;
	_Atomic uint64_t	meta;		/* lengths, see ring.c */
	_Atomic uint64_t	ts_ns;
	_Atomic uint64_t	claimer;	/* pid << 32 | start time */
	shm_word		data[];		/* type, source, target, payload */
};

/* A process's handle on a ring. */
struct ring {
	struct ring_shared	*sh;
	unsigned char		*slots;
	uint64_t		 mask;
	uint32_t		 slot_size;
	uint32_t		 data_max;	/* bytes of data a slot holds */
	uint64_t		 abort_ns;	/* copied at open, like the rest */
	uint64_t		 me;		/* our claimer word */
	size_t			 page;		/* for ring_open's scan */
	unsigned char		*base_page;
};

struct ring_event {
	uint64_t	seq;
	uint64_t	ts_ns;		/* CLOCK_REALTIME at publish */
	uint64_t	missed;		/* lost + aborted just before this one */
	char		type[RING_TYPE_MAX + 1];
	char		source[RING_NAME_MAX + 1];
	char		target[RING_NAME_MAX + 1];
	uint32_t	len;
	unsigned char	payload[RING_SLOT_MAX];
};

struct ring_sub {
	struct ring	*r;
	uint64_t	 cursor;	/* next sequence to read */
	uint64_t	 received;
	uint64_t	 lost;		/* overwritten before we read them */
	uint64_t	 aborted;	/* claimed, never published */
	uint64_t	 filtered;	/* not matching the pattern */
	uint64_t	 missed;	/* not yet reported in an event */
	uint64_t	 stall_seq;	/* slot we are waiting on ... */
	uint64_t	 stall_since;	/* ... since (monotonic ns), or 0 */
	char		 pattern[RING_TYPE_MAX + 1];
};

enum ring_error {
	RING_E2BIG = 1,		/* payload does not fit a slot */
	RING_EINVAL,		/* type, source or target too long or empty */
	RING_ELAPPED,		/* the claim was overtaken: event dropped */
};

/* Bytes a ring of nslots slots of slot_size bytes needs. */
size_t	ring_size(uint32_t nslots, uint32_t slot_size);

/*
 * Lay out a new ring in mem (len bytes, zeroed: a fresh mapping, whose
 * slots stay untouched until used). 0, or -1 with *cause.
 */
int	ring_init(void *mem, size_t len, uint32_t nslots, uint32_t slot_size,
	    uint64_t abort_ns, char **cause);

/*
 * Attach to a ring laid out in mem: every header field is checked against
 * len, and every slot's sequence against the tail. 0, or -1 with *cause.
 */
int	ring_open(struct ring *r, void *mem, size_t len, char **cause);

/* Largest payload an event with these names can carry. */
size_t	ring_payload_max(const struct ring *r, size_t type_len,
	    size_t source_len, size_t target_len);

/*
 * Publish one event (source and target may be NULL or ""). 0, or a
 * negative ring_error.
 */
int	ring_publish(struct ring *r, const char *type, const char *source,
	    const char *target, const void *payload, size_t len);

/* The next sequence producers will claim. */
uint64_t ring_tail(const struct ring *r);

#define RING_FROM_NOW	UINT64_MAX

/*
 * Start reading at sequence from (RING_FROM_NOW: only new events; 0: the
 * oldest still held). pattern (fnmatch on the type) may be NULL.
 */
void	ring_sub_init(struct ring_sub *s, struct ring *r, uint64_t from,
	    const char *pattern);

/* 1 and an event, or 0 when none is ready. Never blocks. */
int	ring_read(struct ring_sub *s, struct ring_event *ev);

/*
 * Wait until ring_read has something to do, at most timeout_ns (0: no
 * limit): spin for spin_ns first, then sleep. 1 ready, 0 timed out.
 */
int	ring_wait(struct ring_sub *s, uint64_t spin_ns, uint64_t timeout_ns);

/*
 * Test-only fault hook, called with the claimed sequence between marking
 * the slot and writing it, when set; a test makes it kill the process.
 */
extern void (*ring_fault_hook)(uint64_t seq);

#endif
