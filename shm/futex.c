#include "shm/futex.h"

#include <errno.h>
#include <time.h>

#if defined(__linux__)
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

#else

/*
 * No cross-process wait primitive we can rely on (macOS has
 * os_sync_wait_on_address from 14.4 only): poll the word with short sleeps.
 */
#define FUTEX_POLL_NS	50000

int
futex_wait(_Atomic uint32_t *addr, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec	ts = { 0, FUTEX_POLL_NS };
	uint64_t	slept = 0;

	while (atomic_load_explicit(addr, memory_order_acquire) == expected) {
		if (timeout_ns > 0 && slept >= timeout_ns)
			return -1;
		nanosleep(&ts, NULL);
		slept += FUTEX_POLL_NS;
	}
	return 0;
}

void
futex_wake(_Atomic uint32_t *addr, int n)
{
	(void)addr;
	(void)n;
}

#endif
