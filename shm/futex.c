#include "shm/futex.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#if defined(__linux__) && !defined(ORCH_PORTABLE)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

int
futex_wait(_Atomic uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec	 ts, *tp = NULL;
	long		 rc;

	if (timeout_ns > 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
		ts.tv_nsec = (long)(timeout_ns % 1000000000u);
		tp = &ts;
	}
	/* Shared futex: the word lives in memory other processes map too. */
	rc = syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, expected, tp,
	    NULL, 0);
	if (rc == -1 && errno == ETIMEDOUT)
		return -1;
	return 0;
}

void
futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, n < 0 ? 0x7fffffff : n,
	    NULL, NULL, 0);
}

#elif defined(__APPLE__) && !defined(ORCH_PORTABLE)

/*
 * macOS: __ulock_wait on a word other processes map (the _SHARED
 * operation), as libc++ and the Go and Rust runtimes use it since 10.12;
 * os_sync_wait_on_address is its public form from 14.4 on.
 */
#define FUTEX_UL_COMPARE_AND_WAIT_SHARED	3
#define FUTEX_ULF_WAKE_ALL			0x00000100

extern int	__ulock_wait(uint32_t, void *, uint64_t, uint32_t);
extern int	__ulock_wake(uint32_t, void *, uint64_t);

int
futex_wait(_Atomic uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	/* Microseconds; 0 is no limit, so a shorter wait is one. */
	uint32_t	us = 0;

	if (timeout_ns > 0)
		us = timeout_ns / 1000 > UINT32_MAX ? UINT32_MAX :
		    (timeout_ns / 1000 == 0 ? 1 : (uint32_t)(timeout_ns / 1000));
	if (__ulock_wait(FUTEX_UL_COMPARE_AND_WAIT_SHARED, (void *)addr,
	    expected, us) == -1 && errno == ETIMEDOUT)
		return -1;
	return 0;
}

void
futex_wake(_Atomic uint32_t *addr, int n)
{
	__ulock_wake(FUTEX_UL_COMPARE_AND_WAIT_SHARED | (n == 1 ? 0 :
	    FUTEX_ULF_WAKE_ALL), (void *)addr, 0);
}

#else

/*
 * The portable fallback (and ORCH_PORTABLE's): no cross-process wait
 * primitive to rely on, so the word is polled, with sleeps that grow from
 * 50 us to 5 ms: a wake soon after the wait began is seen at once, and a
 * long wait (an idle bus) costs about 200 polls a second, not a core.
 */
#define FUTEX_POLL_NS		50000
#define FUTEX_POLL_MAX_NS	5000000

/*
 * A wake in this process that left the word as it was (a thread told to
 * stop) must still end the wait: wakes are counted.
 */
static _Atomic uint32_t	futex_wakes;

static uint64_t
futex_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
futex_wait(_Atomic uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec	ts = { 0, 0 };
	uint64_t	nap = FUTEX_POLL_NS, end = 0, now;
	uint32_t	wakes = atomic_load(&futex_wakes);

	if (timeout_ns > 0)
		end = futex_now() + timeout_ns;
	while (atomic_load_explicit(addr, memory_order_acquire) == expected &&
	    atomic_load(&futex_wakes) == wakes) {
		if (end != 0) {
			if ((now = futex_now()) >= end)
				return -1;
			if (end - now < nap)
				nap = end - now;
		}
		ts.tv_nsec = (long)nap;
		nanosleep(&ts, NULL);
		nap = nap * 2 > FUTEX_POLL_MAX_NS ? FUTEX_POLL_MAX_NS : nap * 2;
	}
	return 0;
}

void
futex_wake(_Atomic uint32_t *addr, int n)
{
	(void)addr;
	(void)n;
	atomic_fetch_add(&futex_wakes, 1);
}

#endif
