/*
 * What orch needs of the system that POSIX does not say, in one place:
 * the Linux calls, their macOS equivalents, and the portable fallbacks
 * that a build with -DORCH_PORTABLE uses on any system (make
 * test-portable runs them on Linux, so that they are compiled and
 * exercised where CI runs). Every #ifdef of a platform is in compat.c and
 * shm/futex.c; nothing else names one.
 */
#ifndef ORCH_COMMON_COMPAT_H
#define ORCH_COMMON_COMPAT_H

#include <stddef.h>
#include <sys/types.h>

/* Flags of the calls below. */
#define COMPAT_CLOEXEC		0x1
#define COMPAT_NONBLOCK		0x2

/* pipe2, else pipe and fcntl. */
int	compat_pipe(int fds[2], int flags);
/* socket / socketpair with SOCK_CLOEXEC, SOCK_NONBLOCK, else fcntl. */
int	compat_socket(int domain, int type, int flags);
int	compat_socketpair(int domain, int type, int flags, int sv[2]);
/* dup3(old, new, O_CLOEXEC), else dup2 and fcntl. Async-signal-safe. */
int	compat_dup_cloexec(int oldfd, int newfd);
/* Close every fd from lowfd up (close_range, else one by one). */
void	compat_close_from(int lowfd);
/* The slave's name of a pty master: ptsname_r, else ptsname. */
int	compat_ptsname(int master, char *buf, size_t size);
/*
 * Be sent sig when the parent dies (PR_SET_PDEATHSIG). 0, or -1 where
 * the system cannot: then the caller learns it from its link's EOF.
 */
int	compat_parent_death(int sig);
/*
 * Orphans of our descendants become our children, not init's
 * (PR_SET_CHILD_SUBREAPER; PROC_REAP_ACQUIRE on FreeBSD). 0, or -1.
 */
int	compat_subreaper(void);
/*
 * The uid and pid at the other end of a connected Unix socket:
 * SO_PEERCRED, else getpeereid and LOCAL_PEERPID. 0, or -1 with errno.
 */
int	compat_peer_cred(int fd, uid_t *uid, pid_t *pid);
/*
 * The directory our own executable is in (/proc/self/exe,
 * _NSGetExecutablePath): where the other orch programs are. 0, or -1.
 */
int	compat_self_dir(char *buf, size_t size);
/*
 * The executable of process pid (/proc/PID/exe, proc_pidpath). Its
 * length, or -1 (not ours to read, or the system cannot tell).
 */
ssize_t	compat_exe_of(pid_t pid, char *buf, size_t size);
/*
 * Which pages of [addr, addr + len) are in memory, a byte each in vec
 * (mincore). 0, or -1 where the system cannot tell.
 */
int	compat_resident(void *addr, size_t len, unsigned char *vec);
/*
 * Give the heap's free memory back to the system (glibc's malloc_trim,
 * macOS's pressure relief); nothing where the allocator cannot.
 */
void	compat_trim_heap(void);
/* Does the system let us read other processes in /proc (Linux)? */
int	compat_procfs(void);
/*
 * The calling thread's id where a thread can be told from outside
 * (Linux's gettid: kill(2) and /proc take it as a pid), else 0.
 */
pid_t	compat_thread_id(void);
/*
 * Where there is no /proc: when process pid started (microseconds since
 * the epoch, proc_pidinfo), 0 when the system cannot tell. Two processes
 * with one pid never share it.
 */
unsigned long long compat_start_time(pid_t pid);
/*
 * The environment of process pid, as NUL-separated "NAME=value" strings
 * in a buffer of at most max bytes (*out, to free; *len). 0, or -1 (not
 * ours to read, gone, or the system cannot tell).
 */
int	compat_environ(pid_t pid, size_t max, char **out, size_t *len);

#endif
