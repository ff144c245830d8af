#include "tools/bench/hist.h"

#include <string.h>

static unsigned
hist_index(uint64_t v)
{
	unsigned	msb;

	if (v < 64)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return 64 + (msb - 6) * 32 + (unsigned)((v >> (msb - 5)) - 32);
}

/* Midpoint of the values bucket i holds. */
static uint64_t
hist_value(unsigned i)
{
	unsigned	k, msb;
	uint64_t	low, width;

	if (i < 64)
		return i;
	k = i - 64;
	msb = k / 32 + 6;
	low = (uint64_t)(k % 32 + 32) << (msb - 5);
	width = (uint64_t)1 << (msb - 5);
	return low + width / 2;
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

void
hist_record(struct hist *h, uint64_t ns)
{
	h->count[hist_index(ns)]++;
	h->total++;
	if (ns > h->max)
		h->max = ns;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t	want, seen = 0;
	unsigned	i;

	if (h->total == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	want = (uint64_t)(q * (double)h->total + 0.5);
	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want)
			return hist_value(i) < h->max ? hist_value(i) : h->max;
	}
	return h->max;
}
