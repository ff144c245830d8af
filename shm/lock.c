#include "shm/lock.h"


#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "common/compat.h"
#include "common/proc.h"
#include "shm/futex.h"

/* Spins before a waiter looks at the owner and sleeps. */
#define LOCK_SPINS		200
/* A sleeper wakes this often to see whether the owner is still there. */
#define LOCK_NAP_NS		(2ull * 1000000)

/* This thread's owner word; 0 until first used (and again after fork). */
static _Thread_local uint64_t	lock_me;
static pthread_once_t		lock_once = PTHREAD_ONCE_INIT;

static void
lock_forget_me(void)
{
	lock_me = 0;
}

static void
lock_atfork(void)
{
	pthread_atfork(NULL, NULL, lock_forget_me);
}

/*
 * Who holds a lock: a thread id and its start time, so that a dead
 * owner is told from a new thread given its id. Where threads have no
 * such id, the process id and a serial of the thread within it: a dead
 * process is still seen, a reused pid is not.
 */
static uint64_t
lock_self(void)
{
	static _Atomic uint32_t	 serial;
	pid_t			 tid;

	if (lock_me == 0) {
		pthread_once(&lock_once, lock_atfork);
		if ((tid = compat_thread_id()) > 0)
			lock_me = (uint64_t)(uint32_t)tid << 32 |
			    (proc_start_time(tid) & 0xffffffffu);
		else
			lock_me = (uint64_t)(uint32_t)getpid() << 32 |
			    (atomic_fetch_add(&serial, 1) + 1);
	}
	return lock_me;
}

void
lock_init(struct lock *l)
{
	atomic_store(&l->owner, 0);
	atomic_store(&l->seq, 0);
	atomic_store(&l->waiters, 0);
}

static uint64_t
lock_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Does the owner word name a thread that still runs? */
static bool
lock_owner_alive(uint64_t owner)
{
	pid_t		tid = (pid_t)(owner >> 32);
	uint64_t	start;

	if (tid <= 0)
		return false;
	if (kill(tid, 0) == -1 && errno == ESRCH)
		return false;
	if (compat_thread_id() == 0)
		return true;		/* a pid and a serial: nothing to compare */
	start = proc_start_time(tid);
	return start == 0 || (start & 0xffffffffu) == (owner & 0xffffffffu);
}

static bool
lock_try(struct lock *l, uint64_t expect, uint64_t me)
{
	/* acquire: what the last owner did is visible to us. */
	return atomic_compare_exchange_strong_explicit(&l->owner, &expect, me,
	    memory_order_acquire, memory_order_relaxed);
}

/* Take a gone owner's lock over; false if someone else changed it first. */
static bool
lock_take_over(struct lock *l, uint64_t cur, uint64_t me,
    lock_repair_fn repair, void *arg)
{
	if (!lock_try(l, cur, me))
		return false;
	if (repair != NULL)
		repair(arg);
	return true;
}

int
lock_take(struct lock *l, uint64_t timeout_ns, lock_repair_fn repair,
    void *arg)
{
	uint64_t	me = lock_self(), cur, now, deadline = 0, checked = 0;
	uint32_t	seq;
	unsigned	i;

	for (i = 0;; i++) {
		if (lock_try(l, 0, me))
			return 0;
		if (i < LOCK_SPINS)
			continue;
		seq = atomic_load_explicit(&l->seq, memory_order_acquire);
		cur = atomic_load_explicit(&l->owner, memory_order_relaxed);
		if (cur == 0)
			continue;
		/* Ours, or no thread id at all: the word was written over. */
		if (cur == me || (pid_t)(cur >> 32) <= 0) {
			if (lock_take_over(l, cur, me, repair, arg))
				return 1;
			continue;
		}
		now = lock_now();
		if (deadline == 0) {
			deadline = now + timeout_ns;
			checked = now;
		}
		/*
		 * Held a while: is the owner still there? Asked once per nap,
		 * not per wake (it costs a system call and a read of /proc).
		 */
		if (now - checked >= LOCK_NAP_NS || now >= deadline) {
			checked = now;
			if (!lock_owner_alive(cur)) {
				if (lock_take_over(l, cur, me, repair, arg))
					return 1;
				continue;
			}
			if (now >= deadline)
				return -ETIMEDOUT;
		}
		atomic_fetch_add_explicit(&l->waiters, 1, memory_order_seq_cst);
		if (atomic_load_explicit(&l->owner, memory_order_seq_cst) == cur)
			futex_wait(&l->seq, seq, deadline - now < LOCK_NAP_NS ?
			    deadline - now + 1 : LOCK_NAP_NS);
		atomic_fetch_sub_explicit(&l->waiters, 1, memory_order_relaxed);
	}
}

void
lock_release(struct lock *l)
{
	uint64_t	me = lock_self();

	/* Only ours to release: a word written over meanwhile is left be. */
	if (!atomic_compare_exchange_strong_explicit(&l->owner, &me, 0,
	    memory_order_release, memory_order_relaxed))
		return;
	atomic_fetch_add_explicit(&l->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&l->waiters, memory_order_seq_cst) > 0)
		futex_wake(&l->seq, 1);
}
