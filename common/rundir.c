#include "common/rundir.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"

const char *
rundir_instance(const char *opt)
{
	const char	*env;

	if (opt != NULL)
		return opt;
	if ((env = getenv("ORCH_INSTANCE")) != NULL && *env != '\0')
		return env;
	return RUNDIR_INSTANCE_DEFAULT;
}

static int
rundir_instance_valid(const char *s)
{
	size_t	i, len = strlen(s);

	if (len == 0 || len > RUNDIR_INSTANCE_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* The directory holding every instance of this user. */
static int
rundir_base(char *buf, size_t size)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	int		 n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/orch", xdg);
	else
		n = snprintf(buf, size, "/tmp/orch-%lu",
		    (unsigned long)geteuid());
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
rundir_path(const char *instance, char *buf, size_t size, char **cause)
{
	char	base[PATH_MAX];
	int	n;

	if (!rundir_instance_valid(instance))
		return set_cause(cause, "invalid instance name '%s' (1-%d of "
		    "A-Z a-z 0-9 _ . -, not starting with .)", instance,
		    RUNDIR_INSTANCE_MAX);
	if (rundir_base(base, sizeof base) != 0)
		return set_cause(cause, "run directory path too long");
	n = snprintf(buf, size, "%s/%s", base, instance);
	if (n < 0 || (size_t)n >= size)
		return set_cause(cause, "run directory path too long");
	return 0;
}

int
rundir_file(const char *instance, const char *name, char *buf, size_t size,
    char **cause)
{
	char	dir[PATH_MAX];
	int	n;

	if (rundir_path(instance, dir, sizeof dir, cause) != 0)
		return -1;
	n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		return set_cause(cause, "path too long: %s/%s", dir, name);
	return 0;
}

int
rundir_check(const char *dir, char **cause)
{
	struct stat	st;

	if (lstat(dir, &st) == -1)
		return set_cause(cause, "%s: %s", dir, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return set_cause(cause, "%s is a symbolic link; refusing to "
		    "use it", dir);
	if (!S_ISDIR(st.st_mode))
		return set_cause(cause, "%s is not a directory", dir);
	if (st.st_uid != geteuid())
		return set_cause(cause, "%s belongs to uid %lu, not to us "
		    "(uid %lu); refusing to use it", dir,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
	if ((st.st_mode & 077) != 0)
		return set_cause(cause, "%s has mode %04o; it must not be open "
		    "to group or others (chmod 700 it)", dir,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

static int
rundir_make(const char *dir, char **cause)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return set_cause(cause, "mkdir %s: %s", dir, strerror(errno));
	return rundir_check(dir, cause);
}

int
rundir_prepare(const char *dir, char **cause)
{
	char	base[PATH_MAX], sub[PATH_MAX], *slash;
	int	n;

	/* The per-user base first: nobody else may own a level above us. */
	snprintf(base, sizeof base, "%s", dir);
	if ((slash = strrchr(base, '/')) != NULL && slash != base) {
		*slash = '\0';
		if (rundir_make(base, cause) != 0)
			return -1;
	}
	if (rundir_make(dir, cause) != 0)
		return -1;
	n = snprintf(sub, sizeof sub, "%s/%s", dir, RUNDIR_ACTORS);
	if (n < 0 || (size_t)n >= sizeof sub)
		return set_cause(cause, "run directory path too long");
	return rundir_make(sub, cause);
}

int
rundir_lock(const char *dir, int *fdp, char **cause)
{
	char	path[PATH_MAX], buf[32];
	ssize_t	n;
	long	pid;
	int	fd;

	snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_LOCK);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int	saved = errno;

		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		pid = strtol(buf, NULL, 10);
		close(fd);
		if (saved == EWOULDBLOCK)
			return set_cause(cause, "another supervisor (pid %ld) "
			    "is running this instance (%s)", pid, dir);
		return set_cause(cause, "lock %s: %s", path, strerror(saved));
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

/* Remove every socket in dir (only sockets: never follow or delete more). */
static void
rundir_unlink_sockets(const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 dfd;

	if ((d = opendir(dir)) == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode))
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
}

void
rundir_clean(const char *dir)
{
	char	sub[PATH_MAX];

	rundir_unlink_sockets(dir);
	snprintf(sub, sizeof sub, "%s/%s", dir, RUNDIR_ACTORS);
	rundir_unlink_sockets(sub);
}

void
rundir_remove(const char *dir)
{
	char	path[PATH_MAX];

	rundir_clean(dir);
	snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_ACTORS);
	rmdir(path);
	snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_LOCK);
	unlink(path);
	rmdir(dir);
}

int
rundir_state(const char *instance, const char *sub, bool create, char *buf,
    size_t size, char **cause)
{
	const char	*xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	const char	*slash;
	char		 dir[PATH_MAX], *p;
	int		 n;

	if (!rundir_instance_valid(instance))
		return set_cause(cause, "invalid instance name '%s'", instance);
	/* "." is the directory itself: paths made from it read plainly. */
	slash = strcmp(sub, ".") == 0 ? "" : "/";
	if (strcmp(sub, ".") == 0)
		sub = "";
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/orch/%s%s%s", xdg, instance,
		    slash, sub);
	else if (home != NULL && home[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/.local/state/orch/%s%s%s",
		    home, instance, slash, sub);
	else
		n = snprintf(dir, sizeof dir, "/tmp/orch-%lu-state/%s%s%s",
		    (unsigned long)geteuid(), instance, slash, sub);
	if (n < 0 || (size_t)n >= sizeof dir || (size_t)n >= size)
		return set_cause(cause, "state directory path too long");
	if (create) {
		/* Missing levels are made 0700; the last one is checked. */
		for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
				set_cause(cause, "mkdir %s: %s", dir,
				    strerror(errno));
				return -1;
			}
			*p = '/';
		}
		if (rundir_make(dir, cause) != 0)
			return -1;
	}
	snprintf(buf, size, "%s", dir);
	return 0;
}

#define RUNDIR_HOLD_WAIT_MS	5000

int
rundir_hold(const char *instance, const char *name)
{
	const struct timespec	 pause = { 0, 2 * 1000 * 1000 };
	char			 path[PATH_MAX];
	int			 fd, waited;

	if (rundir_file(instance, name, path, sizeof path, NULL) != 0 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return -1;
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; waited += 2) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= RUNDIR_HOLD_WAIT_MS) {
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

void
rundir_release(int fd)
{
	if (fd != -1)
		close(fd);
}
