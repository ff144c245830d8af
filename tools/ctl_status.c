/*
 * orch-ctl status: the snapshot (agents, tasks, metrics, events) as
 * tables, or with --json as the supervisor gave it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "ipc/body.h"
#include "supervisor/tasktable.h"
#include "tools/client.h"
#include "tools/ctl.h"

static double
ctl_status_num(const msgpack_object *o, const char *key)
{
	double	v = 0;

	body_double(o, key, &v);
	return v;
}

static void
ctl_status_metrics(const msgpack_object *m)
{
	const msgpack_object	*rows = body_get(m, "agents"), *r;
	char			 avg[32], p95[32], busy[32], id[128];
	bool			 exact = true;
	uint32_t		 i;

	body_bool(m, "p95Exact", &exact);
	client_span_ms(ctl_status_num(m, "avgTaskDuration"), avg, sizeof avg);
	client_span_ms(ctl_status_num(m, "p95TaskDuration"), p95, sizeof p95);
	printf("\nMETRICS\n");
	printf("  tasks per minute  %.1f (last minute), %.1f since the start\n",
	    ctl_status_num(m, "tasksPerMinute"),
	    ctl_status_num(m, "tasksPerMinuteSinceStart"));
	printf("  tasks ended       %.0f: %.0f ok, %.0f failed (success %.1f%%)"
	    "\n", ctl_status_num(m, "tasksEnded"), ctl_status_num(m, "tasksOk"),
	    ctl_status_num(m, "tasksFailed"),
	    ctl_status_num(m, "successRate") * 100);
	printf("  duration          mean %s, p95 %s%s\n", avg, p95, exact ? "" :
	    " (histogram, within 2%)");
	printf("  agents            %.0f active of %.0f, %.0f restarts\n",
	    ctl_status_num(m, "activeAgents"), ctl_status_num(m, "totalAgents"),
	    ctl_status_num(m, "restarts"));
	printf("  queue             %.0f ready, %.0f awaiting approval\n",
	    ctl_status_num(m, "queueDepth"),
	    ctl_status_num(m, "approvalsWaiting"));
	if (ctl_status_num(m, "costUsd") > 0 || ctl_status_num(m, "tokensIn") >
	    0)
		printf("  Claude Code       $%.4f, %.0f tokens in, %.0f out\n",
		    ctl_status_num(m, "costUsd"), ctl_status_num(m, "tokensIn"),
		    ctl_status_num(m, "tokensOut"));
	if (rows == NULL || rows->type != MSGPACK_OBJECT_ARRAY ||
	    rows->via.array.size == 0)
		return;
	/* "- ID": no row here starts with an agent's id, as its status row. */
	printf("  %-20s %6s %10s %6s %6s %8s %10s\n", "per agent", "UTIL",
	    "BUSY", "TASKS", "FAILED", "RESTARTS", "COST");
	for (i = 0; i < rows->via.array.size; i++) {
		r = &rows->via.array.ptr[i];
		if (body_str(r, "agent", id, sizeof id) != 0)
			continue;
		client_span_ms(ctl_status_num(r, "busyMs"), busy, sizeof busy);
		printf("  - %-18s %5.1f%% %10s %6.0f %6.0f %8.0f %10.4f\n", id,
		    ctl_status_num(r, "utilization") * 100, busy,
		    ctl_status_num(r, "tasksEnded"),
		    ctl_status_num(r, "tasksFailed"),
		    ctl_status_num(r, "restarts"), ctl_status_num(r, "costUsd"));
	}
}

/* The event tail: time, type, source and target, escaped for a terminal. */
static void
ctl_status_events(const msgpack_object *events)
{
	const msgpack_object	*e;
	char			 type[128], src[128], dst[128], line[512], at[16];
	uint64_t		 ns;
	time_t			 secs;
	struct tm		 tm;
	uint32_t		 i;

	if (events == NULL || events->type != MSGPACK_OBJECT_ARRAY)
		return;
	printf("\nEVENTS (the last %u)\n", events->via.array.size);
	for (i = 0; i < events->via.array.size; i++) {
		e = &events->via.array.ptr[i];
		ns = 0;
		body_u64(e, "ts_ns", &ns);
		if (body_str(e, "type", type, sizeof type) != 0)
			continue;
		if (body_str(e, "source", src, sizeof src) != 0)
			src[0] = '\0';
		if (body_str(e, "target", dst, sizeof dst) != 0)
			dst[0] = '\0';
		secs = (time_t)(ns / 1000000000u);
		localtime_r(&secs, &tm);
		strftime(at, sizeof at, "%H:%M:%S", &tm);
		snprintf(line, sizeof line, "%s %s%s%s", type, src, dst[0] ?
		    " -> " : "", dst);
		log_escape(type, sizeof type, line, strlen(line));
		printf("  %s.%03u %s\n", at, (unsigned)(ns / 1000000 % 1000),
		    type);
	}
}

int
ctl_status(struct client *c, int argc, char **argv)
{
	const msgpack_object	*res;
	char			 inst[128], up[32];
	int64_t			 pid = 0;
	bool			 json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "orch-ctl: status [--json]\n");
		return 2;
	}
	if (client_call(c, IPC_OP_STATUS, NULL, 0, CTL_TIMEOUT_MS, &res) !=
	    IPC_OK) {
		log_print_error("orch-ctl: status", c->errmsg);
		return 1;
	}
	if (json) {
		client_print_json(res);
		return 0;
	}
	if (body_str(res, "instance", inst, sizeof inst) != 0)
		inst[0] = '\0';
	body_i64(res, "pid", &pid);
	client_span_ms(ctl_status_num(res, "now") - ctl_status_num(res,
	    "started"), up, sizeof up);
	printf("orch %s, supervisor pid %lld, up %s\n\n", inst, (long long)pid,
	    up);
	client_print_agents(body_get(res, "agents"));
	printf("\nTASKS (queued, running, and the last finished)\n");
	tasktable_print(stdout, body_get(res, "tasks"));
	if (body_get(res, "metrics") != NULL)
		ctl_status_metrics(body_get(res, "metrics"));
	ctl_status_events(body_get(res, "events"));
	return 0;
}
