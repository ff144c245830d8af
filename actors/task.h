/*
 * A command run as a task for an agent: its own process session (so its
 * own group, and no controlling terminal), stdout and stderr through a pipe
 * the actor reads, so the output is both shown on the agent's terminal (an
 * attached person sees it live) and kept exactly, as a bounded tail, for
 * the result. A timeout or a kill signals everything in the task's
 * session: SIGTERM, then SIGKILL after a grace period. When the task ends,
 * by itself or not, nothing it started outlives it: its group, its
 * session, and (the actor being a child subreaper) whatever left both,
 * found by the tag every task process inherits (ORCH_TASK_TAG, see
 * common/proctree.h).
 */
#ifndef ORCH_ACTORS_TASK_H
#define ORCH_ACTORS_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "actors/scrollback.h"

/* In every task process's environment: which task it belongs to. */
#define TASK_TAG_ENV		"ORCH_TASK_TAG"

struct event_base;
struct task;

struct task_spec {
	uint64_t	  id;
	char *const	 *argv;		/* program and arguments */
	const char	 *cwd;		/* NULL: the actor's */
	char *const	 *env;		/* NULL-terminated, or NULL: ours */
	unsigned	  timeout_ms;	/* 0: none */
	unsigned	  grace_ms;	/* SIGTERM to SIGKILL; 0: default */
	pid_t		  shell_pid;	/* the session's shell: what it runs
					   is not the task's (0: none) */
	bool		  stdin_pipe;	/* its standard input a pipe of ours
					   (task_stdin); else /dev/null */
	char *const	 *wrap;		/* the command it runs under (the
					   sandbox's), or NULL */
};

struct task_result {
	int		 exit_code;	/* -1 when killed by a signal */
	int		 signal;	/* 0 unless killed */
	bool		 timed_out;
	uint64_t	 duration_ns;
	const char	*tail;		/* the last output bytes */
	size_t		 tail_len;
};

struct task_cbs {
	void	(*output_cb)(struct task *, const char *data, size_t len,
		    void *arg);
	/* The task ended; the task may be freed from here. */
	void	(*done_cb)(struct task *, const struct task_result *,
		    void *arg);
};

struct task	*task_start(struct event_base *base,
		    const struct task_spec *spec, const struct task_cbs *cbs,
		    void *arg, char **cause);
void		 task_free(struct task *t);

/* Offer a reaped child; true if it was this task (done_cb has run). */
bool		 task_reap(struct task *t, pid_t pid, int status);
/* SIGTERM the task's session now, SIGKILL after grace_ms (0: at once). */
void		 task_kill(struct task *t, unsigned grace_ms);

uint64_t	 task_id(const struct task *t);
/* The task's process group and session id (the same); 0 once it ended. */
pid_t		 task_pgid(const struct task *t);
bool		 task_running(const struct task *t);
/*
 * The write end of its standard input (stdin_pipe; non-blocking), or -1.
 * It is the caller's: close it (the task sees EOF) before task_free.
 */
int		 task_stdin(struct task *t);

#endif
