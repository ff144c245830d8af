/*
 * bench_msg: direct messages and memory-bank operations through the real
 * processes, so the cost of each layer shows:
 *
 *   messages   a client on agent A's socket (as an agent in A's session
 *              would be) sends to agent B: A's actor forwards to B's,
 *              which queues and acknowledges; one at a time (round trip)
 *              and pipelined (64 in flight, and 1024)
 *   bank       the same write three ways: an orch-ctl process per
 *              operation, requests over A's socket (what orch-ctl does
 *              inside), and bank_write on a region in this process
 *   identity   what telling the caller apart costs an orch-ctl call:
 *              connect, ping, close on the control socket (the
 *              supervisor walks the caller's ancestry at each accept)
 *              beside the same on orch-ipc-demo's socket (the same ipc
 *              code, no identity check), a ping on a connection already
 *              identified, and a whole orch-ctl process
 *
 * usage: bench_msg [BINDIR]
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/rundir.h"
#include "ipc/body.h"
#include "shm/bank.h"
#include "tools/bench/hist.h"
#include "tools/client.h"

/* What a failed run must not leave running. */
static pid_t	bench_children[2];

static void
die(const char *what)
{
	size_t	i;

	fprintf(stderr, "bench_msg: %s\n", what);
	for (i = 0; i < 2; i++)
		if (bench_children[i] > 0)
			kill(bench_children[i], SIGTERM);
	exit(1);
}

struct sender {
	struct client	*c;
	long		 sent, answered, failed, count;
	unsigned	 window;
	uint64_t	 t0;
	struct hist	*h;
	msgpack_sbuffer	 body;
	char		 why[IPC_ERRMSG_MAX + 1];	/* the first failure */
};

static void	sender_more(struct sender *s);

static void
sender_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct sender	*s = arg;

	(void)p;
	(void)env;
	s->answered++;
	if (err != IPC_OK && s->failed++ == 0)
		snprintf(s->why, sizeof s->why, "%s", env != NULL &&
		    env->errmsg[0] ? env->errmsg : proto_strerror(err));
	if (s->h != NULL)
		hist_record(s->h, clock_now_ns() - s->t0);
	sender_more(s);
}

static void
sender_more(struct sender *s)
{
	struct envelope	hdr;

	while (s->sent < s->count && s->sent - s->answered < s->window) {
		memset(&hdr, 0, sizeof hdr);
		hdr.v = IPC_PROTO_VERSION;
		hdr.kind = IPC_KIND_REQ;
		hdr.pri = IPC_PRI_MEDIUM;
		snprintf(hdr.op, sizeof hdr.op, "%s", IPC_OP_MSG_SEND);
		snprintf(hdr.to, sizeof hdr.to, "b");
		s->t0 = clock_now_ns();
		s->sent++;
		if (peer_request_env(s->c->peer, &hdr, s->body.data,
		    s->body.size, 10000, sender_cb, s) < 0)
			die("send failed");
	}
}

/* count messages with window in flight; returns messages per second. */
static double
send_run(struct client *c, long count, unsigned window, struct hist *h)
{
	struct sender	s;
	msgpack_packer	pk;
	uint64_t	t0;
	char		text[64];

	memset(&s, 0, sizeof s);
	s.c = c;
	s.count = count;
	s.window = window;
	s.h = h;
	memset(text, 'm', sizeof text);
	msgpack_sbuffer_init(&s.body);
	msgpack_packer_init(&pk, &s.body, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "type", "notification");
	body_pack_kv_bin(&pk, "content", text, sizeof text);
	t0 = clock_now_ns();
	sender_more(&s);
	while (s.answered < s.count)
		event_base_loop(c->base, EVLOOP_ONCE);
	t0 = clock_now_ns() - t0;
	msgpack_sbuffer_destroy(&s.body);
	if (s.failed > 0) {
		char	msg[IPC_ERRMSG_MAX + 64];

		snprintf(msg, sizeof msg, "%ld of %ld messages failed: %s",
		    s.failed, s.count, s.why);
		die(msg);
	}
	return (double)count / ((double)t0 / 1e9);
}

static double
ctl_processes(const char *bindir, const char *instance, int n)
{
	char		 ctl[PATH_MAX], key[32];
	uint64_t	 t0 = clock_now_ns();
	int		 i, status;
	pid_t		 pid;

	snprintf(ctl, sizeof ctl, "%s/orch-ctl", bindir);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "bench/%d", i % 100);
		if ((pid = fork()) == 0) {
			if (freopen("/dev/null", "w", stdout) == NULL)
				_exit(127);
			execl(ctl, "orch-ctl", "-L", instance, "mem", "put", key,
			    "value", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("orch-ctl mem put failed");
	}
	return (double)n / ((double)(clock_now_ns() - t0) / 1e9);
}

/* p50 and p99 of n connect-ping-close rounds on the socket at path. */
static void
connect_pings(const char *path, int n, double *p50, double *p99)
{
	const msgpack_object	*res;
	struct client		 c;
	struct hist		 h;
	uint64_t		 t0;
	int			 i;

	hist_reset(&h);
	for (i = 0; i < n; i++) {
		t0 = clock_now_ns();
		if (client_start_socket(&c, "bench_msg", path) != 0 ||
		    client_call(&c, IPC_OP_PING, NULL, 0, 10000, &res) !=
		    IPC_OK)
			die("ping");
		client_done(&c);
		hist_record(&h, clock_now_ns() - t0);
	}
	*p50 = (double)hist_quantile(&h, 0.5) / 1e3;
	*p99 = (double)hist_quantile(&h, 0.99) / 1e3;
}

/* p50 of n pings on one open connection. */
static double
open_pings(struct client *c, int n)
{
	const msgpack_object	*res;
	struct hist		 h;
	uint64_t		 t0;
	int			 i;

	hist_reset(&h);
	for (i = 0; i < n; i++) {
		t0 = clock_now_ns();
		if (client_call(c, IPC_OP_PING, NULL, 0, 10000, &res) != IPC_OK)
			die("ping");
		hist_record(&h, clock_now_ns() - t0);
	}
	return (double)hist_quantile(&h, 0.5) / 1e3;
}

/* p50 of n orch-ctl status processes. */
static double
ctl_status_p50(const char *bindir, const char *instance, int n)
{
	struct hist	 h;
	char		 ctl[PATH_MAX];
	uint64_t	 t0;
	int		 i, status;
	pid_t		 pid;

	snprintf(ctl, sizeof ctl, "%s/orch-ctl", bindir);
	hist_reset(&h);
	for (i = 0; i < n; i++) {
		t0 = clock_now_ns();
		if ((pid = fork()) == 0) {
			if (freopen("/dev/null", "w", stdout) == NULL)
				_exit(127);
			execl(ctl, "orch-ctl", "-L", instance, "status",
			    (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("orch-ctl status failed");
		hist_record(&h, clock_now_ns() - t0);
	}
	return (double)hist_quantile(&h, 0.5) / 1e3;
}

static double
socket_puts(struct client *c, int n)
{
	const msgpack_object	*res;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint64_t		 t0 = clock_now_ns();
	char			 key[32];
	int			 i;

	msgpack_sbuffer_init(&sb);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "bench/%d", i % 100);
		sb.size = 0;
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		body_pack_kv_str(&pk, "key", key);
		body_pack_kv_bin(&pk, "value", "value", 5);
		if (client_call(c, IPC_OP_MEM_PUT, sb.data, sb.size, 10000,
		    &res) != IPC_OK)
			die(c->errmsg);
	}
	msgpack_sbuffer_destroy(&sb);
	return (double)n / ((double)(clock_now_ns() - t0) / 1e9);
}

static double
library_puts(int n)
{
	uint32_t	 entries = 1024;
	uint64_t	 arena = 1 << 20;
	size_t		 len = bank_size(entries, arena);
	void		*mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct bank	 b;
	uint64_t	 t0;
	char		 key[32];
	int		 i;

	if (bank_init(mem, len, entries, arena, 4096, NULL) != 0 ||
	    bank_open(&b, mem, len, NULL) != 0)
		die("bank");
	t0 = clock_now_ns();
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "bench/%d", i % 100);
		bank_write(&b, key, "value", 5, "bench", BANK_SHARED, BANK_ANY,
		    NULL);
	}
	t0 = clock_now_ns() - t0;
	munmap(mem, len);
	return (double)n / ((double)t0 / 1e9);
}

int
main(int argc, char **argv)
{
	struct client	 c, op;
	struct hist	 h;
	const char	*bindir = argc > 1 ? argv[1] : "build/bin";
	char		 xdg[] = "/tmp/orch-bench-msg-XXXXXX", sup[PATH_MAX],
			 yaml[PATH_MAX], sock[PATH_MAX];
	double		 rtt_rate, p64, p1024, by_ctl, by_sock, by_lib;
	double		 id50, id99, raw50, raw99, open50, proc50;
	char		 ctlsock[PATH_MAX], demosock[PATH_MAX], demo[PATH_MAX];
	FILE		*f;
	pid_t		 spid, dpid;
	int		 i, status;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(xdg) == NULL)
		die("mkdtemp");
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	snprintf(yaml, sizeof yaml, "%s/orch.yaml", xdg);
	if ((f = fopen(yaml, "w")) == NULL)
		die("orch.yaml");
	fprintf(f, "agents:\n  - id: a\n    session: {shell: /bin/sh}\n"
	    "  - id: b\n    session: {shell: /bin/sh}\n    inbox: 1000000\n");
	fclose(f);
	snprintf(sup, sizeof sup, "%s/orch-supervisor", bindir);
	if ((spid = fork()) == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execl(sup, "orch-supervisor", "-L", "bm", "-c", yaml,
		    (char *)NULL);
		_exit(127);
	}
	bench_children[0] = spid;
	/* Ready when agent a's socket answers. */
	snprintf(sock, sizeof sock, "%s/orch/bm/actors/a.sock", xdg);
	for (i = 0; i < 500; i++) {
		if (access(sock, F_OK) == 0 &&
		    client_start_socket(&c, "bench_msg", sock) == 0)
			break;
		usleep(10000);
	}
	if (i == 500)
		die("agents did not start");
	if (client_start(&op, "bench_msg", "bm", NULL, NULL, NULL) != 0)
		die("no supervisor");

	hist_reset(&h);
	rtt_rate = send_run(&c, 20000, 1, &h);
	p64 = send_run(&c, 200000, 64, NULL);
	p1024 = send_run(&c, 200000, 1024, NULL);
	by_ctl = ctl_processes(bindir, "bm", 300);
	by_sock = socket_puts(&c, 20000);
	by_lib = library_puts(200000);

	/* The identity check: the supervisor's socket beside a plain one. */
	snprintf(ctlsock, sizeof ctlsock, "%s/orch/bm/control.sock", xdg);
	snprintf(demosock, sizeof demosock, "%s/demo.sock", xdg);
	snprintf(demo, sizeof demo, "%s/orch-ipc-demo", bindir);
	if ((dpid = fork()) == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execl(demo, "orch-ipc-demo", "serve", demosock, (char *)NULL);
		_exit(127);
	}
	bench_children[1] = dpid;
	for (i = 0; i < 500 && access(demosock, F_OK) != 0; i++)
		usleep(10000);
	if (i == 500)
		die("orch-ipc-demo did not start");
	connect_pings(ctlsock, 5000, &id50, &id99);
	connect_pings(demosock, 5000, &raw50, &raw99);
	open50 = open_pings(&op, 20000);
	proc50 = ctl_status_p50(bindir, "bm", 200);
	kill(dpid, SIGTERM);
	waitpid(dpid, &status, 0);

	client_done(&op);
	client_done(&c);
	kill(spid, SIGTERM);
	waitpid(spid, &status, 0);
	{
		char	cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof cmd, "rm -rf %s", xdg);
		if (system(cmd) != 0)
			return 1;
	}

	printf("direct messages, client on agent a's socket -> a's actor -> "
	    "b's actor (64-byte text)\n");
	printf("  %-44s %10.1f us   p99 %.1f us\n", "round trip, acked, one "
	    "at a time p50", (double)hist_quantile(&h, 0.5) / 1e3,
	    (double)hist_quantile(&h, 0.99) / 1e3);
	printf("  %-44s %10.0f msg/s\n", "one at a time", rtt_rate);
	printf("  %-44s %10.0f msg/s   %.1fx\n", "pipelined, 64 acks pending",
	    p64, p64 / rtt_rate);
	printf("  %-44s %10.0f msg/s   %.1fx\n", "pipelined, 1024 pending",
	    p1024, p1024 / rtt_rate);
	printf("memory bank write (same 64-byte value, 100 keys)\n");
	printf("  %-44s %10.0f ops/s   %8.1fx\n", "orch-ctl process per "
	    "operation", by_ctl, 1.0);
	printf("  %-44s %10.0f ops/s   %8.1fx\n", "requests on the agent's "
	    "socket", by_sock, by_sock / by_ctl);
	printf("  %-44s %10.0f ops/s   %8.1fx\n", "bank_write in process",
	    by_lib, by_lib / by_ctl);
	printf("caller identity: connect, ping, close (p50, p99)\n");
	printf("  %-44s %8.1f us   p99 %.1f us   %.2fx\n", "control socket "
	    "(ancestry walked at accept)", id50, id99, id50 / raw50);
	printf("  %-44s %8.1f us   p99 %.1f us   %.2fx\n", "orch-ipc-demo "
	    "socket (no identity check)", raw50, raw99, 1.0);
	printf("  %-44s %8.1f us\n", "ping on an identified connection",
	    open50);
	printf("  %-44s %8.1f us\n", "orch-ctl status, a whole process",
	    proc50);
	return 0;
}
