/*
 * Inside the workflow module: the checks of a parsed workflow
 * (workflow_check.c), for the parser (workflow.c). Nothing else includes
 * this.
 */
#ifndef ORCH_SUPERVISOR_WORKFLOW_INT_H
#define ORCH_SUPERVISOR_WORKFLOW_INT_H

struct schema;
struct workflow;

/*
 * Every check of the file's meaning, each mistake told through c (going
 * on after one), then the stage order made explicit as task dependencies.
 * 0, or -1 when anything was wrong.
 */
int	workflow_check(struct schema *c, struct workflow *wf);

#endif
