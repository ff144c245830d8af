/*
 * orch-ctl send, inbox and broadcast: direct messages between agents.
 * Inside a session they go through the agent's own actor ($ORCH_SOCKET),
 * which sends as that agent; elsewhere through the supervisor, as the
 * operator.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/xmalloc.h"
#include "ipc/body.h"
#include "tools/client.h"
#include "tools/ctl.h"

#define CTL_MSG_TIMEOUT_MS	15000
#define CTL_MSG_WINDOW		64
#define CTL_INBOX_WAIT_MS	600000

static int
ctl_pri(const char *s)
{
	if (strcmp(s, "low") == 0)
		return IPC_PRI_LOW;
	if (strcmp(s, "medium") == 0)
		return IPC_PRI_MEDIUM;
	if (strcmp(s, "high") == 0)
		return IPC_PRI_HIGH;
	return -1;
}

struct ctl_send {
	struct client	*c;
	const char	*to;
	const char	*type;
	const char	*text;
	int		 pri;
	long		 count;		/* messages to send */
	long		 sent;
	long		 answered;
	long		 failed;
	char		 first_error[IPC_ERRMSG_MAX + 1];
};

static void	ctl_send_more(struct ctl_send *s);

static void
ctl_send_cb(struct peer *p, int err, const struct envelope *env, void *arg)
{
	struct ctl_send	*s = arg;

	(void)p;
	s->answered++;
	if (err != IPC_OK && s->failed++ == 0)
		snprintf(s->first_error, sizeof s->first_error, "%s",
		    env != NULL && env->errmsg[0] ? env->errmsg :
		    proto_strerror(err));
	if (s->answered == s->count)
		event_base_loopbreak(s->c->base);
	else
		ctl_send_more(s);
}

/* Keep a window of messages in flight, each numbered when counting. */
static void
ctl_send_more(struct ctl_send *s)
{
	struct envelope	 hdr;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		*text;

	msgpack_sbuffer_init(&sb);
	while (s->sent < s->count && s->sent - s->answered < CTL_MSG_WINDOW) {
		if (s->count > 1)
			xasprintf(&text, "%s %ld", s->text, s->sent);
		else
			text = xstrdup(s->text);
		sb.size = 0;
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		body_pack_kv_str(&pk, "type", s->type);
		body_pack_kv_bin(&pk, "content", text, strlen(text));
		free(text);
		memset(&hdr, 0, sizeof hdr);
		hdr.v = IPC_PROTO_VERSION;
		hdr.kind = IPC_KIND_REQ;
		hdr.pri = (uint8_t)s->pri;
		snprintf(hdr.op, sizeof hdr.op, "%s", IPC_OP_MSG_SEND);
		snprintf(hdr.to, sizeof hdr.to, "%s", s->to);
		s->sent++;
		if (peer_request_env(s->c->peer, &hdr, sb.data, sb.size,
		    CTL_MSG_TIMEOUT_MS, ctl_send_cb, s) < 0) {
			s->answered++;
			if (s->failed++ == 0)
				snprintf(s->first_error, sizeof s->first_error,
				    "connection lost");
		}
	}
	msgpack_sbuffer_destroy(&sb);
}

int
ctl_send(struct client *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "priority", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_send			 s;
	uint64_t			 n;
	int				 ch;

	memset(&s, 0, sizeof s);
	s.c = c;
	s.pri = IPC_PRI_MEDIUM;
	s.type = "notification";
	s.count = 1;
	optind = 0;
	while ((ch = ctl_getopt(argc, argv, "p:t:n:", opts)) != -1) {
		switch (ch) {
		case 'p':
			if ((s.pri = ctl_pri(optarg)) < 0) {
				fprintf(stderr, "orch-ctl: priority must be "
				    "low, medium or high\n");
				return 2;
			}
			break;
		case 't':
			if (strcmp(optarg, "request") != 0 && strcmp(optarg,
			    "response") != 0 && strcmp(optarg,
			    "notification") != 0) {
				fprintf(stderr, "orch-ctl: type must be request, "
				    "response or notification\n");
				return 2;
			}
			s.type = optarg;
			break;
		case 'n':
			if (ctl_number(optarg, "--count", &n) != 0 || n == 0)
				return 2;
			s.count = (long)n;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || s.count < 1) {
		fprintf(stderr, "orch-ctl: send AGENT TEXT [--priority P] "
		    "[--type T] [--count N]\n");
		return 2;
	}
	s.to = argv[optind];
	s.text = argv[optind + 1];
	ctl_send_more(&s);
	while (s.answered < s.count)
		if (event_base_loop(c->base, EVLOOP_ONCE) != 0)
			break;
	if (s.failed > 0) {
		fprintf(stderr, "orch-ctl: send to %s: %ld of %ld failed: %s\n",
		    s.to, s.failed, s.count, s.first_error);
		return 1;
	}
	if (s.count > 1)
		printf("%ld messages delivered to %s\n", s.count, s.to);
	return 0;
}

int
ctl_inbox(struct client *c, int argc, char **argv)
{
	const msgpack_object	*res, *list, *m;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	const char		*content;
	char			 from[128], type[16], ef[512], et[64], *ec;
	uint64_t		 pri = 0, seq = 0;
	bool			 wait = false, json = false;
	size_t			 len;
	uint32_t		 i;
	int			 k, rc;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--wait") == 0)
			wait = true;
		else if (strcmp(argv[k], "--json") == 0)
			json = true;
		else {
			fprintf(stderr, "orch-ctl: inbox [--wait] [--json]\n");
			return 2;
		}
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_u64(&pk, "wait_ms", wait ? CTL_INBOX_WAIT_MS : 0);
	rc = client_call(c, IPC_OP_INBOX_READ, sb.data, sb.size,
	    CTL_INBOX_WAIT_MS + CTL_MSG_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK) {
		fprintf(stderr, "orch-ctl: inbox: %s\n", c->errmsg);
		return 1;
	}
	if (json) {
		client_print_json(res);
		return 0;
	}
	list = body_get(res, "messages");
	for (i = 0; list != NULL && list->type == MSGPACK_OBJECT_ARRAY &&
	    i < list->via.array.size; i++) {
		m = &list->via.array.ptr[i];
		body_str(m, "from", from, sizeof from);
		body_str(m, "type", type, sizeof type);
		body_u64(m, "pri", &pri);
		body_u64(m, "seq", &seq);
		if ((content = body_bytes(m, "content", &len)) == NULL)
			len = 0;
		ec = xmalloc(len * 4 + 1);
		printf("%llu %s %s %s: %s\n", (unsigned long long)seq,
		    client_esc(ef, sizeof ef, from, (size_t)-1),
		    client_esc(et, sizeof et, type, (size_t)-1),
		    pri == IPC_PRI_HIGH ? "high" : pri == IPC_PRI_LOW ? "low" :
		    "medium", client_esc(ec, len * 4 + 1, content, len));
		free(ec);
	}
	return 0;
}

int
ctl_broadcast(struct client *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "agent-type", required_argument, NULL, 'T' },
		{ "capability", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		{ "id", required_argument, NULL, 'i' },
		{ "priority", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*f[4] = { NULL, NULL, NULL, NULL };
	static const char *const	 keys[4] = { "agent_type",
					    "capability", "status", "id" };
	const msgpack_object		*res, *arr;
	struct envelope			 hdr;
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	const char			*type = "notification";
	char				 id[128], err[256];
	uint64_t			 matched = 0;
	bool				 json = false;
	int				 ch, pri = IPC_PRI_MEDIUM, nf = 0, k;
	uint32_t			 i;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'T': f[0] = optarg; break;
		case 'c': f[1] = optarg; break;
		case 's': f[2] = optarg; break;
		case 'i': f[3] = optarg; break;
		case 't': type = optarg; break;
		case 'j': json = true; break;
		case 'p':
			if ((pri = ctl_pri(optarg)) < 0)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "orch-ctl: broadcast TEXT [--agent-type T] "
		    "[--capability C] [--status S] [--id PATTERN]\n");
		return 2;
	}
	for (k = 0; k < 4; k++)
		nf += f[k] != NULL;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_str(&pk, "type", type);
	body_pack_kv_bin(&pk, "content", argv[optind], strlen(argv[optind]));
	body_pack_str(&pk, "filter");
	msgpack_pack_map(&pk, (size_t)nf);
	for (k = 0; k < 4; k++)
		if (f[k] != NULL)
			body_pack_kv_str(&pk, keys[k], f[k]);
	memset(&hdr, 0, sizeof hdr);
	hdr.v = IPC_PROTO_VERSION;
	hdr.kind = IPC_KIND_REQ;
	hdr.pri = (uint8_t)pri;
	snprintf(hdr.op, sizeof hdr.op, "%s", IPC_OP_BROADCAST);
	k = client_call_env(c, &hdr, sb.data, sb.size, CTL_MSG_TIMEOUT_MS * 2,
	    &res);
	msgpack_sbuffer_destroy(&sb);
	if (k != IPC_OK) {
		fprintf(stderr, "orch-ctl: broadcast: %s\n", c->errmsg);
		/* A filter naming no type or status there is: a usage error. */
		return k == IPC_E_INVAL ? 2 : 1;
	}
	arr = body_get(res, "failed");
	if (json) {
		client_print_json(res);
		return arr != NULL && arr->type == MSGPACK_OBJECT_ARRAY &&
		    arr->via.array.size > 0 ? 1 : 0;
	}
	body_u64(res, "matched", &matched);
	arr = body_get(res, "delivered");
	printf("matched %llu, delivered %u:", (unsigned long long)matched,
	    arr != NULL && arr->type == MSGPACK_OBJECT_ARRAY ?
	    arr->via.array.size : 0);
	for (i = 0; arr != NULL && arr->type == MSGPACK_OBJECT_ARRAY &&
	    i < arr->via.array.size; i++)
		printf(" %.*s", (int)arr->via.array.ptr[i].via.str.size,
		    arr->via.array.ptr[i].via.str.ptr);
	putchar('\n');
	arr = body_get(res, "failed");
	for (i = 0; arr != NULL && arr->type == MSGPACK_OBJECT_ARRAY &&
	    i < arr->via.array.size; i++) {
		body_str(&arr->via.array.ptr[i], "id", id, sizeof id);
		body_str(&arr->via.array.ptr[i], "error", err, sizeof err);
		printf("not delivered to %s: %s\n", id, err);
	}
	return arr != NULL && arr->type == MSGPACK_OBJECT_ARRAY &&
	    arr->via.array.size > 0 ? 1 : 0;
}
