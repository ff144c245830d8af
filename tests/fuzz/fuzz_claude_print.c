/*
 * libFuzzer target: what a claude -p task prints, as its actor reads it
 * (claude_print.c): any bytes, in any chunks, lines of JSON or not,
 * control requests well or badly formed, result lines, lines past the
 * limit. Orch out of reach, every permission request is refused on the
 * task's stdin (/dev/null here). Invariants: no crash or leak; nothing
 * left held once the task is over.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/actor.h"
#include "actors/claude.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base	*base;
	struct actor			 a;
	size_t				 off = 0, n;
	int				 in;

	if (base == NULL)
		base = event_base_new();
	memset(&a, 0, sizeof a);
	a.base = base;
	if ((in = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		abort();
	/* The first byte picks the prompt's length, the rest is its output. */
	n = size > 0 ? data[0] % 32 : 0;
	if (claude_print_start(&a, 1, in, (const char *)data, n < size ? n :
	    size) != 0 && a.claude_print == NULL)
		abort();
	/* In chunks the size of the byte that starts each. */
	while (off < size) {
		n = 1 + data[off] % 97;
		if (n > size - off)
			n = size - off;
		claude_print_output(&a, (const char *)data + off, n);
		off += n;
	}
	claude_print_end(&a);
	if (a.claude_print != NULL)
		abort();
	return 0;
}
