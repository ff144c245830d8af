/*
 * orch-ipc-demo: a small server and client speaking the orch wire protocol,
 * used by `make run`, the end-to-end tests and as a worked example of the
 * ipc layer.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <msgpack.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/envelope.h"
#include "ipc/frame.h"
#include "ipc/peer.h"
#include "ipc/sock.h"

#define DEMO_HANG	"hang"	/* request the server never answers */
#define DEMO_WINDOW	64	/* requests the client keeps in flight */
#define DEMO_FIELDS_MAX	16

static void
usage(FILE *f)
{
	fprintf(f,
"usage: orch-ipc-demo [-v] serve SOCKET\n"
"       orch-ipc-demo [-v] call SOCKET [-n COUNT] [-s SIZE] [-t MS] [-o OP]\n"
"                         [-m KEY=VALUE]...\n"
"       orch-ipc-demo [-v] raw SOCKET HEX\n"
"       orch-ipc-demo [-v] hold SOCKET flood|half|trickle|idle [N]\n"
"\n"
"serve  answer ping, echo and sink on SOCKET until SIGINT or SIGTERM\n"
"call   send COUNT (1) requests of op OP (echo) with SIZE-byte bodies (64),\n"
"       each with a deadline of MS milliseconds (5000); check every answer;\n"
"       with -m the body is a map of those strings instead (mem.put, ...)\n"
"raw    send the bytes given in HEX as is and print what comes back\n"
"hold   misbehave until the server hangs up: send N requests and never\n"
"       read the answers, half of a frame claiming N bytes, a byte a\n"
"       second, or nothing\n"
"\n"
"Exit status: 0 success, 1 a request failed, 2 usage or connection error.\n");
}

/* Server ----------------------------------------------------------------- */

struct demo_server {
	struct event_base	*base;
	unsigned		 clients;
};

static void
demo_server_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	(void)arg;
	if (env->kind == IPC_KIND_NTF) {
		if (env->ack)
			peer_ack(p, env, IPC_OK, NULL);
		return;
	}
	if (strcmp(env->op, IPC_OP_PING) == 0)
		peer_reply(p, env, IPC_OK, NULL, NULL, 0);
	else if (strcmp(env->op, IPC_OP_ECHO) == 0)
		peer_reply_object(p, env, env->has_body ? &env->body : NULL);
	else if (strcmp(env->op, DEMO_HANG) != 0)
		peer_reply(p, env, IPC_E_UNKNOWN_OP, env->op, NULL, 0);
}

static void
demo_server_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	struct demo_server	*s = arg;

	if (err != IPC_E_PEER_GONE)
		log_warnx("%s: dropped: %s", peer_name(p), why);
	else
		log_debug("%s: %s", peer_name(p), why);
	s->clients--;
	peer_free(p);
}

static void
demo_server_accept_cb(int fd, void *arg)
{
	static const struct peer_cbs	 cbs = {
		demo_server_dispatch_cb, demo_server_closed_cb
	};
	static unsigned			 n;
	struct demo_server		*s = arg;
	char				 name[32];

	snprintf(name, sizeof name, "client-%u", ++n);
	if (peer_new(s->base, fd, name, NULL, &cbs, s) == NULL) {
		log_warnx("%s: cannot set up connection", name);
		return;
	}
	s->clients++;
	log_debug("%s: connected", name);
}

static void
demo_server_refuse_cb(const char *why, void *arg)
{
	(void)arg;
	log_warnx("refused connection: %s", why);
}

static void
demo_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	(void)events;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopexit(arg, NULL);
}

static int
demo_serve(const char *path)
{
	struct demo_server	 s = { 0 };
	struct sock_listener	*l;
	struct event		*sigint, *sigterm;
	char			*cause = NULL;

	s.base = event_base_new();
	l = sock_listener_new(s.base, path, demo_server_accept_cb,
	    demo_server_refuse_cb, &s, &cause);
	if (l == NULL) {
		log_warnx("%s", cause);
		free(cause);
		event_base_free(s.base);
		return 2;
	}
	sigint = evsignal_new(s.base, SIGINT, demo_signal_cb, s.base);
	sigterm = evsignal_new(s.base, SIGTERM, demo_signal_cb, s.base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	log_info("listening on %s", path);
	event_base_dispatch(s.base);
	sock_listener_free(l);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(s.base);
	return 0;
}

/* Client ----------------------------------------------------------------- */

struct demo_client {
	struct event_base	*base;
	struct peer		*peer;
	const char		*op;
	size_t			 size;
	unsigned		 timeout_ms;
	unsigned long		 count, sent, done, ok, failed;
	uint64_t		 rtt_total;
	msgpack_sbuffer		 body;
	char			*pattern;
	char			*fields[DEMO_FIELDS_MAX];	/* -m KEY=VALUE */
	size_t			 nfields;
};

static void	demo_client_fill(struct demo_client *);

static void
demo_client_reply_cb(struct peer *p, int err, const struct envelope *reply,
    void *arg)
{
	struct demo_client	*c = arg;
	uint64_t		 sent_at;

	(void)p;
	c->done++;
	if (err != IPC_OK) {
		c->failed++;
		if (c->failed <= 5)
			log_warnx("request failed: %s%s%s", proto_strerror(err),
			    reply != NULL && reply->errmsg[0] != '\0' ? ": " :
			    "", reply != NULL ? reply->errmsg : "");
	} else if (strcmp(c->op, IPC_OP_ECHO) == 0 && (!reply->has_body ||
	    reply->body.type != MSGPACK_OBJECT_BIN ||
	    reply->body.via.bin.size != c->size + sizeof sent_at ||
	    memcmp(reply->body.via.bin.ptr + sizeof sent_at, c->pattern,
	    c->size) != 0)) {
		c->failed++;
		log_warnx("echo %lu came back different", c->done);
	} else {
		c->ok++;
		if (reply->has_body && reply->body.type == MSGPACK_OBJECT_BIN &&
		    reply->body.via.bin.size >= sizeof sent_at) {
			memcpy(&sent_at, reply->body.via.bin.ptr, sizeof sent_at);
			c->rtt_total += clock_now_ns() - sent_at;
		}
	}
	if (c->done == c->count)
		event_base_loopexit(c->base, NULL);
	else
		demo_client_fill(c);
}

/* A map of the -m strings, for ops that take named fields. */
static void
demo_client_pack_fields(struct demo_client *c, msgpack_packer *pk)
{
	const char	*eq;
	size_t		 i;

	msgpack_pack_map(pk, c->nfields);
	for (i = 0; i < c->nfields; i++) {
		eq = strchr(c->fields[i], '=');
		msgpack_pack_str(pk, (size_t)(eq - c->fields[i]));
		msgpack_pack_str_body(pk, c->fields[i],
		    (size_t)(eq - c->fields[i]));
		/* Digits are a number (wait_ms=60000), the rest a string. */
		if (eq[1] != '\0' && strspn(eq + 1, "0123456789") ==
		    strlen(eq + 1))
			msgpack_pack_uint64(pk, strtoull(eq + 1, NULL, 10));
		else {
			msgpack_pack_str(pk, strlen(eq + 1));
			msgpack_pack_str_body(pk, eq + 1, strlen(eq + 1));
		}
	}
}

static void
demo_client_fill(struct demo_client *c)
{
	msgpack_packer	pk;
	uint64_t	now;
	int64_t		rc;

	while (c->sent < c->count && c->sent - c->done < DEMO_WINDOW) {
		now = clock_now_ns();
		c->body.size = 0;
		msgpack_packer_init(&pk, &c->body, msgpack_sbuffer_write);
		if (c->nfields > 0)
			demo_client_pack_fields(c, &pk);
		else {
			msgpack_pack_bin(&pk, sizeof now + c->size);
			msgpack_pack_bin_body(&pk, &now, sizeof now);
			msgpack_pack_bin_body(&pk, c->pattern, c->size);
		}
		c->sent++;
		rc = peer_request(c->peer, c->op, c->body.data, c->body.size,
		    c->timeout_ms, demo_client_reply_cb, c);
		if (rc < 0) {
			log_warnx("cannot send: %s", proto_strerror((int)-rc));
			c->failed++;
			if (++c->done == c->count)
				event_base_loopexit(c->base, NULL);
		}
	}
}

static void
demo_client_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	(void)p;
	(void)arg;
	log_warnx("server connection ended: %s (%s)", why, proto_strerror(err));
}

static int
demo_call(const char *path, int argc, char **argv)
{
	static const struct peer_cbs	cbs = { NULL, demo_client_closed_cb };
	struct demo_client		c = { 0 };
	char				*cause = NULL, *end;
	size_t				 i;
	int				 fd, ch;

	c.op = IPC_OP_ECHO;
	c.count = 1;
	c.size = 64;
	c.timeout_ms = 5000;
	while ((ch = getopt(argc, argv, "n:s:t:o:m:")) != -1) {
		errno = 0;
		switch (ch) {
		case 'n':
			c.count = strtoul(optarg, &end, 10);
			break;
		case 's':
			c.size = strtoul(optarg, &end, 10);
			break;
		case 't':
			c.timeout_ms = (unsigned)strtoul(optarg, &end, 10);
			break;
		case 'o':
			c.op = optarg;
			end = optarg + strlen(optarg);
			break;
		case 'm':
			if (strchr(optarg, '=') == NULL ||
			    c.nfields == DEMO_FIELDS_MAX) {
				log_warnx("-m takes KEY=VALUE, at most %d times",
				    DEMO_FIELDS_MAX);
				return 2;
			}
			c.fields[c.nfields++] = optarg;
			end = optarg + strlen(optarg);
			break;
		default:
			usage(stderr);
			return 2;
		}
		if (errno != 0 || *end != '\0' || end == optarg) {
			log_warnx("-%c: not a number: %s", ch, optarg);
			return 2;
		}
	}
	if (c.count == 0 || c.size > IPC_MAX_FRAME_DEFAULT) {
		log_warnx("-n must be positive and -s at most %u",
		    IPC_MAX_FRAME_DEFAULT);
		return 2;
	}
	if ((fd = sock_connect(path, &cause)) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return 2;
	}
	c.base = event_base_new();
	c.peer = peer_new(c.base, fd, "server", NULL, &cbs, &c);
	c.pattern = xmalloc(c.size + 1);
	for (i = 0; i < c.size; i++)
		c.pattern[i] = (char)('a' + i % 26);
	msgpack_sbuffer_init(&c.body);
	demo_client_fill(&c);
	if (c.done < c.count)
		event_base_dispatch(c.base);
	printf("%s: %lu ok, %lu failed", c.op, c.ok, c.failed);
	if (c.ok > 0 && c.rtt_total > 0)
		printf(", mean round trip %.1f us",
		    (double)c.rtt_total / (double)c.ok / 1000.0);
	printf("\n");
	peer_free(c.peer);
	event_base_free(c.base);
	msgpack_sbuffer_destroy(&c.body);
	free(c.pattern);
	return c.failed == 0 ? 0 : 1;
}

/* Raw -------------------------------------------------------------------- */

static int
demo_hex(const char *hex, struct evbuffer *out)
{
	unsigned	v;

	while (*hex != '\0') {
		if (*hex == ' ' || *hex == ':') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1 || hex[1] == '\0')
			return -1;
		evbuffer_add(out, &(uint8_t){ (uint8_t)v }, 1);
		hex += 2;
	}
	return 0;
}

static int
demo_raw(const char *path, const char *hex)
{
	const struct ipc_limits	 lim = IPC_LIMITS_DEFAULT;
	struct evbuffer		*out = evbuffer_new(), *in = evbuffer_new();
	struct envelope		 env;
	const uint8_t		*payload;
	uint32_t		 len;
	char			*cause = NULL;
	int			 fd, rc, frames = 0;

	if (demo_hex(hex, out) != 0) {
		log_warnx("not a hex string: %s", hex);
		return 2;
	}
	if ((fd = sock_connect(path, &cause)) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return 2;
	}
	/* Blocking I/O: this mode only sends and prints. */
	if (fcntl(fd, F_SETFL, 0) == -1)
		fatal("fcntl");
	while (evbuffer_get_length(out) > 0) {
		if (evbuffer_write(out, fd) < 0)
			fatal("write");
	}
	shutdown(fd, SHUT_WR);
	envelope_init(&env);
	while ((rc = evbuffer_read(in, fd, 65536)) > 0) {
		while ((rc = frame_peek(in, lim.max_frame, &payload, &len,
		    &cause)) == 1) {
			frames++;
			if (envelope_decode(&env, payload, len, &lim,
			    &cause) != 0) {
				printf("undecodable answer: %s\n", cause);
				free(cause);
				cause = NULL;
			} else
				printf("%s id=%llu op=%s err=%d %s\n",
				    proto_kind_name(env.kind),
				    (unsigned long long)env.id, env.op, env.err,
				    env.errmsg);
			frame_drain(in, len);
		}
		if (rc < 0) {
			printf("bad answer frame: %s\n", cause);
			break;
		}
	}
	printf("closed after %d answer%s\n", frames, frames == 1 ? "" : "s");
	envelope_done(&env);
	evbuffer_free(out);
	evbuffer_free(in);
	close(fd);
	return 0;
}

/* Write all of buf to a blocking fd; -1 once the other side is gone. */
static int
demo_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A client that misbehaves, for testing a server's limits: flood (N
 * requests, answers never read), half (a frame claiming N bytes, half of
 * them sent), trickle (a byte a second), idle (nothing). It holds the
 * connection until the server closes it (exit 0) or it is killed.
 */
static int
demo_hold(const char *path, const char *mode, unsigned long n)
{
	struct ipc_limits	 lim = IPC_LIMITS_DEFAULT;
	struct envelope		 hdr;
	struct evbuffer		*out = evbuffer_new();
	msgpack_sbuffer		 scratch;
	unsigned char		 hbuf[FRAME_HEADER_SIZE], *chunk;
	char			*cause = NULL, c;
	unsigned long		 i;
	int			 fd;

	if ((fd = sock_connect(path, &cause)) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return 2;
	}
	/* Blocking: a full socket holds us, as a client that never reads. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	msgpack_sbuffer_init(&scratch);
	if (strcmp(mode, "flood") == 0) {
		memset(&hdr, 0, sizeof hdr);
		hdr.v = IPC_PROTO_VERSION;
		hdr.kind = IPC_KIND_REQ;
		hdr.pri = IPC_PRI_MEDIUM;
		snprintf(hdr.op, sizeof hdr.op, "%s", IPC_OP_STATUS);
		for (i = 0; i < n; i++) {
			hdr.id = i + 1;
			envelope_encode(out, &hdr, NULL, 0, &lim, &scratch, NULL);
			if (evbuffer_get_length(out) > 65536 || i + 1 == n) {
				if (demo_write_all(fd, evbuffer_pullup(out, -1),
				    evbuffer_get_length(out)) != 0)
					break;
				evbuffer_drain(out, evbuffer_get_length(out));
			}
		}
	} else if (strcmp(mode, "half") == 0) {
		frame_put_length(hbuf, (uint32_t)n);
		chunk = xcalloc(1, n / 2 + 1);
		if (demo_write_all(fd, hbuf, sizeof hbuf) == 0)
			demo_write_all(fd, chunk, n / 2);
		free(chunk);
	} else if (strcmp(mode, "trickle") == 0) {
		frame_put_length(hbuf, 64);
		for (i = 0; i < sizeof hbuf + 64; i++) {
			c = i < sizeof hbuf ? (char)hbuf[i] : 'x';
			if (demo_write_all(fd, &c, 1) != 0)
				break;
			sleep(1);
		}
	} else if (strcmp(mode, "idle") != 0) {
		usage(stderr);
		return 2;
	}
	/* Until the server hangs up. */
	while (read(fd, &c, 1) > 0 || errno == EINTR)
		;
	msgpack_sbuffer_destroy(&scratch);
	evbuffer_free(out);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int	ch, verbose = 0;

	log_init("ipc-demo", LOGL_INFO);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("orch-ipc-demo %s (protocol %d)\n", ORCH_VERSION,
		    IPC_PROTO_VERSION);
		return 0;
	}
	while ((ch = getopt(argc, argv, "+v")) != -1) {
		if (ch != 'v') {
			usage(stderr);
			return 2;
		}
		verbose++;
	}
	if (verbose)
		log_set_level(LOGL_DEBUG);
	argc -= optind;
	argv += optind;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[0], "serve") == 0 && argc == 2)
		return demo_serve(argv[1]);
	if (strcmp(argv[0], "call") == 0) {
		optind = 0;
		return demo_call(argv[1], argc - 1, argv + 1);
	}
	if (strcmp(argv[0], "raw") == 0 && argc == 3)
		return demo_raw(argv[1], argv[2]);
	if (strcmp(argv[0], "hold") == 0 && (argc == 3 || argc == 4))
		return demo_hold(argv[1], argv[2], argc == 4 ?
		    strtoul(argv[3], NULL, 10) : 0);
	usage(stderr);
	return 2;
}
