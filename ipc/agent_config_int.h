/*
 * Between agent_config.c (the configuration) and agent_config_wire.c (its
 * msgpack form); nothing else includes it.
 */
#ifndef ORCH_IPC_AGENT_CONFIG_INT_H
#define ORCH_IPC_AGENT_CONFIG_INT_H

#include <stddef.h>

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

/* The index of s in names[n], or -1. */
int	agent_config_index(const char *const *names, size_t n, const char *s);

#endif
