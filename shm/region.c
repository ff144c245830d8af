#include "shm/region.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/xmalloc.h"

_Static_assert(sizeof(struct region_header) <= REGION_HEADER_SIZE,
    "region header fits its page");
_Static_assert(offsetof(struct region_header, name) == 80,
    "region header layout");

#define REGION_ALIGN	4096u

static size_t
region_align(size_t n)
{
	return (n + REGION_ALIGN - 1) & ~(size_t)(REGION_ALIGN - 1);
}

static size_t
region_ring_len(const struct region_config *cfg)
{
	return region_align(ring_size(cfg->ring_slots, cfg->slot_size));
}

static size_t
region_bank_len(const struct region_config *cfg)
{
	return region_align(bank_size(cfg->bank_entries, cfg->arena_size));
}

size_t
region_size(const struct region_config *cfg)
{
	return REGION_HEADER_SIZE + region_ring_len(cfg) +
	    region_bank_len(cfg);
}

/* The object behind fd must be ours and closed to everybody else. */
static int
region_check_fd(int fd, const char *name, struct stat *st, char **cause)
{
	if (fstat(fd, st) == -1)
		return set_cause(cause, "shm %s: %s", name, strerror(errno));
	if (st->st_uid != geteuid())
		return set_cause(cause, "shm %s belongs to uid %lu, not to us; "
		    "refusing it", name, (unsigned long)st->st_uid);
	if ((st->st_mode & 077) != 0)
		return set_cause(cause, "shm %s has mode %04o; refusing it",
		    name, (unsigned)(st->st_mode & 07777));
	return 0;
}

static int
region_map(struct region *r, int fd, size_t len, char **cause)
{
	void	*p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return set_cause(cause, "shm %s: mmap: %s", r->name,
		    strerror(errno));
	r->base = p;
	r->len = len;
	return 0;
}

int
region_validate(void *base, size_t len, char **cause)
{
	struct region_header	*h = base;
	struct ring		 ring;
	struct bank		 bank;

	if (len < REGION_HEADER_SIZE)
		return set_cause(cause, "region: %zu bytes cannot hold a "
		    "header", len);
	/* acquire: pairs with the release in region_create_named. */
	if (atomic_load_explicit(&h->magic, memory_order_acquire) !=
	    REGION_MAGIC)
		return set_cause(cause, "region: bad magic 0x%08x (not an orch "
		    "region, or not finished)", atomic_load(&h->magic));
	if (h->version != REGION_VERSION)
		return set_cause(cause, "region: layout version %u, this orch "
		    "reads %u", h->version, REGION_VERSION);
	if (h->header_size != REGION_HEADER_SIZE || h->total_size != len)
		return set_cause(cause, "region: sizes do not match (header %u, "
		    "total %llu, mapped %zu)", h->header_size,
		    (unsigned long long)h->total_size, len);
	if (h->ring_off != REGION_HEADER_SIZE || h->ring_len > len ||
	    h->ring_off + h->ring_len > len || h->bank_off < h->ring_off +
	    h->ring_len || h->bank_len > len || h->bank_off + h->bank_len >
	    len)
		return set_cause(cause, "region: parts out of bounds");
	if (h->creator_uid != geteuid())
		return set_cause(cause, "region: created by uid %u, not by us",
		    h->creator_uid);
	if (ring_open(&ring, (char *)base + h->ring_off, h->ring_len,
	    cause) != 0)
		return -1;
	if (bank_open(&bank, (char *)base + h->bank_off, h->bank_len,
	    cause) != 0)
		return -1;
	return 0;
}

static int
region_handles(struct region *r, char **cause)
{
	struct region_header	*h = r->base;

	if (region_validate(r->base, r->len, cause) != 0)
		return -1;
	if (ring_open(&r->ring, (char *)r->base + h->ring_off, h->ring_len,
	    cause) != 0 || bank_open(&r->bank, (char *)r->base + h->bank_off,
	    h->bank_len, cause) != 0)
		return -1;
	r->bank.bus = &r->ring;
	return 0;
}

int
region_create_named(struct region *r, const char *name,
    const struct region_config *cfg, char **cause)
{
	struct region_header	*h;
	struct timespec		 now;
	struct stat		 st;
	size_t			 len = region_size(cfg);
	int			 fd;

	memset(r, 0, sizeof *r);
	if (strlen(name) >= sizeof r->name || name[0] != '/' ||
	    strchr(name + 1, '/') != NULL)
		return set_cause(cause, "bad shm name '%s'", name);
	snprintf(r->name, sizeof r->name, "%s", name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return set_cause(cause, "shm %s: %s", name, strerror(errno));
	if (region_check_fd(fd, name, &st, cause) != 0 ||
	    ftruncate(fd, (off_t)len) == -1 ||
	    region_map(r, fd, len, cause) != 0) {
		if (cause != NULL && *cause == NULL)
			set_cause(cause, "shm %s: %s", name, strerror(errno));
		close(fd);
		shm_unlink(name);
		return -1;
	}
	close(fd);

	h = r->base;
	h->version = REGION_VERSION;
	h->header_size = REGION_HEADER_SIZE;
	h->creator_uid = (uint32_t)geteuid();
	h->total_size = len;
	h->ring_off = REGION_HEADER_SIZE;
	h->ring_len = region_ring_len(cfg);
	h->bank_off = h->ring_off + h->ring_len;
	h->bank_len = region_bank_len(cfg);
	h->creator_pid = (uint32_t)getpid();
	h->creator_start = proc_start_time(getpid());
	clock_gettime(CLOCK_REALTIME, &now);
	h->created_ns = (uint64_t)now.tv_sec * 1000000000u +
	    (uint64_t)now.tv_nsec;
	snprintf(h->name, sizeof h->name, "%s", name);
	if (ring_init((char *)r->base + h->ring_off, h->ring_len,
	    cfg->ring_slots, cfg->slot_size, cfg->abort_ns, cause) != 0 ||
	    bank_init((char *)r->base + h->bank_off, h->bank_len,
	    cfg->bank_entries, cfg->arena_size, cfg->value_max, cause) != 0)
		goto fail;
	/* release: pairs with the acquire in region_validate. */
	atomic_store_explicit(&h->magic, REGION_MAGIC, memory_order_release);
	if (region_handles(r, cause) != 0)
		goto fail;
	return 0;
fail:
	region_detach(r);
	shm_unlink(name);
	return -1;
}

int
region_create(struct region *r, const char *instance,
    const struct region_config *cfg, char **cause)
{
	unsigned char	rnd[8];
	char		name[REGION_NAME_MAX];
	int		tries, i, n;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
			return set_cause(cause, "getrandom: %s",
			    strerror(errno));
		n = snprintf(name, sizeof name, "/orch-%lu-%s-",
		    (unsigned long)geteuid(), instance);
		for (i = 0; i < 8 && n > 0 && (size_t)n + 2 < sizeof name; i++)
			n += snprintf(name + n, sizeof name - (size_t)n, "%02x",
			    rnd[i]);
		if (region_create_named(r, name, cfg, NULL) == 0)
			return 0;
		/* Taken (by anyone): draw another name; never open it. */
		if (errno != EEXIST)
			break;
	}
	return region_create_named(r, name, cfg, cause);
}

int
region_attach(struct region *r, const char *name, char **cause)
{
	struct stat	st;
	int		fd;

	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	if ((fd = shm_open(name, O_RDWR | O_CLOEXEC, 0)) == -1)
		return set_cause(cause, "shm %s: %s", name, strerror(errno));
	if (region_check_fd(fd, name, &st, cause) != 0 ||
	    (size_t)st.st_size < REGION_HEADER_SIZE ||
	    region_map(r, fd, (size_t)st.st_size, cause) != 0) {
		if (cause != NULL && *cause == NULL)
			set_cause(cause, "shm %s: too small to be a region",
			    name);
		close(fd);
		return -1;
	}
	close(fd);
	if (region_handles(r, cause) != 0) {
		region_detach(r);
		return -1;
	}
	return 0;
}

void
region_detach(struct region *r)
{
	if (r->base != NULL)
		munmap(r->base, r->len);
	r->base = NULL;
	r->len = 0;
}

int
region_unlink(const char *name, char **cause)
{
	if (shm_unlink(name) == -1 && errno != ENOENT)
		return set_cause(cause, "shm %s: %s", name, strerror(errno));
	return 0;
}

int
region_remove_stale(const char *name, char **cause)
{
	struct region_header	 h;
	struct timespec		 now;
	struct stat		 st;
	ssize_t			 n;
	int			 fd;

	if ((fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0)) == -1) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, "shm %s: %s", name, strerror(errno));
	}
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid()) {
		close(fd);
		return set_cause(cause, "shm %s is not ours; leaving it", name);
	}
	memset(&h, 0, sizeof h);
	n = pread(fd, &h, sizeof h, 0);
	close(fd);
	/*
	 * No creator written yet: another supervisor may be making it right
	 * now (between its shm_open and its header). Only an old one is a
	 * maker's that died half-way.
	 */
	if ((n != (ssize_t)sizeof h || h.creator_pid == 0) &&
	    clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec -
	    st.st_mtim.tv_sec < REGION_YOUNG_S)
		return set_cause(cause, "shm %s is being made (no creator in "
		    "it yet); leaving it", name);
	/* A live creator means a live supervisor: never pull it away. */
	if (n == (ssize_t)sizeof h && h.creator_pid != 0 &&
	    proc_alive((pid_t)h.creator_pid, h.creator_start))
		return set_cause(cause, "shm %s is in use by pid %u", name,
		    h.creator_pid);
	return region_unlink(name, cause);
}
