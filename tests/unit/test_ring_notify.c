#include "tests/unit/unit.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <unistd.h>

#include <event2/event.h>

#include "shm/ring_notify.h"

struct loop {
	struct event_base	*base;
	struct ring_sub		 sub;
	struct ring_notify	*n;
	struct ring_event	*ev;
	_Atomic uint32_t	*go;
	unsigned		 got;
	unsigned		 wakes;
};

/* Drain, then sleep again: the pattern ring_notify.h describes. */
static void
drain_and_arm(struct loop *l)
{
	uint32_t	mark = ring_notify_mark(l->n);

	while (ring_read(&l->sub, l->ev) == 1)
		l->got++;
	ring_notify_arm(l->n, mark, l->sub.stall_since != 0);
}

static void
readable_cb(evutil_socket_t fd, short events, void *arg)
{
	struct loop	*l = arg;

	(void)fd;
	(void)events;
	l->wakes++;
	drain_and_arm(l);
	if (l->got == 3)
		event_base_loopbreak(l->base);
}

static void
test_wakes_the_loop(void **state)
{
	size_t		 len = ring_size(64, 256);
	void		*mem = mmap(NULL, len + 64, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct ring	 r;
	struct loop	 l;
	struct event	*ev;
	struct timeval	 deadline = { 10, 0 };
	char		*cause = NULL, c;
	pid_t		 pid;
	int		 status;

	(void)state;
	assert_int_equal(ring_init(mem, len, 64, 256, 0, &cause), 0);
	assert_int_equal(ring_open(&r, mem, len, &cause), 0);
	memset(&l, 0, sizeof l);
	l.go = (_Atomic uint32_t *)((char *)mem + len);
	l.ev = malloc(sizeof *l.ev);
	l.base = event_base_new();
	ring_sub_init(&l.sub, &r, RING_FROM_NOW, NULL);
	l.n = ring_notify_start(&r, &cause);
	assert_non_null(l.n);

	/* Not armed: a publish leaves the pipe empty. */
	ring_publish(&r, "early", NULL, NULL, NULL, 0);
	assert_int_equal(read(ring_notify_fd(l.n), &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	/* Armed with a mark older than that publish: readable at once. */
	while (ring_read(&l.sub, l.ev) == 1)
		;
	ring_notify_arm(l.n, ring_notify_mark(l.n) - 1, false);

	ev = event_new(l.base, ring_notify_fd(l.n), EV_READ | EV_PERSIST,
	    readable_cb, &l);
	event_add(ev, NULL);
	event_base_loopexit(l.base, &deadline);
	pid = fork();
	if (pid == 0) {
		struct ring	mine;

		ring_open(&mine, mem, len, NULL);
		/* Publish once the parent's loop has gone to sleep. */
		while (atomic_load(l.go) == 0)
			usleep(1000);
		ring_publish(&mine, "a", NULL, NULL, NULL, 0);
		ring_publish(&mine, "b", NULL, NULL, NULL, 0);
		ring_publish(&mine, "c", NULL, NULL, NULL, 0);
		_exit(0);
	}
	/* The first wake is the early mark; after it the child may go. */
	event_base_loop(l.base, EVLOOP_ONCE);
	assert_int_equal(l.wakes, 1);
	assert_int_equal(l.got, 0);
	atomic_store(l.go, 1);
	event_base_dispatch(l.base);
	waitpid(pid, &status, 0);
	assert_int_equal(l.got, 3);
	assert_true(l.wakes >= 2);

	ring_notify_stop(l.n);
	event_free(ev);
	event_base_free(l.base);
	free(l.ev);
	munmap(mem, len + 64);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_wakes_the_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
