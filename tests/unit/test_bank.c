#include "tests/unit/unit.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <pthread.h>
#include <unistd.h>

#include "shm/bank.h"
#include "shm/ring.h"

static void *
shared_mem(size_t len)
{
	void	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

struct fixture {
	void		*mem;
	size_t		 len;
	struct bank	 b;
	void		*ring_mem;
	size_t		 ring_len;
	struct ring	 ring;
};

static struct fixture *
make_bank(uint32_t entries, uint64_t arena, size_t value_max)
{
	struct fixture	*f = calloc(1, sizeof *f);
	char		*cause = NULL;

	f->len = bank_size(entries, arena);
	f->mem = shared_mem(f->len);
	if (bank_init(f->mem, f->len, entries, arena, value_max, &cause) != 0 ||
	    bank_open(&f->b, f->mem, f->len, &cause) != 0)
		fail_msg("%s", cause);
	f->ring_len = ring_size(1024, 512);
	f->ring_mem = shared_mem(f->ring_len);
	if (ring_init(f->ring_mem, f->ring_len, 1024, 512, 0, &cause) != 0 ||
	    ring_open(&f->ring, f->ring_mem, f->ring_len, &cause) != 0)
		fail_msg("%s", cause);
	f->b.bus = &f->ring;
	return f;
}

static void
free_bank(struct fixture *f)
{
	munmap(f->mem, f->len);
	munmap(f->ring_mem, f->ring_len);
	free(f);
}

static void
expect_open_fails(struct fixture *f, size_t len, const char *says)
{
	struct bank	 b;
	char		*cause = NULL;

	assert_int_equal(bank_open(&b, f->mem, len, &cause), -1);
	if (cause == NULL || strstr(cause, says) == NULL)
		fail_msg("got \"%s\", want \"...%s...\"", cause, says);
	free(cause);
}

static void
test_validation(void **state)
{
	struct fixture		*f = make_bank(64, 1 << 16, 4096);
	struct bank_shared	*sh = f->mem;
	char			*cause = NULL;

	(void)state;
	assert_cause(bank_init(f->mem, f->len, 0, 1 << 16, 4096, &cause),
	    cause);
	assert_cause(bank_init(f->mem, f->len - 1, 64, 1 << 16, 4096, &cause),
	    cause);
	assert_cause(bank_init(f->mem, f->len, 64, 1 << 16, 8u << 20, &cause),
	    cause);
	expect_open_fails(f, 100, "cannot hold a header");
	expect_open_fails(f, f->len - 64, "need");
	sh->magic++;
	expect_open_fails(f, f->len, "bad magic");
	sh->magic--;
	sh->version = 7;
	expect_open_fails(f, f->len, "layout version 7");
	sh->version = BANK_VERSION;
	sh->nentries = 1u << 30;
	expect_open_fails(f, f->len, "entries");
	sh->nentries = 64;
	atomic_store(&sh->arena.bump, (uint64_t)1 << 40);
	expect_open_fails(f, f->len, "inconsistent header");
	atomic_store(&sh->arena.bump, 0);
	atomic_store(&sh->free_entry, 1000);
	expect_open_fails(f, f->len, "inconsistent header");
	atomic_store(&sh->free_entry, 1);
	free_bank(f);
}

static void
test_operations(void **state)
{
	struct fixture		*f = make_bank(64, 1 << 20, 8192);
	struct bank		*b = &f->b;
	struct bank_meta	 m;
	struct bank_stats	 st;
	uint64_t		 v;
	void			*val;
	char			 key[300];

	(void)state;
	assert_int_equal(bank_read(b, "a", &val, &m), -BANK_ENOENT);
	assert_int_equal(bank_write(b, "a", "one", 3, "alice", BANK_SHARED,
	    BANK_ANY, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(bank_read(b, "a", &val, &m), 0);
	assert_string_equal(val, "one");
	free(val);
	assert_string_equal(m.owner, "alice");
	assert_int_equal(m.access, BANK_SHARED);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.len, 3);
	assert_true(m.created_ns > 0 && m.created_ns == m.modified_ns);

	/* Replace by someone else: owner and access stay. */
	assert_int_equal(bank_write(b, "a", "two!", 4, "bob", BANK_PUBLIC,
	    BANK_ANY, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(bank_read(b, "a", &val, &m), 0);
	assert_string_equal(val, "two!");
	free(val);
	assert_string_equal(m.owner, "alice");
	assert_int_equal(m.access, BANK_SHARED);
	assert_true(m.modified_ns >= m.created_ns);
	/* The owner may change the access. */
	assert_int_equal(bank_write(b, "a", "3", 1, "alice", BANK_PRIVATE,
	    BANK_ANY, &v), 0);
	assert_int_equal(bank_read(b, "a", NULL, &m), 0);
	assert_int_equal(m.access, BANK_PRIVATE);

	/* Compare-and-set. */
	assert_int_equal(bank_write(b, "a", "x", 1, "alice", BANK_PRIVATE, 2,
	    NULL), -BANK_ECONFLICT);
	assert_int_equal(bank_write(b, "a", "x", 1, "alice", BANK_PRIVATE, 3,
	    &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(bank_write(b, "a", "x", 1, "alice", BANK_PRIVATE,
	    BANK_ABSENT, NULL), -BANK_ECONFLICT);
	assert_int_equal(bank_write(b, "new", "x", 1, "alice", BANK_PRIVATE,
	    BANK_ABSENT, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(bank_write(b, "nokey", "x", 1, "alice", BANK_PRIVATE,
	    5, NULL), -BANK_ENOENT);

	/* Delete. */
	assert_int_equal(bank_delete(b, "a", 3, NULL), -BANK_ECONFLICT);
	assert_int_equal(bank_delete(b, "a", 4, NULL), 0);
	assert_int_equal(bank_delete(b, "a", BANK_ANY, NULL), -BANK_ENOENT);
	assert_int_equal(bank_read(b, "a", NULL, &m), -BANK_ENOENT);

	/* Bad input. */
	memset(key, 'k', 256);
	key[256] = '\0';
	assert_int_equal(bank_write(b, key, "x", 1, "o", BANK_PUBLIC, BANK_ANY,
	    NULL), -BANK_EKEY);
	key[255] = '\0';
	assert_int_equal(bank_write(b, key, "x", 1, "o", BANK_PUBLIC, BANK_ANY,
	    NULL), 0);
	assert_int_equal(bank_read(b, key, NULL, &m), 0);
	assert_int_equal(bank_write(b, "", "x", 1, "o", BANK_PUBLIC, BANK_ANY,
	    NULL), -BANK_EKEY);
	assert_int_equal(bank_write(b, "big", key, 8193, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), -BANK_E2BIG);
	assert_int_equal(bank_write(b, "k", "x", 1, NULL, BANK_PUBLIC,
	    BANK_ANY, NULL), -BANK_EINVAL);
	assert_int_equal(bank_write(b, "k", "x", 1, "o", 7, BANK_ANY, NULL),
	    -BANK_EINVAL);
	assert_string_equal(bank_strerror(-BANK_EFULL),
	    "memory bank full (no free entry)");

	bank_stats(b, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.value_bytes, 2);
	assert_true(st.arena_used >= 128);
	assert_int_equal(st.arena_free + st.arena_used, st.arena_size);
	free_bank(f);
}

static void
test_compression(void **state)
{
	struct fixture		*f = make_bank(64, 4 << 20, 1 << 20);
	struct bank_meta	 m;
	unsigned char		*v = calloc(1, (1 << 20) + 1), *r;
	size_t			 i;
	uint32_t		 x = 1;

	(void)state;
	for (i = 0; i < 100000; i++)
		v[i] = (unsigned char)("orch "[i % 5]);
	assert_int_equal(bank_write(&f->b, "text", v, 100000, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), 0);
	assert_int_equal(bank_read(&f->b, "text", (void **)&r, &m), 0);
	assert_int_equal(m.len, 100000);
	assert_true(m.stored < 10000);
	assert_memory_equal(r, v, 100000);
	free(r);
	/* Incompressible: stored as is. */
	for (i = 0; i < 8192; i++) {
		x = x * 1103515245 + 12345;
		v[i] = (unsigned char)(x >> 16);
	}
	assert_int_equal(bank_write(&f->b, "noise", v, 8192, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), 0);
	assert_int_equal(bank_read(&f->b, "noise", (void **)&r, &m), 0);
	assert_int_equal(m.stored, 8192);
	assert_memory_equal(r, v, 8192);
	free(r);
	/* Exactly the maximum, and one more. */
	assert_int_equal(bank_write(&f->b, "max", v, 1 << 20, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), 0);
	assert_int_equal(bank_write(&f->b, "max", v, (1 << 20) + 1, "o",
	    BANK_PUBLIC, BANK_ANY, NULL), -BANK_E2BIG);
	free(v);
	free_bank(f);
}

static void
test_full(void **state)
{
	struct fixture		*f = make_bank(8, 4096, 1024);
	struct bank_stats	 st;
	char			 k[16], big[1024];
	int			 i, rc;

	(void)state;
	for (i = 0; i < 8; i++) {
		snprintf(k, sizeof k, "k%d", i);
		assert_int_equal(bank_write(&f->b, k, "v", 1, "o", BANK_PUBLIC,
		    BANK_ANY, NULL), 0);
	}
	assert_int_equal(bank_write(&f->b, "k8", "v", 1, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), -BANK_EFULL);
	/* A failed write leaves nothing behind. */
	bank_stats(&f->b, &st);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.arena_used, 8 * 64);
	assert_int_equal(bank_delete(&f->b, "k0", BANK_ANY, NULL), 0);
	assert_int_equal(bank_write(&f->b, "k8", "v", 1, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), 0);

	/* The arena: 4 KiB holds a few 1 KiB values, then says so. */
	memset(big, 'b', sizeof big);
	for (i = 1; i < 8; i++) {
		snprintf(k, sizeof k, "k%d", i);
		rc = bank_write(&f->b, k, big, 1000, "o", BANK_PUBLIC,
		    BANK_ANY, NULL);
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, -BANK_ENOSPC);
	/* The old value is still there after a refused replace. */
	{
		void			*v;
		struct bank_meta	 m;

		assert_int_equal(bank_read(&f->b, k, &v, &m), 0);
		assert_string_equal(v, "v");
		free(v);
	}
	free_bank(f);
}

struct listed {
	int	n;
	char	keys[8][32];
};

static void
list_cb(const char *key, const struct bank_meta *m, void *arg)
{
	struct listed	*l = arg;

	(void)m;
	if (l->n < 8)
		snprintf(l->keys[l->n], sizeof l->keys[0], "%s", key);
	l->n++;
}

static void
test_list_and_events(void **state)
{
	struct fixture	*f = make_bank(64, 1 << 16, 4096);
	struct listed	 l;
	struct bank_sub	 sub;
	char		 key[BANK_KEY_MAX + 1];
	uint64_t	 version;
	bool		 deleted;

	(void)state;
	bank_subscribe(&sub, &f->b, "task/*");
	bank_write(&f->b, "task/1/result", "ok", 2, "w1", BANK_SHARED,
	    BANK_ANY, NULL);
	bank_write(&f->b, "task/2/result", "ok", 2, "w2", BANK_SHARED,
	    BANK_ANY, NULL);
	bank_write(&f->b, "note", "hi", 2, "w1", BANK_PUBLIC, BANK_ANY, NULL);
	bank_delete(&f->b, "task/1/result", BANK_ANY, NULL);

	memset(&l, 0, sizeof l);
	assert_int_equal(bank_list(&f->b, NULL, "task/", list_cb, &l), 1);
	assert_string_equal(l.keys[0], "task/2/result");
	memset(&l, 0, sizeof l);
	assert_int_equal(bank_list(&f->b, "*o*", NULL, list_cb, &l), 1);
	assert_string_equal(l.keys[0], "note");
	assert_int_equal(bank_list(&f->b, NULL, NULL, NULL, NULL), 2);

	/* Every change is on the bus; the subscription filters the keys. */
	assert_int_equal(bank_sub_next(&sub, key, &version, &deleted), 1);
	assert_string_equal(key, "task/1/result");
	assert_int_equal(version, 1);
	assert_false(deleted);
	assert_int_equal(bank_sub_next(&sub, key, &version, &deleted), 1);
	assert_string_equal(key, "task/2/result");
	assert_int_equal(bank_sub_next(&sub, key, &version, &deleted), 1);
	assert_string_equal(key, "task/1/result");
	assert_true(deleted);
	assert_int_equal(bank_sub_next(&sub, key, &version, &deleted), 0);
	bank_unsubscribe(&sub);
	free_bank(f);
}

static void
test_access(void **state)
{
	(void)state;
	/* The owner and the operator may do anything. */
	assert_true(bank_may_read("a", false, false, "a", BANK_PRIVATE));
	assert_true(bank_may_write("a", false, "a", BANK_PRIVATE));
	assert_true(bank_may_read(NULL, false, false, "a", BANK_PRIVATE));
	assert_true(bank_may_write(NULL, false, "a", BANK_PRIVATE));
	/* private: nobody else. */
	assert_false(bank_may_read("b", true, true, "a", BANK_PRIVATE));
	assert_false(bank_may_write("b", true, "a", BANK_PRIVATE));
	/* shared: data:read (or data:share) reads, data:share writes. */
	assert_true(bank_may_read("b", true, false, "a", BANK_SHARED));
	assert_true(bank_may_read("b", false, true, "a", BANK_SHARED));
	assert_false(bank_may_read("b", false, false, "a", BANK_SHARED));
	assert_true(bank_may_write("b", true, "a", BANK_SHARED));
	assert_false(bank_may_write("b", false, "a", BANK_SHARED));
	/* public: everyone. */
	assert_true(bank_may_read("b", false, false, "a", BANK_PUBLIC));
	assert_true(bank_may_write("b", false, "a", BANK_PUBLIC));
	assert_int_equal(bank_access_parse("shared"), BANK_SHARED);
	assert_int_equal(bank_access_parse("secret"), -1);
}

static uint64_t
stress_count(uint64_t dflt)
{
	const char	*e = getenv("ORCH_STRESS_EVENTS");

	return e != NULL ? strtoull(e, NULL, 10) * dflt / 1000000 : dflt;
}

static void
test_churn(void **state)
{
	struct fixture		*f = make_bank(4096, 16 << 20, 64 << 10);
	struct bank_stats	 st;
	static unsigned char	 val[64 << 10];
	uint64_t		 i, n = stress_count(1000000), peak = 0;
	uint32_t		 x = 42;
	char			 k[32];
	int			 rc;

	(void)state;
	f->b.bus = NULL;
	memset(val, 'c', sizeof val);
	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		snprintf(k, sizeof k, "churn/%u", (x >> 8) % 2000);
		if ((x >> 4) % 3 == 0)
			rc = bank_delete(&f->b, k, BANK_ANY, NULL);
		else
			rc = bank_write(&f->b, k, val, (x >> 12) % 4000 + 1,
			    "o", BANK_PUBLIC, BANK_ANY, NULL);
		assert_true(rc == 0 || rc == -BANK_ENOENT);
		if (atomic_load(&f->b.sh->arena.bump) > peak)
			peak = atomic_load(&f->b.sh->arena.bump);
	}
	for (i = 0; i < 2000; i++) {
		snprintf(k, sizeof k, "churn/%u", (unsigned)i);
		bank_delete(&f->b, k, BANK_ANY, NULL);
	}
	bank_stats(&f->b, &st);
	print_message("churn: %llu ops, arena carved %llu KiB at most\n",
	    (unsigned long long)n, (unsigned long long)peak / 1024);
	/* Back to the baseline: nothing used, nothing leaked. */
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.value_bytes, 0);
	assert_int_equal(st.arena_used, 0);
	/* 2000 live values of at most 4 KiB: bounded, no blow-up. */
	assert_true(peak <= 2000ull * 8192 + (1 << 20));
	free_bank(f);
}

/* Killed while holding a bucket lock ---------------------------------------- */

static void
die_hook(enum bank_fault stage)
{
	if ((int)stage == atoi(getenv("ORCH_BANK_FAULT")))
		_exit(0);
}

static void
kill_at(struct fixture *f, enum bank_fault stage, const char *key, bool del)
{
	char	buf[16];
	pid_t	pid;
	int	status;

	snprintf(buf, sizeof buf, "%d", (int)stage);
	setenv("ORCH_BANK_FAULT", buf, 1);
	pid = fork();
	if (pid == 0) {
		bank_fault_hook = die_hook;
		if (del)
			bank_delete(&f->b, key, BANK_ANY, NULL);
		else
			bank_write(&f->b, key, "NEWVALUE", 8, "dead",
			    BANK_PUBLIC, BANK_ANY, NULL);
		_exit(1);	/* the stage was never reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_owner_dies(void **state)
{
	static const enum bank_fault	 wstages[] = { BANK_FAULT_INTENT,
	    BANK_FAULT_ALLOCATED, BANK_FAULT_UPDATING, BANK_FAULT_UPDATED };
	static const enum bank_fault	 istages[] = { BANK_FAULT_INTENT,
	    BANK_FAULT_ALLOCATED, BANK_FAULT_LINKING, BANK_FAULT_LINKED };
	struct fixture			*f = make_bank(64, 1 << 20, 4096);
	struct bank_stats		 st;
	struct bank_meta		 m;
	void				*v;
	size_t				 i;
	char				 key[32];

	(void)state;
	f->b.bus = NULL;
	/* A replace, killed at every stage. */
	for (i = 0; i < sizeof wstages / sizeof wstages[0]; i++) {
		bank_write(&f->b, "k", "old", 3, "o", BANK_PUBLIC, BANK_ANY,
		    NULL);
		kill_at(f, wstages[i], "k", false);
		/* The next writer recovers the lock and a consistent entry. */
		assert_int_equal(bank_write(&f->b, "other-in-any-bucket", "x", 1,
		    "o", BANK_PUBLIC, BANK_ANY, NULL), 0);
		assert_int_equal(bank_read(&f->b, "k", &v, &m), 0);
		assert_true(strcmp(v, "old") == 0 || strcmp(v, "NEWVALUE") == 0);
		free(v);
		assert_int_equal(bank_write(&f->b, "k", "after", 5, "o",
		    BANK_PUBLIC, BANK_ANY, NULL), 0);
		assert_int_equal(bank_read(&f->b, "k", &v, &m), 0);
		assert_string_equal(v, "after");
		free(v);
		assert_true(f->b.recovered > 0);
	}
	/* An insert, killed at every stage. */
	for (i = 0; i < sizeof istages / sizeof istages[0]; i++) {
		snprintf(key, sizeof key, "ins%zu", i);
		kill_at(f, istages[i], key, false);
		assert_int_equal(bank_write(&f->b, key, "mine", 4, "o",
		    BANK_PUBLIC, BANK_ANY, NULL), 0);
		assert_int_equal(bank_read(&f->b, key, &v, &m), 0);
		assert_string_equal(v, "mine");
		free(v);
	}
	/* A delete, killed after unlinking. */
	bank_write(&f->b, "gone", "x", 1, "o", BANK_PUBLIC, BANK_ANY, NULL);
	kill_at(f, BANK_FAULT_UNLINKED, "gone", true);
	assert_int_equal(bank_write(&f->b, "gone", "back", 4, "o", BANK_PUBLIC,
	    BANK_ANY, NULL), 0);

	/* Nothing leaked: remove everything, the arena is empty. */
	bank_delete(&f->b, "k", BANK_ANY, NULL);
	bank_delete(&f->b, "gone", BANK_ANY, NULL);
	bank_delete(&f->b, "other-in-any-bucket", BANK_ANY, NULL);
	for (i = 0; i < sizeof istages / sizeof istages[0]; i++) {
		snprintf(key, sizeof key, "ins%zu", i);
		assert_int_equal(bank_delete(&f->b, key, BANK_ANY, NULL), 0);
	}
	bank_stats(&f->b, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.arena_used, 0);
	free_bank(f);
}

/* Concurrent writers and readers ------------------------------------------ */

#define WRITERS	4
#define READERS	4
#define KEYS	16

struct shared_counts {
	_Atomic uint64_t	torn;
	_Atomic uint64_t	reads;
	_Atomic uint64_t	writers_done;
};

/* value: 8-byte length, 8-byte checksum, then bytes. */
static uint64_t
sum_of(const unsigned char *p, size_t n)
{
	uint64_t	h = 1469598103934665603ull;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void
writer(struct bank *b, unsigned id, uint64_t ops)
{
	unsigned char	v[6000];
	uint64_t	i, n, h;
	uint32_t	x = id * 7919 + 1;
	char		k[16];

	for (i = 0; i < ops; i++) {
		x = x * 1103515245 + 12345;
		snprintf(k, sizeof k, "key%u", (x >> 8) % KEYS);
		n = 16 + (x >> 12) % 5000;
		memset(v + 16, (int)(x >> 3), n - 16);
		v[20] = (unsigned char)id;
		h = sum_of(v + 16, n - 16);
		memcpy(v, &n, 8);
		memcpy(v + 8, &h, 8);
		if (bank_write(b, k, v, n, "w", BANK_PUBLIC, BANK_ANY, NULL) !=
		    0)
			abort();
	}
}

static void
reader(struct bank *b, struct shared_counts *c)
{
	struct bank_meta	 m;
	unsigned char		*v;
	uint64_t		 n, h;
	unsigned		 k = 0;
	char			 key[16];

	while (atomic_load(&c->writers_done) < WRITERS) {
		snprintf(key, sizeof key, "key%u", k++ % KEYS);
		if (bank_read(b, key, (void **)&v, &m) != 0)
			continue;
		memcpy(&n, v, 8);
		memcpy(&h, v + 8, 8);
		if (n != m.len || n < 16 || sum_of(v + 16, n - 16) != h)
			atomic_fetch_add(&c->torn, 1);
		atomic_fetch_add(&c->reads, 1);
		free(v);
	}
}

static void
test_concurrent_processes(void **state)
{
	struct fixture		*f = make_bank(256, 8 << 20, 8192);
	struct shared_counts	*c = shared_mem(sizeof *c);
	pid_t			 pids[WRITERS + READERS];
	uint64_t		 ops = stress_count(20000);
	unsigned		 i;
	int			 status;

	(void)state;
	f->b.bus = NULL;
	memset(c, 0, sizeof *c);
	for (i = 0; i < READERS; i++)
		if ((pids[WRITERS + i] = fork()) == 0) {
			reader(&f->b, c);
			_exit(0);
		}
	for (i = 0; i < WRITERS; i++)
		if ((pids[i] = fork()) == 0) {
			writer(&f->b, i, ops);
			atomic_fetch_add(&c->writers_done, 1);
			_exit(0);
		}
	for (i = 0; i < WRITERS + READERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	print_message("processes: %llu reads, %llu torn\n",
	    (unsigned long long)c->reads, (unsigned long long)c->torn);
	assert_int_equal(c->torn, 0);
	assert_true(c->reads > 0);
	munmap(c, sizeof *c);
	free_bank(f);
}

struct targ {
	struct bank		*b;
	struct shared_counts	*c;
	unsigned		 id;
	uint64_t		 ops;
};

static void *
writer_thread(void *arg)
{
	struct targ	*t = arg;

	writer(t->b, t->id, t->ops);
	atomic_fetch_add(&t->c->writers_done, 1);
	return NULL;
}

static void *
reader_thread(void *arg)
{
	struct targ	*t = arg;

	reader(t->b, t->c);
	return NULL;
}

static void
test_concurrent_threads(void **state)
{
	struct fixture		*f = make_bank(256, 8 << 20, 8192);
	struct shared_counts	 c;
	struct targ		 a[WRITERS + READERS];
	pthread_t		 th[WRITERS + READERS];
	unsigned		 i;

	(void)state;
	f->b.bus = NULL;
	memset(&c, 0, sizeof c);
	for (i = 0; i < WRITERS + READERS; i++) {
		a[i].b = &f->b;
		a[i].c = &c;
		a[i].id = i;
		a[i].ops = stress_count(5000);
		assert_int_equal(pthread_create(&th[i], NULL, i < WRITERS ?
		    writer_thread : reader_thread, &a[i]), 0);
	}
	for (i = 0; i < WRITERS + READERS; i++)
		pthread_join(th[i], NULL);
	print_message("threads: %llu reads, %llu torn\n",
	    (unsigned long long)c.reads, (unsigned long long)c.torn);
	assert_int_equal(c.torn, 0);
	free_bank(f);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_operations),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_list_and_events),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_owner_dies),
		cmocka_unit_test(test_concurrent_processes),
		cmocka_unit_test(test_concurrent_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
