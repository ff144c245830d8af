#include "tests/unit/unit.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <unistd.h>

#include "shm/region.h"

/* Small, so tests are quick; the layout logic is the same. */
static const struct region_config small = { 256, 256, 0, 64, 1 << 16, 4096 };

static char	name[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(name, sizeof name, "/orch-test-region-%ld", (long)getpid());
	shm_unlink(name);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	shm_unlink(name);
	return 0;
}

static void
test_roundtrip(void **state)
{
	struct region		 a, b;
	struct ring_sub		 sub;
	struct bank_meta	 m;
	static struct ring_event ev;
	char			*cause = NULL;
	void			*v;

	(void)state;
	if (region_create_named(&a, name, &small, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(region_attach(&b, name, &cause), 0);
	ring_sub_init(&sub, &b.ring, RING_FROM_NOW, NULL);
	/* A write through one mapping is read and announced through the other. */
	assert_int_equal(bank_write(&a.bank, "k", "v", 1, "a", BANK_PUBLIC,
	    BANK_ANY, NULL), 0);
	assert_int_equal(bank_read(&b.bank, "k", &v, &m), 0);
	assert_string_equal(v, "v");
	free(v);
	assert_int_equal(ring_read(&sub, &ev), 1);
	assert_string_equal(ev.type, "data.shared");
	assert_string_equal(ev.source, "a");
	region_detach(&b);
	region_detach(&a);

	/* The default geometry is what the documentation says. */
	{
		const struct region_config	d = REGION_CONFIG_DEFAULT;

		assert_int_equal(d.ring_slots, 32768);
		assert_int_equal(d.slot_size, 512);
		assert_int_equal(d.bank_entries, 65536);
		assert_true(region_size(&d) > (64u << 20));
	}
	assert_int_equal(region_unlink(name, &cause), 0);
	assert_cause(region_attach(&b, name, &cause), cause);
}

static void
test_fresh_names(void **state)
{
	struct region	 a, b;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(region_create(&a, "inst", &small, &cause), 0);
	assert_int_equal(region_create(&b, "inst", &small, &cause), 0);
	assert_string_not_equal(a.name, b.name);
	assert_int_equal(strncmp(a.name, "/orch-", 6), 0);
	assert_non_null(strstr(a.name, "-inst-"));
	region_detach(&a);
	region_detach(&b);
	region_unlink(a.name, NULL);
	region_unlink(b.name, NULL);
}

static void
test_squatter(void **state)
{
	struct region	 r;
	char		*cause = NULL;
	int		 fd;

	(void)state;
	/* Someone planted the name, world-writable. */
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0666);
	assert_true(fd >= 0);
	fchmod(fd, 0666);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	assert_int_equal(region_create_named(&r, name, &small, &cause), -1);
	assert_non_null(strstr(cause, "File exists"));
	free(cause);
	cause = NULL;
	assert_int_equal(region_attach(&r, name, &cause), -1);
	assert_non_null(strstr(cause, "has mode 0666"));
	free(cause);
	cause = NULL;
	if (geteuid() == 0) {
		fchmod(fd, 0600);
		assert_int_equal(fchown(fd, 65534, 65534), 0);
		assert_int_equal(region_attach(&r, name, &cause), -1);
		assert_non_null(strstr(cause, "belongs to uid 65534"));
		free(cause);
		cause = NULL;
		assert_int_equal(region_remove_stale(name, &cause), -1);
		assert_non_null(strstr(cause, "not ours"));
		free(cause);
		cause = NULL;
	}
	close(fd);
}

/* Attach must fail with says after scribble changed the mapping. */
static void
expect_refused(void (*scribble)(struct region_header *), const char *says)
{
	struct region	 a, b;
	char		*cause = NULL;

	shm_unlink(name);
	assert_int_equal(region_create_named(&a, name, &small, &cause), 0);
	scribble(a.base);
	assert_int_equal(region_attach(&b, name, &cause), -1);
	if (cause == NULL || strstr(cause, says) == NULL)
		fail_msg("got \"%s\", want \"...%s...\"", cause, says);
	free(cause);
	region_detach(&a);
	shm_unlink(name);
}

static void bad_magic(struct region_header *h) { atomic_store(&h->magic, 1); }
static void bad_version(struct region_header *h) { h->version = 99; }
static void bad_total(struct region_header *h) { h->total_size += 4096; }
static void bad_offset(struct region_header *h) { h->bank_off = 1ull << 40; }
static void bad_uid(struct region_header *h) { h->creator_uid = 4242; }
static void
bad_ring(struct region_header *h)
{
	struct ring_shared	*rs = (void *)((char *)h + h->ring_off);

	rs->nslots = 1000;
}
static void
bad_ring_slot(struct region_header *h)
{
	struct ring_shared	*rs = (void *)((char *)h + h->ring_off);
	struct ring_slot	*s = (void *)((char *)rs + sizeof *rs);

	atomic_store(&s->seq, 2 * 12345 + 2);	/* beyond the tail */
}
static void
bad_bank(struct region_header *h)
{
	struct bank_shared	*bs = (void *)((char *)h + h->bank_off);

	bs->arena_size = 1ull << 50;
}

static void
test_scribbled(void **state)
{
	(void)state;
	expect_refused(bad_magic, "bad magic");
	expect_refused(bad_version, "layout version 99");
	expect_refused(bad_total, "sizes do not match");
	expect_refused(bad_offset, "out of bounds");
	expect_refused(bad_uid, "created by uid 4242");
	expect_refused(bad_ring, "ring: 1000 slots");
	expect_refused(bad_ring_slot, "beyond the tail");
	expect_refused(bad_bank, "bank:");
}

/* xorshift: the same bytes on every run, so a failure can be replayed. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Everything a process does with the region; results do not matter. */
static void
exercise(struct region *r, uint64_t *x, unsigned rounds)
{
	static struct ring_event ev;
	struct ring_sub		 sub;
	struct bank_meta	 m;
	char			 key[32], val[300];
	void			*v;
	unsigned		 i, j;

	ring_sub_init(&sub, &r->ring, 0, NULL);
	for (i = 0; i < rounds; i++) {
		snprintf(key, sizeof key, "k%u", (unsigned)(rnd(x) % 97));
		memset(val, 'a' + (int)(i % 26), sizeof val);
		bank_write(&r->bank, key, val, rnd(x) % sizeof val, "t",
		    BANK_PUBLIC, BANK_ANY, NULL);
		v = NULL;
		if (bank_read(&r->bank, key, &v, &m) == 0)
			assert_true(m.len <= sizeof val);
		free(v);
		if (rnd(x) % 4 == 0)
			bank_delete(&r->bank, key, BANK_ANY, NULL);
		if (rnd(x) % 16 == 0)
			bank_list(&r->bank, "k*", NULL, NULL, NULL);
		ring_publish(&r->ring, "t.x", "s", "", val, rnd(x) % 64);
		for (j = 0; j < 4 && ring_read(&sub, &ev) == 1; j++)
			assert_true(ev.len <= 64);
	}
}

/*
 * The region is shared with processes we do not trust: its header
 * overwritten, then random bytes written anywhere while this process
 * reads and writes, must never crash it or hang it (an alarm fails the
 * test), and what is read is still bounded.
 */
static void
test_scribble(void **state)
{
	struct region	 a;
	char		*cause = NULL;
	unsigned char	*p;
	uint64_t	 x = 0x9e3779b97f4a7c15ull, y;
	size_t		 i, off;
	pid_t		 pid;
	int		 status;

	(void)state;
	if (region_create_named(&a, name, &small, &cause) != 0)
		fail_msg("%s", cause);
	exercise(&a, &x, 200);
	alarm(120);
	/* The bank's and the ring's headers, whole, then the ops. */
	for (p = (unsigned char *)a.bank.sh, i = 0; i < 512; i++)
		p[i] = (unsigned char)rnd(&x);
	for (p = (unsigned char *)a.ring.sh, i = 0; i < 256; i++)
		p[i] = (unsigned char)rnd(&x);
	exercise(&a, &x, 500);
	/* Another process writes 8-byte words anywhere while we work. */
	if ((pid = fork()) == 0) {
		y = 0x243f6a8885a308d3ull;
		for (i = 0; i < 200000; i++) {
			off = (size_t)(rnd(&y) % (a.len / 8)) * 8;
			*(volatile uint64_t *)((char *)a.base + off) = rnd(&y);
		}
		_exit(0);
	}
	exercise(&a, &x, 3000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	exercise(&a, &x, 500);
	alarm(0);
	region_detach(&a);
}

static void
test_stale(void **state)
{
	struct region		 a;
	struct region_header	*h;
	char			*cause = NULL;
	pid_t			 pid;
	int			 status;

	(void)state;
	assert_int_equal(region_create_named(&a, name, &small, &cause), 0);
	/* Its creator (us) lives: not stale. */
	assert_int_equal(region_remove_stale(name, &cause), -1);
	assert_non_null(strstr(cause, "in use by pid"));
	free(cause);
	cause = NULL;
	/* Made by a process that is gone: removed. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	h = a.base;
	h->creator_pid = (uint32_t)pid;
	h->creator_start = 0;
	region_detach(&a);
	assert_int_equal(region_remove_stale(name, &cause), 0);
	assert_int_equal(shm_open(name, O_RDONLY, 0), -1);
	/* Nothing there: nothing to do. */
	assert_int_equal(region_remove_stale(name, &cause), 0);
}

/*
 * A region another supervisor is making (its header not written yet,
 * maybe not even its size set) is not stale: left alone while young,
 * removed once old (its maker died half-way).
 */
static void
test_stale_young(void **state)
{
	struct timespec	 old[2] = { { 1000000, 0 }, { 1000000, 0 } };
	char		*cause = NULL;
	off_t		 sizes[] = { 0, (off_t)sizeof(struct region_header) };
	size_t		 i;
	int		 fd;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		shm_unlink(name);
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, sizes[i]), 0);
		assert_int_equal(region_remove_stale(name, &cause), -1);
		assert_non_null(strstr(cause, "being made"));
		free(cause);
		cause = NULL;
		assert_int_equal(futimens(fd, old), 0);
		close(fd);
		assert_int_equal(region_remove_stale(name, &cause), 0);
		assert_int_equal(shm_open(name, O_RDONLY, 0), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scribble, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fresh_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_squatter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scribbled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_young, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
