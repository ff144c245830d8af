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
#include "shm/serve.h"
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
	struct agent		*a;

	if (t == NULL || (!ok && strcmp(ch->to, "failed") != 0))
		return;
	/* One failed before it ran (its agent went, say) counts, lasting 0. */
	metrics_task_end(s->metrics, ok, t->dur_ns, clock_now_ns());
	s->cost_usd += t->cost_usd;
	s->tokens_in += t->tokens_in;
	s->tokens_out += t->tokens_out;
	for (a = s->sup->agents; a != NULL; a = a->next)
		if (strcmp(a->ac.id, t->agent) == 0)
			break;
	if (a == NULL)
		return;
	a->stats.ended++;
	a->stats.failed += !ok;
	a->stats.busy_ns += t->dur_ns;
	a->stats.cost_usd += t->cost_usd;
	a->stats.tokens_in += t->tokens_in;
	a->stats.tokens_out += t->tokens_out;
}

/*
 * One agent's figures: utilization is the share of the time since it was
 * added that it spent on tasks (those ended, and the one it runs now).
 */
static void
sched_metrics_pack_agent(msgpack_packer *pk, const struct agent *a,
    uint64_t now)
{
	const struct agent_stats	*st = &a->stats;
	uint64_t			 busy = st->busy_ns, span;

	if (a->current != NULL && a->current->start_ns != 0)
		busy += now - a->current->start_ns;
	span = now > st->added_ns ? now - st->added_ns : 1;
	msgpack_pack_map(pk, 10);
	body_pack_kv_str(pk, "agent", a->ac.id);
	body_pack_kv_str(pk, "status", fsm_agent_status_name(a->status));
	body_pack_kv_double(pk, "utilization", busy >= span ? 1.0 :
	    (double)busy / (double)span);
	body_pack_kv_double(pk, "busyMs", (double)busy / 1e6);
	body_pack_kv_u64(pk, "tasksEnded", st->ended);
	body_pack_kv_u64(pk, "tasksFailed", st->failed);
	body_pack_kv_u64(pk, "restarts", a->hist.total);
	body_pack_kv_double(pk, "costUsd", st->cost_usd);
	body_pack_kv_u64(pk, "tokensIn", st->tokens_in);
	body_pack_kv_u64(pk, "tokensOut", st->tokens_out);
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
	uint64_t		 waiting = 0, now = clock_now_ns();
	uint64_t		 by_status[STATUS_COUNT] = { 0 };
	size_t			 i;

	metrics_view(s->metrics, now, &v);
	for (run = s->runs; run != NULL; run = run->next)
		for (i = 0; i < run->n; i++) {
			depth += sched_task_ready(&run->tasks[i]);
			waiting += run->tasks[i].st == ST_WAITING;
		}
	for (a = s->sup->agents; a != NULL; a = a->next) {
		total++;
		active += a->status == STATUS_WORKING ||
		    a->status == STATUS_WAITING;
		restarts += a->hist.total;
		waiting += a->permits;	/* Claude Code's tool calls held */
		by_status[a->status]++;
	}
	body_pack_str(pk, "metrics");
	msgpack_pack_map(pk, 22);
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
	body_pack_kv_u64(pk, "approvalsWaiting", waiting);
	body_pack_kv_double(pk, "costUsd", s->cost_usd);
	body_pack_kv_u64(pk, "tokensIn", s->tokens_in);
	body_pack_kv_u64(pk, "tokensOut", s->tokens_out);
	body_pack_kv_u64(pk, "busEvents", s->sup->serve != NULL ?
	    serve_events_total(s->sup->serve) : 0);
	body_pack_kv_u64(pk, "bankEntries", s->sup->serve != NULL ?
	    serve_bank_entries(s->sup->serve) : 0);
	/* Every status, those with no agent too. */
	body_pack_str(pk, "agentsByStatus");
	msgpack_pack_map(pk, STATUS_COUNT);
	for (i = 0; i < STATUS_COUNT; i++)
		body_pack_kv_u64(pk, fsm_agent_status_name((enum agent_status)i),
		    by_status[i]);
	/* Cumulative, as Prometheus's histogram: "le" seconds, then +Inf. */
	body_pack_str(pk, "durationHistogram");
	msgpack_pack_map(pk, 4);
	body_pack_str(pk, "le");
	msgpack_pack_array(pk, METRICS_LE_N);
	for (i = 0; i < METRICS_LE_N; i++)
		msgpack_pack_double(pk, metrics_le_s[i]);
	body_pack_str(pk, "counts");
	msgpack_pack_array(pk, METRICS_LE_N);
	for (i = 0; i < METRICS_LE_N; i++)
		msgpack_pack_uint64(pk, v.le[i]);
	body_pack_kv_double(pk, "sum", v.sum_s);
	body_pack_kv_u64(pk, "count", v.ended);
	body_pack_str(pk, "agents");
	msgpack_pack_array(pk, total);
	for (a = s->sup->agents; a != NULL; a = a->next)
		sched_metrics_pack_agent(pk, a, now);
}
