/*
 * libFuzzer target: a workflow from arbitrary bytes, as orch-ctl workflow
 * run sends one to a running supervisor (its agents beside the running
 * ones). Invariants: no crash or leak; a refusal comes with a cause that
 * names the file and a position; a success has tasks whose stage exists,
 * whose dependencies name tasks of the workflow, and whose ids are valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/config.h"
#include "supervisor/workflow.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config	*running;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workflow	*wf;
	char		*cause = NULL;
	size_t		 i, j;

	if (running == NULL && (running = config_load_default(&cause)) ==
	    NULL)
		abort();
	wf = workflow_load_text("f.yaml", (const char *)data, size, "/base",
	    running, WF_BASE_RUNNING, &cause);
	if (wf == NULL) {
		if (cause == NULL || strncmp(cause, "f.yaml:", 7) != 0)
			abort();
		free(cause);
		return 0;
	}
	if (wf->ntasks == 0 || wf->agents->nagents < running->nagents)
		abort();
	for (i = 0; i < wf->ntasks; i++) {
		if (!workflow_id_valid(wf->tasks[i].id) ||
		    wf->tasks[i].stage >= wf->nstages ||
		    (wf->tasks[i].command == NULL &&
		    wf->tasks[i].prompt == NULL))
			abort();
		for (j = 0; j < wf->tasks[i].depends.n; j++)
			if (workflow_task(wf, wf->tasks[i].depends.v[j]) ==
			    NULL)
				abort();
	}
	workflow_free(wf);
	return 0;
}
