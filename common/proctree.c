#include "common/proctree.h"

#include <sys/wait.h>


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/compat.h"
#include "common/proc.h"
#include "common/xmalloc.h"

/* Passes of proctree_kill_all before it gives up on a fork storm. */
#define PROCTREE_PASSES		64
/* An environment larger than this is not searched past it. */
#define PROCTREE_ENV_MAX	(1024 * 1024)

enum proctree_mark {
	PT_UNKNOWN = 0,
	PT_UNDER,		/* a descendant of root, not kept */
	PT_OUTSIDE,		/* not under root, or under a kept process */
	PT_UNSURE,		/* its parent went while we looked: again */
};

struct proctree_proc {
	pid_t			 pid;
	pid_t			 ppid;
	char			 state;
	enum proctree_mark	 mark;
};

struct proctree {
	struct proctree_proc	*v;
	size_t			 n, cap;
};

int
proctree_subreaper(void)
{
	return compat_subreaper();
}

/* pid, state and ppid from /proc/PID/stat. 0, or -1 (gone). */
static int
proctree_stat(const char *pid, struct proctree_proc *p)
{
	char		 buf[512];
	const char	*st = proc_stat_text(pid, buf, sizeof buf);

	if (st == NULL || st[1] != ' ')
		return -1;
	p->pid = (pid_t)strtol(pid, NULL, 10);
	p->state = st[0];
	p->ppid = (pid_t)strtol(st + 2, NULL, 10);
	p->mark = PT_UNKNOWN;
	return 0;
}

static int
proctree_cmp(const void *a, const void *b)
{
	pid_t	x = ((const struct proctree_proc *)a)->pid;
	pid_t	y = ((const struct proctree_proc *)b)->pid;

	return x < y ? -1 : x > y;
}

static struct proctree_proc *
proctree_find(struct proctree *pt, pid_t pid)
{
	struct proctree_proc	key = { .pid = pid };

	return bsearch(&key, pt->v, pt->n, sizeof *pt->v, proctree_cmp);
}

static void
proctree_add(struct proctree *pt, const struct proctree_proc *p)
{
	if (pt->n == pt->cap) {
		pt->cap = pt->cap ? pt->cap * 2 : 256;
		pt->v = xreallocarray(pt->v, pt->cap, sizeof *pt->v);
	}
	pt->v[pt->n++] = *p;
}

/* Every process as ps tells it (a system without /proc). */
static int
proctree_load_ps(struct proctree *pt)
{
	struct proctree_proc	 p = { 0 };
	char			*out, *line, *next;
	long			 pid, ppid;

	if ((out = proc_ps()) == NULL)
		return -1;
	for (line = out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (sscanf(line, "%ld %ld %c", &pid, &ppid, &p.state) != 3)
			continue;
		p.pid = (pid_t)pid;
		p.ppid = (pid_t)ppid;
		proctree_add(pt, &p);
	}
	free(out);
	return 0;
}

static int
proctree_load(struct proctree *pt)
{
	struct proctree_proc	 p;
	struct dirent		*de;
	DIR			*d;

	memset(pt, 0, sizeof *pt);
	if (!compat_procfs()) {
		if (proctree_load_ps(pt) != 0)
			return -1;
	} else {
		if ((d = opendir("/proc")) == NULL)
			return -1;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
			    proctree_stat(de->d_name, &p) == 0)
				proctree_add(pt, &p);
		closedir(d);
	}
	qsort(pt->v, pt->n, sizeof *pt->v, proctree_cmp);
	return 0;
}

static bool
proctree_kept(pid_t pid, const pid_t *keep, size_t nkeep)
{
	size_t	i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == pid)
			return true;
	return false;
}

/* Mark p (and the chain above it) as under root or not. */
static enum proctree_mark
proctree_classify(struct proctree *pt, struct proctree_proc *p, pid_t root,
    const pid_t *keep, size_t nkeep)
{
	struct proctree_proc	*q, *chain[64];
	enum proctree_mark	 m = PT_OUTSIDE;
	size_t			 n = 0;

	for (q = p; q != NULL; q = proctree_find(pt, q->ppid)) {
		if (q->mark != PT_UNKNOWN) {
			m = q->mark;
			break;
		}
		if (proctree_kept(q->pid, keep, nkeep) || q->pid <= 1 ||
		    q->ppid <= 0) {
			m = PT_OUTSIDE;
			q->mark = m;
			break;
		}
		if (q->ppid == root) {
			m = PT_UNDER;
			q->mark = m;
			break;
		}
		/*
		 * A parent that is not in the table died while /proc was read;
		 * its children are being reparented (to root, perhaps): look
		 * again rather than leave them.
		 */
		if (proctree_find(pt, q->ppid) == NULL) {
			m = PT_UNSURE;
			break;
		}
		/* Deeper than the chain holds: classified again next time. */
		if (n == sizeof chain / sizeof chain[0])
			break;
		chain[n++] = q;
	}
	while (n > 0)
		chain[--n]->mark = m;
	return m;
}

/* Does the environment of pid hold the string tag? */
static bool
proctree_has_tag(pid_t pid, const char *tag)
{
	char	*buf;
	size_t	 len, off, tlen = strlen(tag);
	bool	 found = false;

	if (compat_environ(pid, PROCTREE_ENV_MAX, &buf, &len) != 0)
		return false;
	/* NUL-separated "NAME=value" strings: compare each whole. */
	for (off = 0; off < len && !found; off += strlen(buf + off) + 1)
		found = strlen(buf + off) == tlen && memcmp(buf + off, tag,
		    tlen) == 0;
	free(buf);
	return found;
}

static size_t
proctree_pass(pid_t root, const pid_t *keep, size_t nkeep, const char *tag,
    int sig, size_t *unsure_out)
{
	struct proctree		 pt;
	struct proctree_proc	*p;
	size_t			 i, n = 0, unsure = 0;

	if (proctree_load(&pt) != 0)
		return 0;
	for (i = 0; i < pt.n; i++) {
		p = &pt.v[i];
		if (p->pid == root || p->state == 'Z' || p->state == 'X')
			continue;
		switch (proctree_classify(&pt, p, root, keep, nkeep)) {
		case PT_UNDER:
			break;
		case PT_UNSURE:
			unsure++;
			continue;
		default:
			continue;
		}
		if (tag != NULL && !proctree_has_tag(p->pid, tag))
			continue;
		if (kill(p->pid, sig) == 0)
			n++;
	}
	free(pt.v);
	if (unsure_out != NULL)
		*unsure_out = unsure;
	return n;
}

size_t
proctree_kill(pid_t root, const pid_t *keep, size_t nkeep, const char *tag,
    int sig)
{
	return proctree_pass(root, keep, nkeep, tag, sig, NULL);
}

size_t
proctree_kill_all(pid_t root, const pid_t *keep, size_t nkeep,
    const char *tag)
{
	size_t	first, n, unsure;
	int	pass;

	first = n = proctree_pass(root, keep, nkeep, tag, SIGKILL, &unsure);
	/* Until a pass finds nothing alive, and nothing it could not place. */
	for (pass = 1; (n > 0 || unsure > 0) && pass < PROCTREE_PASSES; pass++)
		n = proctree_pass(root, keep, nkeep, tag, SIGKILL, &unsure);
	return first;
}

/* proctree_other_children where there is no /proc: ps's table. */
static int
proctree_other_children_ps(const pid_t *except, size_t nexcept)
{
	struct proctree	 pt;
	pid_t		 me = getpid();
	size_t		 i;
	int		 other = 0;

	if (proctree_load(&pt) != 0)
		return -1;
	for (i = 0; i < pt.n && !other; i++)
		other = pt.v[i].ppid == me && !proctree_kept(pt.v[i].pid,
		    except, nexcept);
	free(pt.v);
	return other;
}

int
proctree_other_children(const pid_t *except, size_t nexcept)
{
	struct dirent	*de;
	DIR		*d;
	FILE		*f;
	char		 path[96];
	long		 pid;
	int		 other = 0, seen = 0;

	if (!compat_procfs())
		return proctree_other_children_ps(except, nexcept);
	if ((d = opendir("/proc/self/task")) == NULL)
		return -1;
	while (other == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%.32s/children",
		    de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		seen = 1;
		while (fscanf(f, "%ld", &pid) == 1)
			if (!proctree_kept((pid_t)pid, except, nexcept)) {
				other = 1;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return seen ? other : -1;
}

size_t
proctree_ancestors(pid_t pid, pid_t *chain, size_t max)
{
	struct proctree		 pt = { 0 };
	struct proctree_proc	 one, *p;
	char			 num[24];
	size_t			 n = 0;
	bool			 table = !compat_procfs();

	/* Without /proc, one table from ps for the whole chain. */
	if (table && proctree_load(&pt) != 0)
		return 0;
	while (n < max && pid > 0) {
		if (table)
			p = proctree_find(&pt, pid);
		else {
			snprintf(num, sizeof num, "%ld", (long)pid);
			p = proctree_stat(num, &one) == 0 ? &one : NULL;
		}
		if (p == NULL) {
			n = 0;
			break;
		}
		chain[n++] = pid;
		if (pid == 1)
			break;
		pid = p->ppid;
	}
	free(pt.v);
	/* Cut short (a chain this long is not a real one): unknown. */
	return n > 0 && (chain[n - 1] == 1 || pid == 0) ? n : 0;
}
