#include "shm/lock.h"

#include <errno.h>
#include <time.h>

int
lock_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t	a;
	int			rc;

	if ((rc = pthread_mutexattr_init(&a)) != 0)
		return rc;
	if ((rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) ==
	    0 && (rc = pthread_mutexattr_setrobust(&a,
	    PTHREAD_MUTEX_ROBUST)) == 0)
		rc = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
}

static uint64_t
lock_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__SANITIZE_THREAD__)
/*
 * ThreadSanitizer (as shipped with GCC 12) does not intercept
 * pthread_mutex_clocklock, so its builds poll trylock against the same
 * monotonic deadline instead.
 */
static int
lock_wait(pthread_mutex_t *m, uint64_t at)
{
	struct timespec	nap = { 0, 50000 };
	int		rc;

	while ((rc = pthread_mutex_trylock(m)) == EBUSY) {
		if (lock_now() >= at)
			return ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
	return rc;
}
#else
static int
lock_wait(pthread_mutex_t *m, uint64_t at)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(at / 1000000000u);
	ts.tv_nsec = (long)(at % 1000000000u);
	return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts);
}
#endif

int
lock_take(pthread_mutex_t *m, uint64_t timeout_ns, lock_repair_fn repair,
    void *arg)
{
	int	rc;

	rc = lock_wait(m, lock_now() + timeout_ns);
	if (rc == 0)
		return 0;
	if (rc != EOWNERDEAD)
		return -rc;
	/* We own it now; the data it guards may be half-changed. */
	if (repair != NULL)
		repair(arg);
	if ((rc = pthread_mutex_consistent(m)) != 0) {
		pthread_mutex_unlock(m);
		return -rc;
	}
	return 1;
}

void
lock_release(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
}
