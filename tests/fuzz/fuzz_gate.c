/*
 * libFuzzer target: the command gate on arbitrary command text.
 * Invariants: no crash or leak; a hold always says why; and whatever the
 * input, a dangerous command after it cannot hide: the input as one
 * quoted word followed by "; rm -rf victim", or run by sh -c before it,
 * is always held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gate.h"
#include "common/shquote.h"
#include "common/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const words[] = { "rm", "sudo" };
static const struct gate_rules	rules = { words, 2 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*cmd = malloc(size + 1), *q, *line, why[512];
	size_t	 qlen;

	memcpy(cmd, data, size);
	cmd[size] = '\0';
	if (gate_shell(cmd, &rules, why, sizeof why) == GATE_HOLD &&
	    why[0] == '\0')
		abort();
	q = shquote_value(SHQUOTE_BARE, cmd, strlen(cmd), &qlen);
	xasprintf(&line, "echo %s; rm -rf victim", q);
	if (gate_shell(line, &rules, why, sizeof why) != GATE_HOLD)
		abort();
	free(line);
	xasprintf(&line, "rm -rf victim; sh -c %s", q);
	if (gate_shell(line, &rules, why, sizeof why) != GATE_HOLD)
		abort();
	free(line);
	free(q);
	free(cmd);
	return 0;
}
