/*
 * A YAML document loaded into plain nodes, with limits that make hostile
 * input cheap to refuse.
 *
 * libyaml's own loader has no nesting limit and expands aliases without
 * bound (a self-referencing anchor or a "billion laughs" file takes it
 * forever). This module drives libyaml's event parser instead and stops at
 * the first limit crossed: nesting depth, alias count, total nodes after
 * alias expansion, scalar length and input size. Every node keeps its
 * line and column, so callers can name the place of an error. No libyaml
 * type leaves this module.
 */
#ifndef ORCH_SUPERVISOR_YAMLDOC_H
#define ORCH_SUPERVISOR_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>

enum yamlnode_type {
	YAMLNODE_SCALAR,
	YAMLNODE_SEQ,
	YAMLNODE_MAP,
};

struct yamlnode {
	enum yamlnode_type	 type;
	unsigned		 line;		/* 1-based */
	unsigned		 col;		/* 1-based */
	/* Scalar: NUL-terminated text (len bytes) and whether it was quoted. */
	char			*str;
	size_t			 len;
	bool			 quoted;
	/* Sequence: n items. Map: n pairs, keys at even and values at odd. */
	struct yamlnode		**items;
	size_t			 n;
};

struct yamldoc_limits {
	unsigned	max_depth;	/* nesting of sequences and maps */
	unsigned	max_aliases;	/* "*name" references */
	size_t		max_nodes;	/* nodes after alias expansion */
	size_t		max_scalar;	/* bytes in one scalar */
	size_t		max_input;	/* bytes in the whole document */
};

#define YAMLDOC_LIMITS_DEFAULT { 64, 256, 100000, 1u << 20, 4u << 20 }

struct yamldoc {
	char		*file;		/* name used in messages */
	struct yamlnode	*root;		/* NULL for an empty document */
};

/*
 * Load the first (only) document of a file or a string. Returns NULL with
 * *cause "FILE:LINE:COL: what" on a syntax error or a crossed limit. lim may
 * be NULL for the defaults.
 */
struct yamldoc	*yamldoc_load_file(const char *path,
		    const struct yamldoc_limits *lim, char **cause);
struct yamldoc	*yamldoc_load_string(const char *name, const char *text,
		    size_t len, const struct yamldoc_limits *lim, char **cause);
void		 yamldoc_free(struct yamldoc *doc);
/* Free a node and everything under it. */
void		 yamldoc_node_free(struct yamlnode *n);

/* Map lookup by key; NULL when absent or node is not a map. */
struct yamlnode	*yamldoc_get(const struct yamlnode *map, const char *key);

/* Scalar is null ("~", "null", empty and unquoted). */
bool		 yamldoc_is_null(const struct yamlnode *n);

/* "sequence", "mapping" or "scalar", for messages. */
const char	*yamldoc_type_name(const struct yamlnode *n);

/*
 * Fill *cause with "FILE:LINE:COL: message" for node n (the document's start
 * when n is NULL) and return -1.
 */
int		 yamldoc_error(const struct yamldoc *doc,
		    const struct yamlnode *n, char **cause, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

#endif
