#include "ipc/perm.h"

#include <stdio.h>
#include <string.h>

const char *const perm_names[PERM_COUNT] = {
	[PERM_SESSION_READ] = "session:read",
	[PERM_SESSION_WRITE] = "session:write",
	[PERM_SESSION_CREATE] = "session:create",
	[PERM_SESSION_DELETE] = "session:delete",
	[PERM_DATA_SHARE] = "data:share",
	[PERM_DATA_READ] = "data:read",
	[PERM_COMMAND_EXECUTE] = "command:execute",
	[PERM_AGENT_COORDINATE] = "agent:coordinate",
};

/* The seed's tiers, with what an agent needs to run its own tasks. */
static const perm_set perm_tiers[] = {
	[1] = PERM_BIT(PERM_SESSION_READ) | PERM_BIT(PERM_DATA_READ) |
	    PERM_BIT(PERM_DATA_SHARE) | PERM_BIT(PERM_COMMAND_EXECUTE),
	[2] = PERM_BIT(PERM_SESSION_READ) | PERM_BIT(PERM_DATA_READ) |
	    PERM_BIT(PERM_DATA_SHARE) | PERM_BIT(PERM_COMMAND_EXECUTE) |
	    PERM_BIT(PERM_SESSION_WRITE),
	[3] = 0,
};

const char *
perm_name(enum perm p)
{
	if ((unsigned)p < PERM_COUNT)
		return perm_names[p];
	return p == PERM_NONE ? "anyone" : p == PERM_OPERATOR ?
	    "operator only" : "?";
}

int
perm_parse(const char *name)
{
	int	i;

	for (i = 0; i < PERM_COUNT; i++)
		if (strcmp(name, perm_names[i]) == 0)
			return i;
	return -1;
}

perm_set
perm_tier(unsigned tier)
{
	return tier >= 1 && tier <= 3 ? perm_tiers[tier] : 0;
}

perm_set
perm_effective(const struct agent_config *ac)
{
	perm_set	s = 0;
	size_t		i;
	int		p;

	if (!ac->perms_given)
		return perm_tier(ac->tier);
	for (i = 0; i < ac->perms.n; i++)
		if ((p = perm_parse(ac->perms.v[i])) >= 0)
			s |= PERM_BIT(p);
	return s;
}

void
perm_format(perm_set s, char *buf, size_t size)
{
	size_t	len = 0;
	int	i;

	buf[0] = '\0';
	for (i = 0; i < PERM_COUNT && len < size; i++)
		if (s & PERM_BIT(i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    len > 0 ? " " : "", perm_names[i]);
	if (len == 0)
		snprintf(buf, size, "none");
}
