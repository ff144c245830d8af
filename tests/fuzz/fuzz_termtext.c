/*
 * libFuzzer target: a terminal's output (whatever an agent's session
 * printed) as plain text. Invariants: no crash; never longer than what
 * came in; no escape or control byte left but newline and tab.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/termtext.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = malloc(size + 1);
	size_t	 n, i;

	n = termtext_plain((const char *)data, size, out);
	if (n > size || out[n] != '\0')
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 && out[i] != '\n' &&
		    out[i] != '\t')
			abort();
	free(out);
	return 0;
}
