/*
 * Who waits for which child of the actor: one SIGCHLD reaper (actor.c)
 * hands each exit to the module that started that child (a session
 * backend's shell), so nobody else reaps behind its back and the session
 * interface says nothing of processes.
 */
#ifndef ORCH_ACTORS_CHILDWATCH_H
#define ORCH_ACTORS_CHILDWATCH_H

#include <stdbool.h>
#include <sys/types.h>

typedef void	(*childwatch_fn)(pid_t pid, int status, void *arg);

/* Call fn once when pid is reaped. */
void	childwatch_add(pid_t pid, childwatch_fn fn, void *arg);
/* No longer (pid is killed and reaped by someone else, or never mind). */
void	childwatch_del(pid_t pid);
/* pid was reaped with status: true when a watcher took it. */
bool	childwatch_reaped(pid_t pid, int status);

#endif
