#include "supervisor/yamldoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/xmalloc.h"

struct yamldoc_anchor {
	char		*name;
	struct yamlnode	*node;
	bool		 open;		/* its node is still being built */
};

struct yamldoc_load {
	yaml_parser_t		 parser;
	struct yamldoc_limits	 lim;
	const char		*file;

	FILE			*f;		/* file input, or */
	const char		*text;		/* string input */
	size_t			 text_len;
	size_t			 consumed;
	bool			 too_big;

	struct yamlnode		*root;
	struct yamlnode		**stack;	/* open containers */
	unsigned		 depth;
	struct yamldoc_anchor	*anchors;
	size_t			 nanchors;
	size_t			 nodes;
	unsigned		 aliases;
	char			*error;
};

void
yamldoc_node_free(struct yamlnode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		yamldoc_node_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

static int
yamldoc_fail(struct yamldoc_load *ld, const yaml_mark_t *mark,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
yamldoc_fail(struct yamldoc_load *ld, const yaml_mark_t *mark,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (ld->error != NULL)
		return -1;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&ld->error, "%s:%zu:%zu: %s", ld->file, mark->line + 1,
	    mark->column + 1, msg);
	free(msg);
	return -1;
}

/* Input is read in chunks and counted, so an oversized file stops early. */
static int
yamldoc_read_cb(void *arg, unsigned char *buf, size_t size, size_t *got)
{
	struct yamldoc_load	*ld = arg;
	size_t			 n;

	if (ld->f != NULL) {
		n = fread(buf, 1, size, ld->f);
		if (n == 0 && ferror(ld->f))
			return 0;
	} else {
		n = ld->text_len - ld->consumed;
		if (n > size)
			n = size;
		memcpy(buf, ld->text + ld->consumed, n);
	}
	ld->consumed += n;
	if (ld->consumed > ld->lim.max_input) {
		ld->too_big = true;
		return 0;
	}
	*got = n;
	return 1;
}

static struct yamlnode *
yamldoc_node_new(struct yamldoc_load *ld, enum yamlnode_type type,
    const yaml_mark_t *mark)
{
	struct yamlnode	*n;

	if (++ld->nodes > ld->lim.max_nodes) {
		yamldoc_fail(ld, mark, "more than %zu nodes (alias expansion?)",
		    ld->lim.max_nodes);
		return NULL;
	}
	n = xcalloc(1, sizeof *n);
	n->type = type;
	n->line = (unsigned)mark->line + 1;
	n->col = (unsigned)mark->column + 1;
	return n;
}

static void
yamldoc_append(struct yamlnode *parent, struct yamlnode *child)
{
	/* Grow by doubling: n is a power of two exactly when full. */
	if (parent->n == 0 || (parent->n & (parent->n - 1)) == 0)
		parent->items = xreallocarray(parent->items,
		    parent->n == 0 ? 1 : parent->n * 2, sizeof *parent->items);
	parent->items[parent->n++] = child;
}

/* Copy an anchored node for an alias, counting every copy as a node. */
static struct yamlnode *
yamldoc_copy(struct yamldoc_load *ld, const struct yamlnode *src,
    const yaml_mark_t *mark)
{
	struct yamlnode	*n, *c;
	size_t		 i;

	if ((n = yamldoc_node_new(ld, src->type, mark)) == NULL)
		return NULL;
	n->line = src->line;
	n->col = src->col;
	n->quoted = src->quoted;
	n->len = src->len;
	if (src->str != NULL)
		n->str = xstrndup(src->str, src->len);
	for (i = 0; i < src->n; i++) {
		if ((c = yamldoc_copy(ld, src->items[i], mark)) == NULL) {
			yamldoc_node_free(n);
			return NULL;
		}
		yamldoc_append(n, c);
	}
	return n;
}

static void
yamldoc_anchor_add(struct yamldoc_load *ld, const yaml_char_t *name,
    struct yamlnode *n, bool open)
{
	struct yamldoc_anchor	*a;

	if (name == NULL)
		return;
	ld->anchors = xreallocarray(ld->anchors, ld->nanchors + 1,
	    sizeof *ld->anchors);
	a = &ld->anchors[ld->nanchors++];
	a->name = xstrdup((const char *)name);
	a->node = n;
	a->open = open;
}

static struct yamldoc_anchor *
yamldoc_anchor_find(struct yamldoc_load *ld, const char *name)
{
	size_t	i;

	/* The latest definition of a name wins. */
	for (i = ld->nanchors; i > 0; i--)
		if (strcmp(ld->anchors[i - 1].name, name) == 0)
			return &ld->anchors[i - 1];
	return NULL;
}

static void
yamldoc_anchor_close(struct yamldoc_load *ld, const struct yamlnode *n)
{
	size_t	i;

	for (i = ld->nanchors; i > 0; i--)
		if (ld->anchors[i - 1].node == n)
			ld->anchors[i - 1].open = false;
}

/* Attach a finished node to the open container, or make it the root. */
static int
yamldoc_place(struct yamldoc_load *ld, struct yamlnode *n,
    const yaml_mark_t *mark)
{
	if (ld->depth > 0) {
		yamldoc_append(ld->stack[ld->depth - 1], n);
		return 0;
	}
	if (ld->root != NULL) {
		yamldoc_node_free(n);
		return yamldoc_fail(ld, mark, "more than one document");
	}
	ld->root = n;
	return 0;
}

static int
yamldoc_event(struct yamldoc_load *ld, const yaml_event_t *ev)
{
	const yaml_mark_t	*mark = &ev->start_mark;
	struct yamldoc_anchor	*a;
	struct yamlnode		*n;
	const char		*name;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.length > ld->lim.max_scalar)
			return yamldoc_fail(ld, mark, "scalar of %zu bytes, "
			    "limit %zu", ev->data.scalar.length,
			    ld->lim.max_scalar);
		if ((n = yamldoc_node_new(ld, YAMLNODE_SCALAR, mark)) == NULL)
			return -1;
		n->len = ev->data.scalar.length;
		n->str = xstrndup((const char *)ev->data.scalar.value, n->len);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		yamldoc_anchor_add(ld, ev->data.scalar.anchor, n, false);
		return yamldoc_place(ld, n, mark);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ld->depth >= ld->lim.max_depth)
			return yamldoc_fail(ld, mark, "nested deeper than %u "
			    "levels", ld->lim.max_depth);
		n = yamldoc_node_new(ld, ev->type == YAML_SEQUENCE_START_EVENT ?
		    YAMLNODE_SEQ : YAMLNODE_MAP, mark);
		if (n == NULL)
			return -1;
		yamldoc_anchor_add(ld, ev->type == YAML_SEQUENCE_START_EVENT ?
		    ev->data.sequence_start.anchor :
		    ev->data.mapping_start.anchor, n, true);
		ld->stack[ld->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		n = ld->stack[--ld->depth];
		yamldoc_anchor_close(ld, n);
		return yamldoc_place(ld, n, mark);
	case YAML_ALIAS_EVENT:
		name = (const char *)ev->data.alias.anchor;
		if (++ld->aliases > ld->lim.max_aliases)
			return yamldoc_fail(ld, mark, "more than %u aliases",
			    ld->lim.max_aliases);
		if ((a = yamldoc_anchor_find(ld, name)) == NULL)
			return yamldoc_fail(ld, mark, "alias *%s names no "
			    "anchor", name);
		if (a->open)
			return yamldoc_fail(ld, mark, "alias *%s refers to a "
			    "node that contains it", name);
		if ((n = yamldoc_copy(ld, a->node, mark)) == NULL)
			return -1;
		return yamldoc_place(ld, n, mark);
	default:
		return 0;
	}
}

static struct yamldoc *
yamldoc_run(struct yamldoc_load *ld, char **cause)
{
	struct yamldoc	*doc = NULL;
	yaml_event_t	 ev;
	bool		 done = false;
	size_t		 i;

	if (ld->lim.max_depth == 0) {
		const struct yamldoc_limits d = YAMLDOC_LIMITS_DEFAULT;

		ld->lim = d;
	}
	ld->stack = xcalloc(ld->lim.max_depth + 1, sizeof *ld->stack);
	yaml_parser_initialize(&ld->parser);
	yaml_parser_set_input(&ld->parser, yamldoc_read_cb, ld);
	while (!done) {
		if (!yaml_parser_parse(&ld->parser, &ev)) {
			if (ld->too_big)
				yamldoc_fail(ld, &ld->parser.mark, "input larger "
				    "than %zu bytes", ld->lim.max_input);
			else if (ld->parser.error == YAML_READER_ERROR &&
			    ld->f != NULL && ferror(ld->f))
				yamldoc_fail(ld, &ld->parser.mark, "read: %s",
				    strerror(errno));
			else
				yamldoc_fail(ld, ld->parser.problem_mark.line ||
				    ld->parser.problem_mark.column ?
				    &ld->parser.problem_mark : &ld->parser.mark,
				    "%s%s%s", ld->parser.problem != NULL ?
				    ld->parser.problem : "syntax error",
				    ld->parser.context != NULL ? " " : "",
				    ld->parser.context != NULL ?
				    ld->parser.context : "");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_DOCUMENT_START_EVENT && ld->root != NULL)
			yamldoc_fail(ld, &ev.start_mark, "more than one document");
		else
			yamldoc_event(ld, &ev);
		yaml_event_delete(&ev);
		if (ld->error != NULL)
			break;
	}
	yaml_parser_delete(&ld->parser);

	/* On error the open containers are not in the tree yet. */
	if (ld->error != NULL)
		for (i = 0; i < ld->depth; i++)
			yamldoc_node_free(ld->stack[i]);
	for (i = 0; i < ld->nanchors; i++)
		free(ld->anchors[i].name);
	free(ld->anchors);
	free(ld->stack);
	if (ld->error != NULL) {
		yamldoc_node_free(ld->root);
		if (cause != NULL)
			*cause = ld->error;
		else
			free(ld->error);
		return NULL;
	}
	doc = xcalloc(1, sizeof *doc);
	doc->file = xstrdup(ld->file);
	doc->root = ld->root;
	return doc;
}

struct yamldoc *
yamldoc_load_file(const char *path, const struct yamldoc_limits *lim,
    char **cause)
{
	struct yamldoc_load	 ld;
	struct yamldoc		*doc;

	memset(&ld, 0, sizeof ld);
	if (lim != NULL)
		ld.lim = *lim;
	ld.file = path;
	if ((ld.f = fopen(path, "re")) == NULL) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	doc = yamldoc_run(&ld, cause);
	fclose(ld.f);
	return doc;
}

struct yamldoc *
yamldoc_load_string(const char *name, const char *text, size_t len,
    const struct yamldoc_limits *lim, char **cause)
{
	struct yamldoc_load	ld;

	memset(&ld, 0, sizeof ld);
	if (lim != NULL)
		ld.lim = *lim;
	ld.file = name;
	ld.text = text;
	ld.text_len = len;
	return yamldoc_run(&ld, cause);
}

void
yamldoc_free(struct yamldoc *doc)
{
	if (doc == NULL)
		return;
	yamldoc_node_free(doc->root);
	free(doc->file);
	free(doc);
}

struct yamlnode *
yamldoc_get(const struct yamlnode *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->type != YAMLNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2)
		if (map->items[i]->type == YAMLNODE_SCALAR &&
		    strcmp(map->items[i]->str, key) == 0)
			return map->items[i + 1];
	return NULL;
}

bool
yamldoc_is_null(const struct yamlnode *n)
{
	if (n == NULL)
		return true;
	if (n->type != YAMLNODE_SCALAR || n->quoted)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0;
}

const char *
yamldoc_type_name(const struct yamlnode *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YAMLNODE_SEQ:
		return "a list";
	case YAMLNODE_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}

int
yamldoc_error(const struct yamldoc *doc, const struct yamlnode *n,
    char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (cause == NULL)
		return -1;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s:%u:%u: %s", doc->file, n != NULL ? n->line : 1,
	    n != NULL ? n->col : 1, msg);
	free(msg);
	return -1;
}
