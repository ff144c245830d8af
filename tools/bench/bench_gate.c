/*
 * bench_gate: the command gate sits on every command's way into a session;
 * how long its decision takes, beside the cost of the caller-identity
 * walk done for every connection, and beside dash's own parser reading
 * the same commands (`dash -n`, one process for the whole corpus), all in
 * this one run.
 *
 * usage: bench_gate [-q]   (-q: a shorter run)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/gate.h"
#include "common/proctree.h"

static const char *const words[] = { "rm", "sudo" };
static const struct gate_rules	rules = { words, 2 };

/* What tasks look like, plain and hostile; the first is a real task. */
static const char *const forms[] = {
	"ORCH_INPUT='/run/user/0/orch/x/tasks/1-t.input'; ORCH_TASK_ID='1:t'; "
	"export ORCH_INPUT ORCH_TASK_ID\nnpm test -- --input \"$ORCH_INPUT\" "
	"'the output of fe'",
	"ls -la",
	"make -j4 && make test",
	"printf '%s\\n' \"$HOME\" > out.txt 2>&1",
	"if true; then echo yes; else echo no; fi",
	"x=$(date); echo \"$x\"",
	"rm -rf victim",
	"sh -c 'ls; rm victim'",
	"find . -exec rm {} \\;",
	"env -u HOME FOO=1 rm victim",
	"echo ${x:-$(rm victim)}",
	"awk 'BEGIN{system(\"rm victim\")}'",
};
#define NFORMS	(sizeof forms / sizeof forms[0])

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char		 why[512], path[] = "/tmp/orch-bench-gate.XXXXXX", cmd[128];
	pid_t		 chain[256];
	size_t		 i, n = 0, depth = 0, rounds;
	double		 t, gate_us, walk_us, dash_us;
	FILE		*f;
	int		 fd, r;

	rounds = argc > 1 && strcmp(argv[1], "-q") == 0 ? 20000 : 200000;
	t = now();
	for (r = 0; r < (int)rounds; r++)
		for (i = 0; i < NFORMS; i++, n++)
			(void)gate_shell(forms[i], &rules, why, sizeof why);
	gate_us = (now() - t) / (double)n * 1e6;

	t = now();
	for (r = 0; r < (int)rounds / 10; r++)
		depth = proctree_ancestors(getpid(), chain, 256);
	walk_us = (now() - t) / (double)(rounds / 10) * 1e6;

	/* dash -n: the shell's parser on the same commands, in one process. */
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return 1;
	for (r = 0; r < (int)rounds / 10; r++)
		for (i = 0; i < NFORMS; i++)
			fprintf(f, "%s\n", forms[i]);
	fclose(f);
	snprintf(cmd, sizeof cmd, "dash -n %s 2>/dev/null", path);
	t = now();
	if (system(cmd) == -1)
		dash_us = 0;
	dash_us = (now() - t) / (double)(rounds / 10 * NFORMS) * 1e6;
	unlink(path);

	printf("command gate, %zu forms x %zu rounds, same run (us per item)\n",
	    NFORMS, rounds);
	printf("  %-40s %8.3f us  %6.2fx\n", "dash -n (parse only, one process)",
	    dash_us, 1.0);
	printf("  %-40s %8.3f us  %6.2fx\n", "orch gate decision", gate_us,
	    dash_us > 0 ? gate_us / dash_us : 0);
	printf("  %-40s %8.3f us  (per connection, %zu levels)\n",
	    "caller identity walk", walk_us, depth);
	printf("  gate decisions per second: %.0f\n", 1e6 / gate_us);
	return 0;
}
