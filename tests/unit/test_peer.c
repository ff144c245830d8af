#include "tests/unit/unit.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <msgpack.h>

#include "common/clock.h"
#include "ipc/frame.h"
#include "ipc/peer.h"
#include "ipc/sock.h"

#define OP_NOACK	"noack"		/* ntf the server never acks */
#define OP_HANG		"hang"		/* req the server never answers */
#define OP_DIE		"die"		/* server writes half a frame, dies */

struct fixture {
	char			 dir[48];
	char			 path[100];
	pid_t			 server;
	struct event_base	*base;
	struct event		*tick;
};

/* Server side ------------------------------------------------------------ */

static int		 srv_closed;

static void
srv_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{

	(void)arg;
	if (env->kind == IPC_KIND_NTF) {
		if (env->ack && strcmp(env->op, OP_NOACK) != 0)
			peer_ack(p, env, IPC_OK, NULL);
		return;
	}
	if (strcmp(env->op, IPC_OP_ECHO) == 0)
		peer_reply_object(p, env, env->has_body ? &env->body : NULL);
	else if (strcmp(env->op, IPC_OP_PING) == 0)
		peer_reply(p, env, IPC_OK, NULL, NULL, 0);
	else if (strcmp(env->op, OP_DIE) == 0) {
		/* Promise 100 bytes, deliver 10, vanish. */
		static const char half[14] = "\0\0\0\x64" "0123456789";
		int	fd = *(int *)arg;

		if (write(fd, half, sizeof half) != sizeof half)
			_exit(3);
		raise(SIGKILL);
	} else if (strcmp(env->op, OP_HANG) != 0)
		peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
srv_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	(void)err;
	(void)why;
	(void)arg;
	srv_closed++;
	peer_free(p);
}

static int	srv_fd;

static void
srv_accept_cb(int fd, void *arg)
{
	static const struct peer_cbs	cbs = { srv_dispatch_cb, srv_closed_cb };

	srv_fd = fd;
	peer_new(arg, fd, "client", NULL, &cbs, &srv_fd);
}

static struct sock_listener *
srv_listen(struct event_base *base, const char *path)
{
	return sock_listener_new(base, path, srv_accept_cb, NULL, base, NULL);
}

/* Fork a server process; return once it listens. */
static pid_t
spawn_server(const char *path)
{
	int	 pfd[2];
	pid_t	 pid;
	char	 c;

	assert_int_equal(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		struct event_base	*base = event_base_new();

		close(pfd[0]);
		if (srv_listen(base, path) == NULL)
			_exit(2);
		if (write(pfd[1], "r", 1) != 1)
			_exit(2);
		event_base_dispatch(base);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return pid;
}

/* Client side ------------------------------------------------------------ */

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);
	struct timeval	 tv = { 0, 5000 };

	snprintf(f->dir, sizeof f->dir, "/tmp/orch-test-peer-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/s.sock", f->dir);
	f->base = event_base_new();
	/* A steady tick so the loop returns often enough to check deadlines. */
	f->tick = event_new(f->base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(f->tick, &tv);
	srv_closed = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	if (f->server > 0) {
		kill(f->server, SIGKILL);
		waitpid(f->server, NULL, 0);
	}
	event_free(f->tick);
	event_base_free(f->base);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Run the loop until *flag reaches want or timeout_ms passes. */
static bool
wait_for(struct fixture *f, const int *flag, int want, int timeout_ms)
{
	uint64_t	deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (*flag < want && clock_now_ns() < deadline)
		event_base_loop(f->base, EVLOOP_ONCE);
	return *flag >= want;
}

struct result {
	int		done;
	int		err;
	int		errs[1024];
	uint64_t	value;
	bool		mismatch;
	uint64_t	at_ns;
};

static void
result_cb(struct peer *p, int err, const struct envelope *reply, void *arg)
{
	struct result	*r = arg;

	(void)p;
	r->err = err;
	if (r->done < 1024)
		r->errs[r->done] = err;
	if (err == IPC_OK && reply->has_body &&
	    reply->body.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		r->value = reply->body.via.u64;
	r->at_ns = clock_now_ns();
	r->done++;
}

static int	client_closed;
static int	client_closed_err;

static void
client_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	(void)p;
	(void)why;
	(void)arg;
	client_closed++;
	client_closed_err = err;
}

static struct peer *
client(struct fixture *f)
{
	static const struct peer_cbs	cbs = { NULL, client_closed_cb };
	int				fd = sock_connect(f->path, NULL);

	assert_true(fd >= 0);
	client_closed = 0;
	return peer_new(f->base, fd, "server", NULL, &cbs, NULL);
}

static size_t
pack_uint(char *buf, uint64_t v)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	size_t		n;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_uint64(&pk, v);
	memcpy(buf, sb.data, sb.size);
	n = sb.size;
	msgpack_sbuffer_destroy(&sb);
	return n;
}

static void
test_request_response(void **state)
{
	struct fixture	*f = *state;
	struct peer	*p;
	struct result	 r = { 0 };
	char		 body[16];
	size_t		 n = pack_uint(body, 123456789);

	f->server = spawn_server(f->path);
	p = client(f);
	assert_true(peer_request(p, IPC_OP_ECHO, body, n, 0, result_cb, &r) > 0);
	assert_true(wait_for(f, &r.done, 1, 5000));
	assert_int_equal(r.err, IPC_OK);
	assert_int_equal(r.value, 123456789);

	assert_true(peer_request(p, IPC_OP_PING, NULL, 0, 0, result_cb, &r) > 0);
	assert_true(wait_for(f, &r.done, 2, 5000));
	assert_int_equal(r.err, IPC_OK);

	assert_true(peer_request(p, "no.such.op", NULL, 0, 0, result_cb,
	    &r) > 0);
	assert_true(wait_for(f, &r.done, 3, 5000));
	assert_int_equal(r.err, IPC_E_UNKNOWN_OP);

	/* Notifications need no answer and leave nothing pending. */
	assert_int_equal(peer_notify(p, IPC_OP_SINK, body, n), 0);
	assert_int_equal(peer_pending(p), 0);
	assert_true(peer_stats(p)->frames_out == 4);
	peer_free(p);
}

struct many {
	int	done;
	int	wrong;
};

static struct many	many;

static void
many_cb(struct peer *p, int err, const struct envelope *reply, void *arg)
{
	(void)p;
	/* Each answer must carry the number its own request carried. */
	if (err != IPC_OK || !reply->has_body ||
	    reply->body.via.u64 != (uint64_t)(uintptr_t)arg)
		many.wrong++;
	many.done++;
}

static void
test_thousand_in_flight(void **state)
{
	struct fixture	*f = *state;
	struct peer	*p;
	char		 body[16];

	f->server = spawn_server(f->path);
	p = client(f);
	memset(&many, 0, sizeof many);
	for (uintptr_t i = 0; i < 1000; i++) {
		size_t	n = pack_uint(body, i * 7919);

		assert_true(peer_request(p, IPC_OP_ECHO, body, n, 10000, many_cb,
		    (void *)(i * 7919)) > 0);
	}
	assert_int_equal(peer_pending(p), 1000);
	assert_true(wait_for(f, &many.done, 1000, 10000));
	assert_int_equal(many.wrong, 0);
	assert_int_equal(peer_pending(p), 0);
	peer_free(p);
}

static int64_t
send_acked(struct peer *p, const char *op, unsigned ms, struct result *r)
{
	struct envelope	hdr;

	memset(&hdr, 0, sizeof hdr);
	hdr.v = IPC_PROTO_VERSION;
	hdr.kind = IPC_KIND_NTF;
	hdr.ack = true;
	hdr.pri = IPC_PRI_HIGH;
	snprintf(hdr.op, sizeof hdr.op, "%s", op);
	snprintf(hdr.to, sizeof hdr.to, "server");
	return peer_request_env(p, &hdr, NULL, 0, ms, result_cb, r);
}

static void
test_ack_and_deadline(void **state)
{
	struct fixture	*f = *state;
	struct peer	*p;
	struct result	 acked = { 0 }, lost = { 0 }, hung = { 0 };
	uint64_t	 start;

	f->server = spawn_server(f->path);
	p = client(f);
	start = clock_now_ns();
	assert_true(send_acked(p, IPC_OP_SINK, 5000, &acked) > 0);
	assert_true(send_acked(p, OP_NOACK, 150, &lost) > 0);
	assert_true(peer_request(p, OP_HANG, NULL, 0, 300, result_cb,
	    &hung) > 0);
	assert_true(wait_for(f, &acked.done, 1, 5000));
	assert_int_equal(acked.err, IPC_OK);
	assert_true(wait_for(f, &lost.done, 1, 5000));
	assert_int_equal(lost.err, IPC_E_TIMEOUT);
	assert_true(wait_for(f, &hung.done, 1, 5000));
	assert_int_equal(hung.err, IPC_E_TIMEOUT);
	/* Not before their deadlines, and in deadline order. */
	assert_true(lost.at_ns - start >= 150 * 1000000ull);
	assert_true(hung.at_ns - start >= 300 * 1000000ull);
	assert_true(lost.at_ns < hung.at_ns);
	/* The connection is still good afterwards. */
	assert_true(peer_is_open(p));
	assert_true(peer_request(p, IPC_OP_PING, NULL, 0, 0, result_cb,
	    &acked) > 0);
	assert_true(wait_for(f, &acked.done, 2, 5000));
	assert_int_equal(acked.err, IPC_OK);
	peer_free(p);
}

/* The server dies in the middle of a frame: nobody waits for deadlines. */
static void
test_server_dies_mid_frame(void **state)
{
	struct fixture	*f = *state;
	struct peer	*p;
	struct result	 r = { 0 };
	uint64_t	 start;
	int		 st;

	f->server = spawn_server(f->path);
	p = client(f);
	for (int i = 0; i < 10; i++)
		assert_true(peer_request(p, OP_HANG, NULL, 0, 30000, result_cb,
		    &r) > 0);
	start = clock_now_ns();
	assert_true(peer_request(p, OP_DIE, NULL, 0, 30000, result_cb, &r) > 0);
	assert_true(wait_for(f, &r.done, 11, 5000));
	assert_true(clock_now_ns() - start < 5000 * 1000000ull);
	for (int i = 0; i < 11; i++)
		assert_int_equal(r.errs[i], IPC_E_PEER_GONE);
	assert_int_equal(client_closed, 1);
	assert_int_equal(client_closed_err, IPC_E_PEER_GONE);
	assert_false(peer_is_open(p));
	/* Sending on a closed peer is an error, not a silent drop. */
	assert_int_equal(peer_request(p, IPC_OP_PING, NULL, 0, 0, result_cb,
	    &r), -IPC_E_PEER_GONE);
	assert_int_equal(peer_notify(p, IPC_OP_SINK, NULL, 0),
	    -IPC_E_PEER_GONE);
	assert_int_equal(waitpid(f->server, &st, 0), f->server);
	assert_true(WIFSIGNALED(st));
	f->server = 0;
	peer_free(p);
}

/*
 * Sanitizer shadow memory multiplies what the process touches; the bounds
 * below are about catching gigabyte reservations, so scale them.
 */
#if defined(__SANITIZE_THREAD__)
#define RSS_SLACK	4
#else
#define RSS_SLACK	1
#endif

/* Peak resident set, after resetting it where the kernel allows. */
static long
peak_rss_kb(bool reset)
{
	char	 line[128];
	long	 kb = -1;
	FILE	*fp;

	if (reset && (fp = fopen("/proc/self/clear_refs", "w")) != NULL) {
		fputs("5", fp);
		fclose(fp);
	}
	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	}
	fclose(fp);
	return kb;
}

/* Connect a raw client to our own listener and send bytes. */
static int
raw_client(struct fixture *f, const void *bytes, size_t n)
{
	int	fd = sock_connect(f->path, NULL);

	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
	if (n > 0)
		assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	return fd;
}

/* Read one frame from a blocking fd with a deadline; 0 on EOF/timeout. */
static int
raw_read_frame(int fd, struct envelope *env)
{
	static const struct ipc_limits	lim = IPC_LIMITS_DEFAULT;
	uint8_t				buf[4096];
	size_t				have = 0;
	struct pollfd			pfd = { fd, POLLIN, 0 };

	while (poll(&pfd, 1, 5000) == 1) {
		ssize_t	n = read(fd, buf + have, sizeof buf - have);

		if (n <= 0)
			return 0;
		have += (size_t)n;
		if (have >= 4 && have >= 4 + frame_get_length(buf))
			return envelope_decode(env, buf + 4,
			    frame_get_length(buf), &lim, NULL) == 0;
	}
	return 0;
}

static void
test_hostile_clients_served_in_process(void **state)
{
	struct fixture		*f = *state;
	struct sock_listener	*l;
	struct envelope		 env;
	static const char *const hostile[] = {
		"\x00\x00\x00\x05\xdd\xff\xff\xff\xff",
		"\x00\x00\x00\x05\xdd\x10\x00\x00\x00",
		"\x00\x00\x00\x05\xdb\xff\xff\xff\xff",
		"\x00\x00\x00\x05\xc6\xff\xff\xff\xff",
		"\x00\x00\x00\x05\xdf\xff\xff\xff\xff",
		"\xff\xff\xff\xff",
	};
	static const size_t	 lens[] = { 9, 9, 9, 9, 9, 4 };
	uint8_t			*deep;
	long			 before, after;
	int			 fd, st, closed_want = 0;
	pid_t			 pid;

	envelope_init(&env);
	l = srv_listen(f->base, f->path);
	assert_non_null(l);

	before = peak_rss_kb(true);
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		fd = raw_client(f, hostile[i], lens[i]);
		closed_want++;
		assert_true(wait_for(f, &srv_closed, closed_want, 5000));
		/* The client is told why before the connection ends. */
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		assert_true(raw_read_frame(fd, &env));
		assert_string_equal(env.op, IPC_OP_ERROR);
		assert_true(env.err == IPC_E_PARSE || env.err == IPC_E_TOO_BIG);
		close(fd);
	}
	/* Headers claiming gigabytes cost next to nothing. */
	after = peak_rss_kb(false);
	print_message("peak RSS growth, hostile headers: %ld kB\n",
	    after - before);
	if (before > 0 && after > 0)
		assert_true(after - before < 1024 * RSS_SLACK);

	/*
	 * A million nested arrays in one 1 MB frame: the frame is buffered
	 * whole (it is under the limit) before it is checked, so it may cost
	 * a small multiple of its size, never more.
	 */
	before = peak_rss_kb(true);
	deep = malloc(1000004);
	frame_put_length(deep, 1000000);
	memset(deep + 4, 0x91, 1000000);
	fd = raw_client(f, NULL, 0);
	{
		size_t	off = 0;
		ssize_t	n;

		/* Our own loop must read while we write a large frame. */
		fcntl(fd, F_SETFL, O_NONBLOCK);
		while (off < 1000004) {
			n = write(fd, deep + off, 1000004 - off);
			if (n > 0)
				off += (size_t)n;
			event_base_loop(f->base, EVLOOP_NONBLOCK);
			if (srv_closed > closed_want)
				break;
		}
	}
	closed_want++;
	assert_true(wait_for(f, &srv_closed, closed_want, 5000));
	close(fd);
	free(deep);
	after = peak_rss_kb(false);
	print_message("peak RSS growth, 1 MB deep frame: %ld kB\n",
	    after - before);
	if (before > 0 && after > 0)
		assert_true(after - before < 6144 * RSS_SLACK);

	/* A client killed in the middle of a frame. */
	if ((pid = fork()) == 0) {
		int	cfd = sock_connect(f->path, NULL);

		if (cfd < 0 || write(cfd, "\x00\x00\x01\x00\x81", 5) != 5)
			_exit(2);
		raise(SIGKILL);
	}
	closed_want++;
	assert_true(wait_for(f, &srv_closed, closed_want, 5000));
	assert_int_equal(waitpid(pid, &st, 0), pid);

	/* A well-framed envelope with a bad field: answered, kept open. */
	{
		/* {v:1, id:257, k:"req"}: a req without "op" */
		static const char bad[] = "\x00\x00\x00\x10"
		    "\x83\xa1v\x01\xa2id\xcd\x01\x01\xa1k\xa3req";
		static const char ping[] = "\x00\x00\x00\x18"
		    "\x84\xa1v\x01\xa2id\xcd\x01\x02\xa1k\xa3req\xa2op\xa4ping";

		fd = raw_client(f, bad, sizeof bad - 1);
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		assert_true(raw_read_frame(fd, &env));
		assert_int_equal(env.kind, IPC_KIND_RES);
		assert_int_equal(env.id, 257);
		assert_int_equal(env.err, IPC_E_PROTO);
		assert_int_equal(write(fd, ping, sizeof ping - 1),
		    (ssize_t)sizeof ping - 1);
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		assert_true(raw_read_frame(fd, &env));
		assert_int_equal(env.id, 258);
		assert_int_equal(env.err, IPC_OK);
		close(fd);
		closed_want++;
		assert_true(wait_for(f, &srv_closed, closed_want, 5000));
	}

	/* After all that, a good client is served. */
	{
		struct peer	*p = client(f);
		struct result	 r = { 0 };
		char		 body[16];
		size_t		 n = pack_uint(body, 99);

		assert_true(peer_request(p, IPC_OP_ECHO, body, n, 0, result_cb,
		    &r) > 0);
		assert_true(wait_for(f, &r.done, 1, 5000));
		assert_int_equal(r.err, IPC_OK);
		assert_int_equal(r.value, 99);
		peer_free(p);
		/* Our server side sees the close and lets its peer go. */
		closed_want++;
		assert_true(wait_for(f, &srv_closed, closed_want, 5000));
	}
	sock_listener_free(l);
	envelope_done(&env);
}

static int	refused;

static void
refuse_cb(const char *why, void *arg)
{
	(void)arg;
	if (strstr(why, "uid") != NULL)
		refused++;
}

static void
test_foreign_uid_refused(void **state)
{
	struct fixture		*f = *state;
	struct sock_listener	*l;
	pid_t			 pid;
	int			 st, exited = 0;

	if (geteuid() != 0) {
		print_message("skipped: changing uid needs root\n");
		skip();
	}
	refused = 0;
	l = sock_listener_new(f->base, f->path, srv_accept_cb, refuse_cb,
	    f->base, NULL);
	assert_non_null(l);
	/* Open the door on purpose so only SO_PEERCRED stands in the way. */
	chmod(f->dir, 0755);
	chmod(f->path, 0666);
	if ((pid = fork()) == 0) {
		struct sockaddr_un	sa = { .sun_family = AF_UNIX };
		char			c;
		int			fd;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(10);
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
			_exit(11);
		(void)write(fd, "\x00\x00\x00\x01\xc0", 5);
		/*
		 * Refused: the server closes without a word (a reset when it
		 * closed with our bytes still unread).
		 */
		{
			ssize_t	n = read(fd, &c, 1);

			_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 12);
		}
	}
	while (!exited) {
		event_base_loop(f->base, EVLOOP_ONCE);
		if (waitpid(pid, &st, WNOHANG) == pid)
			exited = 1;
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(refused, 1);
	sock_listener_free(l);
}

/* With nothing reading the other end, sends past the limit are refused. */
static void
test_backpressure(void **state)
{
	struct fixture		*f = *state;
	struct ipc_limits	 lim = IPC_LIMITS_DEFAULT;
	struct peer		*p;
	char			*body = malloc(70000);
	int			 sv[2], rc = 0, sent = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	lim.max_queued = 256 * 1024;
	p = peer_new(f->base, sv[0], "slow", &lim, NULL, NULL);
	memset(body, 0, 70000);
	body[0] = (char)0xc6;	/* bin32 of 69995 random-ish bytes */
	body[1] = 0;
	body[2] = 1;
	body[3] = 0x11;
	body[4] = 0x6b;
	for (int i = 5; i < 70000; i++)
		body[i] = (char)(rand() & 0xff);
	while (sent < 100 && (rc = peer_notify(p, IPC_OP_SINK, body,
	    70000)) == 0)
		sent++;
	assert_int_equal(rc, -IPC_E_BUSY);
	assert_true(sent >= 3 && sent < 10);
	peer_free(p);
	close(sv[1]);
	free(body);
}

/*
 * A freed peer's descriptor is closed as peer_free returns, not when the
 * loop next runs: a burst of closes must not hold every descriptor.
 */
static void
test_free_closes_at_once(void **state)
{
	struct fixture	*f = *state;
	struct peer	*p;
	char		 c;
	int		 sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_non_null(p = peer_new(f->base, sv[0], "brief", NULL, NULL,
	    NULL));
	peer_free(p);
	assert_int_equal(fcntl(sv[0], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(read(sv[1], &c, 1), 0);	/* EOF, loop not run */
	close(sv[1]);
	/* What the loop still has to finalize touches no descriptor. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

/* A callback may free the peer that called it. */
static struct peer	*self_freeing;

static void
free_self_cb(struct peer *p, int err, const struct envelope *reply, void *arg)
{
	struct result	*r = arg;

	(void)reply;
	assert_ptr_equal(p, self_freeing);
	r->err = err;
	r->done++;
	peer_free(p);
}

static void
test_free_inside_callback(void **state)
{
	struct fixture	*f = *state;
	struct result	 first = { 0 }, rest = { 0 };
	struct peer	*p;

	f->server = spawn_server(f->path);
	p = self_freeing = client(f);
	assert_true(peer_request(p, IPC_OP_PING, NULL, 0, 0, free_self_cb,
	    &first) > 0);
	/* These are still pending when the peer is freed: told at once. */
	for (int i = 0; i < 5; i++)
		assert_true(peer_request(p, OP_HANG, NULL, 0, 30000, result_cb,
		    &rest) > 0);
	assert_true(wait_for(f, &first.done, 1, 5000));
	assert_int_equal(first.err, IPC_OK);
	assert_int_equal(rest.done, 5);
	assert_int_equal(rest.err, IPC_E_PEER_GONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_hostile_clients_served_in_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_response,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_thousand_in_flight,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_and_deadline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_dies_mid_frame,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_uid_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_closes_at_once,
		    setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
