/*
 * Unix stream sockets for orch: listen, connect, and the peer-credential
 * check every accepted connection must pass.
 *
 * Every descriptor is close-on-exec and non-blocking; socket files are mode
 * 0600. A connection whose peer is another uid, or whose credentials cannot
 * be read, is refused: the check fails closed.
 */
#ifndef ORCH_IPC_SOCK_H
#define ORCH_IPC_SOCK_H

#include <sys/types.h>

struct event_base;
struct sock_listener;

/*
 * Bind and listen on path. A stale socket left by a dead process is
 * replaced; a live one, or a path that is not a socket, is an error.
 * Returns the fd or -1 with *cause.
 */
int	sock_listen(const char *path, char **cause);

/* Connect to path and check the server runs as our uid. fd or -1. */
int	sock_connect(const char *path, char **cause);

/* Read the peer's uid and pid with SO_PEERCRED. 0 or -1 with *cause. */
int	sock_peer_cred(int fd, uid_t *uid, pid_t *pid, char **cause);

/* 0 if the peer of fd runs as uid want, else -1 with *cause. */
int	sock_check_peer(int fd, uid_t want, char **cause);

/*
 * A listening socket on a libevent loop. accept_cb gets each connection
 * that passed the credential check (the callee owns fd); refuse_cb, if set,
 * gets a sentence for each refused one and for accept errors (the listener
 * pauses briefly when out of descriptors instead of spinning).
 */
typedef void (*sock_accept_cb)(int fd, void *arg);
typedef void (*sock_refuse_cb)(const char *why, void *arg);

struct sock_listener *sock_listener_new(struct event_base *base,
	    const char *path, sock_accept_cb accept_cb,
	    sock_refuse_cb refuse_cb, void *arg, char **cause);
/* Stop listening and remove the socket file if it is still ours. */
void	sock_listener_free(struct sock_listener *l);

#endif
