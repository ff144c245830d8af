/*
 * The seed's PerformanceMetrics, counted from what happened (every task
 * that ended, as the hub announces it), never sampled or guessed: tasks
 * per minute over the last minute and since the start, the success rate
 * of the tasks that ended, and their mean and 95th-percentile duration.
 * The percentile is exact over the first METRICS_EXACT_MAX durations;
 * past that, it is read off a histogram whose buckets are
 * METRICS_BUCKET_STEP wide (a relative error of at most 2%). A pure
 * module: the caller passes the clock in.
 */
#ifndef ORCH_SUPERVISOR_METRICS_H
#define ORCH_SUPERVISOR_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#define METRICS_EXACT_MAX	100000
#define METRICS_WINDOW_NS	60000000000ull	/* tasksPerMinute's minute */
#define METRICS_BUCKET_STEP	1.02		/* histogram: 2% wide */

/*
 * The duration histogram's upper bounds (seconds), as Prometheus reads
 * one: each task counted exactly in the first bucket its duration fits.
 */
#define METRICS_LE_N		17
extern const double metrics_le_s[METRICS_LE_N];

struct metrics;

struct metrics_view {
	uint64_t	ended;		/* tasks that ended, ok or failed */
	uint64_t	ok;
	uint64_t	failed;
	double		per_minute;	/* ended in the last minute */
	double		per_minute_all;	/* since the start, per minute */
	double		success_rate;	/* ok / ended, 0..1; 0 when none */
	double		avg_ms;		/* mean duration */
	double		p95_ms;		/* 95th percentile (nearest rank) */
	bool		p95_exact;	/* false: from the histogram */
	double		sum_s;		/* of the durations */
	uint64_t	le[METRICS_LE_N];	/* ended within metrics_le_s[i] */
};

struct metrics	*metrics_new(uint64_t now_ns);
void		 metrics_free(struct metrics *m);
/* A task ended at now_ns after dur_ns of work: ok, or failed. */
void		 metrics_task_end(struct metrics *m, bool ok, uint64_t dur_ns,
		    uint64_t now_ns);
/* The figures as of now_ns. */
void		 metrics_view(struct metrics *m, uint64_t now_ns,
		    struct metrics_view *v);

#endif
