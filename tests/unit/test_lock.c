#include "tests/unit/unit.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <stdatomic.h>

#include "shm/lock.h"

static int	repairs;

static void
repair(void *arg)
{
	(void)arg;
	repairs++;
}

static struct lock *
shared_lock(void)
{
	struct lock	*l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(l != MAP_FAILED);
	lock_init(l);
	repairs = 0;
	return l;
}

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
test_take_release(void **state)
{
	struct lock	*l = shared_lock();

	(void)state;
	assert_int_equal(lock_take(l, 1000000000, repair, NULL), 0);
	lock_release(l);
	assert_int_equal(lock_take(l, 1000000000, repair, NULL), 0);
	lock_release(l);
	assert_int_equal(repairs, 0);
	munmap(l, sizeof *l);
}

/* A holder killed with the lock: the next taker repairs, then has it. */
static void
test_dead_owner(void **state)
{
	struct lock	*l = shared_lock();
	int		 p[2], status;
	char		 c;
	pid_t		 pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		lock_take(l, 1000000000, NULL, NULL);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(lock_take(l, 5000000000ull, repair, NULL), 1);
	assert_int_equal(repairs, 1);
	lock_release(l);
	assert_int_equal(lock_take(l, 1000000000, repair, NULL), 0);
	lock_release(l);
	close(p[0]);
	close(p[1]);
	munmap(l, sizeof *l);
}

/* Written over with an owner that is no thread at all: taken over. */
static void
test_scribbled(void **state)
{
	struct lock	*l = shared_lock();
	uint64_t	 t0;

	(void)state;
	atomic_store(&l->owner, 0x7ffffff0deadbeefull);
	t0 = now_ms();
	assert_int_equal(lock_take(l, 5000000000ull, repair, NULL), 1);
	assert_true(now_ms() - t0 < 1000);
	lock_release(l);
	assert_int_equal(lock_take(l, 1000000000, NULL, NULL), 0);
	lock_release(l);
	/* Every byte of it. */
	memset(l, 0xa5, sizeof *l);
	assert_true(lock_take(l, 1000000000, repair, NULL) >= 0);
	lock_release(l);
	munmap(l, sizeof *l);
}

/* A live holder: the wait ends at the deadline, then the lock is had. */
static void
test_timeout_and_handover(void **state)
{
	struct lock	*l = shared_lock();
	int		 p[2], q[2], status;
	char		 c;
	pid_t		 pid;
	uint64_t	 t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	if ((pid = fork()) == 0) {
		lock_take(l, 1000000000, NULL, NULL);
		(void)!write(p[1], "x", 1);
		(void)!read(q[0], &c, 1);
		lock_release(l);
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	t0 = now_ms();
	assert_int_equal(lock_take(l, 100000000, repair, NULL), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 100);
	/* Released while we wait: we get it, with no repair. */
	(void)!write(q[1], "x", 1);
	assert_int_equal(lock_take(l, 5000000000ull, repair, NULL), 0);
	assert_int_equal(repairs, 0);
	lock_release(l);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	munmap(l, sizeof *l);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_take_release),
		cmocka_unit_test(test_dead_owner),
		cmocka_unit_test(test_scribbled),
		cmocka_unit_test(test_timeout_and_handover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
