/*
 * libFuzzer target: Claude Code's stream-json output, as a task's output
 * (whatever the agent's session printed). Invariants: no crash or leak;
 * a result found has a text; the outcome of output with no result event
 * is a failure that says so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/runner.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runner_outcome	 o;
	char			*out = malloc(size + 1), *text, *session;
	double			 cost;
	bool			 is_error;
	int			 rc;

	memcpy(out, data, size);
	out[size] = '\0';
	rc = runner_claude_result(out, &is_error, &text, &cost, &session, NULL);
	if (rc == 0 && text == NULL)
		abort();
	if (rc != 0 && (text != NULL || session != NULL))
		abort();
	free(text);
	free(session);
	runner_claude_outcome(out, &o);
	if ((rc != 0) != (o.text == NULL) || (o.ok && o.reason[0] != '\0') ||
	    (!o.ok && o.reason[0] == '\0'))
		abort();
	free(o.text);
	free(out);
	return 0;
}
