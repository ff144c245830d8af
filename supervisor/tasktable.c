#include "supervisor/tasktable.h"

#include <string.h>

#include "ipc/body.h"

void
tasktable_print(FILE *f, const msgpack_object *rows)
{
	const msgpack_object	*t;
	char			 id[128], stage[128], st[16], agent[128];
	char			 reason[256], code[24];
	uint64_t		 attempts, dur;
	int64_t			 exit_code;
	uint32_t		 i, nallowed = 0;
	bool			 allowed;

	fprintf(f, "%-24s %-12s %-9s %-16s %8s %9s %5s  %s\n", "TASK",
	    "STAGE", "STATUS", "AGENT", "ATTEMPTS", "DURATION", "EXIT",
	    "REASON");
	for (i = 0; rows != NULL && rows->type == MSGPACK_OBJECT_ARRAY &&
	    i < rows->via.array.size; i++) {
		t = &rows->via.array.ptr[i];
		attempts = dur = 0;
		exit_code = -1;
		if (body_str(t, "task", id, sizeof id) != 0)
			continue;
		if (body_str(t, "stage", stage, sizeof stage) != 0)
			stage[0] = '\0';
		if (body_str(t, "status", st, sizeof st) != 0)
			st[0] = '\0';
		if (body_str(t, "agent", agent, sizeof agent) != 0 || !agent[0])
			snprintf(agent, sizeof agent, "-");
		if (body_str(t, "reason", reason, sizeof reason) != 0)
			reason[0] = '\0';
		/* Allowed by continueOnError: not the same as a real failure. */
		allowed = false;
		if (body_bool(t, "allowed", &allowed) == 0 && allowed) {
			snprintf(st, sizeof st, "failed*");
			nallowed++;
		}
		body_u64(t, "attempts", &attempts);
		body_u64(t, "duration_ns", &dur);
		body_i64(t, "exit", &exit_code);
		if (attempts > 0 && exit_code >= 0)
			snprintf(code, sizeof code, "%lld", (long long)exit_code);
		else
			snprintf(code, sizeof code, "-");
		fprintf(f, "%-24s %-12s %-9s %-16s %8llu %8.2fs %5s%s%s\n",
		    id, stage, st, agent, (unsigned long long)attempts,
		    (double)dur / 1e9, code, reason[0] ? "  " : "", reason);
	}
	if (nallowed > 0)
		fprintf(f, "* failed, allowed by continueOnError: its dependents "
		    "ran\n");
}
