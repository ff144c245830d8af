#include "supervisor/restart.h"

#include <string.h>

/* Restarts recorded after since_ns (the start of the window). */
static unsigned
restart_count_since(const struct restart_history *hist, uint64_t since_ns)
{
	unsigned	i, n = 0;

	for (i = 0; i < hist->n; i++) {
		unsigned	slot = (hist->head + RESTART_HISTORY_MAX -
		    1 - i) % RESTART_HISTORY_MAX;

		if (hist->at[slot] <= since_ns)
			break;		/* the ring is in time order */
		n++;
	}
	return n;
}

struct restart_decision
restart_decide(const struct restart_policy *pol, struct restart_history *hist,
    bool requested, bool normal, uint64_t now_ns)
{
	struct restart_decision	d = { RESTART_NONE, 0, 0 };
	uint64_t		window, since, delay;
	unsigned		max, i;

	if (requested || pol->kind == RESTART_TEMPORARY ||
	    (pol->kind == RESTART_TRANSIENT && normal))
		return d;

	window = (uint64_t)pol->within_s * 1000000000u;
	since = now_ns > window ? now_ns - window : 0;
	d.in_window = restart_count_since(hist, since);
	max = pol->max < RESTART_HISTORY_MAX ? pol->max : RESTART_HISTORY_MAX;
	if (d.in_window >= max) {
		d.action = RESTART_GIVE_UP;
		return d;
	}

	/* 0, 10 ms, 20 ms, 40 ms ... capped: the first one is free. */
	delay = 0;
	if (d.in_window > 0) {
		delay = RESTART_BACKOFF_MIN_NS;
		for (i = 1; i < d.in_window && delay < RESTART_BACKOFF_MAX_NS;
		    i++)
			delay *= 2;
		if (delay > RESTART_BACKOFF_MAX_NS)
			delay = RESTART_BACKOFF_MAX_NS;
	}
	d.action = RESTART_AFTER;
	d.delay_ns = delay;

	hist->at[hist->head] = now_ns;
	hist->head = (hist->head + 1) % RESTART_HISTORY_MAX;
	if (hist->n < RESTART_HISTORY_MAX)
		hist->n++;
	hist->total++;
	return d;
}

void
restart_forget(struct restart_history *hist)
{
	uint64_t	total = hist->total;

	memset(hist, 0, sizeof *hist);
	hist->total = total;
}
