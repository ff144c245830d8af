/*
 * Which process holds the other end of a loopback TCP connection: what
 * SO_PEERCRED is to a Unix socket, found the way ss -p finds it (the
 * socket's inode in /proc/net/tcp, then the process with an fd on it).
 *
 * Where there is no /proc it finds nothing (sockowner_supported says
 * so), and a caller falls back to what else tells (a token).
 */
#ifndef ORCH_COMMON_SOCKOWNER_H
#define ORCH_COMMON_SOCKOWNER_H

#include <netinet/in.h>
#include <sys/types.h>

/*
 * The owner of the socket whose own address is theirs and whose peer is
 * ours (the two ends of an accepted connection, as getpeername and
 * getsockname give them). 0 with *uid and *pid, or -1: no such socket, or
 * no process we may look into holds it (one of another user, or gone).
 */
int	sockowner_tcp(const struct sockaddr_in *theirs,
	    const struct sockaddr_in *ours, uid_t *uid, pid_t *pid);
/* Can this system tell (is /proc/net/tcp there)? */
int	sockowner_supported(void);

#endif
