/*
 * A workflow (DESIGN §11, a superset of the seed's declarative example):
 * stages of tasks, loaded from YAML once into plain structs and checked
 * whole before anything runs. Every error names FILE:LINE:COLUMN and the
 * key: unknown keys (with a did-you-mean), wrong types, duplicate stage or
 * task ids, a dependsOn naming nothing, a dependency cycle (printed), a
 * task naming an unknown agent or requiring capabilities no agent has, a
 * timeout that is not positive, a task with neither command nor prompt.
 */
#ifndef ORCH_SUPERVISOR_WORKFLOW_H
#define ORCH_SUPERVISOR_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strlist.h"
#include "supervisor/config.h"

#define WF_ID_MAX	63

struct wf_task {
	char		 id[WF_ID_MAX + 1];
	size_t		 stage;		/* index into stages */
	char		*type;		/* free-form, or NULL */
	char		*agent;		/* a named agent, or NULL */
	struct strlist	 requires;	/* capabilities */
	char		*command;	/* shell runner */
	char		*prompt;	/* agent runners */
	int		 priority;	/* higher first; default 0 */
	double		 timeout_s;	/* 0: none */
	unsigned	 retry_max;
	double		 retry_backoff_s;
	bool		 continue_on_error;
	bool		 requires_approval;
	struct strlist	 depends;	/* task ids, stage ones included */
	unsigned	 line, col;
};

struct wf_stage {
	char		*name;
	bool		 parallel;
	struct strlist	 depends;	/* stage names */
	size_t		 first;		/* its tasks: [first, first + n) */
	size_t		 n;
	unsigned	 line, col;
};

struct workflow {
	char		*file;
	char		*name;
	struct config	*agents;	/* -c's and the workflow's own */
	struct wf_stage	*stages;
	size_t		 nstages;
	struct wf_task	*tasks;
	size_t		 ntasks;
};

/*
 * Load and check a workflow. base (may be NULL) holds the agents of the
 * supervisor's configuration; the workflow may add its own. A fallback
 * base (the embedded default) serves only a workflow without agents.
 */
struct workflow	*workflow_load_file(const char *path,
		    const struct config *base, bool fallback, char **cause);
struct workflow	*workflow_load_string(const char *name, const char *text,
		    const struct config *base, bool fallback, char **cause);
void		 workflow_free(struct workflow *wf);

/* The task with this id, or NULL. */
struct wf_task	*workflow_task(const struct workflow *wf, const char *id);

#endif
