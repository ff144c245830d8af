/*
 * A workflow's meaning, once its file has parsed: names that must exist,
 * unique ids, no cycles, agents able to run what names them, templates
 * that name a task run before; then the order made explicit for the
 * scheduler. And the template syntax itself, shared with the scheduler.
 */
#include "supervisor/workflow.h"
#include "supervisor/workflow_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "supervisor/runner.h"
#include "supervisor/schema.h"
#include "supervisor/yamldoc.h"

static int __attribute__((format(printf, 4, 5)))
wf_err_at(struct schema *c, unsigned line, unsigned col, const char *fmt, ...)
{
	struct yamlnode	 n;
	va_list		 ap;
	char		*msg;
	int		 rc;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	memset(&n, 0, sizeof n);
	n.line = line;
	n.col = col;
	rc = schema_err(c, &n, "", "%s", msg);
	free(msg);
	return rc;
}

static size_t
wf_stage_index(const struct workflow *wf, const char *name)
{
	size_t	i;

	for (i = 0; i < wf->nstages; i++)
		if (strcmp(wf->stages[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

struct wf_task *
workflow_task(const struct workflow *wf, const char *id)
{
	size_t	i;

	for (i = 0; i < wf->ntasks; i++)
		if (strcmp(wf->tasks[i].id, id) == 0)
			return &wf->tasks[i];
	return NULL;
}

/* Names a workflow could have meant, for "did you mean". */
static const char *
wf_stage_hint(const struct workflow *wf, const char *name, char *buf,
    size_t size)
{
	struct schema_hint	h;
	size_t			i;

	schema_hint_init(&h, name);
	for (i = 0; i < wf->nstages; i++)
		schema_hint_offer(&h, wf->stages[i].name);
	return schema_hint_text(&h, buf, size);
}

static const char *
wf_task_hint(const struct workflow *wf, const char *id, char *buf,
    size_t size)
{
	struct schema_hint	h;
	size_t			i;

	schema_hint_init(&h, id);
	for (i = 0; i < wf->ntasks; i++)
		schema_hint_offer(&h, wf->tasks[i].id);
	return schema_hint_text(&h, buf, size);
}

/* The closest agent id; with none close, the agents there are (a few). */
static const char *
wf_agent_hint(const struct workflow *wf, const char *id, char *buf,
    size_t size)
{
	const struct config	*cfg = wf->agents;
	struct schema_hint	 h;
	size_t			 i, off;

	schema_hint_init(&h, id);
	for (i = 0; i < cfg->nagents; i++)
		schema_hint_offer(&h, cfg->agents[i].id);
	if (*schema_hint_text(&h, buf, size) != '\0')
		return buf;
	if (cfg->nagents == 0 || cfg->nagents > 8)
		return "";
	off = (size_t)snprintf(buf, size, " (agents:");
	for (i = 0; i < cfg->nagents && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s %s",
		    i ? "," : "", cfg->agents[i].id);
	if (off < size)
		snprintf(buf + off, size - off, ")");
	return buf;
}

/*
 * Depth-first search for a cycle among n nodes whose edges edge(i, k)
 * lists; on finding one, the path is written into cycle ("a -> b -> a").
 */
struct wf_graph {
	size_t		  n;
	size_t		(*degree)(const struct workflow *, size_t);
	size_t		(*edge)(const struct workflow *, size_t, size_t);
	const char	*(*name)(const struct workflow *, size_t);
};

static bool
wf_dfs(const struct workflow *wf, const struct wf_graph *g, size_t v,
    unsigned char *state, size_t *stack, size_t depth, char *cycle,
    size_t size)
{
	size_t	k, w, i, off;

	state[v] = 1;
	stack[depth] = v;
	for (k = 0; k < g->degree(wf, v); k++) {
		w = g->edge(wf, v, k);
		if (state[w] == 1) {
			/* Found: print from w's place in the stack round. */
			for (i = 0; stack[i] != w; i++)
				;
			off = 0;
			for (; i <= depth && off < size; i++)
				off += (size_t)snprintf(cycle + off, size - off,
				    "%s -> ", g->name(wf, stack[i]));
			if (off < size)
				snprintf(cycle + off, size - off, "%s",
				    g->name(wf, w));
			return true;
		}
		if (state[w] == 0 && wf_dfs(wf, g, w, state, stack, depth + 1,
		    cycle, size))
			return true;
	}
	state[v] = 2;
	return false;
}

static bool
wf_cycle(const struct workflow *wf, const struct wf_graph *g, size_t *at,
    char *cycle, size_t size)
{
	unsigned char	*state = xcalloc(g->n + 1, 1);
	size_t		*stack = xcalloc(g->n + 1, sizeof *stack), v;
	bool		 found = false;

	for (v = 0; v < g->n && !found; v++)
		if (state[v] == 0 && wf_dfs(wf, g, v, state, stack, 0, cycle,
		    size))
			found = true, *at = v;
	free(state);
	free(stack);
	return found;
}

static size_t
stage_degree(const struct workflow *wf, size_t v)
{
	return wf->stages[v].depends.n;
}

static size_t
stage_edge(const struct workflow *wf, size_t v, size_t k)
{
	return wf_stage_index(wf, wf->stages[v].depends.v[k]);
}

static const char *
stage_name(const struct workflow *wf, size_t v)
{
	return wf->stages[v].name;
}

static size_t
task_degree(const struct workflow *wf, size_t v)
{
	return wf->tasks[v].depends.n;
}

static size_t
task_edge(const struct workflow *wf, size_t v, size_t k)
{
	return (size_t)(workflow_task(wf, wf->tasks[v].depends.v[k]) -
	    wf->tasks);
}

static const char *
task_name(const struct workflow *wf, size_t v)
{
	return wf->tasks[v].id;
}

/* A prompt needs an agent whose runner takes prompts (and its binary). */
static int
wf_check_prompt(struct schema *c, const struct workflow *wf,
    const struct wf_task *t)
{
	const struct agent_config	*ac;
	char				 path[PATH_MAX];
	size_t				 j, k;
	bool				 any = false, claude = false;

	for (j = 0; j < wf->agents->nagents; j++) {
		ac = &wf->agents->agents[j];
		if (t->agent != NULL && strcmp(ac->id, t->agent) != 0)
			continue;
		for (k = 0; k < t->requires.n; k++)
			if (!strlist_has(&ac->caps, t->requires.v[k]))
				break;
		if (k < t->requires.n || !runner_takes_prompts(ac))
			continue;
		any = true;
		claude |= ac->runner == RUNNER_CLAUDE;
	}
	if (!any)
		return wf_err_at(c, t->line, t->col, "task '%s': a prompt needs "
		    "an agent with runner claude or argv%s", t->id, "");
	if (claude && !runner_claude_path(path, sizeof path))
		return wf_err_at(c, t->line, t->col, "task '%s': runner claude: "
		    "no 'claude' on PATH (install Claude Code, or set "
		    "ORCH_CLAUDE)%s", t->id, "");
	return 0;
}

static bool
wf_agent_covers(const struct agent_config *ac, const struct strlist *req)
{
	size_t	i;

	for (i = 0; i < req->n; i++)
		if (!strlist_has(&ac->caps, req->v[i]))
			return false;
	return true;
}

/* Is task id among t's dependencies, direct or not? (The DAG is checked.) */
static bool
wf_depends_on(const struct workflow *wf, const struct wf_task *t,
    const char *id, unsigned depth)
{
	const struct wf_task	*d;
	size_t			 j;

	if (depth > wf->ntasks)
		return false;
	for (j = 0; j < t->depends.n; j++) {
		if (strcmp(t->depends.v[j], id) == 0)
			return true;
		if ((d = workflow_task(wf, t->depends.v[j])) != NULL &&
		    wf_depends_on(wf, d, id, depth + 1))
			return true;
	}
	return false;
}

/*
 * Every {{ }} of t's command or prompt names a task or a stage it depends
 * on (else it would be empty, or race the task it names). 0, or -1.
 */
static int
wf_check_refs(struct schema *c, const struct workflow *wf,
    const struct wf_task *t, bool deps_known)
{
	const char	*text = t->command != NULL ? t->command : t->prompt;
	const char	*p = text, *open;
	char		 ref[WF_REF_MAX], name[WF_REF_MAX], hint[400];
	size_t		 si, k;
	int		 kind, rc = 0;

	while (p != NULL && (p = workflow_ref_next(p, &open, ref,
	    sizeof ref)) != NULL) {
		kind = workflow_ref_parse(ref, name, sizeof name);
		if (kind == WF_REF_TASK) {
			if (workflow_task(wf, name) == NULL)
				rc = wf_err_at(c, t->line, t->col, "task '%s': "
				    "{{ %s }} names no task '%s'%s", t->id, ref,
				    name, wf_task_hint(wf, name, hint,
				    sizeof hint));
			else if (deps_known && !wf_depends_on(wf, t, name, 0))
				rc = wf_err_at(c, t->line, t->col, "task '%s': "
				    "{{ %s }}: '%s' is not among its "
				    "dependencies (add it to dependsOn, or "
				    "put it in an earlier stage)", t->id, ref,
				    name);
		} else if (kind == WF_REF_STAGE) {
			if ((si = wf_stage_index(wf, name)) == SIZE_MAX) {
				rc = wf_err_at(c, t->line, t->col, "task '%s': "
				    "{{ %s }} names no stage '%s'%s", t->id, ref,
				    name, wf_stage_hint(wf, name, hint,
				    sizeof hint));
				continue;
			}
			if (!deps_known)
				continue;
			for (k = 0; k < wf->stages[si].n; k++)
				if (!wf_depends_on(wf, t, wf->tasks[
				    wf->stages[si].first + k].id, 0))
					break;
			if (k < wf->stages[si].n || wf->stages[si].n == 0)
				rc = wf_err_at(c, t->line, t->col, "task '%s': "
				    "{{ %s }}: stage '%s' is not among its "
				    "dependencies (its stage must depend on "
				    "it)", t->id, ref, name);
		} else
			rc = wf_err_at(c, t->line, t->col, "task '%s': "
			    "unknown template {{ %s }} (there are "
			    "{{ tasks.ID.output }} and "
			    "{{ stages.NAME.output }})", t->id, ref);
	}
	return rc;
}

/*
 * Every check of the file's meaning, going on after a mistake so that
 * one run tells them all; a check that needs sound references (cycles,
 * templates) runs only when they are.
 */
int
workflow_check(struct schema *c, struct workflow *wf)
{
	const struct wf_graph	 stages = { wf->nstages, stage_degree,
				    stage_edge, stage_name };
	const struct wf_graph	 tasks = { wf->ntasks, task_degree, task_edge,
				    task_name };
	struct wf_stage		*st;
	struct wf_task		*t;
	char			 cycle[1024], req[256], hint[400];
	size_t			 i, j, k, at;
	bool			 bad = false, bad_refs = false;

	for (i = 0; i < wf->nstages; i++) {
		st = &wf->stages[i];
		for (j = 0; j < i; j++)
			if (strcmp(wf->stages[j].name, st->name) == 0) {
				wf_err_at(c, st->line, st->col,
				    "duplicate stage name '%s'", st->name);
				bad = bad_refs = true;
				break;
			}
		for (j = 0; j < st->depends.n; j++)
			if (wf_stage_index(wf, st->depends.v[j]) == SIZE_MAX) {
				wf_err_at(c, st->line, st->col, "stage "
				    "'%s': dependsOn names no stage '%s'%s",
				    st->name, st->depends.v[j],
				    wf_stage_hint(wf, st->depends.v[j], hint,
				    sizeof hint));
				bad = bad_refs = true;
			}
	}
	if (!bad_refs && wf_cycle(wf, &stages, &at, cycle, sizeof cycle)) {
		wf_err_at(c, wf->stages[at].line, wf->stages[at].col,
		    "dependency cycle between stages: %s", cycle);
		bad = bad_refs = true;
	}

	/*
	 * Tasks without an id get "<stage>-<n>" (a character an id cannot
	 * hold becomes '_'); then ids must be unique.
	 */
	for (i = 0; i < wf->nstages; i++)
		for (k = 0; k < wf->stages[i].n; k++) {
			t = &wf->tasks[wf->stages[i].first + k];
			if (t->id[0] != '\0')
				continue;
			snprintf(t->id, sizeof t->id, "%.50s-%u",
			    wf->stages[i].name, (unsigned)(k + 1) % 1000000u);
			for (j = 0; t->id[j] != '\0'; j++)
				if (!workflow_id_char(t->id[j]))
					t->id[j] = '_';
		}
	for (i = 0; i < wf->ntasks; i++) {
		t = &wf->tasks[i];
		for (j = 0; j < i; j++)
			if (strcmp(wf->tasks[j].id, t->id) == 0) {
				/* Two stages of one name give the same default
				 * ids: that mistake is told already. */
				if (t->stage == wf->tasks[j].stage ||
				    strcmp(wf->stages[t->stage].name,
				    wf->stages[wf->tasks[j].stage].name) != 0)
					wf_err_at(c, t->line, t->col,
					    "duplicate task id '%s'", t->id);
				bad = bad_refs = true;
				break;
			}
	}
	for (i = 0; i < wf->ntasks; i++) {
		t = &wf->tasks[i];
		for (j = 0; j < t->depends.n; j++)
			if (workflow_task(wf, t->depends.v[j]) == NULL) {
				wf_err_at(c, t->line, t->col, "task "
				    "'%s': dependsOn names no task '%s'%s",
				    t->id, t->depends.v[j], wf_task_hint(wf,
				    t->depends.v[j], hint, sizeof hint));
				bad = bad_refs = true;
			}
		if (t->agent != NULL) {
			for (j = 0; j < wf->agents->nagents; j++)
				if (strcmp(wf->agents->agents[j].id,
				    t->agent) == 0)
					break;
			if (j == wf->agents->nagents) {
				wf_err_at(c, t->line, t->col, "task "
				    "'%s': no agent '%s'%s", t->id, t->agent,
				    wf_agent_hint(wf, t->agent, hint,
				    sizeof hint));
				bad = true;
			} else if (!wf_agent_covers(&wf->agents->agents[j],
			    &t->requires)) {
				wf_err_at(c, t->line, t->col, "task "
				    "'%s': agent '%s' lacks a required "
				    "capability", t->id, t->agent);
				bad = true;
			}
		} else if (t->requires.n > 0) {
			for (j = 0; j < wf->agents->nagents; j++)
				if (wf_agent_covers(&wf->agents->agents[j],
				    &t->requires))
					break;
			strlist_join(&t->requires, req, sizeof req);
			if (j == wf->agents->nagents) {
				wf_err_at(c, t->line, t->col, "task "
				    "'%s': no agent has every capability of "
				    "[%s]", t->id, req);
				bad = true;
			}
		}
		if (t->command == NULL && wf_check_prompt(c, wf, t) != 0)
			bad = true;
	}
	if (!bad_refs && wf_cycle(wf, &tasks, &at, cycle, sizeof cycle)) {
		wf_err_at(c, wf->tasks[at].line, wf->tasks[at].col,
		    "dependency cycle between tasks: %s", cycle);
		bad = bad_refs = true;
	}
	if (bad_refs) {
		/* What the templates name, at least; not yet whether it is
		 * among the dependencies. */
		for (i = 0; i < wf->ntasks; i++)
			wf_check_refs(c, wf, &wf->tasks[i], false);
		return -1;
	}

	/*
	 * Make the order explicit for the scheduler: a task depends on every
	 * task of the stages its stage depends on, and in a stage that is
	 * not parallel, on the task before it.
	 */
	for (i = 0; i < wf->nstages; i++) {
		st = &wf->stages[i];
		for (k = 0; k < st->n; k++) {
			t = &wf->tasks[st->first + k];
			for (j = 0; j < st->depends.n; j++) {
				struct wf_stage	*d = &wf->stages[
				    wf_stage_index(wf, st->depends.v[j])];
				size_t		 m;

				for (m = 0; m < d->n; m++)
					if (!strlist_has(&t->depends,
					    wf->tasks[d->first + m].id))
						strlist_add(&t->depends,
						    wf->tasks[d->first + m].id);
			}
			if (!st->parallel && k > 0 && !strlist_has(&t->depends,
			    wf->tasks[st->first + k - 1].id))
				strlist_add(&t->depends,
				    wf->tasks[st->first + k - 1].id);
		}
	}
	/* With the order explicit: what each template names must come first. */
	for (i = 0; i < wf->ntasks; i++)
		if (wf_check_refs(c, wf, &wf->tasks[i], true) != 0)
			bad = true;
	return bad ? -1 : 0;
}

/* Templates ---------------------------------------------------------------- */

const char *
workflow_ref_next(const char *p, const char **open, char *ref, size_t size)
{
	const char	*o, *close;
	size_t		 n;

	if ((o = strstr(p, "{{")) == NULL || (close = strstr(o + 2, "}}")) ==
	    NULL)
		return NULL;
	*open = o;
	o += 2;
	while (o < close && *o == ' ')
		o++;
	n = (size_t)(close - o);
	while (n > 0 && o[n - 1] == ' ')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(ref, o, n);
	ref[n] = '\0';
	return close + 2;
}

int
workflow_ref_parse(const char *ref, char *name, size_t size)
{
	static const struct {
		const char	*prefix;
		int		 kind;
	} kinds[] = {
		{ "tasks.", WF_REF_TASK },
		{ "stages.", WF_REF_STAGE },
	};
	size_t	len = strlen(ref), pl, i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		pl = strlen(kinds[i].prefix);
		if (len > pl + 7 && strncmp(ref, kinds[i].prefix, pl) == 0 &&
		    strcmp(ref + len - 7, ".output") == 0 &&
		    len - pl - 7 < size) {
			memcpy(name, ref + pl, len - pl - 7);
			name[len - pl - 7] = '\0';
			return kinds[i].kind;
		}
	}
	return -1;
}

