/*
 * An agent's recent work, for least-loaded routing (the seed's
 * LoadBalancer): every task adds its duration plus a fixed charge (so a
 * run of quick tasks counts too), and the sum halves every
 * LOAD_HALF_LIFE_S seconds, so what an agent did an hour ago no longer
 * decides where work goes now. A pure function of a clock the caller
 * passes in.
 */
#ifndef ORCH_SUPERVISOR_LOAD_H
#define ORCH_SUPERVISOR_LOAD_H

#include <stdint.h>

#define LOAD_HALF_LIFE_S	60
#define LOAD_TASK_CHARGE_NS	50000000ull	/* 50 ms per task */

struct load {
	double		ns;	/* work, decayed to `at` */
	uint64_t	at;	/* monotonic ns */
};

/* A task of work_ns ended at now_ns. */
void	load_add(struct load *l, uint64_t work_ns, uint64_t now_ns);
/* The load as of now_ns. */
double	load_now(const struct load *l, uint64_t now_ns);

#endif
