/*
 * bench_ipc: orch ipc (frames + msgpack envelopes + libevent peers) beside
 * a minimal raw Unix-socket peer doing the same work, in the same run, so
 * the cost of the layer is a ratio rather than a number from another day.
 *
 *   closed-loop RTT     one request in flight: the floor of a round trip
 *   open-loop one-way   a fixed-rate sender stamps each message with the
 *                       time it was *meant* to go; the receiver measures
 *                       from that stamp, so queueing behind a slow send is
 *                       counted (no coordinated omission)
 *   throughput          one-way; "flush each": the sender asks for a write
 *                       after every message (raw: one blocking write each;
 *                       orch: one non-blocking write attempt each, so when
 *                       the socket is full the queued messages leave
 *                       together); "batch 64": 64 messages per write
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <msgpack.h>

#include "common/clock.h"
#include "common/log.h"
#include "ipc/frame.h"
#include "ipc/peer.h"
#include "tools/bench/hist.h"

#define RATE		20000u		/* open-loop messages per second */
#define BATCH		64u
#define READ_CHUNK	(256 * 1024)

static unsigned	scale = 1;	/* -q divides the counts by 10 */

static void
write_all(int fd, const void *buf, size_t n)
{
	const char	*p = buf;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			fatal("write");
		}
		p += w;
		n -= (size_t)w;
	}
}

static int
read_all(int fd, void *buf, size_t n)
{
	char	*p = buf;
	ssize_t	 r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
wait_until(uint64_t t)
{
	uint64_t	now;

	while ((now = clock_now_ns()) < t) {
		if (t - now > 200000) {
			struct timespec	ts = { 0, (long)(t - now - 100000) };

			nanosleep(&ts, NULL);
		}
	}
}

/* A msgpack bin body of n bytes whose first 8 bytes can hold a stamp. */
static msgpack_sbuffer
make_body(size_t n)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	char		*pad = calloc(1, n);

	uint64_t	x = 0x9e3779b97f4a7c15ull;

	/* Random bytes: LZ4 must not flatter orch by shrinking them. */
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pad[i] = (char)x;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_bin_with_body(&pk, pad, n);
	free(pad);
	return sb;
}

/* Offset of the bin payload inside the packed body. */
static size_t
bin_offset(size_t n)
{
	return n < 256 ? 2 : n < 65536 ? 3 : 5;
}

static void
stamp(msgpack_sbuffer *sb, size_t n, uint64_t t)
{
	memcpy(sb->data + bin_offset(n), &t, sizeof t);
}

static pid_t
fork_child(void)
{
	pid_t	pid = fork();

	if (pid < 0)
		fatal("fork");
	return pid;
}

static void
reap(pid_t pid)
{
	int	st;

	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fatalx("benchmark child failed (status 0x%x)", st);
}

/* Raw peer: a length prefix and the payload, nothing else. ---------- */

static void
raw_echo_child(int fd)
{
	uint8_t		 hdr[4];
	char		*buf = malloc(1 << 20);
	uint32_t	 n;

	while (read_all(fd, hdr, 4) == 0) {
		n = frame_get_length(hdr);
		if (read_all(fd, buf, n) != 0)
			break;
		write_all(fd, hdr, 4);
		write_all(fd, buf, n);
	}
	_exit(0);
}

static void
raw_rtt(size_t size, unsigned iters, struct hist *h)
{
	int		 sv[2];
	pid_t		 pid;
	char		*buf = malloc(size + 4), *in = malloc(size + 4);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if ((pid = fork_child()) == 0) {
		close(sv[0]);
		raw_echo_child(sv[1]);
	}
	close(sv[1]);
	frame_put_length((uint8_t *)buf, (uint32_t)size);
	memset(buf + 4, 'r', size);
	for (unsigned i = 0; i < iters; i++) {
		uint64_t	t0 = clock_now_ns();

		write_all(sv[0], buf, size + 4);
		if (read_all(sv[0], in, size + 4) != 0)
			fatalx("raw echo lost");
		hist_record(h, clock_now_ns() - t0);
	}
	close(sv[0]);
	reap(pid);
	free(buf);
	free(in);
}

/* Reads frames from fd; with a pipe, records stamp latency and reports. */
static void
raw_sink_child(int fd, int report, uint64_t want, bool stamped)
{
	static struct hist	 h;
	char			*buf = malloc(READ_CHUNK + (1 << 20));
	size_t			 have = 0, off;
	uint64_t		 got = 0, t;
	ssize_t			 r;

	hist_reset(&h);
	while (got < want && (r = read(fd, buf + have, READ_CHUNK)) > 0) {
		have += (size_t)r;
		off = 0;
		while (have - off >= 4) {
			uint32_t	n = frame_get_length((uint8_t *)buf + off);

			if (have - off < 4 + (size_t)n)
				break;
			if (stamped) {
				memcpy(&t, buf + off + 4, sizeof t);
				hist_record(&h, clock_now_ns() - t);
			}
			got++;
			off += 4 + n;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (stamped)
		write_all(report, &h, sizeof h);
	else
		write_all(report, "d", 1);
	_exit(got == want ? 0 : 1);
}

static void
raw_oneway(size_t size, unsigned count, struct hist *h)
{
	int		 sv[2], pfd[2];
	pid_t		 pid;
	char		*buf = calloc(1, size + 4);
	uint64_t	 start;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (pipe(pfd) != 0)
		fatal("pipe");
	if ((pid = fork_child()) == 0) {
		close(sv[0]);
		raw_sink_child(sv[1], pfd[1], count, true);
	}
	close(sv[1]);
	frame_put_length((uint8_t *)buf, (uint32_t)size);
	start = clock_now_ns() + 1000000;
	for (unsigned i = 0; i < count; i++) {
		uint64_t	t = start + (uint64_t)i * 1000000000u / RATE;

		wait_until(t);
		memcpy(buf + 4, &t, sizeof t);
		write_all(sv[0], buf, size + 4);
	}
	if (read_all(pfd[0], h, sizeof *h) != 0)
		fatalx("raw one-way: no report");
	close(sv[0]);
	close(pfd[0]);
	close(pfd[1]);
	reap(pid);
	free(buf);
}

static double
raw_tput(size_t size, unsigned count, unsigned batch)
{
	int		 sv[2], pfd[2];
	pid_t		 pid;
	size_t		 one = size + 4;
	char		*buf = calloc(batch, one), done;
	uint64_t	 t0;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (pipe(pfd) != 0)
		fatal("pipe");
	if ((pid = fork_child()) == 0) {
		close(sv[0]);
		raw_sink_child(sv[1], pfd[1], count, false);
	}
	close(sv[1]);
	for (unsigned j = 0; j < batch; j++)
		frame_put_length((uint8_t *)buf + j * one, (uint32_t)size);
	t0 = clock_now_ns();
	for (unsigned i = 0; i < count; i += batch)
		write_all(sv[0], buf, one * (count - i < batch ? count - i : batch));
	if (read_all(pfd[0], &done, 1) != 0)
		fatalx("raw throughput: no report");
	t0 = clock_now_ns() - t0;
	close(sv[0]);
	close(pfd[0]);
	close(pfd[1]);
	reap(pid);
	free(buf);
	return (double)count / ((double)t0 / 1e9);
}

/* orch peers on both sides. ------------------------------------------ */

struct orch_child {
	struct event_base	*base;
	struct hist		 h;
	uint64_t		 got, want;
	int			 report;
	bool			 stamped;
};

static void
orch_child_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	struct orch_child	*c = arg;
	uint64_t		 t;

	if (env->kind == IPC_KIND_REQ) {
		peer_reply_object(p, env, &env->body);
		return;
	}
	if (c->stamped && env->body.type == MSGPACK_OBJECT_BIN) {
		memcpy(&t, env->body.via.bin.ptr, sizeof t);
		hist_record(&c->h, clock_now_ns() - t);
	}
	if (++c->got == c->want) {
		if (c->stamped)
			write_all(c->report, &c->h, sizeof c->h);
		else
			write_all(c->report, "d", 1);
		event_base_loopbreak(c->base);
	}
}

static void
orch_child_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	struct orch_child	*c = arg;

	(void)p;
	(void)err;
	(void)why;
	event_base_loopbreak(c->base);
}

static void
orch_child(int fd, int report, uint64_t want, bool stamped)
{
	static const struct peer_cbs	 cbs = {
		orch_child_dispatch_cb, orch_child_closed_cb
	};
	static struct orch_child	 c;
	struct peer			*p;

	c.base = event_base_new();
	hist_reset(&c.h);
	c.want = want;
	c.report = report;
	c.stamped = stamped;
	p = peer_new(c.base, fd, "bench", NULL, &cbs, &c);
	event_base_dispatch(c.base);
	peer_free(p);
	_exit(want == 0 || c.got == want ? 0 : 1);
}

static void
orch_rtt_cb(struct peer *p, int err, const struct envelope *reply, void *arg)
{
	(void)p;
	(void)reply;
	if (err != IPC_OK)
		fatalx("orch echo failed: %s", proto_strerror(err));
	*(bool *)arg = true;
}

static void
orch_rtt(size_t size, unsigned iters, struct hist *h)
{
	struct event_base	*base;
	struct peer		*p;
	msgpack_sbuffer		 body = make_body(size);
	int			 sv[2];
	pid_t			 pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if ((pid = fork_child()) == 0) {
		close(sv[0]);
		orch_child(sv[1], -1, 0, false);
	}
	close(sv[1]);
	base = event_base_new();
	p = peer_new(base, sv[0], "bench", NULL, NULL, NULL);
	for (unsigned i = 0; i < iters; i++) {
		uint64_t	t0 = clock_now_ns();
		bool		done = false;

		if (peer_request(p, IPC_OP_ECHO, body.data, body.size, 0,
		    orch_rtt_cb, &done) < 0)
			fatalx("orch request failed");
		peer_flush(p);
		while (!done)
			event_base_loop(base, EVLOOP_ONCE);
		hist_record(h, clock_now_ns() - t0);
	}
	peer_free(p);
	event_base_free(base);
	reap(pid);
	msgpack_sbuffer_destroy(&body);
}

/* Send count notifications, batch per loop turn; keep the queue bounded. */
static void
orch_send(struct event_base *base, struct peer *p, msgpack_sbuffer *body,
    size_t size, unsigned count, unsigned batch, bool paced)
{
	uint64_t	start = clock_now_ns() + 1000000;

	for (unsigned i = 0; i < count; i += batch) {
		for (unsigned j = 0; j < batch && i + j < count; j++) {
			if (paced) {
				uint64_t t = start +
				    (uint64_t)(i + j) * 1000000000u / RATE;

				wait_until(t);
				stamp(body, size, t);
			}
			if (peer_notify(p, IPC_OP_SINK, body->data,
			    body->size) != 0)
				fatalx("orch notify failed");
		}
		/* One write per batch; batch 1 is one write per message. */
		peer_flush(p);
		while (peer_queued(p) > (4u << 20))
			event_base_loop(base, EVLOOP_ONCE);
	}
	while (peer_queued(p) > 0)
		event_base_loop(base, EVLOOP_ONCE);
}

static double
orch_oneway_or_tput(size_t size, unsigned count, unsigned batch,
    struct hist *h)
{
	struct event_base	*base;
	struct peer		*p;
	msgpack_sbuffer		 body = make_body(size);
	int			 sv[2], pfd[2];
	pid_t			 pid;
	uint64_t		 t0;
	char			 done;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (pipe(pfd) != 0)
		fatal("pipe");
	if ((pid = fork_child()) == 0) {
		close(sv[0]);
		orch_child(sv[1], pfd[1], count, h != NULL);
	}
	close(sv[1]);
	base = event_base_new();
	p = peer_new(base, sv[0], "bench", NULL, NULL, NULL);
	t0 = clock_now_ns();
	orch_send(base, p, &body, size, count, batch, h != NULL);
	if (h != NULL) {
		if (read_all(pfd[0], h, sizeof *h) != 0)
			fatalx("orch one-way: no report");
	} else if (read_all(pfd[0], &done, 1) != 0)
		fatalx("orch throughput: no report");
	t0 = clock_now_ns() - t0;
	peer_free(p);
	event_base_free(base);
	close(pfd[0]);
	close(pfd[1]);
	reap(pid);
	msgpack_sbuffer_destroy(&body);
	return (double)count / ((double)t0 / 1e9);
}

/* Report. ------------------------------------------------------------ */

static void
row(const char *what, const char *unit, double raw, double orch)
{
	printf("  %-34s %-7s %10.2f %10.2f %8.2fx\n", what, unit, raw, orch,
	    raw > 0 ? orch / raw : 0.0);
}

static void
latency_rows(const char *name, const struct hist *raw, const struct hist *o,
    bool tail)
{
	static const struct {
		const char	*label;
		double		 q;
	} qs[] = { { "p50", 0.5 }, { "p99", 0.99 }, { "p99.9", 0.999 },
	    { "max", 1.0 } };
	char	what[80];

	for (size_t i = 0; i < (tail ? 4 : 2); i++) {
		snprintf(what, sizeof what, "%s %s", name, qs[i].label);
		row(what, "us", (double)hist_quantile(raw, qs[i].q) / 1e3,
		    (double)hist_quantile(o, qs[i].q) / 1e3);
	}
}

int
main(int argc, char **argv)
{
	static const size_t	sizes[] = { 64, 4096 };
	static struct hist	hr, ho;
	unsigned		rtt_iters, oneway, tput[2];

	log_init("bench", LOGL_INFO);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "-q") == 0)
		scale = 10;
	else if (argc > 1) {
		fprintf(stderr, "usage: bench_ipc [-q]\n");
		return 2;
	}
	rtt_iters = 20000 / scale;
	oneway = RATE / scale;
	tput[0] = 1000000 / scale;
	tput[1] = 200000 / scale;

	printf("orch ipc vs raw Unix socket (socketpair, 2 processes), same run\n");
	printf("  %-34s %-7s %10s %10s %9s\n", "", "", "raw", "orch",
	    "orch/raw");
	for (size_t s = 0; s < 2; s++) {
		char	name[64];

		hist_reset(&hr);
		hist_reset(&ho);
		raw_rtt(sizes[s], rtt_iters, &hr);
		orch_rtt(sizes[s], rtt_iters, &ho);
		snprintf(name, sizeof name, "closed-loop RTT %zu B", sizes[s]);
		latency_rows(name, &hr, &ho, false);
	}
	for (size_t s = 0; s < 2; s++) {
		char	name[64];

		hist_reset(&hr);
		hist_reset(&ho);
		raw_oneway(sizes[s], oneway, &hr);
		orch_oneway_or_tput(sizes[s], oneway, 1, &ho);
		snprintf(name, sizeof name, "one-way %zu B @%uk/s", sizes[s],
		    RATE / 1000);
		latency_rows(name, &hr, &ho, true);
	}
	for (size_t s = 0; s < 2; s++) {
		char	name[64];

		snprintf(name, sizeof name, "throughput %zu B flush each",
		    sizes[s]);
		row(name, "Mmsg/s", raw_tput(sizes[s], tput[s], 1) / 1e6,
		    orch_oneway_or_tput(sizes[s], tput[s], 1, NULL) / 1e6);
		snprintf(name, sizeof name, "throughput %zu B batch %u",
		    sizes[s], BATCH);
		row(name, "Mmsg/s", raw_tput(sizes[s], tput[s], BATCH) / 1e6,
		    orch_oneway_or_tput(sizes[s], tput[s], BATCH, NULL) / 1e6);
	}
	return 0;
}
