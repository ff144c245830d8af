#include "common/sockowner.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/compat.h"

/*
 * /proc/net/tcp prints an address as the 32-bit word it is in memory
 * (%08X) and a port in host order (%04X): compare them as such.
 */
static int
sockowner_inode(const struct sockaddr_in *theirs,
    const struct sockaddr_in *ours, uid_t *uid, unsigned long *inode)
{
	FILE		*f = fopen("/proc/net/tcp", "re");
	char		 line[512];
	unsigned	 la, lp, ra, rp, st;
	unsigned long	 u, ino;
	int		 found = -1;

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof line, f) == NULL) {	/* the heading */
		fclose(f);
		return -1;
	}
	while (found != 0 && fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X %*X:%*X %*X:%*X "
		    "%*X %lu %*u %lu", &la, &lp, &ra, &rp, &st, &u, &ino) != 7)
			continue;
		if (la != theirs->sin_addr.s_addr || lp !=
		    ntohs(theirs->sin_port) || ra != ours->sin_addr.s_addr ||
		    rp != ntohs(ours->sin_port) || ino == 0)
			continue;
		*uid = (uid_t)u;
		*inode = ino;
		found = 0;
	}
	fclose(f);
	return found;
}

/* Does process dir (a /proc entry) hold an fd on socket:[inode]? */
static int
sockowner_holds(const char *dir, const char *want)
{
	char		 path[600], link[64];
	DIR		*d;
	struct dirent	*e;
	ssize_t		 n;
	int		 held = 0;

	snprintf(path, sizeof path, "/proc/%s/fd", dir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while (!held && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%s/fd/%s", dir, e->d_name);
		n = readlink(path, link, sizeof link - 1);
		if (n > 0) {
			link[n] = '\0';
			held = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return held;
}

int
sockowner_tcp(const struct sockaddr_in *theirs, const struct sockaddr_in *ours,
    uid_t *uid, pid_t *pid)
{
	unsigned long	 inode;
	char		 want[48];
	DIR		*d;
	struct dirent	*e;
	long		 p;
	char		*end;

	if (!compat_procfs() || sockowner_inode(theirs, ours, uid,
	    &inode) != 0)
		return -1;
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	if ((d = opendir("/proc")) == NULL)
		return -1;
	*pid = 0;
	while (*pid == 0 && (e = readdir(d)) != NULL) {
		p = strtol(e->d_name, &end, 10);
		if (*end != '\0' || p <= 0)
			continue;
		if (sockowner_holds(e->d_name, want))
			*pid = (pid_t)p;
	}
	closedir(d);
	return *pid > 0 ? 0 : -1;
}

int
sockowner_supported(void)
{
	return compat_procfs() && access("/proc/net/tcp", R_OK) == 0;
}
