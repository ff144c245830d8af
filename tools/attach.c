/*
 * orch-attach: step into an agent's terminal session (like dtach or abduco),
 * list the agents, or inspect one.
 *
 * Attached, the terminal is in raw mode and every byte goes to the session
 * except the detach key (Ctrl-\ unless -e says otherwise), which is checked
 * here, client side. The terminal is restored on every way out: detach,
 * the actor or supervisor going away, a signal, or exit() from anywhere
 * (atexit).
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/rundir.h"
#include "common/tmux.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/body_json.h"
#include "tools/client.h"

#define ATTACH_TIMEOUT_MS	10000
#define ATTACH_DETACH_DEFAULT	0x1c	/* Ctrl-\ */
#define ATTACH_TAIL_BYTES	4096

static struct termios	attach_saved;
static bool		attach_raw;

struct attach {
	struct client	 client;
	const char	*agent;
	bool		 readonly;
	int		 detach_key;
	struct event	*stdin_ev;
	int		 exit_code;
	const char	*why;
	char		 reason[256];
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: orch-attach [-L instance] [-r] [-e KEY] AGENT\n"
"       orch-attach [-L instance] --tmux AGENT | --iterm [AGENT]\n"
"       orch-attach [-L instance] -l\n"
"       orch-attach [-L instance] -i AGENT [--json]\n"
"\n"
"  AGENT     attach to the agent's terminal session; detach with Ctrl-\\\n"
"  -r        read-only: see everything, type nothing into the session\n"
"  -e KEY    detach key instead of Ctrl-\\ (^X notation, or one character)\n"
"  --tmux AGENT\n"
"            attach with tmux itself to a tmux agent's session\n"
"            (tmux -L orch-INSTANCE attach -t AGENT; detach with tmux's key)\n"
"  --iterm [AGENT]\n"
"            the same in tmux control mode (-CC), which iTerm2 shows as\n"
"            native windows: AGENT's, or one tab per tmux agent\n"
"  -l        list the agents\n"
"  -i AGENT  inspect an agent: status, last exit, task history and the end\n"
"            of its scrollback (--json for JSON)\n"
"\n"
"The instance is -L, else $ORCH_INSTANCE, else \"default\".\n"
"Exit status: 0 detached or done, 1 the session ended or failed, 2 usage\n"
"error or nothing to attach to.\n");
}

static void
attach_restore(void)
{
	if (attach_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &attach_saved);
		attach_raw = false;
	}
}

static int
attach_make_raw(void)
{
	struct termios	raw;

	if (tcgetattr(STDIN_FILENO, &attach_saved) == -1)
		return -1;
	raw = attach_saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == -1)
		return -1;
	attach_raw = true;
	return 0;
}

static void
attach_write_all(const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void
attach_end(struct attach *at, int code, const char *why)
{
	at->exit_code = code;
	at->why = why;
	event_base_loopbreak(at->client.base);
}

static void
attach_send(struct attach *at, const char *op, const char *data, size_t len,
    unsigned rows, unsigned cols)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (data != NULL) {
		msgpack_pack_map(&pk, 1);
		body_pack_kv_bin(&pk, "data", data, len);
	} else {
		msgpack_pack_map(&pk, 2);
		body_pack_kv_u64(&pk, "rows", rows);
		body_pack_kv_u64(&pk, "cols", cols);
	}
	peer_notify(at->client.peer, op, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void
attach_winsize(unsigned *rows, unsigned *cols)
{
	struct winsize	ws;

	*rows = *cols = 0;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void
attach_stdin_cb(evutil_socket_t fd, short events, void *arg)
{
	struct attach	*at = arg;
	char		 buf[4096], *key;
	ssize_t		 n;

	(void)events;
	n = read(fd, buf, sizeof buf);
	if (n <= 0) {
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return;
		attach_end(at, 0, "end of input");
		return;
	}
	key = memchr(buf, at->detach_key, (size_t)n);
	if (key != NULL)
		n = key - buf;
	if (n > 0 && !at->readonly)
		attach_send(at, IPC_OP_ATTACH_INPUT, buf, (size_t)n, 0, 0);
	if (key != NULL)
		attach_end(at, 0, "detached");
}

static void
attach_dispatch_cb(struct peer *p, const struct envelope *env, void *arg)
{
	struct attach	*at = arg;
	const char	*data;
	size_t		 len;

	(void)p;
	if (strcmp(env->op, IPC_OP_ATTACH_DATA) == 0) {
		if ((data = body_bytes(&env->body, "data", &len)) != NULL)
			attach_write_all(data, len);
	} else if (strcmp(env->op, IPC_OP_ATTACH_END) == 0) {
		if (body_str(&env->body, "reason", at->reason,
		    sizeof at->reason) != 0)
			snprintf(at->reason, sizeof at->reason, "session over");
		attach_end(at, 1, at->reason);
	}
}

static void
attach_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	struct attach	*at = arg;

	(void)p;
	(void)err;
	(void)why;
	if (at->why == NULL)
		attach_end(at, 1, "the agent's actor went away");
}

static void
attach_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct attach	*at = arg;
	unsigned	 rows, cols;

	(void)events;
	if (sig == SIGWINCH) {
		attach_winsize(&rows, &cols);
		if (rows > 0 && cols > 0 && !at->readonly)
			attach_send(at, IPC_OP_ATTACH_RESIZE, NULL, 0, rows,
			    cols);
		return;
	}
	attach_end(at, 1, strsignal((int)sig));
}

static int
attach_parse_key(const char *s)
{
	if (strlen(s) == 2 && s[0] == '^')
		return s[1] == '?' ? 0x7f : (s[1] & 0x1f);
	if (strlen(s) == 1)
		return (unsigned char)s[0];
	return -1;
}

static int
attach_run(struct attach *at, const char *instance)
{
	static const struct peer_cbs	 cbs = { attach_dispatch_cb,
					    attach_closed_cb };
	const msgpack_object		*res;
	struct event_base		*base;
	struct event			*sigs[5];
	static const int		 signos[] = { SIGWINCH, SIGTERM, SIGHUP,
					    SIGINT, SIGQUIT };
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	const char			*data;
	unsigned			 rows, cols;
	size_t				 len, i;

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "orch-attach: standard input is not a "
		    "terminal\n");
		return 2;
	}
	if (client_start(&at->client, "orch-attach", instance, at->agent,
	    &cbs, at) != 0)
		return 2;
	base = at->client.base;
	attach_winsize(&rows, &cols);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_u64(&pk, "rows", rows);
	body_pack_kv_u64(&pk, "cols", cols);
	body_pack_kv_bool(&pk, "readonly", at->readonly);
	if (client_call(&at->client, IPC_OP_ATTACH_OPEN, sb.data, sb.size,
	    ATTACH_TIMEOUT_MS, &res) != IPC_OK) {
		fprintf(stderr, "orch-attach: %s: %s\n", at->agent,
		    at->client.errmsg);
		msgpack_sbuffer_destroy(&sb);
		client_done(&at->client);
		return 2;
	}
	msgpack_sbuffer_destroy(&sb);

	atexit(attach_restore);
	if (attach_make_raw() == -1) {
		fprintf(stderr, "orch-attach: cannot set the terminal: %s\n",
		    strerror(errno));
		return 2;
	}
	if ((data = body_bytes(res, "data", &len)) != NULL)
		attach_write_all(data, len);
	at->stdin_ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    attach_stdin_cb, at);
	event_add(at->stdin_ev, NULL);
	for (i = 0; i < sizeof signos / sizeof signos[0]; i++) {
		sigs[i] = evsignal_new(base, signos[i], attach_signal_cb, at);
		evsignal_add(sigs[i], NULL);
	}
	event_base_dispatch(base);

	peer_flush(at->client.peer);
	attach_restore();
	fprintf(stderr, "\r\n[%s from %s]\r\n", at->why != NULL ? at->why :
	    "detached", at->agent);
	event_free(at->stdin_ev);
	for (i = 0; i < sizeof signos / sizeof signos[0]; i++)
		event_free(sigs[i]);
	client_done(&at->client);
	return at->exit_code;
}

static int
attach_list(const char *instance)
{
	struct client		 c;
	const msgpack_object	*res;
	int			 rc = 0;

	if (client_start(&c, "orch-attach", instance, NULL, NULL, NULL) != 0)
		return 2;
	if (client_call(&c, IPC_OP_STATUS, NULL, 0, ATTACH_TIMEOUT_MS,
	    &res) == IPC_OK)
		client_print_agents(body_get(res, "agents"));
	else {
		fprintf(stderr, "orch-attach: %s\n", c.errmsg);
		rc = 1;
	}
	client_done(&c);
	return rc;
}

/* Terminal output shown as text: no escape sequence reaches our tty. */
static void
attach_print_text(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)p[i];

		if (c == '\n' || c == '\t' || c >= 0x20) {
			if (c != 0x7f)
				putchar(c);
		} else if (c != '\r')
			printf("^%c", c + '@');
	}
	if (len > 0 && p[len - 1] != '\n')
		putchar('\n');
}

static void
attach_print_inspect(const msgpack_object *res, const char *tail,
    size_t tail_len)
{
	const msgpack_object	*hist = body_get(res, "history"), *h;
	char			 s[1024], cmd[300], dur[32], name[96];
	uint64_t		 u = 0, d = 0;
	int64_t			 i64 = 0, sig = 0;
	uint32_t		 i;
	static const char *const fields[] = { "id", "type", "status",
	    "restart", "task", "command", "last_exit", "shell" };

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (body_str(res, fields[i], s, sizeof s) != 0 || s[0] == '\0')
			snprintf(s, sizeof s, "-");
		printf("%-13s %s\n", fields[i], s);
	}
	body_i64(res, "pid", &i64);
	printf("%-13s %lld\n", "pid", (long long)i64);
	body_i64(res, "session", &i64);
	printf("%-13s %lld\n", "session", (long long)i64);
	body_u64(res, "restarts", &u);
	printf("%-13s %llu\n", "restarts", (unsigned long long)u);
	printf("\ntask history (oldest first):\n");
	if (hist != NULL && hist->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < hist->via.array.size; i++) {
			h = &hist->via.array.ptr[i];
			if (body_str(h, "task", name, sizeof name) != 0)
				snprintf(name, sizeof name, "?");
			body_str(h, "status", s, sizeof s);
			body_i64(h, "exit", &i64);
			body_i64(h, "signal", &sig);
			body_u64(h, "duration_ns", &d);
			if (body_str(h, "command", cmd, sizeof cmd) != 0)
				snprintf(cmd, sizeof cmd, "?");
			printf("  %-16s %-8s %4lld  %9s  %s\n", name, s,
			    sig ? 128 + (long long)sig : (long long)i64,
			    client_duration(d, dur, sizeof dur), cmd);
		}
		if (hist->via.array.size == 0)
			printf("  (none)\n");
	}
	printf("\nscrollback (last %zu bytes):\n", tail_len);
	attach_print_text(tail, tail_len);
}

static int
attach_inspect(const char *instance, const char *agent, bool json)
{
	struct client		 c, ac;
	const msgpack_object	*res, *tres;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	const char		*tail = NULL;
	size_t			 tail_len = 0;
	int			 rc = 0;

	if (client_start(&c, "orch-attach", instance, NULL, NULL, NULL) != 0)
		return 2;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if ((rc = client_call_str(&c, IPC_OP_AGENT_INSPECT, "id", agent,
	    ATTACH_TIMEOUT_MS, &res)) != IPC_OK) {
		fprintf(stderr, "orch-attach: %s\n", c.errmsg);
		/* No such agent is the caller's mistake, as for an attach. */
		rc = rc == IPC_E_NO_PEER ? 2 : 1;
		goto out;
	}
	rc = 0;
	/* The scrollback lives in the actor; none if it is not running. */
	msgpack_pack_map(&pk, 1);
	body_pack_kv_u64(&pk, "bytes", ATTACH_TAIL_BYTES);
	if (client_open(&ac, c.base, instance, agent, NULL, NULL, NULL) == 0) {
		int	trc = client_call(&ac, IPC_OP_SESSION_TAIL, sb.data,
			    sb.size, ATTACH_TIMEOUT_MS, &tres);

		if (trc == IPC_OK)
			tail = body_bytes(tres, "data", &tail_len);
		else if (trc == IPC_E_DENIED)
			fprintf(stderr, "orch-attach: scrollback: %s\n",
			    ac.errmsg);
	}
	if (json) {
		json_t		*j = body_json(res);
		msgpack_object	 o;

		o.type = MSGPACK_OBJECT_BIN;
		o.via.bin.ptr = tail != NULL ? tail : "";
		o.via.bin.size = (uint32_t)tail_len;
		json_object_set_new(j, "scrollback", body_json(&o));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(j);
	} else
		attach_print_inspect(res, tail, tail_len);
	client_close(&ac);
out:
	msgpack_sbuffer_destroy(&sb);
	client_done(&c);
	return rc;
}

/* tmux's own client in place of ours: a person's or iTerm2's. */
static int
attach_tmux(const char *instance, bool iterm, int argc, char **argv)
{
	char	 name[TMUX_NAME_MAX], *cause = NULL;

	if (argc > 1 || (argc == 0 && !iterm)) {
		usage(stderr);
		return 2;
	}
	if (argc == 0) {
		if (tmux_view(instance, &cause) != 0)
			goto fail;
		snprintf(name, sizeof name, "%s", TMUX_VIEW_SESSION);
	} else
		tmux_session_name(argv[0], name, sizeof name);
	tmux_attach_exec(instance, name, iterm, &cause);
fail:
	fprintf(stderr, "orch-attach: %s\n", cause);
	free(cause);
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "tmux", no_argument, NULL, 't' },
		{ "iterm", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct attach			 at;
	const char			*instance = NULL, *inspect = NULL;
	bool				 list = false, json = false;
	int				 ch, tmux = 0;

	memset(&at, 0, sizeof at);
	at.detach_key = ATTACH_DETACH_DEFAULT;
	while ((ch = getopt_long(argc, argv, "L:re:li:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'L':
			instance = optarg;
			break;
		case 'r':
			at.readonly = true;
			break;
		case 'e':
			if ((at.detach_key = attach_parse_key(optarg)) < 0) {
				fprintf(stderr, "orch-attach: -e %s: expected "
				    "^X or one character\n", optarg);
				return 2;
			}
			break;
		case 'l':
			list = true;
			break;
		case 'i':
			inspect = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
		case 'I':
			tmux = ch;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("orch-attach %s\n", ORCH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	instance = rundir_instance(instance);
	if (list)
		return optind == argc ? attach_list(instance) : (usage(stderr),
		    2);
	if (inspect != NULL)
		return optind == argc ? attach_inspect(instance, inspect,
		    json) : (usage(stderr), 2);
	if (tmux != 0)
		return attach_tmux(instance, tmux == 'I', argc - optind,
		    argv + optind);
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	at.agent = argv[optind];
	return attach_run(&at, instance);
}
