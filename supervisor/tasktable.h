/*
 * Tasks as a table for people: the supervisor's summary at the end of a
 * workflow, `orch-ctl tasks` and `orch-ctl workflow run --wait` print the
 * same rows from the same msgpack maps (sched_pack's).
 */
#ifndef ORCH_SUPERVISOR_TASKTABLE_H
#define ORCH_SUPERVISOR_TASKTABLE_H

#include <stdio.h>

#include <msgpack.h>

/* rows: an array of {task, stage, status, agent, attempts, duration_ns,
 * exit, reason}; anything else prints nothing. */
void	tasktable_print(FILE *f, const msgpack_object *rows);

#endif
