/*
 * The operator's terminal is told when an agent starts waiting on a
 * person (alert.c): BEL and OSC 9 on a terminal, notify-send when found.
 */
#ifndef ORCH_SUPERVISOR_ALERT_H
#define ORCH_SUPERVISOR_ALERT_H

struct alert;
struct supervisor;

struct alert	*alert_new(struct supervisor *sup);
void		 alert_free(struct alert *al);

#endif
