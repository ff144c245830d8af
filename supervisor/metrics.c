#include "supervisor/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* Histogram buckets (of microseconds): 1.02^1600 us is past a century. */
#define METRICS_BUCKETS		1600

struct metrics {
	uint64_t	 start_ns;
	uint64_t	 ok, failed;
	double		 sum_ms;

	/* Every duration while there are at most METRICS_EXACT_MAX. */
	uint64_t	*exact;
	size_t		 nexact, capexact;
	size_t		 nsorted;	/* exact[0..nsorted) is in order */
	uint64_t	*merge;		/* metrics_sort's room, capexact long */
	bool		 overflowed;	/* more than that: the histogram */
	uint64_t	 bucket[METRICS_BUCKETS];
	uint64_t	 le[METRICS_LE_N];	/* not cumulative: the first fit */

	/* When each task of the last minute ended, oldest first (a ring). */
	uint64_t	*ends;
	size_t		 head, n, cap;
};

const double metrics_le_s[METRICS_LE_N] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
	300, 600, 1800
};

struct metrics *
metrics_new(uint64_t now_ns)
{
	struct metrics	*m = xcalloc(1, sizeof *m);

	m->start_ns = now_ns;
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->exact);
	free(m->merge);
	free(m->ends);
	free(m);
}

static size_t
metrics_bucket_of(uint64_t dur_ns)
{
	double	us = (double)dur_ns / 1000.0;
	size_t	b;

	if (us < 1.0)
		return 0;
	b = (size_t)(log(us) / log(METRICS_BUCKET_STEP)) + 1;
	return b < METRICS_BUCKETS ? b : METRICS_BUCKETS - 1;
}

/* The top of bucket b, in ms: what a percentile read from it says. */
static double
metrics_bucket_ms(size_t b)
{
	return b == 0 ? 0.001 : pow(METRICS_BUCKET_STEP, (double)b) / 1000.0;
}

/* Forget what ended before the last minute. */
static void
metrics_expire(struct metrics *m, uint64_t now_ns)
{
	while (m->n > 0 && m->ends[m->head] + METRICS_WINDOW_NS <= now_ns) {
		m->head = (m->head + 1) % m->cap;
		m->n--;
	}
}

static void
metrics_ended_at(struct metrics *m, uint64_t now_ns)
{
	uint64_t	*v;
	size_t		 i, cap;

	metrics_expire(m, now_ns);
	if (m->n == m->cap) {
		cap = m->cap ? m->cap * 2 : 64;
		v = xreallocarray(NULL, cap, sizeof *v);
		for (i = 0; i < m->n; i++)
			v[i] = m->ends[(m->head + i) % m->cap];
		free(m->ends);
		m->ends = v;
		m->cap = cap;
		m->head = 0;
	}
	m->ends[(m->head + m->n++) % m->cap] = now_ns;
}

void
metrics_task_end(struct metrics *m, bool ok, uint64_t dur_ns,
    uint64_t now_ns)
{
	size_t	i;

	if (ok)
		m->ok++;
	else
		m->failed++;
	m->sum_ms += (double)dur_ns / 1e6;
	m->bucket[metrics_bucket_of(dur_ns)]++;
	for (i = 0; i < METRICS_LE_N; i++)
		if ((double)dur_ns <= metrics_le_s[i] * 1e9) {
			m->le[i]++;
			break;
		}
	if (!m->overflowed && m->nexact == METRICS_EXACT_MAX) {
		m->overflowed = true;
		free(m->exact);
		free(m->merge);
		m->exact = m->merge = NULL;
		m->nexact = m->capexact = m->nsorted = 0;
	}
	if (!m->overflowed) {
		if (m->nexact == m->capexact) {
			m->capexact = m->capexact ? m->capexact * 2 : 256;
			m->exact = xreallocarray(m->exact, m->capexact,
			    sizeof *m->exact);
		}
		m->exact[m->nexact++] = dur_ns;
	}
	metrics_ended_at(m, now_ns);
}

static int
metrics_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Put the durations in order: only those added since the last view are
 * sorted, then merged with the rest (a status asked for after every task
 * does not sort 100,000 durations each time).
 */
static void
metrics_sort(struct metrics *m)
{
	size_t	i, j, k, tail = m->nexact - m->nsorted;

	if (tail == 0)
		return;
	qsort(m->exact + m->nsorted, tail, sizeof *m->exact, metrics_cmp);
	if (m->nsorted > 0) {
		m->merge = xreallocarray(m->merge, m->capexact,
		    sizeof *m->merge);
		for (i = 0, j = m->nsorted, k = 0; k < m->nexact; k++)
			m->merge[k] = j == m->nexact || (i < m->nsorted &&
			    m->exact[i] <= m->exact[j]) ? m->exact[i++] :
			    m->exact[j++];
		memcpy(m->exact, m->merge, m->nexact * sizeof *m->exact);
	}
	m->nsorted = m->nexact;
}

void
metrics_view(struct metrics *m, uint64_t now_ns, struct metrics_view *v)
{
	uint64_t	rank, seen = 0;
	double		minutes;
	size_t		b;

	memset(v, 0, sizeof *v);
	v->ok = m->ok;
	v->failed = m->failed;
	v->ended = m->ok + m->failed;
	metrics_expire(m, now_ns);
	v->per_minute = (double)m->n;
	minutes = now_ns > m->start_ns ? (double)(now_ns - m->start_ns) /
	    6e10 : 0;
	/* Less than a minute in: what ended so far is the minute's rate. */
	v->per_minute_all = minutes >= 1.0 ? (double)v->ended / minutes :
	    (double)v->ended;
	for (b = 0; b < METRICS_LE_N; b++)
		v->le[b] = m->le[b] + (b > 0 ? v->le[b - 1] : 0);
	v->sum_s = m->sum_ms / 1000.0;
	if (v->ended == 0)
		return;
	v->success_rate = (double)m->ok / (double)v->ended;
	v->avg_ms = m->sum_ms / (double)v->ended;
	/* Nearest rank: the smallest duration at or above 95% of them. */
	rank = (v->ended * 95 + 99) / 100;
	if (!m->overflowed) {
		metrics_sort(m);
		v->p95_ms = (double)m->exact[rank - 1] / 1e6;
		v->p95_exact = true;
		return;
	}
	for (b = 0; b < METRICS_BUCKETS; b++)
		if ((seen += m->bucket[b]) >= rank)
			break;
	v->p95_ms = metrics_bucket_ms(b < METRICS_BUCKETS ? b :
	    METRICS_BUCKETS - 1);
}
