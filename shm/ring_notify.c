#include "shm/ring_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "shm/futex.h"

/* How soon a stalled subscriber is woken to re-check a claim. */
#define RING_NOTIFY_STALL_NS	(2ull * 1000000)

struct ring_notify {
	struct ring		*r;
	int			 pipe[2];
	pthread_t		 thread;
	_Atomic uint32_t	 armed;		/* futex word: 0 idle, 1 armed */
	_Atomic uint32_t	 mark;
	_Atomic bool		 stalled;
	_Atomic bool		 stop;
};

static void *
ring_notify_main(void *arg)
{
	struct ring_notify	*n = arg;
	struct ring_shared	*sh = n->r->sh;
	uint32_t		 v;
	char			 c = 1;

	while (!atomic_load(&n->stop)) {
		if (atomic_load(&n->armed) == 0) {
			futex_wait(&n->armed, 0, 0);
			continue;
		}
		/* seq_cst, as in ring_wait: we are a sleeper like any other. */
		atomic_fetch_add_explicit(&sh->sleepers, 1,
		    memory_order_seq_cst);
		v = atomic_load_explicit(&sh->pub, memory_order_seq_cst);
		if (v == atomic_load(&n->mark) && !atomic_load(&n->stop)) {
			atomic_fetch_add_explicit(&sh->sleeps, 1,
			    memory_order_relaxed);
			futex_wait(&sh->pub, v, atomic_load(&n->stalled) ?
			    RING_NOTIFY_STALL_NS : 0);
			v = atomic_load_explicit(&sh->pub, memory_order_seq_cst);
		}
		atomic_fetch_sub_explicit(&sh->sleepers, 1,
		    memory_order_seq_cst);
		if (v == atomic_load(&n->mark) && !atomic_load(&n->stalled))
			continue;
		/* Something to read (or a stall to re-check): wake the loop. */
		atomic_store(&n->armed, 0);
		if (write(n->pipe[1], &c, 1) == -1 && errno != EAGAIN)
			break;
	}
	return NULL;
}

struct ring_notify *
ring_notify_start(struct ring *r, char **cause)
{
	struct ring_notify	*n = xcalloc(1, sizeof *n);
	int			 i;

	n->r = r;
	if (pipe(n->pipe) == -1) {
		set_cause(cause, "pipe: %s", strerror(errno));
		free(n);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		fcntl(n->pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(n->pipe[i], F_SETFL, fcntl(n->pipe[i], F_GETFL) |
		    O_NONBLOCK);
	}
	if (pthread_create(&n->thread, NULL, ring_notify_main, n) != 0) {
		set_cause(cause, "cannot start the bus notifier thread");
		close(n->pipe[0]);
		close(n->pipe[1]);
		free(n);
		return NULL;
	}
	return n;
}

void
ring_notify_stop(struct ring_notify *n)
{
	if (n == NULL)
		return;
	atomic_store(&n->stop, true);
	atomic_store(&n->armed, 1);
	futex_wake(&n->armed, 1);
	/* It may be asleep on the bus: a spurious wake is harmless. */
	futex_wake(&n->r->sh->pub, -1);
	pthread_join(n->thread, NULL);
	close(n->pipe[0]);
	close(n->pipe[1]);
	free(n);
}

int
ring_notify_fd(const struct ring_notify *n)
{
	return n->pipe[0];
}

uint32_t
ring_notify_mark(const struct ring_notify *n)
{
	return atomic_load_explicit(&n->r->sh->pub, memory_order_seq_cst);
}

static void
ring_notify_drain(struct ring_notify *n)
{
	char	buf[64];

	while (read(n->pipe[0], buf, sizeof buf) > 0)
		;
}

void
ring_notify_disarm(struct ring_notify *n)
{
	/*
	 * The thread may be past its check of armed and about to write: the
	 * byte it writes then makes the loop call us again, which drains it.
	 */
	atomic_store(&n->armed, 0);
	ring_notify_drain(n);
}

void
ring_notify_arm(struct ring_notify *n, uint32_t mark, bool stalled)
{
	ring_notify_drain(n);
	atomic_store(&n->mark, mark);
	atomic_store(&n->stalled, stalled);
	atomic_store(&n->armed, 1);
	futex_wake(&n->armed, 1);
}
