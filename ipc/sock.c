#include "ipc/sock.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "common/compat.h"
#include "common/xmalloc.h"

#define SOCK_BACKLOG		128
#define SOCK_PAUSE_MS		100

struct sock_listener {
	struct evconnlistener	*lev;
	struct event		*resume;
	char			*path;
	dev_t			 dev;
	ino_t			 ino;
	sock_accept_cb		 accept_cb;
	sock_refuse_cb		 refuse_cb;
	void			*arg;
};

static int
sock_addr(struct sockaddr_un *sa, const char *path, char **cause)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return set_cause(cause, "socket path too long (%zu bytes, "
		    "limit %zu): %s", strlen(path), sizeof sa->sun_path - 1,
		    path);
	strcpy(sa->sun_path, path);
	return 0;
}

static int
sock_set_nonblock(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

/* Remove path if it is a socket nobody listens on. */
static int
sock_clear_stale(const char *path, const struct sockaddr_un *sa, char **cause)
{
	struct stat	st;
	int		fd, rc, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, "%s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return set_cause(cause, "%s exists and is not a socket", path);
	if ((fd = compat_socket(AF_UNIX, SOCK_STREAM, COMPAT_CLOEXEC)) == -1)
		return set_cause(cause, "socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	saved = errno;
	close(fd);
	if (rc == 0)
		return set_cause(cause, "%s is in use by a running process",
		    path);
	if (saved != ECONNREFUSED)
		return set_cause(cause, "%s: %s", path, strerror(saved));
	if (unlink(path) == -1 && errno != ENOENT)
		return set_cause(cause, "removing stale %s: %s", path,
		    strerror(errno));
	return 0;
}

int
sock_listen(const char *path, char **cause)
{
	struct sockaddr_un	sa;
	mode_t			old;
	int			fd, rc;

	if (sock_addr(&sa, path, cause) != 0)
		return -1;
	if (sock_clear_stale(path, &sa, cause) != 0)
		return -1;
	fd = compat_socket(AF_UNIX, SOCK_STREAM, COMPAT_CLOEXEC | COMPAT_NONBLOCK);
	if (fd == -1)
		return set_cause(cause, "socket: %s", strerror(errno));
	/* The file is born 0600: no window where another user could connect. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc == -1) {
		set_cause(cause, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, SOCK_BACKLOG) == -1) {
		set_cause(cause, "listen %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

int
sock_connect(const char *path, char **cause)
{
	struct sockaddr_un	sa;
	int			fd;

	if (sock_addr(&sa, path, cause) != 0)
		return -1;
	if ((fd = compat_socket(AF_UNIX, SOCK_STREAM, COMPAT_CLOEXEC)) == -1)
		return set_cause(cause, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		set_cause(cause, "connect %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (sock_check_peer(fd, geteuid(), cause) != 0 ||
	    sock_set_nonblock(fd) != 0) {
		if (cause != NULL && *cause == NULL)
			set_cause(cause, "fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
sock_peer_cred(int fd, uid_t *uid, pid_t *pid, char **cause)
{
	if (compat_peer_cred(fd, uid, pid) == -1)
		return set_cause(cause, "cannot read peer credentials: %s",
		    strerror(errno));
	return 0;
}

int
sock_check_peer(int fd, uid_t want, char **cause)
{
	uid_t	uid;
	pid_t	pid;

	if (sock_peer_cred(fd, &uid, &pid, cause) != 0)
		return -1;
	if (uid != want)
		return set_cause(cause, "peer pid %ld runs as uid %lu, not %lu",
		    (long)pid, (unsigned long)uid, (unsigned long)want);
	return 0;
}

static void
sock_listener_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sock_listener	*l = arg;
	char			*cause = NULL;

	(void)lev;
	(void)sa;
	(void)salen;
	if (sock_check_peer(fd, geteuid(), &cause) != 0) {
		close(fd);
		if (l->refuse_cb != NULL)
			l->refuse_cb(cause, l->arg);
		free(cause);
		return;
	}
	l->accept_cb(fd, l->arg);
}

static void
sock_listener_resume_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sock_listener	*l = arg;

	(void)fd;
	(void)events;
	evconnlistener_enable(l->lev);
}

static void
sock_listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct sock_listener	*l = arg;
	struct timeval		 tv = { 0, SOCK_PAUSE_MS * 1000 };
	char			*cause = NULL;

	/*
	 * Out of descriptors (or similar): the listening socket stays
	 * readable, so pause instead of spinning on accept.
	 */
	xasprintf(&cause, "accept: %s", strerror(errno));
	evconnlistener_disable(lev);
	evtimer_add(l->resume, &tv);
	if (l->refuse_cb != NULL)
		l->refuse_cb(cause, l->arg);
	free(cause);
}

struct sock_listener *
sock_listener_new(struct event_base *base, const char *path,
    sock_accept_cb accept_cb, sock_refuse_cb refuse_cb, void *arg,
    char **cause)
{
	struct sock_listener	*l;
	struct stat		 st;
	int			 fd;

	if ((fd = sock_listen(path, cause)) == -1)
		return NULL;
	if (stat(path, &st) == -1) {
		set_cause(cause, "stat %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	l = xcalloc(1, sizeof *l);
	l->path = xstrdup(path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->accept_cb = accept_cb;
	l->refuse_cb = refuse_cb;
	l->arg = arg;
	l->lev = evconnlistener_new(base, sock_listener_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (l->lev == NULL) {
		set_cause(cause, "cannot listen on %s", path);
		close(fd);
		unlink(path);
		free(l->path);
		free(l);
		return NULL;
	}
	evconnlistener_set_error_cb(l->lev, sock_listener_error_cb);
	l->resume = evtimer_new(base, sock_listener_resume_cb, l);
	return l;
}

void
sock_listener_free(struct sock_listener *l)
{
	struct stat	st;

	if (l == NULL)
		return;
	evconnlistener_free(l->lev);
	event_free(l->resume);
	/* Only remove the file if nobody replaced it with their own. */
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
	    st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	free(l);
}
