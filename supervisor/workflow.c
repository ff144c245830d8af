#include "supervisor/workflow.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "supervisor/schema.h"
#include "supervisor/workflow_int.h"
#include "supervisor/yamldoc.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])
/* Most seconds a timeout or a back-off may be: a week. */
#define WF_SECONDS_MAX	(7.0 * 24 * 3600)

/* Parsing state: the task being filled and the workflow it goes into. */
struct wf_parse {
	struct workflow	*wf;
	struct wf_task	*task;
	struct wf_stage	*stage;
	struct strlist	 stage_deps_seen;
};

static char *
wf_dup(struct schema *c, const char *path, const struct yamlnode *n)
{
	const char	*s;

	return schema_scalar(c, path, n, &s) == 0 ? xstrdup(s) : NULL;
}

/* Task keys ---------------------------------------------------------------- */

bool
workflow_id_char(int c)
{
	return isalnum((unsigned char)c) || (c != '\0' && strchr("_.-", c) !=
	    NULL);
}

bool
workflow_id_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!workflow_id_char(s[i]))
			return false;
	return i > 0 && i <= WF_ID_MAX;
}

static int
task_id_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct wf_task	*t = ((struct wf_parse *)arg)->task;
	const char	*s;

	if (schema_scalar(c, path, n, &s) != 0)
		return -1;
	if (!workflow_id_valid(s))
		return schema_err(c, n, path, "'%s' is not a valid task id "
		    "(1-%d of A-Z a-z 0-9 _ . -)", s, WF_ID_MAX);
	snprintf(t->id, sizeof t->id, "%s", s);
	return 0;
}

#define TASK_STR_CB(field)						\
static int								\
task_##field##_key(struct schema *c, const char *path,			\
    const struct yamlnode *n, void *arg)				\
{									\
	struct wf_task	*t = ((struct wf_parse *)arg)->task;		\
									\
	free(t->field);							\
	return (t->field = wf_dup(c, path, n)) != NULL ? 0 : -1;	\
}
TASK_STR_CB(type)
TASK_STR_CB(agent)
TASK_STR_CB(command)
TASK_STR_CB(prompt)

static int
task_requires_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_strlist(c, path, n,
	    &((struct wf_parse *)arg)->task->requires);
}

static int
task_depends_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_strlist(c, path, n,
	    &((struct wf_parse *)arg)->task->depends);
}

static int
task_timeout_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	double	v;

	if (schema_number(c, path, n, -WF_SECONDS_MAX, WF_SECONDS_MAX, &v) != 0)
		return -1;
	if (v <= 0)
		return schema_err(c, n, path, "a timeout must be more than 0 "
		    "seconds");
	((struct wf_parse *)arg)->task->timeout_s = v;
	return 0;
}

int
workflow_priority_name(const char *s)
{
	static const char *const names[] = { "low", "medium", "high" };
	size_t			 i;

	for (i = 0; i < NITEMS(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static int
task_priority_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct wf_task		*t = ((struct wf_parse *)arg)->task;
	double			 v;

	if (n->type == YAMLNODE_SCALAR &&
	    (t->priority = workflow_priority_name(n->str)) != -1)
		return 0;
	if (schema_number(c, path, n, WF_PRIORITY_MIN, WF_PRIORITY_MAX,
	    &v) != 0)
		return -1;
	t->priority = (int)v;
	return 0;
}

static int
task_bool(struct schema *c, const char *path, const struct yamlnode *n,
    bool *out)
{
	return schema_bool(c, path, n, out);
}

static int
task_continue_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return task_bool(c, path, n,
	    &((struct wf_parse *)arg)->task->continue_on_error);
}

static int
task_approval_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return task_bool(c, path, n,
	    &((struct wf_parse *)arg)->task->requires_approval);
}

static int
retry_max_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	unsigned long	v;

	if (schema_uint(c, path, n, 0, 100, &v) != 0)
		return -1;
	((struct wf_parse *)arg)->task->retry_max = (unsigned)v;
	return 0;
}

static int
retry_backoff_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_number(c, path, n, 0, WF_SECONDS_MAX,
	    &((struct wf_parse *)arg)->task->retry_backoff_s);
}

static const struct schema_key retry_keys[] = {
	{ "max", retry_max_key },
	{ "backoff", retry_backoff_key },
};

static int
task_retry_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_walk(c, path, n, retry_keys, NITEMS(retry_keys), arg);
}

static const struct schema_key payload_keys[] = {
	{ "command", task_command_key },
	{ "prompt", task_prompt_key },
};

static int
task_payload_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_walk(c, path, n, payload_keys, NITEMS(payload_keys), arg);
}

/* The seed's names and the short ones are both accepted. */
static const struct schema_key task_keys[] = {
	{ "id", task_id_key },
	{ "name", task_id_key },
	{ "type", task_type_key },
	{ "description", NULL },
	{ "agent", task_agent_key },
	{ "requires", task_requires_key },
	{ "requirements", task_requires_key },
	{ "command", task_command_key },
	{ "prompt", task_prompt_key },
	{ "payload", task_payload_key },
	{ "priority", task_priority_key },
	{ "timeout", task_timeout_key },
	{ "retry", task_retry_key },
	{ "retryPolicy", task_retry_key },
	{ "continueOnError", task_continue_key },
	{ "requiresApproval", task_approval_key },
	{ "dependsOn", task_depends_key },
	{ "dependencies", task_depends_key },
};

/* Stage keys --------------------------------------------------------------- */

static int
stage_name_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct wf_stage	*st = ((struct wf_parse *)arg)->stage;

	free(st->name);
	return (st->name = wf_dup(c, path, n)) != NULL ? 0 : -1;
}

static int
stage_parallel_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_bool(c, path, n, &((struct wf_parse *)arg)->stage->parallel);
}

static int
stage_depends_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	return schema_strlist(c, path, n,
	    &((struct wf_parse *)arg)->stage->depends);
}

static int
stage_tasks_key(struct schema *c, const char *path, const struct yamlnode *n,
    void *arg)
{
	struct wf_parse	*p = arg;
	struct workflow	*wf = p->wf;
	struct wf_task	*t;
	char		*sub;
	size_t		 i, stage = (size_t)(p->stage - wf->stages);
	int		 rc, failed = 0;

	if (n->type != YAMLNODE_SEQ || n->n == 0)
		return schema_err(c, n, path, "expected a non-empty list of "
		    "tasks");
	p->stage->first = wf->ntasks;
	for (i = 0; i < n->n && (failed == 0 || schema_go_on(c)); i++) {
		wf->tasks = xreallocarray(wf->tasks, wf->ntasks + 1,
		    sizeof *wf->tasks);
		t = p->task = &wf->tasks[wf->ntasks++];
		memset(t, 0, sizeof *t);
		t->stage = stage;
		t->line = n->items[i]->line;
		t->col = n->items[i]->col;
		xasprintf(&sub, "%s[%zu]", path, i);
		rc = schema_walk(c, sub, n->items[i], task_keys,
		    NITEMS(task_keys), p);
		if (rc == 0 && t->command == NULL && t->prompt == NULL)
			rc = schema_err(c, n->items[i], sub, "a task needs a "
			    "command or a prompt");
		free(sub);
		if (rc != 0)
			failed = -1;
		p->stage->n++;
	}
	return failed;
}

static const struct schema_key stage_keys[] = {
	{ "name", stage_name_key },
	{ "description", NULL },
	{ "parallel", stage_parallel_key },
	{ "dependsOn", stage_depends_key },
	{ "tasks", stage_tasks_key },
};

static int
wf_stages(struct schema *c, struct wf_parse *p, const struct yamlnode *n)
{
	struct workflow	*wf = p->wf;
	struct wf_stage	*st;
	char		 path[32];
	size_t		 i;
	int		 failed = 0;

	if (n == NULL)
		return schema_err(c, c->doc->root, "stages", "a workflow needs "
		    "stages");
	if (n->type != YAMLNODE_SEQ || n->n == 0)
		return schema_err(c, n, "stages", "expected a non-empty list of "
		    "stages");
	wf->stages = xcalloc(n->n, sizeof *wf->stages);
	for (i = 0; i < n->n && (failed == 0 || schema_go_on(c)); i++) {
		st = p->stage = &wf->stages[wf->nstages++];
		st->line = n->items[i]->line;
		st->col = n->items[i]->col;
		snprintf(path, sizeof path, "stages[%zu]", i);
		if (schema_walk(c, path, n->items[i], stage_keys,
		    NITEMS(stage_keys), p) != 0)
			failed = -1;
		else if (st->name == NULL)
			failed = schema_err(c, n->items[i], path, "missing "
			    "required key 'name'");
		else if (st->n == 0)
			failed = schema_err(c, n->items[i], path, "missing "
			    "required key 'tasks'");
	}
	return failed;
}

/* Agents: the configuration's, plus those the workflow brings. */
static int
wf_agents(struct schema *c, struct workflow *wf, const struct config *base,
    enum wf_base how)
{
	struct config	*own;
	size_t		 i, j, n;

	if ((own = config_from_schema(c, false)) == NULL)
		return -1;
	if (how == WF_BASE_FALLBACK && own->nagents > 0)
		base = NULL;
	wf->name = own->name != NULL ? xstrdup(own->name) : NULL;
	wf->agents = xcalloc(1, sizeof *wf->agents);
	n = (base != NULL ? base->nagents : 0) + own->nagents;
	wf->agents->agents = xcalloc(n ? n : 1, sizeof *wf->agents->agents);
	for (i = 0; base != NULL && i < base->nagents; i++)
		agent_config_copy(&wf->agents->agents[wf->agents->nagents++],
		    &base->agents[i]);
	for (i = 0; i < own->nagents; i++) {
		for (j = 0; j < wf->agents->nagents; j++)
			if (strcmp(wf->agents->agents[j].id,
			    own->agents[i].id) == 0)
				break;
		if (j < wf->agents->nagents && how == WF_BASE_RUNNING)
			continue;
		if (j < wf->agents->nagents) {
			config_free(own);
			return schema_err(c, yamldoc_get(c->doc->root,
			    "agents"), "agents", "agent '%s' is also in the "
			    "configuration", wf->agents->agents[j].id);
		}
		agent_config_copy(&wf->agents->agents[wf->agents->nagents++],
		    &own->agents[i]);
	}
	config_free(own);
	return 0;
}

static struct workflow *
wf_from_doc(struct yamldoc *doc, const struct config *base, enum wf_base how,
    const char *base_dir, char **cause)
{
	struct schema		 c = { doc, base_dir, cause, 0 };
	struct wf_parse		 p;
	struct workflow		*wf;
	const struct yamlnode	*stages;
	bool			 agents_ok;

	if (doc == NULL)
		return NULL;
	wf = xcalloc(1, sizeof *wf);
	wf->file = xstrdup(doc->file);
	memset(&p, 0, sizeof p);
	p.wf = wf;
	if (doc->root == NULL || yamldoc_is_null(doc->root)) {
		yamldoc_error(doc, NULL, cause, "the file is empty");
		goto fail;
	}
	/*
	 * The stages are checked even when the top level or the agents were
	 * not right (but a missing "stages" then says nothing more: a typo
	 * in its key was just told).
	 */
	stages = yamldoc_get(doc->root, "stages");
	agents_ok = wf_agents(&c, wf, base, how) == 0;
	if ((!agents_ok && (stages == NULL || !schema_go_on(&c))) ||
	    wf_stages(&c, &p, stages) != 0 || !agents_ok ||
	    workflow_check(&c, wf) != 0)
		goto fail;
	if (wf->agents->nagents == 0) {
		schema_err(&c, doc->root, "agents", "no agent to run on");
		goto fail;
	}
	yamldoc_free(doc);
	return wf;
fail:
	yamldoc_free(doc);
	workflow_free(wf);
	return NULL;
}

struct workflow *
workflow_load_file(const char *path, const struct config *base,
    enum wf_base how, char **cause)
{
	char		*dir = config_dir_of(path);
	struct workflow	*wf;

	wf = wf_from_doc(yamldoc_load_file(path, NULL, cause), base, how, dir,
	    cause);
	free(dir);
	return wf;
}

struct workflow *
workflow_load_string(const char *name, const char *text,
    const struct config *base, enum wf_base how, char **cause)
{
	return workflow_load_text(name, text, strlen(text), NULL, base, how,
	    cause);
}

struct workflow *
workflow_load_text(const char *name, const char *text, size_t len,
    const char *base_dir, const struct config *base, enum wf_base how,
    char **cause)
{
	return wf_from_doc(yamldoc_load_string(name, text, len, NULL, cause),
	    base, how, base_dir, cause);
}

struct workflow *
workflow_single(struct wf_task *t)
{
	struct workflow	*wf = xcalloc(1, sizeof *wf);

	wf->file = xstrdup("submit");
	wf->agents = xcalloc(1, sizeof *wf->agents);
	wf->stages = xcalloc(1, sizeof *wf->stages);
	wf->stages[0].name = xstrdup("submit");
	wf->stages[0].n = 1;
	wf->nstages = 1;
	wf->tasks = xcalloc(1, sizeof *wf->tasks);
	wf->tasks[0] = *t;
	wf->tasks[0].stage = 0;
	wf->ntasks = 1;
	memset(t, 0, sizeof *t);
	return wf;
}

void
workflow_free(struct workflow *wf)
{
	size_t	i;

	if (wf == NULL)
		return;
	for (i = 0; i < wf->ntasks; i++) {
		free(wf->tasks[i].type);
		free(wf->tasks[i].agent);
		free(wf->tasks[i].command);
		free(wf->tasks[i].prompt);
		strlist_clear(&wf->tasks[i].requires);
		strlist_clear(&wf->tasks[i].depends);
		strlist_clear(&wf->tasks[i].argv);
	}
	for (i = 0; i < wf->nstages; i++) {
		free(wf->stages[i].name);
		strlist_clear(&wf->stages[i].depends);
	}
	free(wf->tasks);
	free(wf->stages);
	config_free(wf->agents);
	free(wf->name);
	free(wf->file);
	free(wf);
}
