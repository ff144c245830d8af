/*
 * Checking a YAML document against a schema: tables of known keys, each
 * with a parser, walked over a mapping. Every error reads
 * "FILE:LINE:COLUMN: key.path: what is wrong"; an unknown key gets a
 * did-you-mean when a known one is close. Checking goes on after an error,
 * so one run tells up to SCHEMA_ERRORS_MAX of them, a line each. Used for
 * orch.yaml and for workflows, so both speak the same way.
 */
#ifndef ORCH_SUPERVISOR_SCHEMA_H
#define ORCH_SUPERVISOR_SCHEMA_H

#include "common/strlist.h"
#include "supervisor/yamldoc.h"

#define SCHEMA_ERRORS_MAX	20

struct schema {
	const struct yamldoc	*doc;
	const char		*base_dir;	/* for relative paths */
	char			**cause;	/* the errors, one per line */
	unsigned		  nerrors;
};

struct schema_key {
	const char	*name;
	/* NULL: a known key read elsewhere. path is "parent.key". */
	int		(*parse)(struct schema *, const char *path,
			    const struct yamlnode *, void *target);
};

/* Walk map's keys against keys[n], calling each parser with target. */
int	schema_walk(struct schema *c, const char *path,
	    const struct yamlnode *map, const struct schema_key *keys,
	    size_t nkeys, void *target);

/*
 * A key people put in the wrong mapping: where it belongs ("session"), so
 * the error says so instead of a "did you mean" for a key of this one.
 */
struct schema_moved {
	const char	*name;
	const char	*belongs;
};

/* schema_walk, telling where each of moved[nmoved] belongs. */
int	schema_walk_moved(struct schema *c, const char *path,
	    const struct yamlnode *map, const struct schema_key *keys,
	    size_t nkeys, const struct schema_moved *moved, size_t nmoved,
	    void *target);

/*
 * "Did you mean": offer each name a word could have meant; the closest
 * within two edits wins (case-insensitive).
 */
struct schema_hint {
	const char	*word;
	const char	*best;
	size_t		 distance;
};
void	schema_hint_init(struct schema_hint *h, const char *word);
void	schema_hint_offer(struct schema_hint *h, const char *name);
/* " (did you mean 'NAME'?)", or "" when nothing came close. */
const char *schema_hint_text(const struct schema_hint *h, char *buf,
	    size_t size);

/*
 * Add an error at node n (no position if n has none) to *cause and return
 * -1. After one, check on only while schema_go_on says so.
 */
int	schema_err(struct schema *c, const struct yamlnode *n,
	    const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

bool	schema_go_on(const struct schema *c);

/* A non-null scalar. */
int	schema_scalar(struct schema *c, const char *path,
	    const struct yamlnode *n, const char **out);
/* A whole number in [min, max]. */
int	schema_uint(struct schema *c, const char *path,
	    const struct yamlnode *n, unsigned long min, unsigned long max,
	    unsigned long *out);
/* One of names[count] (NULL entries skipped); *out is its index. */
int	schema_enum(struct schema *c, const char *path,
	    const struct yamlnode *n, const char *const *names, size_t count,
	    int *out);
/* true/false (also yes/no, on/off). */
int	schema_bool(struct schema *c, const char *path,
	    const struct yamlnode *n, bool *out);
/* A number in [min, max] (decimals allowed). */
int	schema_number(struct schema *c, const char *path,
	    const struct yamlnode *n, double min, double max, double *out);
/* A list of distinct strings, or one string; appended to out. */
int	schema_strlist(struct schema *c, const char *path,
	    const struct yamlnode *n, struct strlist *out);

#endif
