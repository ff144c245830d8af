/*
 * The one permission table: every operation a client can ask of orch (on
 * the control socket or an actor's socket), with the permission it needs
 * when it is about the caller itself (or about no agent), the one it
 * needs when it is about another agent, and the body key that names that
 * agent. The check happens in one place per socket, before the handler.
 * An operation with no row is the operator's only.
 */
#ifndef ORCH_IPC_PERMTAB_H
#define ORCH_IPC_PERMTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "ipc/perm.h"

struct permtab_row {
	const char	*op;
	enum perm	 self;		/* about itself, or no agent */
	enum perm	 other;		/* about another agent */
	const char	*key;		/* the body key naming it, or NULL */
	bool		 anywhere;	/* no key: it may go to any agent */
};

extern const struct permtab_row	permtab[];
extern const size_t		permtab_len;

/* op's row, or NULL (the operator's only). */
const struct permtab_row *permtab_find(const char *op);

/*
 * What op about agent `resource` (NULL or "": none, or the caller itself)
 * needs of agent `caller`: PERM_NONE (nothing), a permission, or
 * PERM_OPERATOR. The rule an allowed decision is audited with.
 */
enum perm	 permtab_need(const char *op, const char *caller,
		    const char *resource);

/*
 * May agent `caller` with permissions `perms` do op about agent
 * `resource` (NULL or "": none, or itself)? PERM_NONE when it may, else
 * the permission it lacks (PERM_OPERATOR: nobody but the operator); why
 * says so, naming the operation, the permission and the resource.
 */
enum perm	 permtab_check(const char *op, const char *caller,
		    perm_set perms, const char *resource, char *why,
		    size_t size);

#endif
