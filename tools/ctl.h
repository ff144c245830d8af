/*
 * orch-ctl's commands that live in their own files.
 */
#ifndef ORCH_TOOLS_CTL_H
#define ORCH_TOOLS_CTL_H

#include "tools/client.h"

/* Control requests answer at once; a task waited for may take a week. */
#define CTL_TIMEOUT_MS		10000
#define CTL_FOREVER_MS		(7u * 24 * 3600 * 1000)

/* ctl_status.c: the snapshot, as tables or JSON. */
int	ctl_status(struct client *c, int argc, char **argv);
/* top.c: the snapshot live (argv0: to find orch-attach beside us). */
int	ctl_top(struct client *c, const char *argv0, int argc, char **argv);
int	ctl_mem(struct client *c, int argc, char **argv);
/* ctl_audit.c: the instance's audit log, from the state directory. */
int	ctl_audit(const char *instance, int argc, char **argv);
int	ctl_events(struct client *c, int argc, char **argv);
int	ctl_events_publish(struct client *c, int argc, char **argv);
int	ctl_send(struct client *c, int argc, char **argv);
int	ctl_inbox(struct client *c, int argc, char **argv);
int	ctl_broadcast(struct client *c, int argc, char **argv);
int	ctl_tasks(struct client *c, int argc, char **argv);
int	ctl_decide(struct client *c, int argc, char **argv);
int	ctl_submit(struct client *c, int argc, char **argv);
int	ctl_workflow(struct client *c, int argc, char **argv);
/* ctl_hook.c: Claude Code's command hook (its own connection). */
int	ctl_hook(int argc, char **argv);

/*
 * A finished task's result (exec's answer or a submitted task's row):
 * print its output (out_key), return the exit status orch-ctl passes on:
 * the task's, 124 on timeout (secs), 128+N for signal N, 1 if it was
 * cancelled or never ran.
 */
int	ctl_task_exit(const msgpack_object *res, const char *out_key,
	    double secs);

/*
 * getopt_long for a command's options; an unknown long option gets a
 * "did you mean" after getopt's own complaint.
 */
struct option;
/* A whole number (0 to INT64_MAX), or -1 after saying what is wrong. */
int	ctl_number(const char *s, const char *what, uint64_t *out);
int	ctl_getopt(int argc, char **argv, const char *optstring,
	    const struct option *opts);

#endif
