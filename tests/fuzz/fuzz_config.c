/*
 * libFuzzer target: orch.yaml from arbitrary bytes, through the YAML
 * loader (with small limits, so hostile shapes are hit quickly) and the
 * agents schema. Invariants: no crash or leak; a refusal always comes
 * with a cause that names the file and a position; a success holds at
 * least one agent with a valid id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/config.h"
#include "supervisor/yamldoc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yamldoc_limits	 lim = { 16, 16, 2000, 4096, 65536 };
	struct yamldoc		*doc;
	struct config		*cfg;
	char			*text, *cause = NULL;

	doc = yamldoc_load_string("f.yaml", (const char *)data, size, &lim,
	    &cause);
	if (doc == NULL) {
		if (cause == NULL || strncmp(cause, "f.yaml:", 7) != 0)
			abort();
		free(cause);
	} else
		yamldoc_free(doc);

	/* The schema, with the default limits, on a NUL-terminated copy. */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	cause = NULL;
	cfg = config_load_string("f.yaml", text, "/base", &cause);
	if (cfg == NULL) {
		if (cause == NULL || strncmp(cause, "f.yaml:", 7) != 0)
			abort();
		free(cause);
	} else {
		if (cfg->nagents == 0 || cfg->agents[0].id[0] == '\0')
			abort();
		config_free(cfg);
	}
	free(text);
	return 0;
}
