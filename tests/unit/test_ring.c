#include "tests/unit/unit.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "shm/ring.h"

#define NSLOTS	64u
#define SLOT	256u

static struct ring_event	ev;	/* large: keep it off the stack */

/* Shared anonymous memory: visible to forked children. */
static void *
shared_mem(size_t len)
{
	void	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static struct ring *
make_ring(uint32_t nslots, uint32_t slot, uint64_t abort_ns)
{
	struct ring	*r = calloc(1, sizeof *r);
	size_t		 len = ring_size(nslots, slot);
	void		*mem = shared_mem(len);
	char		*cause = NULL;

	if (ring_init(mem, len, nslots, slot, abort_ns, &cause) != 0 ||
	    ring_open(r, mem, len, &cause) != 0)
		fail_msg("%s", cause);
	return r;
}

static void
free_ring(struct ring *r)
{
	munmap(r->sh, ring_size(r->sh->nslots, r->sh->slot_size));
	free(r);
}

static void
expect_open_fails(void *mem, size_t len, const char *says)
{
	struct ring	 r;
	char		*cause = NULL;

	assert_int_equal(ring_open(&r, mem, len, &cause), -1);
	if (cause == NULL || strstr(cause, says) == NULL)
		fail_msg("got \"%s\", want \"...%s...\"", cause, says);
	free(cause);
}

static void
test_validation(void **state)
{
	size_t			 len = ring_size(NSLOTS, SLOT);
	unsigned char		*mem = shared_mem(len);
	struct ring_shared	*sh = (struct ring_shared *)mem;
	struct ring		 r;
	char			*cause = NULL;

	(void)state;
	assert_cause(ring_init(mem, len, 63, SLOT, 0, &cause), cause);
	assert_cause(ring_init(mem, len, NSLOTS, 100, 0, &cause), cause);
	assert_cause(ring_init(mem, len - 1, NSLOTS, SLOT, 0, &cause), cause);
	assert_int_equal(ring_init(mem, len, NSLOTS, SLOT, 0, &cause), 0);
	assert_int_equal(ring_open(&r, mem, len, &cause), 0);

	expect_open_fails(mem, 100, "cannot hold a header");
	expect_open_fails(mem, len - 1, "need");
	sh->magic ^= 1;
	expect_open_fails(mem, len, "bad magic");
	sh->magic ^= 1;
	sh->version = 9;
	expect_open_fails(mem, len, "layout version 9");
	sh->version = RING_VERSION;
	sh->nslots = 48;
	expect_open_fails(mem, len, "not a power of two");
	sh->nslots = 1u << 20;
	expect_open_fails(mem, len, "need");
	sh->nslots = NSLOTS;
	sh->slot_size = 96;
	expect_open_fails(mem, len, "slot size 96");
	sh->slot_size = SLOT;
	/* A slot claiming a sequence the tail never handed out. */
	atomic_store(&((struct ring_slot *)(mem + sizeof *sh + 5 * SLOT))->seq,
	    2 * 1000 + 2);
	expect_open_fails(mem, len, "slot 5 holds sequence 1000 beyond the "
	    "tail 0");
	atomic_store(&sh->tail, 2000);
	assert_int_equal(ring_open(&r, mem, len, &cause), 0);
	munmap(mem, len);
}

static void
test_publish_read(void **state)
{
	struct ring	*r = make_ring(NSLOTS, SLOT, 0);
	struct ring_sub	 s;
	char		 big[SLOT];
	size_t		 max;

	(void)state;
	ring_sub_init(&s, r, RING_FROM_NOW, NULL);
	assert_int_equal(ring_read(&s, &ev), 0);
	assert_int_equal(ring_publish(r, "task.started", "build-1", NULL,
	    "\x81\xa1x\x01", 4), 0);
	assert_int_equal(ring_publish(r, "agent.ready", NULL, "lead", NULL, 0),
	    0);
	assert_int_equal(ring_read(&s, &ev), 1);
	assert_string_equal(ev.type, "task.started");
	assert_string_equal(ev.source, "build-1");
	assert_string_equal(ev.target, "");
	assert_int_equal(ev.len, 4);
	assert_memory_equal(ev.payload, "\x81\xa1x\x01", 4);
	assert_int_equal(ev.seq, 0);
	assert_int_equal(ev.missed, 0);
	assert_true(ev.ts_ns > 0);
	assert_int_equal(ring_read(&s, &ev), 1);
	assert_string_equal(ev.type, "agent.ready");
	assert_string_equal(ev.target, "lead");
	assert_int_equal(ev.len, 0);
	assert_int_equal(ring_read(&s, &ev), 0);

	/* Sizes: exactly the maximum fits, one more byte does not. */
	max = ring_payload_max(r, 3, 0, 0);
	assert_int_equal(max, SLOT - 32 - 3);
	memset(big, 'z', sizeof big);
	assert_int_equal(ring_publish(r, "big", NULL, NULL, big, max), 0);
	assert_int_equal(ring_publish(r, "big", NULL, NULL, big, max + 1),
	    -RING_E2BIG);
	assert_int_equal(ring_read(&s, &ev), 1);
	assert_int_equal(ev.len, max);
	assert_int_equal(ring_publish(r, "", NULL, NULL, NULL, 0),
	    -RING_EINVAL);
	assert_int_equal(ring_publish(r, "0123456789012345678901234567890123",
	    NULL, NULL, NULL, 0), -RING_EINVAL);
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_int_equal(ring_publish(r, "t", big, NULL, NULL, 0),
	    -RING_EINVAL);
	free_ring(r);
}

static void
test_lapped(void **state)
{
	struct ring	*r = make_ring(NSLOTS, SLOT, 0);
	struct ring_sub	 s, late;
	uint64_t	 i, got = 0, n = 3 * NSLOTS + 5, last = 0;

	(void)state;
	ring_sub_init(&s, r, 0, NULL);
	for (i = 0; i < n; i++)
		assert_int_equal(ring_publish(r, "e", NULL, NULL, &i, sizeof i),
		    0);
	while (ring_read(&s, &ev) == 1) {
		uint64_t	v;

		memcpy(&v, ev.payload, sizeof v);
		assert_int_equal(v, ev.seq);
		if (got == 0)
			assert_int_equal(ev.missed, ev.seq);
		assert_true(got == 0 || ev.seq > last);
		last = ev.seq;
		got++;
	}
	/* Every sequence is either received or reported lost, once. */
	assert_true(s.lost > 0);
	assert_int_equal(got + s.lost, n);
	assert_int_equal(s.received, got);
	assert_int_equal(last, n - 1);

	/* Starting at 0 after the ring wrapped begins at the oldest held. */
	ring_sub_init(&late, r, 0, NULL);
	assert_int_equal(late.cursor, n - (NSLOTS - 1));
	free_ring(r);
}

static void
test_filter(void **state)
{
	struct ring	*r = make_ring(NSLOTS, SLOT, 0);
	struct ring_sub	 s;

	(void)state;
	ring_sub_init(&s, r, RING_FROM_NOW, "task.*");
	ring_publish(r, "agent.ready", "a", NULL, NULL, 0);
	ring_publish(r, "task.completed", "a", NULL, NULL, 0);
	ring_publish(r, "data.shared", "a", NULL, NULL, 0);
	ring_publish(r, "task.failed", "a", NULL, NULL, 0);
	assert_int_equal(ring_read(&s, &ev), 1);
	assert_string_equal(ev.type, "task.completed");
	assert_int_equal(ring_read(&s, &ev), 1);
	assert_string_equal(ev.type, "task.failed");
	assert_int_equal(ring_read(&s, &ev), 0);
	assert_int_equal(s.filtered, 2);
	assert_int_equal(s.received, 2);
	free_ring(r);
}

static void
test_abandoned_claim(void **state)
{
	struct ring	*r = make_ring(NSLOTS, SLOT, 20ull * 1000000);
	struct ring_sub	 s;

	(void)state;
	ring_sub_init(&s, r, RING_FROM_NOW, NULL);
	/* A claim that is never published (nothing written at all). */
	atomic_fetch_add(&r->sh->tail, 1);
	assert_int_equal(ring_read(&s, &ev), 0);
	/* Nothing later published yet: the reader keeps waiting. */
	assert_int_equal(ring_wait(&s, 0, 50ull * 1000000), 0);
	assert_int_equal(s.aborted, 0);
	ring_publish(r, "after", NULL, NULL, NULL, 0);
	/* Within the abort delay it is given up on; the next one arrives. */
	assert_int_equal(ring_wait(&s, 1000, 5ull * 1000000000), 1);
	assert_int_equal(ring_read(&s, &ev), 1);
	assert_string_equal(ev.type, "after");
	assert_int_equal(ev.missed, 1);
	assert_int_equal(s.aborted, 1);
	free_ring(r);
}

static void
die_hook(uint64_t seq)
{
	(void)seq;
	_exit(0);
}

static void
test_producer_dies(void **state)
{
	/* An abort delay far beyond the test: liveness must decide. */
	struct ring	*r = make_ring(NSLOTS, SLOT, 60ull * 1000000000);
	struct ring_sub	 s;
	pid_t		 pid;
	int		 status;

	(void)state;
	ring_sub_init(&s, r, RING_FROM_NOW, NULL);
	pid = fork();
	if (pid == 0) {
		/* Die with the slot marked as being written by us. */
		uint64_t		 q = atomic_fetch_add(&r->sh->tail, 1);
		struct ring_slot	*sl = (struct ring_slot *)(r->slots +
					    (q & r->mask) * r->slot_size);

		atomic_store(&sl->claimer, (uint64_t)getpid() << 32);
		atomic_store(&sl->seq, 2 * q + 1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	/* And one through the real path, killed by the fault hook. */
	pid = fork();
	if (pid == 0) {
		struct ring	mine;

		/* A process opens its own handle: the claimer word is ours. */
		if (ring_open(&mine, r->sh, ring_size(NSLOTS, SLOT), NULL) != 0)
			_exit(1);
		ring_fault_hook = die_hook;
		ring_publish(&mine, "never", NULL, NULL, NULL, 0);
		_exit(1);
	}
	waitpid(pid, &status, 0);
	ring_publish(r, "alive", NULL, NULL, "ok", 2);
	assert_int_equal(ring_wait(&s, 1000, 5ull * 1000000000), 1);
	while (ring_read(&s, &ev) == 0)
		assert_int_equal(ring_wait(&s, 1000, 5ull * 1000000000), 1);
	assert_string_equal(ev.type, "alive");
	assert_int_equal(ev.missed, 2);
	assert_int_equal(s.aborted, 2);
	assert_int_equal(s.lost, 0);
	free_ring(r);
}

/* Stress ------------------------------------------------------------------- */

#define PRODUCERS	4
#define SUBSCRIBERS	2

struct msg {
	uint32_t	producer;
	uint32_t	pad;
	uint64_t	n;
	uint64_t	sum;
	unsigned char	fill[40];
};

struct results {
	_Atomic uint64_t	done;
	_Atomic uint64_t	published[PRODUCERS];
	_Atomic uint64_t	elapsed[PRODUCERS];
	uint64_t		received[SUBSCRIBERS];
	uint64_t		lost[SUBSCRIBERS];
	uint64_t		aborted[SUBSCRIBERS];
	uint64_t		bad[SUBSCRIBERS];
	uint64_t		start[SUBSCRIBERS];
	uint64_t		tail;
};

static uint64_t
checksum(const struct msg *m)
{
	uint64_t	h = 1469598103934665603ull ^ m->producer;
	size_t		i;

	h = (h ^ m->n) * 1099511628211ull;
	for (i = 0; i < sizeof m->fill; i++)
		h = (h ^ m->fill[i]) * 1099511628211ull;
	return h;
}

static void
produce(struct ring *r, struct results *res, uint32_t id, uint64_t count)
{
	struct msg	m;
	uint64_t	i;
	int		rc;

	memset(&m, 0, sizeof m);
	m.producer = id;
	for (i = 0; i < count; i++) {
		m.n = i;
		memset(m.fill, (int)(i + id), sizeof m.fill);
		m.sum = checksum(&m);
		rc = ring_publish(r, "stress", "p", NULL, &m, sizeof m);
		if (rc == 0)
			atomic_fetch_add(&res->published[id], 1);
		else if (rc == -RING_ELAPPED)
			atomic_fetch_add(&res->elapsed[id], 1);
		else
			abort();
	}
	atomic_fetch_add(&res->done, 1);
}

static void
subscribe(struct ring *r, struct results *res, unsigned id, uint64_t start)
{
	struct ring_event		*e = malloc(sizeof *e);
	struct ring_sub			 s;
	struct msg			 m;
	uint64_t			 next[PRODUCERS] = { 0 };

	ring_sub_init(&s, r, start, NULL);
	res->start[id] = s.cursor;
	for (;;) {
		if (ring_read(&s, e) == 1) {
			memcpy(&m, e->payload, sizeof m);
			if (e->len != sizeof m || m.producer >= PRODUCERS ||
			    m.sum != checksum(&m) || m.n < next[m.producer])
				res->bad[id]++;
			else
				next[m.producer] = m.n + 1;
			continue;
		}
		if (atomic_load(&res->done) == PRODUCERS &&
		    s.cursor == ring_tail(r))
			break;
		ring_wait(&s, 2000, 10ull * 1000000);
	}
	res->received[id] = s.received;
	res->lost[id] = s.lost;
	res->aborted[id] = s.aborted;
	free(e);
}

static void
check_results(struct results *res, uint64_t tail)
{
	uint64_t	pub = 0, lapped = 0;
	unsigned	i;

	for (i = 0; i < PRODUCERS; i++) {
		pub += res->published[i];
		lapped += res->elapsed[i];
	}
	assert_int_equal(pub + lapped, tail);
	for (i = 0; i < SUBSCRIBERS; i++) {
		print_message("subscriber %u: received %llu lost %llu aborted "
		    "%llu of %llu (%llu dropped by producers)\n", i,
		    (unsigned long long)res->received[i],
		    (unsigned long long)res->lost[i],
		    (unsigned long long)res->aborted[i],
		    (unsigned long long)tail, (unsigned long long)lapped);
		assert_int_equal(res->bad[i], 0);
		/*
		 * Each sequence is received or reported missed, exactly once:
		 * lost (overwritten), or aborted (a producer stuck past the
		 * abort delay on an oversubscribed CPU).
		 */
		assert_int_equal(res->received[i] + res->lost[i] +
		    res->aborted[i], tail - res->start[i]);
		assert_true(res->received[i] <= pub);
	}
}

static uint64_t
stress_count(void)
{
	const char	*e = getenv("ORCH_STRESS_EVENTS");

	return e != NULL ? strtoull(e, NULL, 10) : 1000000;
}

static void
test_stress_processes(void **state)
{
	struct ring	*r = make_ring(65536, 128, 0);
	struct results	*res = shared_mem(sizeof *res);
	uint64_t	 count = stress_count();
	pid_t		 pids[PRODUCERS + SUBSCRIBERS];
	unsigned	 i;
	int		 status;

	(void)state;
	memset(res, 0, sizeof *res);
	for (i = 0; i < SUBSCRIBERS; i++)
		if ((pids[PRODUCERS + i] = fork()) == 0) {
			subscribe(r, res, i, 0);
			_exit(0);
		}
	for (i = 0; i < PRODUCERS; i++)
		if ((pids[i] = fork()) == 0) {
			produce(r, res, i, count);
			_exit(0);
		}
	for (i = 0; i < PRODUCERS + SUBSCRIBERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(ring_tail(r), PRODUCERS * count);
	check_results(res, ring_tail(r));
	munmap(res, sizeof *res);
	free_ring(r);
}

/* The same logic with threads, for ThreadSanitizer. */
struct targ {
	struct ring	*r;
	struct results	*res;
	unsigned	 id;
	uint64_t	 count;
};

static void *
producer_thread(void *arg)
{
	struct targ	*t = arg;

	produce(t->r, t->res, t->id, t->count);
	return NULL;
}

static void *
subscriber_thread(void *arg)
{
	struct targ	*t = arg;

	subscribe(t->r, t->res, t->id, 0);
	return NULL;
}

static void
test_stress_threads(void **state)
{
	struct ring	*r = make_ring(4096, 128, 0);
	struct results	*res = shared_mem(sizeof *res);
	struct targ	 args[PRODUCERS + SUBSCRIBERS];
	pthread_t	 th[PRODUCERS + SUBSCRIBERS];
	uint64_t	 count = stress_count() / 10;
	unsigned	 i;

	(void)state;
	memset(res, 0, sizeof *res);
	for (i = 0; i < PRODUCERS + SUBSCRIBERS; i++) {
		args[i].r = r;
		args[i].res = res;
		args[i].id = i < PRODUCERS ? i : i - PRODUCERS;
		args[i].count = count;
		assert_int_equal(pthread_create(&th[i], NULL, i < PRODUCERS ?
		    producer_thread : subscriber_thread, &args[i]), 0);
	}
	for (i = 0; i < PRODUCERS + SUBSCRIBERS; i++)
		pthread_join(th[i], NULL);
	check_results(res, ring_tail(r));
	munmap(res, sizeof *res);
	free_ring(r);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_publish_read),
		cmocka_unit_test(test_lapped),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_abandoned_claim),
		cmocka_unit_test(test_producer_dies),
		cmocka_unit_test(test_stress_processes),
		cmocka_unit_test(test_stress_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
