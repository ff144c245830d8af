/*
 * What dead instances of this user left: a supervisor killed with -9
 * cannot remove its run directory or its shared memory region (each is
 * ~113 MB, sparse). Every supervisor start, and orch-ctl gc, removes them:
 * an instance is dead when nobody holds its lock; a region when its
 * creator is gone. Nothing of a live instance, or of another user, is
 * ever touched.
 */
#ifndef ORCH_SUPERVISOR_GC_H
#define ORCH_SUPERVISOR_GC_H

#include <stddef.h>

/* Told of each thing removed (or that could not be), in a sentence. */
typedef void	(*gc_say_fn)(const char *msg, void *arg);

/*
 * Remove the run directories (and their regions) of dead instances other
 * than except (NULL: none), then regions of ours whose creator is gone.
 * Returns how many things were removed.
 */
size_t	gc_stale(const char *except, gc_say_fn say, void *arg);

#endif
