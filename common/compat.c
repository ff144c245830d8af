#include "common/compat.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"

#if defined(__linux__) && !defined(ORCH_PORTABLE)
#define COMPAT_LINUX	1
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>		/* malloc_trim: glibc's, the portable build's too */
#endif
#if defined(__APPLE__) && !defined(ORCH_PORTABLE)
#define COMPAT_APPLE	1
#include <malloc/malloc.h>
#include <sys/sysctl.h>
#include <sys/ucred.h>
#include <libproc.h>
#include <mach-o/dyld.h>
#endif

#ifndef COMPAT_LINUX
/*
 * The fallbacks: flags set after the fact (a window another thread's
 * fork could see; orch forks from one thread only).
 */
static int
compat_set_flags(int fd, int flags)
{
	if ((flags & COMPAT_CLOEXEC) && fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if ((flags & COMPAT_NONBLOCK) && fcntl(fd, F_SETFL,
	    fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

/* Both ends of a pipe or socket pair; on failure both are closed. */
static int
compat_set_flags_pair(int fds[2], int flags)
{
	if (compat_set_flags(fds[0], flags) == -1 ||
	    compat_set_flags(fds[1], flags) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}
#endif

int
compat_pipe(int fds[2], int flags)
{
#ifdef COMPAT_LINUX
	return pipe2(fds, ((flags & COMPAT_CLOEXEC) ? O_CLOEXEC : 0) |
	    ((flags & COMPAT_NONBLOCK) ? O_NONBLOCK : 0));
#else
	if (pipe(fds) == -1)
		return -1;
	return compat_set_flags_pair(fds, flags);
#endif
}

int
compat_socket(int domain, int type, int flags)
{
#ifdef COMPAT_LINUX
	return socket(domain, type | ((flags & COMPAT_CLOEXEC) ? SOCK_CLOEXEC :
	    0) | ((flags & COMPAT_NONBLOCK) ? SOCK_NONBLOCK : 0), 0);
#else
	int	fd = socket(domain, type, 0);

	if (fd != -1 && compat_set_flags(fd, flags) == -1) {
		close(fd);
		return -1;
	}
	return fd;
#endif
}

int
compat_socketpair(int domain, int type, int flags, int sv[2])
{
#ifdef COMPAT_LINUX
	return socketpair(domain, type | ((flags & COMPAT_CLOEXEC) ?
	    SOCK_CLOEXEC : 0) | ((flags & COMPAT_NONBLOCK) ? SOCK_NONBLOCK :
	    0), 0, sv);
#else
	if (socketpair(domain, type, 0, sv) == -1)
		return -1;
	return compat_set_flags_pair(sv, flags);
#endif
}

int
compat_dup_cloexec(int oldfd, int newfd)
{
#ifdef COMPAT_LINUX
	return dup3(oldfd, newfd, O_CLOEXEC);
#else
	if (oldfd == newfd) {
		errno = EINVAL;
		return -1;
	}
	if (dup2(oldfd, newfd) == -1)
		return -1;
	return fcntl(newfd, F_SETFD, FD_CLOEXEC) == -1 ? -1 : newfd;
#endif
}

int
compat_ptsname(int master, char *buf, size_t size)
{
#ifdef COMPAT_LINUX
	return ptsname_r(master, buf, size);
#else
	const char	*name = ptsname(master);

	if (name == NULL || strlen(name) >= size)
		return -1;
	memcpy(buf, name, strlen(name) + 1);
	return 0;
#endif
}

int
compat_parent_death(int sig)
{
#ifdef COMPAT_LINUX
	return prctl(PR_SET_PDEATHSIG, sig);
#else
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

int
compat_subreaper(void)
{
#ifdef COMPAT_LINUX
	return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : -1;
#else
	errno = ENOSYS;
	return -1;
#endif
}

int
compat_peer_cred(int fd, uid_t *uid, pid_t *pid)
{
#if defined(__linux__)
	/* No fallback exists: a portable build on Linux keeps this one. */
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	if (len != sizeof cred) {
		errno = EPROTO;
		return -1;
	}
	*uid = cred.uid;
	*pid = cred.pid;
	return 0;
#elif defined(COMPAT_APPLE)
	gid_t		gid;
	socklen_t	len = sizeof *pid;

	if (getpeereid(fd, uid, &gid) == -1)
		return -1;
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, pid, &len) == -1)
		return -1;
	return 0;
#else
	gid_t	gid;

	*pid = 0;
	return getpeereid(fd, uid, &gid);
#endif
}

int
compat_self_dir(char *buf, size_t size)
{
	char	*slash;

#if defined(COMPAT_APPLE)
	uint32_t	n = (uint32_t)size;

	if (_NSGetExecutablePath(buf, &n) != 0)
		return -1;
#else
	/* Linux's, in a portable build too: there is no other way to ask. */
	ssize_t	n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
#endif
	if ((slash = strrchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

ssize_t
compat_exe_of(pid_t pid, char *buf, size_t size)
{
#if defined(COMPAT_LINUX)
	char	path[64];
	ssize_t	n;

	snprintf(path, sizeof path, "/proc/%ld/exe", (long)pid);
	if ((n = readlink(path, buf, size - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	return n;
#elif defined(COMPAT_APPLE)
	int	n = proc_pidpath(pid, buf, (uint32_t)size);

	return n > 0 ? n : -1;
#else
	(void)pid;
	(void)buf;
	(void)size;
	return -1;
#endif
}

int
compat_resident(void *addr, size_t len, unsigned char *vec)
{
#if defined(COMPAT_LINUX)
	return mincore(addr, len, vec);
#elif defined(COMPAT_APPLE)
	return mincore(addr, len, (char *)vec);
#else
	(void)addr;
	(void)len;
	(void)vec;
	errno = ENOSYS;
	return -1;
#endif
}

void
compat_trim_heap(void)
{
#if defined(__GLIBC__)
	malloc_trim(0);
#elif defined(COMPAT_APPLE)
	malloc_zone_pressure_relief(NULL, 0);
#endif
}

int
compat_procfs(void)
{
#ifdef COMPAT_LINUX
	return 1;
#else
	return 0;
#endif
}

void
compat_close_from(int lowfd)
{
	struct dirent	*e;
	DIR		*d;
	long		 max, fd;
	int		 fds[256];
	size_t		 n, i;

#if defined(COMPAT_LINUX) && defined(SYS_close_range)
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0) == 0)
		return;
#endif
	/*
	 * The open ones, as /dev/fd lists them (closed after the listing,
	 * a batch at a time): a limit of a million fds is a million close
	 * calls otherwise.
	 */
	while ((d = opendir("/dev/fd")) != NULL) {
		for (n = 0; n < sizeof fds / sizeof fds[0] &&
		    (e = readdir(d)) != NULL;) {
			fd = strtol(e->d_name, NULL, 10);
			if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
			    fd >= lowfd && fd != dirfd(d))
				fds[n++] = (int)fd;
		}
		closedir(d);
		for (i = 0; i < n; i++)
			close(fds[i]);
		if (n < sizeof fds / sizeof fds[0])
			return;
	}
	max = sysconf(_SC_OPEN_MAX);
	for (fd = lowfd; fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

pid_t
compat_thread_id(void)
{
#ifdef COMPAT_LINUX
	return (pid_t)syscall(SYS_gettid);
#else
	return 0;
#endif
}

unsigned long long
compat_start_time(pid_t pid)
{
#if defined(COMPAT_APPLE)
	struct proc_bsdinfo	bi;

	if (proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &bi, sizeof bi) !=
	    (int)sizeof bi)
		return 0;
	return (unsigned long long)bi.pbi_start_tvsec * 1000000u +
	    bi.pbi_start_tvusec;
#else
	(void)pid;
	return 0;
#endif
}

int
compat_environ(pid_t pid, size_t max, char **out, size_t *len)
{
#if defined(COMPAT_LINUX)
	char	 path[64], *buf;
	size_t	 n = 0, cap = 16384;
	ssize_t	 r;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	buf = xmalloc(cap + 1);
	for (;;) {
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
#elif defined(COMPAT_APPLE)
	/* KERN_PROCARGS2: argc, the executable's path, argv, then the environment. */
	int	 mib[3] = { CTL_KERN, KERN_PROCARGS2, (int)pid }, argc;
	size_t	 size = 0, i;
	char	*buf, *p, *end;

	if (sysctl(mib, 3, NULL, &size, NULL, 0) == -1 || size < sizeof argc)
		return -1;
	buf = xmalloc(size + 1);
	if (sysctl(mib, 3, buf, &size, NULL, 0) == -1) {
		free(buf);
		return -1;
	}
	buf[size] = '\0';
	memcpy(&argc, buf, sizeof argc);
	end = buf + size;
	p = buf + sizeof argc;
	p += strlen(p);			/* the path, */
	for (i = 0; i <= (size_t)argc && p < end; i++) {
		while (p < end && *p == '\0')
			p++;		/* its padding, */
		if (i < (size_t)argc)
			p += strlen(p);	/* and each argument */
	}
	*len = (size_t)(end - p) < max ? (size_t)(end - p) : max;
	memmove(buf, p, *len);
	buf[*len] = '\0';
	*out = buf;
	return 0;
#else
	(void)pid;
	(void)max;
	(void)out;
	(void)len;
	errno = ENOSYS;
	return -1;
#endif
}
