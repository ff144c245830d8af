/*
 * Actors' stderr through the supervisor: while a live progress line sits
 * at the bottom of the terminal, every log line has to pass the one
 * process that draws it, or lines would be written onto it.
 */
#ifndef ORCH_SUPERVISOR_LOGPIPE_H
#define ORCH_SUPERVISOR_LOGPIPE_H

struct event_base;
struct logpipe;

/* A pipe whose lines go to log_relay; *wfd is the end to hand out. */
struct logpipe	*logpipe_new(struct event_base *base, int *wfd);
/* Pass on what is left, then close. */
void		 logpipe_free(struct logpipe *lp);

#endif
