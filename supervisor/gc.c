#include "supervisor/gc.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rundir.h"
#include "common/xmalloc.h"
#include "shm/region.h"
#include "supervisor/supervisor.h"

#define GC_SHM_DIR	"/dev/shm"

static void
gc_say(gc_say_fn say, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
gc_say(gc_say_fn say, void *arg, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (say == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	say(msg, arg);
	free(msg);
}

/* Is the instance in dir dead (its lock free)? Then *fd holds its lock. */
static bool
gc_dead(const char *dir, int *fd)
{
	char	path[PATH_MAX + 320];

	snprintf(path, sizeof path, "%s/%s", dir, RUNDIR_LOCK);
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return errno == ENOENT;	/* never started, or half gone */
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return true;
	close(*fd);
	*fd = -1;
	return false;
}

/* Remove the files orch puts in a run directory's tasks/ subdirectory. */
static void
gc_tasks(const char *dir)
{
	char		 sub[PATH_MAX + 320], path[PATH_MAX + 640];
	struct dirent	*de;
	DIR		*d;

	snprintf(sub, sizeof sub, "%s/tasks", dir);
	if ((d = opendir(sub)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", sub, de->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(sub);
}

static size_t
gc_instance(const char *base, const char *name, gc_say_fn say, void *arg)
{
	char	 dir[PATH_MAX + 256], path[PATH_MAX + 320];
	char	 shm[REGION_NAME_MAX];
	char	*cause = NULL;
	size_t	 n = 0;
	FILE	*f;
	int	 fd;

	snprintf(dir, sizeof dir, "%s/%s", base, name);
	/* Not a directory of ours as orch makes them: not ours to remove. */
	if (rundir_check(dir, &cause) != 0) {
		free(cause);
		return 0;
	}
	if (!gc_dead(dir, &fd))
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, SUPERVISOR_SHM_FILE);
	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(shm, sizeof shm, f) != NULL) {
			shm[strcspn(shm, "\n")] = '\0';
			if (region_remove_stale(shm, &cause) == 0) {
				gc_say(say, arg, "instance %s: removed its shared "
				    "memory %s", name, shm);
				n++;
			} else {
				gc_say(say, arg, "instance %s: %s", name, cause);
				free(cause);
				cause = NULL;
			}
		}
		fclose(f);
		unlink(path);
	}
	gc_tasks(dir);
	rundir_remove(dir);
	if (fd != -1)
		close(fd);
	if (access(dir, F_OK) == 0)
		gc_say(say, arg, "instance %s: could not remove all of %s", name,
		    dir);
	else {
		gc_say(say, arg, "instance %s: removed its run directory %s "
		    "(its supervisor is gone)", name, dir);
		n++;
	}
	return n;
}

/* Regions of ours in /dev/shm whose creator is gone. */
static size_t
gc_regions(gc_say_fn say, void *arg)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 prefix[64], name[REGION_NAME_MAX + 1], path[PATH_MAX];
	char		*cause = NULL;
	size_t		 n = 0;

	snprintf(prefix, sizeof prefix, "orch-%lu-", (unsigned long)geteuid());
	if ((d = opendir(GC_SHM_DIR)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    strlen(de->d_name) >= sizeof name - 1)
			continue;
		snprintf(path, sizeof path, "%s/%s", GC_SHM_DIR, de->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		snprintf(name, sizeof name, "/%.120s", de->d_name);
		if (region_remove_stale(name, &cause) == 0) {
			gc_say(say, arg, "removed the shared memory %s (its "
			    "supervisor is gone)", name);
			n++;
		}
		free(cause);
		cause = NULL;
	}
	closedir(d);
	return n;
}

size_t
gc_stale(const char *except, gc_say_fn say, void *arg)
{
	struct dirent	*de;
	DIR		*d;
	char		 base[PATH_MAX], *slash, *cause = NULL;
	size_t		 n = 0;

	/* The directory holding every instance's: where "x"'s would be. */
	if (rundir_path("x", base, sizeof base, &cause) != 0) {
		free(cause);
		return 0;
	}
	if ((slash = strrchr(base, '/')) != NULL)
		*slash = '\0';
	if ((d = opendir(base)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || (except != NULL &&
			    strcmp(de->d_name, except) == 0))
				continue;
			n += gc_instance(base, de->d_name, say, arg);
		}
		closedir(d);
	}
	return n + gc_regions(say, arg);
}
