#include "supervisor/schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

/* Edit distance, for "did you mean". Keys are short. */
static size_t
schema_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, prev, tmp;
	size_t	row[64];

	if (la >= NITEMS(row) || lb >= NITEMS(row))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? prev :
			    1 + (prev < row[j] ? (prev < row[j - 1] ? prev :
			    row[j - 1]) : (row[j] < row[j - 1] ? row[j] :
			    row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

void
schema_hint_init(struct schema_hint *h, const char *word)
{
	h->word = word;
	h->best = NULL;
	h->distance = SIZE_MAX;
}

void
schema_hint_offer(struct schema_hint *h, const char *name)
{
	size_t	d = schema_distance(name, h->word);

	if (d < h->distance) {
		h->distance = d;
		h->best = name;
	}
}

const char *
schema_hint_text(const struct schema_hint *h, char *buf, size_t size)
{
	if (h->best == NULL || h->distance > 2)
		return "";
	snprintf(buf, size, " (did you mean '%s'?)", h->best);
	return buf;
}

int
schema_err(struct schema *c, const struct yamlnode *n, const char *path,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *line = NULL, *all;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n == NULL || n->line == 0) {
		/* Built from a request, not a file: no position to give. */
		set_cause(&line, "%s: %s%s%s", c->doc->file, path,
		    *path ? ": " : "", msg);
	} else
		yamldoc_error(c->doc, n, &line, "%s%s%s", path,
		    *path ? ": " : "", msg);
	free(msg);
	if (++c->nerrors == SCHEMA_ERRORS_MAX) {
		xasprintf(&all, "%s\n%s: stopping after %u errors", line,
		    c->doc->file, SCHEMA_ERRORS_MAX);
		free(line);
		line = all;
	}
	if (c->cause == NULL)
		free(line);
	else if (c->nerrors == 1)
		*c->cause = line;
	else {
		xasprintf(&all, "%s\n%s", *c->cause, line);
		free(*c->cause);
		free(line);
		*c->cause = all;
	}
	return -1;
}

bool
schema_go_on(const struct schema *c)
{
	return c->nerrors < SCHEMA_ERRORS_MAX;
}

int
schema_walk(struct schema *c, const char *path, const struct yamlnode *map,
    const struct schema_key *keys, size_t nkeys, void *target)
{
	return schema_walk_moved(c, path, map, keys, nkeys, NULL, 0, target);
}

int
schema_walk_moved(struct schema *c, const char *path,
    const struct yamlnode *map, const struct schema_key *keys, size_t nkeys,
    const struct schema_moved *moved, size_t nmoved, void *target)
{
	const struct yamlnode	*k;
	struct schema_hint	 hint;
	size_t			 i, j;
	char			*sub, buf[96];
	int			 rc, failed = 0;

	if (map->type != YAMLNODE_MAP)
		return schema_err(c, map, path, "expected a mapping, got %s",
		    yamldoc_type_name(map));
	/* On an error, go on with the next key: one run tells them all. */
	for (i = 0; i + 1 < map->n && (failed == 0 || schema_go_on(c));
	    i += 2) {
		k = map->items[i];
		if (k->type != YAMLNODE_SCALAR) {
			failed = schema_err(c, k, path, "a key must be a "
			    "scalar");
			continue;
		}
		for (j = 0; j < i; j += 2)
			if (map->items[j]->type == YAMLNODE_SCALAR &&
			    strcmp(map->items[j]->str, k->str) == 0)
				break;
		if (j < i) {
			failed = schema_err(c, k, path, "duplicate key '%s' "
			    "(first at line %u)", k->str, map->items[j]->line);
			continue;
		}
		schema_hint_init(&hint, k->str);
		for (j = 0; j < nkeys; j++) {
			if (strcmp(keys[j].name, k->str) == 0)
				break;
			schema_hint_offer(&hint, keys[j].name);
		}
		if (j == nkeys) {
			for (j = 0; j < nmoved; j++)
				if (strcmp(moved[j].name, k->str) == 0)
					break;
			if (j < nmoved)
				failed = schema_err(c, k, path, "'%s' belongs "
				    "under '%s:' (%s: {%s: ...})", k->str,
				    moved[j].belongs, moved[j].belongs,
				    k->str);
			else
				failed = schema_err(c, k, path, "unknown key "
				    "'%s'%s", k->str, schema_hint_text(&hint,
				    buf, sizeof buf));
			continue;
		}
		if (keys[j].parse == NULL)
			continue;	/* known, read by another part of orch */
		if (*path != '\0')
			xasprintf(&sub, "%s.%s", path, k->str);
		else
			sub = xstrdup(k->str);
		rc = keys[j].parse(c, sub, map->items[i + 1], target);
		free(sub);
		if (rc != 0)
			failed = -1;
	}
	return failed;
}

int
schema_scalar(struct schema *c, const char *path, const struct yamlnode *n,
    const char **out)
{
	if (n->type != YAMLNODE_SCALAR || yamldoc_is_null(n))
		return schema_err(c, n, path, "expected a string, got %s",
		    yamldoc_is_null(n) ? "null" : yamldoc_type_name(n));
	*out = n->str;
	return 0;
}

int
schema_uint(struct schema *c, const char *path, const struct yamlnode *n,
    unsigned long min, unsigned long max, unsigned long *out)
{
	const char	*s;
	char		*end;
	unsigned long	 v;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *s == '-' || v < min ||
	    v > max)
		return schema_err(c, n, path, "'%s' is not a whole number "
		    "from %lu to %lu", s, min, max);
	*out = v;
	return 0;
}

int
schema_enum(struct schema *c, const char *path, const struct yamlnode *n,
    const char *const *names, size_t count, int *out)
{
	const char	*s;
	char		 all[128];
	size_t		 i;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	for (i = 0; i < count; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return 0;
		}
	all[0] = '\0';
	for (i = 0; i < count; i++)
		if (names[i] != NULL)
			snprintf(all + strlen(all), sizeof all - strlen(all),
			    "%s%s", all[0] ? ", " : "", names[i]);
	return schema_err(c, n, path, "'%s' is not one of: %s", s, all);
}

int
schema_strlist(struct schema *c, const char *path, const struct yamlnode *n,
    struct strlist *out)
{
	const char	*s;
	size_t		 i;

	if (n->type == YAMLNODE_SCALAR && !yamldoc_is_null(n)) {
		strlist_add(out, n->str);	/* a single item */
		return 0;
	}
	if (n->type != YAMLNODE_SEQ)
		return schema_err(c, n, path, "expected a list of strings, "
		    "got %s", yamldoc_type_name(n));
	for (i = 0; i < n->n; i++) {
		if (schema_scalar(c, path, n->items[i], &s) != 0)
			return -1;
		if (strlist_has(out, s))
			return schema_err(c, n->items[i], path, "'%s' is "
			    "listed twice", s);
		strlist_add(out, s);
	}
	return 0;
}

int
schema_bool(struct schema *c, const char *path, const struct yamlnode *n,
    bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "on" };
	static const char *const no[] = { "false", "False", "FALSE", "no",
	    "off" };
	const char	*s;
	size_t		 i;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	for (i = 0; i < NITEMS(yes); i++)
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (i = 0; i < NITEMS(no); i++)
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return schema_err(c, n, path, "'%s' is not true or false", s);
}

int
schema_number(struct schema *c, const char *path, const struct yamlnode *n,
    double min, double max, double *out)
{
	const char	*s;
	char		*end;
	double		 v;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= min) ||
	    !(v <= max))
		return schema_err(c, n, path, "'%s' is not a number from %g to "
		    "%g", s, min, max);
	*out = v;
	return 0;
}
