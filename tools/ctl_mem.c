/*
 * orch-ctl mem and orch-ctl events: the memory bank and the event bus.
 * Inside an agent's session ($ORCH_SOCKET set) they act as that agent,
 * through its actor, which enforces the agent's access; outside, as the
 * operator, through the supervisor.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/body_json.h"
#include "shm/events.h"
#include "shm/ring.h"
#include "tools/client.h"
#include "tools/ctl.h"

#define CTL_MEM_TIMEOUT_MS	10000
#define CTL_FOLLOW_WAIT_MS	30000
#define CTL_VALUE_MAX		((size_t)16 << 20)

static int
ctl_mem_fail(struct client *c, const char *what)
{
	fprintf(stderr, "orch-ctl: %s: %s\n", what, c->errmsg);
	return 1;
}

/* The value argument, or standard input for "-" (or none). */
static char *
ctl_mem_value(const char *arg, size_t *len)
{
	char	*buf;
	size_t	 cap = 65536, n;

	if (arg != NULL && strcmp(arg, "-") != 0) {
		*len = strlen(arg);
		return xstrdup(arg);
	}
	buf = xmalloc(cap);
	*len = 0;
	while ((n = fread(buf + *len, 1, cap - *len, stdin)) > 0) {
		*len += n;
		if (*len == cap) {
			if (cap >= CTL_VALUE_MAX)
				break;
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	return buf;
}

static int
ctl_mem_put(struct client *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "access", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const msgpack_object		*res;
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	const char			*access = NULL;
	char				*value;
	uint64_t			 version = 0;
	size_t				 len;
	int				 ch, rc;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, "", opts)) != -1) {
		if (ch != 'a')
			return 2;
		access = optarg;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "orch-ctl: mem put KEY [VALUE|-] "
		    "[--access private|shared|public]\n");
		return 2;
	}
	value = ctl_mem_value(argc - optind == 2 ? argv[optind + 1] : NULL,
	    &len);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, access != NULL ? 3 : 2);
	body_pack_kv_str(&pk, "key", argv[optind]);
	body_pack_kv_bin(&pk, "value", value, len);
	if (access != NULL)
		body_pack_kv_str(&pk, "access", access);
	rc = client_call(c, IPC_OP_MEM_PUT, sb.data, sb.size,
	    CTL_MEM_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	free(value);
	if (rc != IPC_OK)
		return ctl_mem_fail(c, argv[optind]);
	body_u64(res, "version", &version);
	printf("%s version %llu\n", argv[optind], (unsigned long long)version);
	return 0;
}

static int
ctl_mem_get(struct client *c, int argc, char **argv, bool json)
{
	const msgpack_object	*res;
	const char		*v;
	size_t			 len;

	if (argc != 2) {
		fprintf(stderr, "orch-ctl: mem get KEY [--json]\n");
		return 2;
	}
	if (client_call_str(c, IPC_OP_MEM_GET, "key", argv[1],
	    CTL_MEM_TIMEOUT_MS, &res) != IPC_OK)
		return ctl_mem_fail(c, argv[1]);
	if (json) {
		client_print_json(res);
		return 0;
	}
	if ((v = body_bytes(res, "value", &len)) != NULL)
		fwrite(v, 1, len, stdout);
	if (len > 0 && v[len - 1] != '\n' && isatty(STDOUT_FILENO))
		putchar('\n');
	return 0;
}

static int
ctl_mem_ls(struct client *c, int argc, char **argv, bool json)
{
	const msgpack_object	*res, *list;
	char			 key[256], owner[64], access[16];
	char			 ek[1024], eo[256];
	uint64_t		 version, len;
	uint32_t		 i;
	int			 rc;

	if (argc > 2) {
		fprintf(stderr, "orch-ctl: mem ls [PATTERN] [--json]\n");
		return 2;
	}
	if (argc == 2)
		rc = client_call_str(c, IPC_OP_MEM_LS, "pattern", argv[1],
		    CTL_MEM_TIMEOUT_MS, &res);
	else
		rc = client_call(c, IPC_OP_MEM_LS, NULL, 0, CTL_MEM_TIMEOUT_MS,
		    &res);
	if (rc != IPC_OK)
		return ctl_mem_fail(c, "ls");
	if (json) {
		client_print_json(res);
		return 0;
	}
	list = body_get(res, "entries");
	printf("%-40s %-16s %-8s %8s %8s\n", "KEY", "OWNER", "ACCESS",
	    "VERSION", "BYTES");
	for (i = 0; list != NULL && list->type == MSGPACK_OBJECT_ARRAY &&
	    i < list->via.array.size; i++) {
		const msgpack_object	*e = &list->via.array.ptr[i];

		version = len = 0;
		body_str(e, "key", key, sizeof key);
		body_str(e, "owner", owner, sizeof owner);
		body_str(e, "access", access, sizeof access);
		body_u64(e, "version", &version);
		body_u64(e, "len", &len);
		printf("%-40s %-16s %-8s %8llu %8llu\n", client_esc(ek,
		    sizeof ek, key, (size_t)-1), client_esc(eo, sizeof eo,
		    owner, (size_t)-1), access, (unsigned long long)version,
		    (unsigned long long)len);
	}
	return 0;
}

static int
ctl_mem_rm(struct client *c, int argc, char **argv)
{
	const msgpack_object	*res;

	if (argc != 2) {
		fprintf(stderr, "orch-ctl: mem rm KEY\n");
		return 2;
	}
	if (client_call_str(c, IPC_OP_MEM_RM, "key", argv[1],
	    CTL_MEM_TIMEOUT_MS, &res) != IPC_OK)
		return ctl_mem_fail(c, argv[1]);
	return 0;
}

/* Events ------------------------------------------------------------------- */

struct ctl_follow {
	const char	*type;		/* fnmatch on the type, or NULL */
	const char	*keys;		/* watch: fnmatch on data.shared keys */
	uint64_t	 since;
	bool		 follow;
	bool		 json;
	long		 count;		/* stop after this many (0: never) */
};

/* One event as a line, or as a JSON object (-1 when filtered out). */
static int
ctl_event_print(const struct ctl_follow *f, const msgpack_object *e)
{
	msgpack_unpacked	 up;
	const char		*payload;
	char			 type[64], source[128], target[128], key[256];
	char			 op[16], stamp[32];
	char			 ek[1024], eo[512], es[512];	/* escaped */
	uint64_t		 seq = 0, ts = 0, version = 0;
	size_t			 len = 0;
	time_t			 secs;
	struct tm		 tm;
	bool			 decoded;

	body_u64(e, "seq", &seq);
	body_u64(e, "ts_ns", &ts);
	body_str(e, "type", type, sizeof type);
	body_str(e, "source", source, sizeof source);
	body_str(e, "target", target, sizeof target);
	payload = body_bytes(e, "payload", &len);
	msgpack_unpacked_init(&up);
	decoded = payload != NULL && len > 0 && msgpack_unpack_next(&up,
	    payload, len, NULL) == MSGPACK_UNPACK_SUCCESS;
	if (f->keys != NULL) {
		/* watch: data.shared changes of matching keys only. */
		if (!decoded || body_str(&up.data, "key", key, sizeof key) !=
		    0 || fnmatch(f->keys, key, 0) != 0) {
			msgpack_unpacked_destroy(&up);
			return -1;
		}
		body_u64(&up.data, "version", &version);
		if (body_str(&up.data, "op", op, sizeof op) != 0)
			snprintf(op, sizeof op, "?");
		if (!f->json) {
			printf("%s %llu %s by %s\n", client_esc(ek, sizeof ek,
			    key, (size_t)-1), (unsigned long long)version,
			    client_esc(eo, sizeof eo, op, (size_t)-1),
			    client_esc(es, sizeof es, source, (size_t)-1));
			msgpack_unpacked_destroy(&up);
			fflush(stdout);
			return 0;
		}
	}
	if (f->json) {
		json_t	*j = json_object();

		json_object_set_new(j, "seq", json_integer((json_int_t)seq));
		json_object_set_new(j, "ts_ns", json_integer((json_int_t)ts));
		json_object_set_new(j, "type", json_string(type));
		json_object_set_new(j, "source", json_string(source));
		json_object_set_new(j, "target", json_string(target));
		json_object_set_new(j, "payload", decoded ?
		    body_json(&up.data) : json_null());
		json_dumpf(j, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	} else {
		secs = (time_t)(ts / 1000000000u);
		localtime_r(&secs, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		printf("%llu %s.%03llu %-22s %s%s%s", (unsigned long long)seq,
		    stamp, (unsigned long long)(ts / 1000000 % 1000),
		    client_esc(ek, sizeof ek, type, (size_t)-1),
		    client_esc(es, sizeof es, source, (size_t)-1), target[0] ?
		    " -> " : "", client_esc(eo, sizeof eo, target, (size_t)-1));
		if (decoded) {
			json_t	*j = body_json(&up.data);
			/* ASCII only: no C1 control reaches the terminal. */
			char	*s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
			    JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

			printf(" %s", s != NULL ? s : "");
			free(s);
			json_decref(j);
		}
		putchar('\n');
	}
	msgpack_unpacked_destroy(&up);
	fflush(stdout);
	return 0;
}

static int
ctl_follow(struct client *c, struct ctl_follow *f)
{
	const msgpack_object	*res, *events;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint64_t		 next = f->since, missed;
	uint32_t		 i;
	long			 shown = 0;
	bool			 first = true;

	msgpack_sbuffer_init(&sb);
	for (;;) {
		sb.size = 0;
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, f->type != NULL ? 3 : 2);
		body_pack_kv_u64(&pk, "since", next);
		body_pack_kv_u64(&pk, "wait_ms", f->follow && !first ?
		    CTL_FOLLOW_WAIT_MS : 0);
		if (f->type != NULL)
			body_pack_kv_str(&pk, "type", f->type);
		if (client_call(c, IPC_OP_EVENTS_READ, sb.data, sb.size,
		    CTL_FOLLOW_WAIT_MS + CTL_MEM_TIMEOUT_MS, &res) != IPC_OK) {
			msgpack_sbuffer_destroy(&sb);
			return ctl_mem_fail(c, "events");
		}
		missed = 0;
		body_u64(res, "missed", &missed);
		if (missed > 0)
			fprintf(stderr, "orch-ctl: missed %llu events (the bus "
			    "overwrote them before they were read)\n",
			    (unsigned long long)missed);
		events = body_get(res, "events");
		for (i = 0; events != NULL && events->type ==
		    MSGPACK_OBJECT_ARRAY && i < events->via.array.size; i++)
			if (ctl_event_print(f, &events->via.array.ptr[i]) == 0 &&
			    f->count > 0 && ++shown >= f->count) {
				msgpack_sbuffer_destroy(&sb);
				return 0;
			}
		body_u64(res, "next", &next);
		if (first && f->keys != NULL) {
			/* From here on every change is caught: say so. */
			fprintf(stderr, "watching %s from event %llu\n",
			    f->keys, (unsigned long long)next);
		}
		if (!f->follow && (events == NULL ||
		    events->via.array.size == 0))
			break;
		first = false;
	}
	msgpack_sbuffer_destroy(&sb);
	return 0;
}

int
ctl_events(struct client *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_follow		 f;
	uint64_t			 n;
	int				 ch;

	if (argc >= 2 && strcmp(argv[1], "publish") == 0)
		return ctl_events_publish(c, argc - 1, argv + 1);
	memset(&f, 0, sizeof f);
	optind = 0;
	while ((ch = ctl_getopt(argc, argv, "ft:s:n:", opts)) != -1) {
		switch (ch) {
		case 'f': f.follow = true; break;
		case 't': f.type = optarg; break;
		case 's':
			if (ctl_number(optarg, "--since", &n) != 0)
				return 2;
			f.since = n;
			break;
		case 'j': f.json = true; break;
		case 'n':
			if (ctl_number(optarg, "--count", &n) != 0)
				return 2;
			f.count = (long)n;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "orch-ctl: events [--follow] [--type PATTERN] "
		    "[--since SEQ] [--count N] [--json]\n");
		return 2;
	}
	return ctl_follow(c, &f);
}

int
ctl_events_publish(struct client *c, int argc, char **argv)
{
	const msgpack_object	*res;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	int			 rc;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "orch-ctl: events publish TYPE [TARGET "
		    "[TEXT]]\n");
		return 2;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1 + (argc > 2) + (argc > 3));
	body_pack_kv_str(&pk, "type", argv[1]);
	if (argc > 2)
		body_pack_kv_str(&pk, "target", argv[2]);
	if (argc > 3) {
		/* The text travels as a msgpack string, readable everywhere. */
		msgpack_sbuffer	 v;
		msgpack_packer	 vp;

		msgpack_sbuffer_init(&v);
		msgpack_packer_init(&vp, &v, msgpack_sbuffer_write);
		body_pack_str(&vp, argv[3]);
		body_pack_kv_bin(&pk, "payload", v.data, v.size);
		msgpack_sbuffer_destroy(&v);
	}
	rc = client_call(c, IPC_OP_EVENTS_PUBLISH, sb.data, sb.size,
	    CTL_MEM_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	return rc == IPC_OK ? 0 : ctl_mem_fail(c, "publish");
}

int
ctl_mem(struct client *c, int argc, char **argv)
{
	struct ctl_follow	 f;
	bool			 json = false;
	int			 i, j;

	/* --json anywhere after the subcommand. */
	for (i = j = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			argv[j++] = argv[i];
	argc = j;
	if (argc < 2) {
		fprintf(stderr, "orch-ctl: mem put|get|ls|rm|watch ...\n");
		return 2;
	}
	if (strcmp(argv[1], "put") == 0)
		return ctl_mem_put(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "get") == 0)
		return ctl_mem_get(c, argc - 1, argv + 1, json);
	if (strcmp(argv[1], "ls") == 0)
		return ctl_mem_ls(c, argc - 1, argv + 1, json);
	if (strcmp(argv[1], "rm") == 0)
		return ctl_mem_rm(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "watch") == 0 && (argc == 3 || argc == 5)) {
		memset(&f, 0, sizeof f);
		f.keys = argv[2];
		f.type = EV_DATA_SHARED;
		f.since = UINT64_MAX;	/* from now */
		f.follow = true;
		f.json = json;
		if (argc == 5 && strcmp(argv[3], "--count") == 0) {
			uint64_t	n;

			if (ctl_number(argv[4], "--count", &n) != 0)
				return 2;
			f.count = (long)n;
		} else if (argc != 3)
			goto usage;
		return ctl_follow(c, &f);
	}
usage:
	fprintf(stderr, "orch-ctl: mem put|get|ls|rm|watch PATTERN [--count N]\n");
	return 2;
}
