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
	struct strlist	 argv;		/* orch-ctl exec: run as is, no shell */
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

/* How the agents of base (the supervisor's) and the workflow's combine. */
enum wf_base {
	WF_BASE_EXTEND = 0,	/* both; an id in each is an error */
	WF_BASE_FALLBACK,	/* base (the embedded default) only serves a
				   workflow without agents of its own */
	WF_BASE_RUNNING,	/* base is what runs: a workflow's agent of
				   the same id is that running one */
};

/*
 * Load and check a workflow. base (may be NULL) holds the agents of the
 * supervisor; the workflow may add its own.
 */
struct workflow	*workflow_load_file(const char *path,
		    const struct config *base, enum wf_base how, char **cause);
struct workflow	*workflow_load_string(const char *name, const char *text,
		    const struct config *base, enum wf_base how, char **cause);
/* Text read elsewhere (len bytes); base_dir resolves relative cwds. */
struct workflow	*workflow_load_text(const char *name, const char *text,
		    size_t len, const char *base_dir, const struct config *base,
		    enum wf_base how, char **cause);
/*
 * A workflow of one task (orch-ctl submit): stage "submit", task t (its
 * strings and lists are moved out of t), no agents of its own.
 */
struct workflow	*workflow_single(struct wf_task *t);
void		 workflow_free(struct workflow *wf);

#define WF_PRIORITY_MIN	(-1000)
#define WF_PRIORITY_MAX	1000

/* A priority by name (as for messages: low 0, medium 1, high 2), or -1. */
int		 workflow_priority_name(const char *s);

/* 1-63 of A-Z a-z 0-9 _ . - (workflow_id_char: one of those). */
bool		 workflow_id_valid(const char *s);
bool		 workflow_id_char(int c);

/* The task with this id, or NULL. */
struct wf_task	*workflow_task(const struct workflow *wf, const char *id);

/*
 * Templates in a command or prompt: {{ tasks.ID.output }} and
 * {{ stages.NAME.output }}. workflow_ref_next finds the next {{ ref }} from
 * p: *open at its "{{", the trimmed ref in ref; returns the text after
 * "}}", or NULL when there is none. workflow_ref_parse says which kind it
 * is (the id or name in name), or -1 when it is neither.
 */
#define WF_REF_MAX	512
enum { WF_REF_TASK = 1, WF_REF_STAGE };
const char	*workflow_ref_next(const char *p, const char **open, char *ref,
		    size_t size);
int		 workflow_ref_parse(const char *ref, char *name, size_t size);

#endif
