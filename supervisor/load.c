#include "supervisor/load.h"

#include <math.h>

double
load_now(const struct load *l, uint64_t now_ns)
{
	double	age;

	if (l->ns == 0 || now_ns <= l->at)
		return l->ns;
	age = (double)(now_ns - l->at) / 1e9;
	return l->ns * exp2(-age / LOAD_HALF_LIFE_S);
}

void
load_add(struct load *l, uint64_t work_ns, uint64_t now_ns)
{
	l->ns = load_now(l, now_ns) + (double)work_ns +
	    (double)LOAD_TASK_CHARGE_NS;
	if (now_ns > l->at)
		l->at = now_ns;
}
