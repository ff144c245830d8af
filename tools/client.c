#include "tools/client.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/rundir.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/body_json.h"
#include "ipc/sock.h"

/* How long to wait for the supervisor to explain a missing agent. */
#define CLIENT_ASK_MS	5000

/*
 * An agent's socket did not answer: ask the supervisor why, so a person
 * reads "no agent 'x' (agents: a, b)" or "agent 'x' is terminated", not a
 * path and an errno.
 */
static void
client_why_not_agent(struct event_base *base, const char *instance,
    const char *agent, const char *sockwhy, char **cause)
{
	struct client		 sup;
	const msgpack_object	*res, *list;
	char			 id[128], status[32], names[256], *why = NULL;
	size_t			 off = 0;
	uint32_t		 i;

	if (client_open(&sup, base, instance, NULL, NULL, NULL, &why) != 0) {
		set_cause(cause, "%s", why);
		free(why);
		return;
	}
	names[0] = '\0';
	if (client_call(&sup, IPC_OP_STATUS, NULL, 0, CLIENT_ASK_MS,
	    &res) == IPC_OK && (list = body_get(res, "agents")) != NULL &&
	    list->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < list->via.array.size; i++) {
			const msgpack_object	*row = &list->via.array.ptr[i];

			if (body_str(row, "id", id, sizeof id) != 0)
				continue;
			if (strcmp(id, agent) == 0) {
				body_str(row, "status", status, sizeof status);
				set_cause(cause, "agent '%s' is %s", agent,
				    status);
				client_close(&sup);
				return;
			}
			if (off < sizeof names)
				off += (size_t)snprintf(names + off,
				    sizeof names - off, "%s%s", off ? ", " : "",
				    id);
		}
		set_cause(cause, "no agent '%s' in instance %s (agents: %s)",
		    agent, instance, names[0] ? names : "none");
	} else
		set_cause(cause, "agent '%s' is not running in instance %s "
		    "(%s)", agent, instance, sockwhy);
	client_close(&sup);
}

int
client_open(struct client *c, struct event_base *base, const char *instance,
    const char *agent, const struct peer_cbs *cbs, void *arg, char **cause)
{
	char		 name[PATH_MAX], *why = NULL;
	const char	*own;
	int		 fd;

	memset(c, 0, sizeof *c);
	c->base = base;
	c->instance = instance;
	msgpack_sbuffer_init(&c->body);
	msgpack_unpacked_init(&c->result);
	if (agent != NULL)
		snprintf(name, sizeof name, "%s/%s.sock", RUNDIR_ACTORS, agent);
	else
		snprintf(name, sizeof name, "%s", RUNDIR_CONTROL);
	if (rundir_file(instance, name, c->path, sizeof c->path, cause) != 0)
		return -1;
	fd = sock_connect(c->path, &why);
	/*
	 * In a session that sees no socket but its actor's (a sandbox), the
	 * actor relays what the supervisor answers, as that agent's.
	 */
	if (fd == -1 && agent == NULL && (own = getenv("ORCH_SOCKET")) != NULL &&
	    own[0] != '\0' && (fd = sock_connect(own, NULL)) != -1) {
		snprintf(c->path, sizeof c->path, "%s", own);
		free(why);
		why = NULL;
	}
	if (fd == -1) {
		if (agent != NULL)
			client_why_not_agent(base, instance, agent, why, cause);
		else
			set_cause(cause, "no supervisor running for instance "
			    "%s (%s)", instance, why);
		free(why);
		return -1;
	}
	c->peer = peer_new(base, fd, agent != NULL ? agent : "supervisor",
	    NULL, cbs, arg);
	if (c->peer == NULL)
		return set_cause(cause, "cannot set up the connection");
	return 0;
}

void
client_close(struct client *c)
{
	peer_free(c->peer);
	c->peer = NULL;
	msgpack_sbuffer_destroy(&c->body);
	msgpack_unpacked_destroy(&c->result);
}

int
client_start(struct client *c, const char *prog, const char *instance,
    const char *agent, const struct peer_cbs *cbs, void *arg)
{
	struct event_base	*base;
	char			*cause = NULL;

	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "%s: cannot create an event loop\n", prog);
		return -1;
	}
	if (client_open(c, base, instance, agent, cbs, arg, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", prog, cause);
		free(cause);
		client_done(c);
		return -1;
	}
	return 0;
}

int
client_start_socket(struct client *c, const char *prog, const char *path)
{
	char	*cause = NULL;
	int	 fd;

	memset(c, 0, sizeof *c);
	msgpack_sbuffer_init(&c->body);
	msgpack_unpacked_init(&c->result);
	snprintf(c->path, sizeof c->path, "%s", path);
	if ((c->base = event_base_new()) == NULL ||
	    (fd = sock_connect(path, &cause)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, cause != NULL ? cause :
		    "cannot create an event loop");
		free(cause);
		client_done(c);
		return -1;
	}
	if ((c->peer = peer_new(c->base, fd, "agent", NULL, NULL, NULL)) ==
	    NULL) {
		client_done(c);
		return -1;
	}
	return 0;
}

void
client_done(struct client *c)
{
	struct event_base	*base = c->base;

	client_close(c);
	if (base != NULL)
		event_base_free(base);
	c->base = NULL;
}

static void
client_reply_cb(struct peer *p, int err, const struct envelope *env,
    void *arg)
{
	struct client	*c = arg;
	msgpack_packer	 pk;

	(void)p;
	c->answered = true;
	c->err = err;
	c->body.size = 0;
	snprintf(c->errmsg, sizeof c->errmsg, "%s", env != NULL &&
	    env->errmsg[0] ? env->errmsg : proto_strerror(err));
	if (env != NULL && env->has_body) {
		msgpack_packer_init(&pk, &c->body, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, env->body);
	}
	event_base_loopbreak(c->base);
}

int
client_call(struct client *c, const char *op, const void *body, size_t len,
    unsigned timeout_ms, const msgpack_object **res)
{
	struct envelope	hdr;

	memset(&hdr, 0, sizeof hdr);
	hdr.v = IPC_PROTO_VERSION;
	hdr.kind = IPC_KIND_REQ;
	hdr.pri = IPC_PRI_MEDIUM;
	snprintf(hdr.op, sizeof hdr.op, "%s", op);
	return client_call_env(c, &hdr, body, len, timeout_ms, res);
}

int
client_call_env(struct client *c, struct envelope *hdr, const void *body,
    size_t len, unsigned timeout_ms, const msgpack_object **res)
{
	int64_t	rc;

	*res = NULL;
	c->answered = false;
	rc = peer_request_env(c->peer, hdr, body, len, timeout_ms,
	    client_reply_cb, c);
	if (rc < 0) {
		snprintf(c->errmsg, sizeof c->errmsg, "%s",
		    proto_strerror((int)-rc));
		return (int)-rc;
	}
	while (!c->answered)
		if (event_base_loop(c->base, EVLOOP_ONCE) != 0)
			break;
	if (!c->answered) {
		snprintf(c->errmsg, sizeof c->errmsg, "no answer");
		return IPC_E_PEER_GONE;
	}
	if (c->err == IPC_OK && c->body.size > 0 &&
	    msgpack_unpack_next(&c->result, c->body.data, c->body.size,
	    NULL) == MSGPACK_UNPACK_SUCCESS)
		*res = &c->result.data;
	return c->err;
}


int
client_call_str(struct client *c, const char *op, const char *key,
    const char *val, unsigned timeout_ms, const msgpack_object **res)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	int		rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, key, val);
	rc = client_call(c, op, sb.data, sb.size, timeout_ms, res);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}


void
client_print_json(const msgpack_object *o)
{
	json_t	*j = o != NULL ? body_json(o) : json_object();

	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	fputc('\n', stdout);
	json_decref(j);
}

const char *
client_esc(char *buf, size_t size, const char *s, size_t len)
{
	if (s == NULL)
		s = "";
	log_escape(buf, size, s, len == (size_t)-1 ? strlen(s) : len);
	return buf;
}

const char *
client_duration(uint64_t ns, char *buf, size_t size)
{
	if (ns >= 1000000000u)
		snprintf(buf, size, "%.1f s", (double)ns / 1e9);
	else
		snprintf(buf, size, "%llu ms", (unsigned long long)(ns /
		    1000000u));
	return buf;
}

const char *
client_span_ms(double ms, char *buf, size_t size)
{
	if (ms < 0)
		snprintf(buf, size, "-");
	else if (ms < 1000)
		snprintf(buf, size, "%.0f ms", ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.1f s", ms / 1000);
	else
		snprintf(buf, size, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms / 1000) % 60);
	return buf;
}

static void
client_caps(const msgpack_object *row, char *buf, size_t size)
{
	const msgpack_object	*caps = body_get(row, "capabilities");
	size_t			 off = 0;
	uint32_t		 i;

	buf[0] = '\0';
	if (caps == NULL || caps->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (i = 0; i < caps->via.array.size && off < size; i++) {
		const msgpack_object	*s = &caps->via.array.ptr[i];

		if (s->type == MSGPACK_OBJECT_STR)
			off += (size_t)snprintf(buf + off, size - off,
			    "%s%.*s", i ? "," : "", (int)s->via.str.size,
			    s->via.str.ptr);
	}
}

void
client_print_agents(const msgpack_object *agents)
{
	char		 id[128], type[32], status[32], name[96], cmd[256];
	char		 task[160], caps[256];
	uint64_t	 restarts;
	int64_t		 pid;
	uint32_t	 i;

	printf("%-20s %-10s %-12s %7s %8s  %-32s %s\n", "ID", "TYPE", "STATUS",
	    "PID", "RESTARTS", "TASK", "CAPABILITIES");
	if (agents == NULL || agents->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (i = 0; i < agents->via.array.size; i++) {
		const msgpack_object	*row = &agents->via.array.ptr[i];

		body_str(row, "id", id, sizeof id);
		body_str(row, "type", type, sizeof type);
		body_str(row, "status", status, sizeof status);
		/* The task's name and its command as written (one line). */
		if (body_str(row, "task", name, sizeof name) != 0)
			name[0] = '\0';
		if (body_str(row, "command", cmd, sizeof cmd) != 0)
			cmd[0] = '\0';
		if (name[0] == '\0')
			snprintf(task, sizeof task, "-");
		else
			snprintf(task, sizeof task, "%.95s %.60s", name, cmd);
		restarts = 0;
		pid = 0;
		body_u64(row, "restarts", &restarts);
		body_i64(row, "pid", &pid);
		client_caps(row, caps, sizeof caps);
		printf("%-20s %-10s %-12s %7lld %8llu  %-32.32s %s\n", id, type,
		    status, (long long)pid, (unsigned long long)restarts, task,
		    caps[0] ? caps : "-");
	}
}
