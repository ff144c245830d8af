/*
 * bench_shm: the shared-memory event bus and memory bank beside their
 * floors and peers, all measured in this one run, between processes.
 *
 * Floors: a shared-memory spin ping-pong and a futex ping-pong (one-way =
 * half the round trip). Peers: a Unix socket (SOCK_SEQPACKET, one message
 * per syscall), a pipe, ZeroMQ (PUSH/PULL for throughput, PUB/SUB for
 * latency, ipc://) and nng (pub/sub, ipc://).
 *
 * One-way latency comes from a fixed-rate, open-loop sender that stamps
 * each message with the time it was meant to leave (so a stalled receiver
 * is charged for the whole queue behind it: no coordinated omission).
 *
 * usage: bench_shm [-q]   (-q: a shorter run)
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <zmq.h>

#include "shm/bank.h"
#include "shm/futex.h"
#include "shm/ring.h"
#include "tools/bench/hist.h"

#define MSG	64

struct shared {
	_Atomic uint32_t	go;
	_Atomic uint32_t	ready;
	_Atomic uint64_t	ping;
	_Atomic uint64_t	pong;
	_Atomic uint32_t	fping;
	_Atomic uint32_t	fpong;
	_Atomic uint64_t	count[4];
	_Atomic uint64_t	lost[4];
	_Atomic uint64_t	t_end[4];
	struct hist		h;
};

static struct shared	*sh;
static uint64_t		 n_thru = 4000000, n_lat = 20000;
static unsigned		 rate = 20000;

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
shared_mem(size_t len)
{
	void	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, 0, len);
	return p;
}

static void
reset(void)
{
	memset(sh, 0, sizeof *sh);
	hist_reset(&sh->h);
}

static void
wait_children(void)
{
	int	status;

	while (wait(&status) > 0)
		;
}

/* Wait until the intended send time of message i at the fixed rate. */
static uint64_t
pace(uint64_t start, uint64_t i)
{
	uint64_t	at = start + i * (1000000000u / rate);

	while (now_ns() < at)
		;
	return at;
}

static void
row(const char *what, const char *unit, double v, double ref,
    const char *against)
{
	if (ref > 0)
		printf("  %-44s %-7s %10.2f %8.2fx %s\n", what, unit, v, v / ref,
		    against);
	else
		printf("  %-44s %-7s %10.2f\n", what, unit, v);
}

/* Floors ------------------------------------------------------------------- */

static void
floor_spin(uint64_t n, double *p50, double *p99)
{
	struct hist	h;
	uint64_t	i, t;

	if (fork() == 0) {
		for (i = 1; i <= n; i++) {
			while (atomic_load_explicit(&sh->ping,
			    memory_order_acquire) != i)
				;
			atomic_store_explicit(&sh->pong, i,
			    memory_order_release);
		}
		_exit(0);
	}
	hist_reset(&h);
	for (i = 1; i <= n; i++) {
		t = now_ns();
		atomic_store_explicit(&sh->ping, i, memory_order_release);
		while (atomic_load_explicit(&sh->pong, memory_order_acquire) != i)
			;
		hist_record(&h, (now_ns() - t) / 2);
	}
	wait_children();
	*p50 = (double)hist_quantile(&h, 0.5);
	*p99 = (double)hist_quantile(&h, 0.99);
}

static void
floor_futex(uint64_t n, double *p50, double *p99)
{
	struct hist	h;
	uint64_t	i, t;

	if (fork() == 0) {
		for (i = 1; i <= n; i++) {
			while (atomic_load(&sh->fping) != (uint32_t)i)
				futex_wait(&sh->fping, (uint32_t)i - 1, 0);
			atomic_store(&sh->fpong, (uint32_t)i);
			futex_wake(&sh->fpong, 1);
		}
		_exit(0);
	}
	hist_reset(&h);
	for (i = 1; i <= n; i++) {
		t = now_ns();
		atomic_store(&sh->fping, (uint32_t)i);
		futex_wake(&sh->fping, 1);
		while (atomic_load(&sh->fpong) != (uint32_t)i)
			futex_wait(&sh->fpong, (uint32_t)i - 1, 0);
		hist_record(&h, (now_ns() - t) / 2);
	}
	wait_children();
	*p50 = (double)hist_quantile(&h, 0.5);
	*p99 = (double)hist_quantile(&h, 0.99);
}

/* The bus ------------------------------------------------------------------ */

static struct ring *
bus_new(uint32_t nslots)
{
	struct ring	*r = malloc(sizeof *r);
	size_t		 len = ring_size(nslots, 128);
	void		*mem = shared_mem(len);

	if (ring_init(mem, len, nslots, 128, 0, NULL) != 0 ||
	    ring_open(r, mem, len, NULL) != 0)
		exit(1);
	return r;
}

static void
bus_free(struct ring *r)
{
	munmap(r->sh, ring_size(r->sh->nslots, r->sh->slot_size));
	free(r);
}

/* A subscriber process: read until `total` sequences are accounted for. */
static void
bus_subscriber(struct ring *r, unsigned id, uint64_t total, uint64_t spin_ns,
    bool latency)
{
	struct ring_event	*ev = malloc(sizeof *ev);
	struct ring_sub		 s;
	uint64_t		 stamp;

	ring_sub_init(&s, r, 0, NULL);
	atomic_fetch_add(&sh->ready, 1);
	while (s.received + s.lost + s.aborted < total) {
		if (ring_read(&s, ev) == 1) {
			if (latency) {
				memcpy(&stamp, ev->payload, sizeof stamp);
				hist_record(&sh->h, now_ns() - stamp);
			}
			continue;
		}
		ring_wait(&s, spin_ns, 100000000);
	}
	atomic_store(&sh->count[id], s.received);
	atomic_store(&sh->lost[id], s.lost);
	atomic_store(&sh->t_end[id], now_ns());
	free(ev);
	_exit(0);
}

static double
bus_throughput(unsigned producers, unsigned subscribers, uint64_t *lost,
    double *syscalls)
{
	struct ring	*r = bus_new(65536);
	unsigned char	 msg[MSG];
	uint64_t	 t0, end = 0, delivered = 0, i, per = n_thru / producers;
	unsigned	 p, s;

	reset();
	memset(msg, 'm', sizeof msg);
	for (s = 0; s < subscribers; s++)
		if (fork() == 0)
			bus_subscriber(r, s, per * producers, 50000, false);
	while (atomic_load(&sh->ready) < subscribers)
		;
	t0 = now_ns();
	for (p = 0; p < producers; p++)
		if (fork() == 0) {
			struct ring	mine;

			ring_open(&mine, r->sh, ring_size(65536, 128), NULL);
			for (i = 0; i < per; i++)
				ring_publish(&mine, "bench", NULL, NULL, msg,
				    sizeof msg);
			_exit(0);
		}
	wait_children();
	*lost = 0;
	for (s = 0; s < subscribers; s++) {
		delivered += sh->count[s];
		*lost += sh->lost[s];
		if (sh->t_end[s] > end)
			end = sh->t_end[s];
	}
	*syscalls = (double)(atomic_load(&r->sh->wakes) +
	    atomic_load(&r->sh->sleeps)) / (double)(per * producers);
	bus_free(r);
	return (double)delivered / ((double)(end - t0) / 1e9) / 1e6;
}

static void
bus_latency(uint64_t spin_ns, struct hist *out)
{
	struct ring	*r = bus_new(65536);
	unsigned char	 msg[MSG];
	uint64_t	 i, start, at;

	reset();
	memset(msg, 'l', sizeof msg);
	if (fork() == 0)
		bus_subscriber(r, 0, n_lat, spin_ns, true);
	while (atomic_load(&sh->ready) < 1)
		;
	start = now_ns() + 1000000;
	for (i = 0; i < n_lat; i++) {
		at = pace(start, i);
		memcpy(msg, &at, sizeof at);
		ring_publish(r, "bench", NULL, NULL, msg, sizeof msg);
	}
	wait_children();
	*out = sh->h;
	bus_free(r);
}

/* Peers --------------------------------------------------------------------- */

/* fd pair carrying MSG-byte messages: latency with a blocking reader. */
static void
fd_latency(int rfd, int wfd, struct hist *out)
{
	unsigned char	msg[MSG];
	uint64_t	i, start, at, stamp;

	reset();
	if (fork() == 0) {
		close(wfd);
		for (i = 0; i < n_lat; i++) {
			size_t	got = 0;
			ssize_t	n;

			while (got < MSG && (n = read(rfd, msg + got,
			    MSG - got)) > 0)
				got += (size_t)n;
			memcpy(&stamp, msg, sizeof stamp);
			hist_record(&sh->h, now_ns() - stamp);
		}
		_exit(0);
	}
	close(rfd);
	memset(msg, 'u', sizeof msg);
	start = now_ns() + 1000000;
	for (i = 0; i < n_lat; i++) {
		at = pace(start, i);
		memcpy(msg, &at, sizeof at);
		if (write(wfd, msg, MSG) != MSG)
			exit(1);
	}
	close(wfd);
	wait_children();
	*out = sh->h;
}

static double
fd_throughput(int rfd, int wfd)
{
	unsigned char	msg[MSG];
	uint64_t	i, t0, n = n_thru / 4;

	memset(msg, 't', sizeof msg);
	t0 = now_ns();
	if (fork() == 0) {
		close(wfd);
		for (i = 0; i < n; i++)
			if (read(rfd, msg, MSG) != MSG)
				_exit(1);
		_exit(0);
	}
	close(rfd);
	for (i = 0; i < n; i++)
		if (write(wfd, msg, MSG) != MSG)
			exit(1);
	close(wfd);
	wait_children();
	return (double)n / ((double)(now_ns() - t0) / 1e9) / 1e6;
}

static double
zmq_throughput(void)
{
	const char	*ep = "ipc:///tmp/orch-bench-zmq-push";
	unsigned char	 msg[MSG];
	uint64_t	 i, t0, n = n_thru / 4;
	void		*ctx, *s;

	memset(msg, 'z', sizeof msg);
	if (fork() == 0) {
		ctx = zmq_ctx_new();
		s = zmq_socket(ctx, ZMQ_PULL);
		zmq_bind(s, ep);
		atomic_store(&sh->ready, 1);
		for (i = 0; i < n; i++)
			zmq_recv(s, msg, sizeof msg, 0);
		zmq_close(s);
		zmq_ctx_destroy(ctx);
		_exit(0);
	}
	while (atomic_load(&sh->ready) == 0)
		;
	ctx = zmq_ctx_new();
	s = zmq_socket(ctx, ZMQ_PUSH);
	zmq_connect(s, ep);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		zmq_send(s, msg, sizeof msg, 0);
	wait_children();
	t0 = now_ns() - t0;
	zmq_close(s);
	zmq_ctx_destroy(ctx);
	atomic_store(&sh->ready, 0);
	return (double)n / ((double)t0 / 1e9) / 1e6;
}

/*
 * A pub/sub sender: warm-up messages until the subscriber says it receives
 * (ZeroMQ and nng drop what is sent before a subscription is in place),
 * then the stamped open-loop run ('L'), then end markers ('E') until the
 * subscriber is done (pub/sub may drop; the marker may too).
 */
static void
open_loop_send(void (*send)(void *, const void *, size_t), void *sock)
{
	unsigned char	msg[MSG];
	uint64_t	i, start, at;

	memset(msg, 'w', sizeof msg);
	while (atomic_load(&sh->ready) == 0) {
		send(sock, msg, sizeof msg);
		usleep(1000);
	}
	memset(msg, 'L', sizeof msg);
	start = now_ns() + 1000000;
	for (i = 0; i < n_lat; i++) {
		at = pace(start, i);
		memcpy(msg, &at, sizeof at);
		send(sock, msg, sizeof msg);
	}
	memset(msg, 'E', sizeof msg);
	while (waitpid(-1, NULL, WNOHANG) == 0) {
		send(sock, msg, sizeof msg);
		usleep(1000);
	}
	atomic_store(&sh->ready, 0);
}

static void
zmq_send_cb(void *sock, const void *msg, size_t len)
{
	zmq_send(sock, msg, len, 0);
}

static void
nng_send_cb(void *sock, const void *msg, size_t len)
{
	nng_send(*(nng_socket *)sock, (void *)msg, len, 0);
}

static void
zmq_latency(struct hist *out)
{
	const char	*ep = "ipc:///tmp/orch-bench-zmq-pub";
	unsigned char	 msg[MSG];
	uint64_t	 stamp;
	void		*ctx, *s;
	int		 zero = 0;

	reset();
	if (fork() == 0) {
		ctx = zmq_ctx_new();
		s = zmq_socket(ctx, ZMQ_SUB);
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
		zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero);
		zmq_connect(s, ep);
		/* Slow joiner: say we are here only once messages flow. */
		zmq_recv(s, msg, sizeof msg, 0);
		atomic_store(&sh->ready, 1);
		/* Until the end marker: pub/sub may drop under load. */
		for (;;) {
			zmq_recv(s, msg, sizeof msg, 0);
			if (msg[8] == 'E')
				break;
			if (msg[8] != 'L')
				continue;
			memcpy(&stamp, msg, sizeof stamp);
			hist_record(&sh->h, now_ns() - stamp);
		}
		zmq_close(s);
		zmq_ctx_destroy(ctx);
		_exit(0);
	}
	ctx = zmq_ctx_new();
	s = zmq_socket(ctx, ZMQ_PUB);
	zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero);
	zmq_bind(s, ep);
	open_loop_send(zmq_send_cb, s);
	atomic_store(&sh->ready, 0);
	zmq_close(s);
	zmq_ctx_destroy(ctx);
	*out = sh->h;
}

static void
nng_latency(struct hist *out)
{
	const char	*ep = "ipc:///tmp/orch-bench-nng-pub";
	unsigned char	*buf;
	uint64_t	 stamp;
	nng_socket	 s;
	size_t		 len;

	reset();
	if (fork() == 0) {
		nng_sub0_open(&s);
		nng_setopt(s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
		nng_dial(s, ep, NULL, NNG_FLAG_NONBLOCK);
		nng_recv(s, &buf, &len, NNG_FLAG_ALLOC);
		nng_free(buf, len);
		atomic_store(&sh->ready, 1);
		for (;;) {
			if (nng_recv(s, &buf, &len, NNG_FLAG_ALLOC) != 0)
				continue;
			if (len == MSG && buf[8] == 'E') {
				nng_free(buf, len);
				break;
			}
			if (len == MSG && buf[8] == 'L') {
				memcpy(&stamp, buf, sizeof stamp);
				hist_record(&sh->h, now_ns() - stamp);
			}
			nng_free(buf, len);
		}
		nng_close(s);
		_exit(0);
	}
	nng_pub0_open(&s);
	nng_listen(s, ep, NULL, 0);
	open_loop_send(nng_send_cb, &s);
	nng_close(s);
	atomic_store(&sh->ready, 0);
	*out = sh->h;
}

/* The bank ----------------------------------------------------------------- */

static double
bank_rate(bool writes, unsigned procs)
{
	uint32_t	 entries = 4096;
	uint64_t	 arena = 16u << 20;
	size_t		 len = bank_size(entries, arena);
	void		*mem = shared_mem(len);
	struct bank	 b;
	unsigned char	 val[MSG];
	uint64_t	 t0, total = 0, dur = 300000000;
	unsigned	 p, i;
	char		 key[32];

	if (bank_init(mem, len, entries, arena, 4096, NULL) != 0 ||
	    bank_open(&b, mem, len, NULL) != 0)
		exit(1);
	memset(val, 'b', sizeof val);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "bench/%u", i);
		bank_write(&b, key, val, sizeof val, "bench", BANK_PUBLIC,
		    BANK_ANY, NULL);
	}
	reset();
	for (p = 0; p < procs; p++)
		if (fork() == 0) {
			struct bank_meta	 m;
			void			*v;
			uint64_t		 n = 0, end = now_ns() + dur;

			uint64_t		 ok = 0;

			while (now_ns() < end) {
				for (i = 0; i < 64; i++, n++) {
					snprintf(key, sizeof key, "bench/%u",
					    (unsigned)((n * 7 + p) % 1000));
					if (writes) {
						if (bank_write(&b, key, val,
						    sizeof val, "bench",
						    BANK_PUBLIC, BANK_ANY,
						    NULL) == 0)
							ok++;
					} else if (bank_read(&b, key, &v, &m) ==
					    0) {
						free(v);
						ok++;
					}
				}
			}
			/* Only operations that succeeded count. */
			atomic_store(&sh->count[p], ok);
			_exit(0);
		}
	t0 = now_ns();
	wait_children();
	(void)t0;
	for (p = 0; p < procs; p++)
		total += sh->count[p];
	munmap(mem, len);
	return (double)total / ((double)dur / 1e9) / 1e6;
}

int
main(int argc, char **argv)
{
	struct hist	h;
	double		spin50, spin99, fut50, fut99, v, zmq_t, uds_t, sc;
	double		uds50 = 0;
	uint64_t	lost;
	int		sp[2];

	if (argc > 1 && strcmp(argv[1], "-q") == 0) {
		n_thru = 1000000;
		n_lat = 5000;
	}
	signal(SIGPIPE, SIG_IGN);
	sh = shared_mem(sizeof *sh);

	printf("orch event bus and memory bank, between processes, same run\n");
	printf("  %-44s %-7s %10s %9s\n", "", "", "value", "ratio");

	floor_spin(200000, &spin50, &spin99);
	floor_futex(20000, &fut50, &fut99);
	row("floor: shm spin one-way p50", "ns", spin50, 0, "");
	row("floor: shm spin one-way p99", "ns", spin99, 0, "");
	row("floor: futex one-way p50", "us", fut50 / 1e3, 0, "");
	row("floor: futex one-way p99", "us", fut99 / 1e3, 0, "");

	printf("  throughput, %d-byte events\n", MSG);
	v = bus_throughput(1, 1, &lost, &sc);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
	uds_t = fd_throughput(sp[0], sp[1]);
	zmq_t = zmq_throughput();
	row("bus 1 -> 1 (Mevents/s)", "M/s", v, zmq_t, "of zmq PUSH/PULL");
	row("bus 1 -> 1 vs UDS per message", "M/s", v, uds_t, "of UDS");
	printf("  %-44s %-7s %10llu   syscalls/event %.4f\n",
	    "  (lapped: events lost by the subscriber)", "",
	    (unsigned long long)lost, sc);
	v = bus_throughput(1, 2, &lost, &sc);
	row("bus 1 -> 2 (deliveries/s)", "M/s", v, 0, "");
	printf("  %-44s %-7s %10llu   syscalls/event %.4f\n",
	    "  (lost, both subscribers)", "", (unsigned long long)lost, sc);
	{
		double	one = bus_throughput(1, 1, &lost, &sc);

		v = bus_throughput(2, 1, &lost, &sc);
		row("bus 2 -> 1", "M/s", v, one, "of 1 producer");
	}
	row("zmq PUSH/PULL ipc", "M/s", zmq_t, 0, "");
	row("UDS seqpacket, one message per syscall", "M/s", uds_t, 0, "");
	{
		int	pf[2];

		if (pipe(pf) == 0)
			row("pipe, one message per syscall", "M/s",
			    fd_throughput(pf[0], pf[1]), 0, "");
	}

	printf("  one-way latency, open loop at %u/s\n", rate);
	bus_latency(1000000000, &h);
	row("bus, spinning subscriber p50", "ns",
	    (double)hist_quantile(&h, 0.5), spin50, "of spin floor");
	row("bus, spinning subscriber p99", "ns",
	    (double)hist_quantile(&h, 0.99), spin99, "of spin floor p99");
	row("bus, spinning subscriber p99.9", "ns",
	    (double)hist_quantile(&h, 0.999), 0, "");
	row("bus, spinning subscriber max", "ns", (double)h.max, 0, "");
	bus_latency(0, &h);
	row("bus, sleeping subscriber p50", "us",
	    (double)hist_quantile(&h, 0.5) / 1e3, fut50 / 1e3, "of futex floor");
	row("bus, sleeping subscriber p99", "us",
	    (double)hist_quantile(&h, 0.99) / 1e3, fut99 / 1e3,
	    "of futex floor p99");
	row("bus, sleeping subscriber p99.9", "us",
	    (double)hist_quantile(&h, 0.999) / 1e3, 0, "");
	row("bus, sleeping subscriber max", "us", (double)h.max / 1e3, 0, "");
	{
		double	bus_sleep50 = (double)hist_quantile(&h, 0.5);

		socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
		fd_latency(sp[0], sp[1], &h);
		uds50 = (double)hist_quantile(&h, 0.5);
		row("UDS one-way p50", "us", uds50 / 1e3, 0, "");
		row("UDS one-way p99", "us", (double)hist_quantile(&h, 0.99) /
		    1e3, 0, "");
		{
			int	pf[2];

			if (pipe(pf) == 0) {
				fd_latency(pf[0], pf[1], &h);
				row("pipe one-way p50", "us", (double)
				    hist_quantile(&h, 0.5) / 1e3, 0, "");
			}
		}
		zmq_latency(&h);
		row("zmq PUB/SUB ipc one-way p50", "us", (double)
		    hist_quantile(&h, 0.5) / 1e3, 0, "");
		row("zmq PUB/SUB ipc one-way p99", "us", (double)
		    hist_quantile(&h, 0.99) / 1e3, 0, "");
		row("  sleeping bus p50 vs zmq", "x", bus_sleep50 /
		    (double)hist_quantile(&h, 0.5), 0, "");
		nng_latency(&h);
		row("nng pub/sub ipc one-way p50", "us", (double)
		    hist_quantile(&h, 0.5) / 1e3, 0, "");
		row("nng pub/sub ipc one-way p99", "us", (double)
		    hist_quantile(&h, 0.99) / 1e3, 0, "");
		row("  sleeping bus p50 vs UDS", "x", bus_sleep50 / uds50, 0,
		    "");
	}

	printf("  memory bank, 64-byte values, 1000 keys\n");
	row("bank reads, 2 processes", "Mops/s", bank_rate(false, 2), 0, "");
	row("bank writes, 2 processes", "Mops/s", bank_rate(true, 2), 0, "");
	row("bank writes, 1 process", "Mops/s", bank_rate(true, 1), 0, "");
	printf("  targets: 1->1 >= 10 M/s, >= 2x zmq, >= 10x UDS; 1->2 >= 10 M/s;"
	    " 2->1 >= 0.5x 1->1;\n  spinning p50 <= 2.5x spin floor, p99 <= "
	    "500 ns; sleeping p50 <= 1.1x futex floor,\n  p99 <= 1.5x its p99;"
	    " bank reads >= 10 M/s, writes >= 2 M/s\n");
	return 0;
}
