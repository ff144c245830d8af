/*
 * The bank's words and rules: its error messages, the names of its access
 * levels, and who may read or write an entry (pure functions, decided at
 * the edge by whoever serves the bank).
 */
#include "shm/bank.h"

#include <string.h>

static const char *const bank_access_names[] = {
	[BANK_PRIVATE] = "private",
	[BANK_SHARED] = "shared",
	[BANK_PUBLIC] = "public",
};

const char *
bank_access_name(enum bank_access a)
{
	return (unsigned)a < 3 ? bank_access_names[a] : "?";
}

int
bank_access_parse(const char *s)
{
	int	i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, bank_access_names[i]) == 0)
			return i;
	return -1;
}

const char *
bank_strerror(int err)
{
	static const char *const msgs[] = {
		[BANK_ENOENT] = "no such key",
		[BANK_ECONFLICT] = "version conflict",
		[BANK_EKEY] = "key must be 1 to 255 bytes",
		[BANK_E2BIG] = "value larger than the maximum",
		[BANK_EFULL] = "memory bank full (no free entry)",
		[BANK_ENOSPC] = "memory bank arena full",
		[BANK_ETIMEDOUT] = "memory bank busy (lock timeout)",
		[BANK_EINVAL] = "bad owner or access",
		[BANK_ECORRUPT] = "memory bank entry is corrupt (written over)",
	};

	if (err < 0)
		err = -err;
	if (err <= 0 || (size_t)err >= sizeof msgs / sizeof msgs[0])
		return "unknown error";
	return msgs[err];
}

bool
bank_may_read(const char *caller, bool can_read, bool can_share,
    const char *owner, enum bank_access a)
{
	if (caller == NULL || strcmp(caller, owner) == 0)
		return true;
	switch (a) {
	case BANK_PUBLIC:
		return true;
	case BANK_SHARED:
		return can_read || can_share;
	default:
		return false;
	}
}

bool
bank_may_write(const char *caller, bool can_share, const char *owner,
    enum bank_access a)
{
	if (caller == NULL || strcmp(caller, owner) == 0)
		return true;
	switch (a) {
	case BANK_PUBLIC:
		return true;
	case BANK_SHARED:
		return can_share;
	default:
		return false;
	}
}
