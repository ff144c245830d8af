/*
 * The gateway's line transport: mcp.sock in the run directory, a message a
 * line, as MCP's stdio transport frames them. A connection is one client
 * for its life: who it is, the socket's peer says, once.
 *
 * orch-mcp either relays its client's stdin and stdout over the socket,
 * or (pipes or sockets both) hands them over with its first line
 * (SCM_RIGHTS): the gateway then reads and answers the client itself,
 * and the socket only says that orch-mcp lives, and, with "bye", that the
 * client hung up.
 */
#include "actors/gateway_int.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/sock.h"

#define GW_CLIENTS_MAX		64
#define GW_OUT_MAX		((size_t)16 << 20)

#define GW_FIRST_MAX		65536	/* read with the fds, at most */
#define GW_FIRST_WAIT_S		10

struct gw_conn {
	struct gw_client	 c;		/* first: a gw_client is one */
	int			 fd;		/* the socket */
	struct event		*first_ev;	/* waiting for the first bytes */
	struct bufferevent	*bev;		/* the socket's */
	struct bufferevent	*in, *out;	/* the client's: bev, or its own */
	bool			 handed;	/* in and out are the client's */
	bool			 first;		/* nothing read yet */
	bool			 done;		/* it sent all it will */
	struct gw_conn		*next;
};

static void	gw_conn_free(struct gw_conn *l);

static bool
gw_conn_alive(struct gateway *gw, const struct gw_conn *l)
{
	const struct gw_conn	*q;

	for (q = gw->conns; q != NULL && q != l; q = q->next)
		;
	return q != NULL;
}

/*
 * A client that sent all it will is let go once it has its answers
 * (orch-mcp, told "bye", exits 0).
 */
static void
gw_conn_check(struct gw_conn *l)
{
	if (!l->done || l->c.calls > 0)
		return;
	if (evbuffer_get_length(bufferevent_get_output(l->out)) != 0)
		return;
	if (l->handed)
		(void)!send(l->fd, "bye\n", 4, MSG_DONTWAIT | MSG_NOSIGNAL);
	gw_conn_free(l);
}

/* One message, a line; a reader too far behind is let go. */
static void
gw_line_send(struct gw_client *c, json_t *msg, bool modern)
{
	struct gw_conn	*l = (struct gw_conn *)c;
	struct evbuffer	*out = bufferevent_get_output(l->out);
	char		*text = json_dumps(msg, JSON_COMPACT);

	(void)modern;
	json_decref(msg);
	if (text == NULL)
		return;
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\n", 1);
	free(text);
	if (evbuffer_get_length(out) > GW_OUT_MAX) {
		log_warnx("gateway: a client %zu bytes behind: dropped",
		    evbuffer_get_length(out));
		gw_conn_free(l);
	}
}

/*
 * orch-mcp's first line says the ORCH_AGENT_ID it was started with: it
 * may narrow the operator down to that agent, never widen an agent.
 */
static bool
gw_hello(struct gw_conn *l, json_t *msg)
{
	json_t		*hello = json_object_get(msg, "orch-mcp");
	struct actor	*a = l->c.gw->a;
	const char	*agent;
	size_t		 i;

	if (!json_is_object(hello) || json_object_get(msg, "jsonrpc") != NULL)
		return false;
	agent = json_string_value(json_object_get(hello, "agent"));
	if (agent == NULL || agent[0] == '\0' || l->c.caller[0] != '\0' ||
	    l->c.nobody)
		return true;
	for (i = 0; i < a->nroster; i++)
		if (strcmp(a->roster[i].id, agent) == 0) {
			snprintf(l->c.caller, sizeof l->c.caller, "%s", agent);
			l->c.perms = a->roster[i].perms;
			return true;
		}
	/* An agent that is not running has no permissions: nothing. */
	l->c.nobody = true;
	return true;
}

static void
gw_line(struct gw_conn *l, const char *line, size_t len)
{
	json_t	*msg;
	bool	 first = l->first;

	l->first = false;
	if (len == 0 || (len == 1 && line[0] == '\r'))
		return;
	if ((msg = gw_parse(&l->c, line, len)) == NULL)
		return;
	if (!first || !gw_hello(l, msg))
		gw_handle(&l->c, msg, NULL);
	json_decref(msg);
}

static void
gw_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_conn	*l = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct gateway	*gw = l->c.gw;
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		gw_line(l, line, len);
		free(line);
		/* The answer may have found it too slow, and let it go. */
		if (!gw_conn_alive(gw, l))
			return;
	}
	if (evbuffer_get_length(in) > GATEWAY_LINE_MAX) {
		gw_line_send(&l->c, gw_error_msg(NULL, RPC_INVALID,
		    "a message over 4 MiB"), false);
		if (!gw_conn_alive(gw, l))
			return;
		bufferevent_flush(l->out, EV_WRITE, BEV_FLUSH);
		gw_conn_free(l);
	}
}

static void
gw_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	gw_conn_check(arg);
}

/* The socket of a client that handed its stdio over: orch-mcp gone. */
static void
gw_sock_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	gw_conn_free(arg);
}

static void
gw_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_conn	*l = arg;

	if ((what & BEV_EVENT_ERROR) || bev != l->in)
		gw_conn_free(l);
	else if (what & BEV_EVENT_EOF) {
		struct evbuffer	*in = bufferevent_get_input(bev);
		size_t		 len = evbuffer_get_length(in);

		/* A last message without its newline is a message too. */
		if (len > 0 && len <= GATEWAY_LINE_MAX) {
			char	*line = xmalloc(len);

			evbuffer_remove(in, line, len);
			gw_line(l, line, len);
			free(line);
			if (!gw_conn_alive(l->c.gw, l))
				return;
		}
		/* Its half is closed: answers still owed go out first. */
		l->done = true;
		bufferevent_disable(bev, EV_READ);
		gw_conn_check(l);
	}
}

static void
gw_conn_free(struct gw_conn *l)
{
	struct gateway	 *gw = l->c.gw;
	struct gw_conn	**pp;

	gw_client_gone(&l->c);
	for (pp = &gw->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	gw->nconns--;
	if (l->first_ev != NULL)
		event_free(l->first_ev);
	if (l->handed && l->in != NULL)
		bufferevent_free(l->in);
	if (l->handed && l->out != NULL)
		bufferevent_free(l->out);
	if (l->bev != NULL)
		bufferevent_free(l->bev);
	else
		close(l->fd);
	free(l);
}

/* A pipe or a socket: what the event loop can wait on. */
static bool
gw_pollable(int fd)
{
	struct stat	st;

	return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode));
}

static struct bufferevent *
gw_bev(struct gw_conn *l, int fd, short what)
{
	struct bufferevent	*b;

	if ((b = bufferevent_socket_new(l->c.gw->a->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	if (what & EV_READ)
		/* Read no more than a message's worth ahead. */
		bufferevent_setwatermark(b, EV_READ, 0, GATEWAY_LINE_MAX + 1);
	bufferevent_enable(b, what);
	return b;
}

/*
 * The first bytes, read with whatever descriptors came with them: the
 * client's stdin and stdout, or none (orch-mcp relays).
 */
static void
gw_first_cb(int fd, short what, void *arg)
{
	struct gw_conn	*l = arg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;
	char		*buf;
	int		 fds[2] = { -1, -1 };
	ssize_t		 n;

	event_free(l->first_ev);
	l->first_ev = NULL;
	if (what & EV_TIMEOUT) {
		gw_conn_free(l);
		return;
	}
	buf = xmalloc(GW_FIRST_MAX);
	iov.iov_base = buf;
	iov.iov_len = GW_FIRST_MAX;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof cm.buf;
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	for (c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; c != NULL;
	    c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
			memcpy(fds, CMSG_DATA(c), sizeof fds);
	if (n <= 0 || (msg.msg_flags & MSG_CTRUNC) || (fds[0] != -1 &&
	    (!gw_pollable(fds[0]) || !gw_pollable(fds[1])))) {
		if (fds[0] != -1) {
			close(fds[0]);
			close(fds[1]);
		}
		free(buf);
		gw_conn_free(l);
		return;
	}
	l->bev = gw_bev(l, fd, fds[0] != -1 ? EV_READ : EV_READ | EV_WRITE);
	if (fds[0] != -1) {
		/* Each is freed, closing it, with the connection. */
		l->handed = true;
		if ((l->in = gw_bev(l, fds[0], EV_READ)) == NULL)
			close(fds[0]);
		if ((l->out = gw_bev(l, fds[1], EV_WRITE)) == NULL)
			close(fds[1]);
	} else
		l->in = l->out = l->bev;
	if (l->bev == NULL || l->in == NULL || l->out == NULL) {
		free(buf);
		gw_conn_free(l);
		return;
	}
	if (l->handed)
		bufferevent_setcb(l->bev, NULL, NULL, gw_sock_event_cb, l);
	bufferevent_setcb(l->in, gw_read_cb, l->in == l->out ? gw_write_cb :
	    NULL, gw_event_cb, l);
	if (l->out != l->in)
		bufferevent_setcb(l->out, NULL, gw_write_cb, gw_event_cb, l);
	/* An input buffer's end is the bufferevent's own: its front is not. */
	evbuffer_prepend(bufferevent_get_input(l->in), buf, (size_t)n);
	free(buf);
	gw_read_cb(l->in, l);
}

static void
gw_accept_cb(int fd, void *arg)
{
	struct gateway		*gw = arg;
	struct actor_known	 k;
	struct gw_conn		*l;
	enum actor_who		 who;
	struct timeval		 tv = { GW_FIRST_WAIT_S, 0 };

	if (gw->nconns >= GW_CLIENTS_MAX) {
		log_warnx("gateway: %u clients: refusing another", gw->nconns);
		close(fd);
		return;
	}
	memset(&k, 0, sizeof k);
	who = actor_caller(gw->a, fd, &k);
	l = xcalloc(1, sizeof *l);
	l->c.gw = gw;
	l->c.send = gw_line_send;
	l->c.notes_ok = true;
	l->fd = fd;
	l->first = true;
	if (who == ACTOR_WHO_AGENT) {
		snprintf(l->c.caller, sizeof l->c.caller, "%s", k.id);
		l->c.perms = k.perms;
	} else if (who != ACTOR_WHO_OPERATOR)
		l->c.nobody = true;
	l->next = gw->conns;
	gw->conns = l;
	gw->nconns++;
	l->first_ev = event_new(gw->a->base, fd, EV_READ, gw_first_cb, l);
	event_add(l->first_ev, &tv);
}

static void
gw_refuse_cb(const char *why, void *arg)
{
	(void)arg;
	log_warnx("gateway: refused a connection: %s", why);
}

int
gw_line_start(struct gateway *gw, char **cause)
{
	char	path[PATH_MAX];

	if (rundir_file(gw->a->instance, GATEWAY_SOCKET, path, sizeof path,
	    cause) != 0 || (gw->listener = sock_listener_new(gw->a->base, path,
	    gw_accept_cb, gw_refuse_cb, gw, cause)) == NULL)
		return -1;
	log_info("MCP gateway on %s", path);
	return 0;
}

void
gw_line_notify(struct gateway *gw, json_t *msg)
{
	struct gw_conn	*l, *next;

	for (l = gw->conns; l != NULL; l = next) {
		next = l->next;
		if (l->c.listening && !l->done)
			gw_line_send(&l->c, json_incref(msg), false);
	}
	json_decref(msg);
}

void
gw_line_free(struct gateway *gw)
{
	sock_listener_free(gw->listener);
	gw->listener = NULL;
	while (gw->conns != NULL)
		gw_conn_free(gw->conns);
}
