/*
 * A small log-linear latency histogram (HdrHistogram's idea, 32 linear
 * sub-buckets per power of two: about 3% precision) for nanosecond values.
 */
#ifndef ORCH_BENCH_HIST_H
#define ORCH_BENCH_HIST_H

#include <stdint.h>

#define HIST_BUCKETS	(64 + 58 * 32)

struct hist {
	uint64_t	count[HIST_BUCKETS];
	uint64_t	total;
	uint64_t	max;
};

void		hist_reset(struct hist *h);
void		hist_record(struct hist *h, uint64_t ns);
/* Value at quantile q (0..1), in ns; 0 for an empty histogram. */
uint64_t	hist_quantile(const struct hist *h, double q);

#endif
