/*
 * The optional sandbox of an agent's session and tasks (session.sandbox):
 * each runs under bubblewrap, which sees the file system as it is but for
 * orch's own: the run directories (every instance's sockets), the state
 * directories (task logs, the audit log) and /dev/shm (the bus and the
 * bank) are empty, and the only socket bound in is the agent's own
 * actor's, through which orch-ctl still works. In its own pid namespace a
 * sandboxed process cannot see or signal orch's processes either.
 */
#ifndef ORCH_ACTORS_SANDBOX_H
#define ORCH_ACTORS_SANDBOX_H

/*
 * The command line that runs a command sandboxed for agent of instance,
 * up to and including "--": a NULL-terminated vector (sandbox_free it),
 * or NULL with *cause (bwrap not found, a path too long).
 */
char	**sandbox_prefix(const char *instance, const char *agent,
	    char **cause);

/*
 * Can the sandbox be made here (user namespaces allowed, bwrap working)?
 * Runs prefix with /bin/true; 0, or -1 with *cause holding what bwrap
 * said.
 */
int	 sandbox_probe(char *const *prefix, char **cause);

/* prefix then argv, as one vector of the same strings (free() it). */
char	**sandbox_join(char *const *prefix, char *const *argv);

void	 sandbox_free(char **prefix);

#endif
