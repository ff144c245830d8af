/*
 * The seed's PerformanceMetrics: every task that ends (ok or failed, its
 * last attempt; a retry is not an end, a cancelled or skipped task is not
 * a finished one) is counted as the hub announces it, with the duration
 * its actor measured; the queue and the agents are counted as they are
 * when asked.
 */
#include "supervisor/sched_int.h"

#include <string.h>

#include "common/clock.h"
#include "ipc/body.h"
#include "supervisor/agent.h"
#include "supervisor/hub.h"
#include "supervisor/metrics.h"
#include "supervisor/supervisor.h"

static void
sched_metrics_cb(void *arg, const struct hub_change *ch)
{
	struct sched		*s = arg;
	const struct stask	*t = ch->subject;
	bool			 ok = strcmp(ch->to, "ok") == 0;

	if (t == NULL || (!ok && strcmp(ch->to, "failed") != 0))
		return;
	/* One failed before it ran (its agent went, say) counts, lasting 0. */
	metrics_task_end(s->metrics, ok, t->dur_ns, clock_now_ns());
}

void
sched_metrics_init(struct sched *s)
{
	s->metrics = metrics_new(clock_now_ns());
	hub_subscribe(s->sup->hub, HUB_TASK, sched_metrics_cb, s);
}

void
sched_metrics_free(struct sched *s)
{
	metrics_free(s->metrics);
	s->metrics = NULL;
}

void
sched_pack_metrics(struct sched *s, msgpack_packer *pk)
{
	struct metrics_view	 v;
	struct sched_run	*run;
	struct agent		*a;
	uint64_t		 depth = 0, active = 0, total = 0, restarts = 0;
	size_t			 i;

	metrics_view(s->metrics, clock_now_ns(), &v);
	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++)
			depth += sched_task_ready(&run->tasks[i]);
	for (a = s->sup->agents; a != NULL; a = a->next) {
		total++;
		active += a->status == STATUS_WORKING ||
		    a->status == STATUS_WAITING;
		restarts += a->hist.total;
	}
	body_pack_str(pk, "metrics");
	msgpack_pack_map(pk, 13);
	body_pack_kv_double(pk, "tasksPerMinute", v.per_minute);
	body_pack_kv_double(pk, "successRate", v.success_rate);
	body_pack_kv_double(pk, "avgTaskDuration", v.avg_ms);
	body_pack_kv_double(pk, "p95TaskDuration", v.p95_ms);
	body_pack_kv_u64(pk, "activeAgents", active);
	body_pack_kv_u64(pk, "totalAgents", total);
	body_pack_kv_u64(pk, "queueDepth", depth);
	body_pack_kv_double(pk, "tasksPerMinuteSinceStart", v.per_minute_all);
	body_pack_kv_u64(pk, "tasksEnded", v.ended);
	body_pack_kv_u64(pk, "tasksOk", v.ok);
	body_pack_kv_u64(pk, "tasksFailed", v.failed);
	body_pack_kv_bool(pk, "p95Exact", v.p95_exact);
	body_pack_kv_u64(pk, "restarts", restarts);
}
