#include "supervisor/logpipe.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/compat.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* A longer "line" is passed on in pieces: it is not one of ours. */
#define LOGPIPE_LINE_MAX	4096

struct logpipe {
	struct bufferevent	*bev;
	int			 wfd;
};

static void
logpipe_drain(struct evbuffer *in, bool all)
{
	struct evbuffer_ptr	 eol;
	size_t			 n;
	char			*p;

	for (;;) {
		eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
		if (eol.pos != -1 && (size_t)eol.pos <= LOGPIPE_LINE_MAX)
			n = (size_t)eol.pos;
		else if (evbuffer_get_length(in) >= LOGPIPE_LINE_MAX ||
		    (all && evbuffer_get_length(in) > 0))
			n = evbuffer_get_length(in) < LOGPIPE_LINE_MAX ?
			    evbuffer_get_length(in) : LOGPIPE_LINE_MAX;
		else
			return;
		p = (char *)evbuffer_pullup(in, (ssize_t)n);
		log_relay(p, n);
		evbuffer_drain(in, n + (eol.pos != -1 && (size_t)eol.pos == n));
	}
}

static void
logpipe_read_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	logpipe_drain(bufferevent_get_input(bev), false);
}

static void
logpipe_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	(void)arg;
}

struct logpipe *
logpipe_new(struct event_base *base, int *wfd)
{
	struct logpipe	*lp;
	int		 fds[2];

	if (compat_pipe(fds, COMPAT_CLOEXEC | COMPAT_NONBLOCK) == -1)
		return NULL;
	/* Actors write blocking: a line is never cut by EAGAIN. */
	fcntl(fds[1], F_SETFL, 0);
	lp = xcalloc(1, sizeof *lp);
	lp->wfd = fds[1];
	lp->bev = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
	if (lp->bev == NULL) {
		close(fds[0]);
		close(fds[1]);
		free(lp);
		return NULL;
	}
	bufferevent_setcb(lp->bev, logpipe_read_cb, NULL, logpipe_event_cb,
	    lp);
	bufferevent_enable(lp->bev, EV_READ);
	*wfd = fds[1];
	return lp;
}

void
logpipe_free(struct logpipe *lp)
{
	struct evbuffer	*in;
	char		 buf[4096];
	ssize_t		 n;

	if (lp == NULL)
		return;
	close(lp->wfd);
	/*
	 * What the actors wrote last, up to their exit (into a buffer of our
	 * own: the bufferevent's input takes nothing added from outside).
	 */
	in = evbuffer_new();
	evbuffer_add_buffer(in, bufferevent_get_input(lp->bev));
	while ((n = read(bufferevent_getfd(lp->bev), buf, sizeof buf)) > 0)
		evbuffer_add(in, buf, (size_t)n);
	logpipe_drain(in, true);
	evbuffer_free(in);
	bufferevent_free(lp->bev);
	free(lp);
}
