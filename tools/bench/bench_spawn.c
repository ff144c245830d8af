/*
 * bench_spawn: how fast an agent comes up and comes back.
 *
 *   floor        fork + exec + wait of /bin/true, the least any process
 *                supervisor can do
 *   spawn        fork + exec of orch-actor to its "ready" answer (the
 *                session's shell started, its socket listening), through
 *                the same spawn and link code the supervisor uses
 *   crash        kill -9 of an actor under a real orch-supervisor until
 *                the supervisor reports it idle again with a new pid
 *                (detection, policy, spawn, ready, as a user sees it)
 *
 * plus the resident memory of the supervisor and of one actor.
 *
 * usage: bench_spawn [-n COUNT] [BINDIR]
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/compat.h"
#include "common/clock.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "supervisor/config.h"
#include "supervisor/spawn.h"
#include "tools/bench/hist.h"
#include "tools/client.h"

static void
die(const char *what)
{
	fprintf(stderr, "bench_spawn: %s\n", what);
	exit(1);
}

static void
floor_once(struct hist *h)
{
	uint64_t	t0 = clock_now_ns();
	pid_t		pid;
	int		status;

	pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	hist_record(h, clock_now_ns() - t0);
}

struct spawn_ctx {
	struct event_base	*base;
	bool			 ready;
};

static void
spawn_ready_cb(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	struct spawn_ctx	*ctx = arg;

	(void)p;
	(void)env;
	if (err != IPC_OK)
		die("actor did not start");
	ctx->ready = true;
	event_base_loopbreak(ctx->base);
}

/* One actor, spawned and initialised like the supervisor does it. */
static void
spawn_once(struct hist *h, const char *actor, const struct agent_config *ac)
{
	struct spawn_ctx	 ctx;
	struct peer		*link;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	char			*argv[] = { (char *)"orch-actor", (char *)"-L",
				    (char *)"bench", (char *)"--link",
				    (char *)"3", (char *)ac->id, NULL };
	char			*cause = NULL;
	int			 fds[2], status;
	uint64_t		 t0;
	pid_t			 pid;

	ctx.base = event_base_new();
	ctx.ready = false;
	t0 = clock_now_ns();
	if (compat_socketpair(AF_UNIX, SOCK_STREAM, COMPAT_CLOEXEC, fds) == -1)
		die("socketpair");
	if ((pid = spawn_actor(actor, argv, fds[1], -1, &cause)) == -1)
		die(cause);
	close(fds[1]);
	link = peer_new(ctx.base, fds[0], "actor", NULL, NULL, NULL);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_str(&pk, "agent");
	agent_config_pack(&pk, ac);
	peer_request(link, IPC_OP_ACTOR_INIT, sb.data, sb.size, 10000,
	    spawn_ready_cb, &ctx);
	msgpack_sbuffer_destroy(&sb);
	while (!ctx.ready)
		event_base_loop(ctx.base, EVLOOP_ONCE);
	hist_record(h, clock_now_ns() - t0);
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	peer_free(link);
	event_base_free(ctx.base);
}

/* The agent's pid when it is idle, else 0. */
static long
crash_idle_pid(struct client *c)
{
	const msgpack_object	*res, *agents;
	char			 st[32];
	int64_t			 pid = 0;

	if (client_call(c, IPC_OP_STATUS, NULL, 0, 5000, &res) != IPC_OK)
		die("status failed");
	agents = body_get(res, "agents");
	if (agents == NULL || agents->type != MSGPACK_OBJECT_ARRAY ||
	    agents->via.array.size < 1)
		die("no agents");
	if (body_str(&agents->via.array.ptr[0], "status", st, sizeof st) != 0 ||
	    strcmp(st, "idle") != 0)
		return 0;
	body_i64(&agents->via.array.ptr[0], "pid", &pid);
	return (long)pid;
}

static long
rss_kb(long pid)
{
	char	path[64], line[256];
	long	kb = -1;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
row(const char *what, const struct hist *h, const struct hist *floor)
{
	double	p50 = (double)hist_quantile(h, 0.5) / 1e6;
	double	p99 = (double)hist_quantile(h, 0.99) / 1e6;
	double	f50 = (double)hist_quantile(floor, 0.5) / 1e6;

	printf("  %-34s %9.2f %9.2f %9.2f %8.1fx\n", what, p50, p99,
	    (double)h->max / 1e6, p50 / f50);
}

int
main(int argc, char **argv)
{
	struct agent_config	 ac;
	struct config		*cfg;
	struct hist		 hf, hs, hc;
	struct client		 c;
	const char		*bindir = "build/bin";
	char			 xdg[] = "/tmp/orch-bench-XXXXXX", sup[PATH_MAX],
				 actor[PATH_MAX], yaml[PATH_MAX + 32],
				 *cause = NULL;
	long			 old, now, srss, arss;
	unsigned		 n = 200, i;
	int			 ch, status, saved_err, null;
	pid_t			 spid;
	FILE			*f;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		if (ch != 'n' || (n = (unsigned)atoi(optarg)) == 0) {
			fprintf(stderr, "usage: bench_spawn [-n COUNT] "
			    "[BINDIR]\n");
			return 2;
		}
	}
	if (optind < argc)
		bindir = argv[optind];
	snprintf(sup, sizeof sup, "%s/orch-supervisor", bindir);
	snprintf(actor, sizeof actor, "%s/orch-actor", bindir);
	if (mkdtemp(xdg) == NULL)
		die("mkdtemp");
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	signal(SIGPIPE, SIG_IGN);

	/* The agent both measurements start: a /bin/sh session. */
	if ((cfg = config_load_string("bench", "agents:\n  - id: b1\n"
	    "    session: {shell: /bin/sh}\n", NULL, &cause)) == NULL)
		die(cause);
	ac = cfg->agents[0];
	{
		char	dir[PATH_MAX + 32];

		snprintf(dir, sizeof dir, "%s/orch", xdg);
		mkdir(dir, 0700);
		snprintf(dir, sizeof dir, "%s/orch/bench", xdg);
		mkdir(dir, 0700);
		snprintf(dir, sizeof dir, "%s/orch/bench/actors", xdg);
		mkdir(dir, 0700);
	}

	hist_reset(&hf);
	hist_reset(&hs);
	hist_reset(&hc);
	/* The actors log to stderr; not into the table. */
	saved_err = dup(STDERR_FILENO);
	if ((null = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(null, STDERR_FILENO) == -1)
		die("/dev/null");
	for (i = 0; i < n; i++) {
		floor_once(&hf);
		spawn_once(&hs, actor, &ac);
	}
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	close(null);

	/*
	 * Crash to ready under the real supervisor. Only the first restart
	 * after a crash is immediate (later ones in the window back off), so
	 * between kills a requested restart clears the agent's history.
	 */
	snprintf(yaml, sizeof yaml, "%s/orch.yaml", xdg);
	if ((f = fopen(yaml, "w")) == NULL)
		die("orch.yaml");
	fprintf(f, "agents:\n  - id: b1\n    session: {shell: /bin/sh}\n"
	    "    restart: {policy: permanent, max: 1, within: 1}\n");
	fclose(f);
	spid = fork();
	if (spid == 0) {
		if (freopen(getenv("BENCH_SUP_LOG") ? getenv("BENCH_SUP_LOG") : "/dev/null", "w", stderr) == NULL)
			_exit(127);
		execl(sup, "orch-supervisor", "-L", "crash", "-c", yaml,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (client_open(&c, event_base_new(), "crash", NULL, NULL, NULL,
		    NULL) == 0)
			break;
		client_done(&c);
		usleep(10000);
	}
	if (c.peer == NULL)
		die("supervisor did not start");
	while ((old = crash_idle_pid(&c)) == 0)
		usleep(1000);
	srss = rss_kb(spid);
	arss = rss_kb(old);
	for (i = 0; i < n; i++) {
		uint64_t	t0;

		t0 = clock_now_ns();
		kill(old, SIGKILL);
		while ((now = crash_idle_pid(&c)) == 0 || now == old)
			usleep(100);
		hist_record(&hc, clock_now_ns() - t0);
		old = now;
		if (i + 1 < n) {
			const msgpack_object	*res;

			if (client_call_str(&c, IPC_OP_AGENT_RESTART, "id",
			    "b1", 10000, &res) != IPC_OK)
				die(c.errmsg);
			while ((old = crash_idle_pid(&c)) == 0)
				usleep(100);
		}
	}
	client_done(&c);
	kill(spid, SIGTERM);
	waitpid(spid, &status, 0);
	config_free(cfg);

	printf("orch agent start and restart, %u of each, same run (ms)\n", n);
	printf("  %-34s %9s %9s %9s %9s\n", "", "p50", "p99", "max",
	    "vs floor");
	row("floor: fork+exec+wait /bin/true", &hf, &hf);
	row("spawn: fork+exec actor to ready", &hs, &hf);
	row("crash: kill -9 to idle again", &hc, &hf);
	printf("  targets: crash p50 <= 3 ms, p99 <= 10 ms\n");
	printf("  RSS: supervisor %ld kB (target <= 10240), actor %ld kB "
	    "(target <= 4096)\n", srss, arss);
	{
		char	cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof cmd, "rm -rf %s", xdg);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
