#include "ipc/relay.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/sock.h"

struct relay_conn {
	struct relay		*relay;
	char			 to[IPC_NAME_MAX + 1];
	struct peer		*peer;
	struct relay_conn	*next;
};

struct relay {
	struct event_base	*base;
	char			*instance;
	struct relay_conn	*conns;
};

struct relay *
relay_new(struct event_base *base, const char *instance)
{
	struct relay	*r = xcalloc(1, sizeof *r);

	r->base = base;
	r->instance = xstrdup(instance);
	return r;
}

static void
relay_conn_free(struct relay_conn *c)
{
	struct relay_conn	**pp;

	for (pp = &c->relay->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	peer_free(c->peer);
	free(c);
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	while (r->conns != NULL)
		relay_conn_free(r->conns);
	free(r->instance);
	free(r);
}

static void
relay_closed_cb(struct peer *p, int err, const char *why, void *arg)
{
	(void)p;
	(void)err;
	(void)why;
	/* Requests in flight have failed already; the next send reconnects. */
	relay_conn_free(arg);
}

static struct relay_conn *
relay_conn(struct relay *r, const char *to, char **cause)
{
	static const struct peer_cbs	 cbs = { NULL, relay_closed_cb };
	struct relay_conn		*c;
	char				 name[PATH_MAX], path[PATH_MAX];
	char				*why = NULL;
	int				 fd;

	for (c = r->conns; c != NULL; c = c->next)
		if (strcmp(c->to, to) == 0 && peer_is_open(c->peer))
			return c;
	if (strlen(to) > IPC_NAME_MAX || strchr(to, '/') != NULL ||
	    to[0] == '.' || to[0] == '\0') {
		set_cause(cause, "no agent '%s'", to);
		return NULL;
	}
	snprintf(name, sizeof name, "%s/%s.sock", RUNDIR_ACTORS, to);
	if (rundir_file(r->instance, name, path, sizeof path, cause) != 0)
		return NULL;
	if ((fd = sock_connect(path, &why)) == -1) {
		set_cause(cause, "no agent '%s' is running", to);
		free(why);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->relay = r;
	snprintf(c->to, sizeof c->to, "%s", to);
	if ((c->peer = peer_new(r->base, fd, to, NULL, &cbs, c)) == NULL) {
		free(c);
		set_cause(cause, "cannot reach agent '%s'", to);
		return NULL;
	}
	c->next = r->conns;
	r->conns = c;
	return c;
}

int
relay_send(struct relay *r, const char *from, const char *to, const char *op,
    unsigned pri, const void *body, size_t len, unsigned timeout_ms,
    ipc_reply_cb cb, void *arg, char **cause)
{
	struct relay_conn	*c;
	struct envelope		 hdr;
	int64_t			 rc;

	if ((c = relay_conn(r, to, cause)) == NULL)
		return -1;
	memset(&hdr, 0, sizeof hdr);
	hdr.v = IPC_PROTO_VERSION;
	hdr.kind = IPC_KIND_REQ;
	hdr.pri = (uint8_t)(pri > IPC_PRI_HIGH ? IPC_PRI_HIGH : pri);
	snprintf(hdr.op, sizeof hdr.op, "%s", op);
	snprintf(hdr.from, sizeof hdr.from, "%s", from);
	snprintf(hdr.to, sizeof hdr.to, "%s", to);
	rc = peer_request_env(c->peer, &hdr, body, len, timeout_ms, cb, arg);
	if (rc < 0)
		return set_cause(cause, "agent '%s': %s", to,
		    proto_strerror((int)-rc));
	return 0;
}
