/*
 * One POSIX shared-memory region per orch instance, holding the event bus
 * and the memory bank behind a header that every attacher validates.
 *
 * Names are unpredictable ("/orch-UID-INSTANCE-<16 hex digits>") and the
 * region is created with O_EXCL and mode 0600, so a name planted by
 * someone else is never opened as ours: creation fails, and a fresh name
 * is simply drawn. The creator passes the name to the processes that
 * attach. Attaching checks the owner and mode of the object, then every
 * header field against the mapped length, before any offset is followed.
 *
 * Layout: [header, 4 KiB][ring][bank], each part 4 KiB-aligned.
 */
#ifndef ORCH_SHM_REGION_H
#define ORCH_SHM_REGION_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/bank.h"
#include "shm/ring.h"

#define REGION_MAGIC		0x4843524fu	/* "ORCH" */
#define REGION_VERSION		1u
#define REGION_HEADER_SIZE	4096u
#define REGION_NAME_MAX		128

struct region_config {
	uint32_t	ring_slots;	/* power of two */
	uint32_t	slot_size;	/* bytes, multiple of 64 */
	uint64_t	abort_ns;	/* give up on a dead producer's slot */
	uint32_t	bank_entries;
	uint64_t	arena_size;	/* bytes for values */
	size_t		value_max;	/* largest value */
};

#define REGION_CONFIG_DEFAULT { RING_SLOTS_DEFAULT, RING_SLOT_SIZE_DEFAULT, \
	RING_ABORT_NS_DEFAULT, BANK_ENTRIES_DEFAULT, BANK_ARENA_DEFAULT, \
	BANK_VALUE_MAX_DEFAULT }

struct region_header {
	_Atomic uint32_t	magic;
	uint32_t		version;
	uint32_t		header_size;
	uint32_t		creator_uid;
	uint64_t		total_size;
	uint64_t		ring_off;
	uint64_t		ring_len;
	uint64_t		bank_off;
	uint64_t		bank_len;
	uint32_t		creator_pid;
	uint32_t		pad;
	uint64_t		creator_start;	/* clock ticks since boot */
	uint64_t		created_ns;	/* CLOCK_REALTIME */
	char			name[REGION_NAME_MAX];
};

struct region {
	char		 name[REGION_NAME_MAX];
	void		*base;
	size_t		 len;
	struct ring	 ring;
	struct bank	 bank;
};

/* Bytes a region with this configuration needs. */
size_t	region_size(const struct region_config *cfg);

/*
 * Create a region for instance under a fresh unpredictable name (in
 * r->name). 0, or -1 with *cause.
 */
int	region_create(struct region *r, const char *instance,
	    const struct region_config *cfg, char **cause);

/* Create under exactly this name (O_EXCL). 0, or -1 with *cause. */
int	region_create_named(struct region *r, const char *name,
	    const struct region_config *cfg, char **cause);

/* Attach to a region by name, validating everything. 0 or -1 with *cause. */
int	region_attach(struct region *r, const char *name, char **cause);

/*
 * Check a mapped region: magic, version, sizes against len, offsets,
 * owner uid; then the ring and bank headers. 0 or -1 with *cause.
 */
int	region_validate(void *base, size_t len, char **cause);

void	region_detach(struct region *r);

/* Remove the name (the memory goes when the last process unmaps it). */
int	region_unlink(const char *name, char **cause);

/*
 * A region left by a supervisor that died: remove it if it is ours and
 * its creator is gone. 0 removed (or already gone), -1 with *cause when it
 * is someone else's, its creator still runs, or it names no creator yet
 * and was touched less than REGION_YOUNG_S ago (being made).
 */
#define REGION_YOUNG_S	10
int	region_remove_stale(const char *name, char **cause);

#endif
