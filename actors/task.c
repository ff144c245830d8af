#include "actors/task.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/sandbox.h"
#include "common/compat.h"
#include "common/clock.h"
#include "common/proc.h"
#include "common/proctree.h"
#include "common/xmalloc.h"
#include "ipc/peer.h"
#include "ipc/proto.h"

extern char	**environ;

struct task {
	uint64_t		 id;
	pid_t			 pid;		/* 0 once reaped */
	uint64_t		 started;
	int			 out;		/* read end of the output pipe */
	int			 in;		/* write end of its stdin, or -1 */
	struct event		*out_ev;
	struct event		*timeout_ev;
	struct event		*kill_ev;
	struct event		*failed_ev;	/* its command could not run */
	int			 failed_code;
	unsigned		 grace_ms;
	bool			 timed_out;
	bool			 killed;	/* task_kill was asked */
	pid_t			 shell;		/* spec->shell_pid */
	char			 tag[96];	/* ORCH_TASK_TAG=... */
	struct scrollback	 tail;
	struct task_cbs		 cbs;
	void			*arg;
};

static void
task_read(struct task *t)
{
	char	buf[16384];
	ssize_t	n;

	if (t->out == -1)
		return;
	for (;;) {
		n = read(t->out, buf, sizeof buf);
		if (n > 0) {
			scrollback_append(&t->tail, buf, (size_t)n);
			if (t->cbs.output_cb != NULL)
				t->cbs.output_cb(t, buf, (size_t)n, t->arg);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			/* EOF: nothing in the group holds the pipe any more. */
			event_del(t->out_ev);
			close(t->out);
			t->out = -1;
		}
		return;
	}
}

static void
task_out_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	task_read(arg);
}

/* Signal the task's session and what escaped it (see task.h). */
static void
task_signal(struct task *t, int sig)
{
	pid_t	self = getpid();

	if (t->pid > 0)
		proc_kill_session(t->pid, sig);
	if (sig == SIGKILL)
		proctree_kill_all(self, &t->shell, t->shell > 0, t->tag);
	else
		proctree_kill(self, &t->shell, t->shell > 0, t->tag, sig);
}

static void
task_kill_cb(evutil_socket_t fd, short events, void *arg)
{
	struct task	*t = arg;

	(void)fd;
	(void)events;
	if (t->pid > 0)
		task_signal(t, SIGKILL);
}

void
task_kill(struct task *t, unsigned grace_ms)
{
	struct timeval	tv;

	if (t->pid == 0)
		return;
	t->killed = true;
	if (grace_ms == 0) {
		task_signal(t, SIGKILL);
		return;
	}
	task_signal(t, SIGTERM);
	task_signal(t, SIGCONT);
	if (!evtimer_pending(t->kill_ev, NULL)) {
		tv.tv_sec = grace_ms / 1000;
		tv.tv_usec = (grace_ms % 1000) * 1000;
		evtimer_add(t->kill_ev, &tv);
	}
}

static void
task_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct task	*t = arg;

	(void)fd;
	(void)events;
	t->timed_out = true;
	task_kill(t, t->grace_ms);
}

struct task_child {
	const struct task_spec	*spec;
	int			 out;
	int			 in;		/* read end, or -1: /dev/null */
};

/* In a proc_spawn child: system calls only, then exec. */
static void
task_child(int report, void *arg)
{
	struct task_child	*c = arg;
	const struct task_spec	*spec = c->spec;
	int			 null;

	/*
	 * Own session, so own group: a timeout or a stop signals everything
	 * it started, even what it moved to other groups; and the operator's
	 * terminal (the supervisor's) is not the task's to read or to stop.
	 */
	if (setsid() == -1)
		proc_exec_fail(report, "setsid");
	/* If the actor dies without cleaning up, do not outlive it. */
	compat_parent_death(SIGKILL);
	if ((null = c->in != -1 ? c->in : open("/dev/null", O_RDONLY)) == -1)
		proc_exec_fail(report, "/dev/null");
	if (dup2(null, 0) == -1 || dup2(c->out, 1) == -1 ||
	    dup2(c->out, 2) == -1)
		proc_exec_fail(report, "dup2");
	report = proc_child_fds(report);
	if (spec->cwd != NULL && chdir(spec->cwd) == -1)
		proc_exec_fail(report, spec->cwd);
	/* The command is looked up on the task's own PATH, not ours. */
	if (spec->env != NULL)
		proc_execvpe(spec->argv[0], spec->argv, spec->env);
	else
		execvp(spec->argv[0], spec->argv);
	proc_exec_fail(report, spec->argv[0]);
}

/* Tell the owner how t ended; it may free t from its callback. */
static void
task_end(struct task *t, int exit_code, int sig)
{
	struct task_result	r;
	char			tail[IPC_TASK_TAIL_MAX];

	memset(&r, 0, sizeof r);
	r.exit_code = exit_code;
	r.signal = sig;
	r.timed_out = t->timed_out;
	r.duration_ns = clock_now_ns() - t->started;
	r.tail_len = scrollback_tail(&t->tail, sizeof tail, tail);
	r.tail = tail;
	if (t->cbs.done_cb != NULL)
		t->cbs.done_cb(t, &r, t->arg);
}

static void
task_failed_cb(evutil_socket_t fd, short events, void *arg)
{
	struct task	*t = arg;

	(void)fd;
	(void)events;
	task_end(t, t->failed_code, 0);
}

static struct task *
task_alloc(const struct task_spec *spec, const struct task_cbs *cbs,
    void *arg)
{
	struct task	*t = xcalloc(1, sizeof *t);

	t->id = spec->id;
	t->in = -1;
	t->started = clock_now_ns();
	scrollback_init(&t->tail, IPC_TASK_TAIL_MAX);
	if (cbs != NULL)
		t->cbs = *cbs;
	t->arg = arg;
	return t;
}

/* A task whose command could not be run: it ends, soon, like one that did. */
static struct task *
task_failed(struct event_base *base, const struct task_spec *spec,
    const struct task_cbs *cbs, void *arg, char **cause)
{
	struct task	*t = task_alloc(spec, cbs, arg);
	char		*line;

	t->out = -1;
	t->failed_code = errno == EACCES || errno == ENOEXEC ? 126 : 127;
	xasprintf(&line, "orch: %s\n", cause != NULL && *cause != NULL ?
	    *cause : "the command could not be run");
	if (cause != NULL) {
		free(*cause);
		*cause = NULL;
	}
	scrollback_append(&t->tail, line, strlen(line));
	if (t->cbs.output_cb != NULL)
		t->cbs.output_cb(t, line, strlen(line), t->arg);
	free(line);
	t->failed_ev = event_new(base, -1, 0, task_failed_cb, t);
	event_active(t->failed_ev, 0, 0);
	return t;
}

struct task *
task_start(struct event_base *base, const struct task_spec *spec,
    const struct task_cbs *cbs, void *arg, char **cause)
{
	struct task		*t;
	struct task_child	 child;
	struct task_spec	 tagged;
	struct timeval		 tv;
	char *const		*env;
	char			**envp, tag[96];
	size_t			 i, n;
	int			 fds[2], ins[2];
	pid_t			 pid;

	if (spec->argv == NULL || spec->argv[0] == NULL) {
		set_cause(cause, "empty command");
		return NULL;
	}
	if (compat_pipe(fds, COMPAT_CLOEXEC) == -1) {
		set_cause(cause, "pipe: %s", strerror(errno));
		return NULL;
	}
	ins[0] = ins[1] = -1;
	if (spec->stdin_pipe && compat_pipe(ins, COMPAT_CLOEXEC) == -1) {
		set_cause(cause, "pipe: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	/* Every process of the task inherits the tag that names it. */
	snprintf(tag, sizeof tag, "%s=%ld.%llu.%llu", TASK_TAG_ENV,
	    (long)getpid(), (unsigned long long)spec->id,
	    (unsigned long long)clock_now_ns());
	env = spec->env != NULL ? spec->env : environ;
	for (n = 0; env[n] != NULL; n++)
		;
	envp = xcalloc(n + 2, sizeof *envp);
	for (i = n = 0; env[i] != NULL; i++)
		/* Ours, not one inherited (a task's orch-ctl exec, say). */
		if (strncmp(env[i], TASK_TAG_ENV "=", sizeof TASK_TAG_ENV) != 0)
			envp[n++] = env[i];
	envp[n] = tag;
	tagged = *spec;
	tagged.env = envp;
	if (spec->wrap != NULL)
		tagged.argv = sandbox_join(spec->wrap, spec->argv);
	child.spec = &tagged;
	child.out = fds[1];
	child.in = ins[0];
	pid = proc_spawn(task_child, &child, cause);
	if (spec->wrap != NULL)
		free((char **)tagged.argv);
	free(envp);
	close(fds[1]);
	if (ins[0] != -1)
		close(ins[0]);
	if (pid < 0 && ins[1] != -1)
		close(ins[1]);
	if (pid == -1) {
		close(fds[0]);
		return NULL;
	}
	if (pid == -2) {
		/* As in a shell: the task ran and exited 127 (126), saying why. */
		close(fds[0]);
		return task_failed(base, spec, cbs, arg, cause);
	}

	t = task_alloc(spec, cbs, arg);
	t->shell = spec->shell_pid;
	snprintf(t->tag, sizeof t->tag, "%s", tag);
	t->pid = pid;
	t->out = fds[0];
	t->in = ins[1];
	if (t->in != -1)
		evutil_make_socket_nonblocking(t->in);
	t->grace_ms = spec->grace_ms ? spec->grace_ms : IPC_TASK_KILL_GRACE_MS;
	evutil_make_socket_nonblocking(t->out);
	t->out_ev = event_new(base, t->out, EV_READ | EV_PERSIST, task_out_cb,
	    t);
	event_add(t->out_ev, NULL);
	t->kill_ev = evtimer_new(base, task_kill_cb, t);
	t->timeout_ev = evtimer_new(base, task_timeout_cb, t);
	if (spec->timeout_ms > 0) {
		tv.tv_sec = spec->timeout_ms / 1000;
		tv.tv_usec = (spec->timeout_ms % 1000) * 1000;
		evtimer_add(t->timeout_ev, &tv);
	}
	return t;
}

bool
task_reap(struct task *t, pid_t pid, int status)
{
	if (t == NULL || pid != t->pid || pid == 0)
		return false;
	/*
	 * The leader is gone: collect what it wrote, then end the group so
	 * nothing it left in the background outlives the task.
	 */
	task_read(t);
	/*
	 * Its whole session and what escaped it if it was killed. Else its
	 * group (one kill()), and /proc is walked only if something else is
	 * our child now: what a task leaves behind, once its leader is gone,
	 * is reparented to us (a subreaper) before we hear of the leader.
	 */
	if (t->killed)
		task_signal(t, SIGKILL);
	else {
		kill(-t->pid, SIGKILL);
		if (proctree_other_children(&t->shell, t->shell > 0) != 0)
			task_signal(t, SIGKILL);
	}
	t->pid = 0;
	evtimer_del(t->timeout_ev);
	evtimer_del(t->kill_ev);

	task_end(t, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return true;
}

void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	if (t->pid > 0)
		task_signal(t, SIGKILL);
	if (t->out != -1)
		close(t->out);
	if (t->out_ev != NULL)
		event_free(t->out_ev);
	if (t->timeout_ev != NULL)
		event_free(t->timeout_ev);
	if (t->kill_ev != NULL)
		event_free(t->kill_ev);
	if (t->failed_ev != NULL)
		event_free(t->failed_ev);
	scrollback_free(&t->tail);
	free(t);
}

int
task_stdin(struct task *t)
{
	return t->in;
}

uint64_t
task_id(const struct task *t)
{
	return t->id;
}

pid_t
task_pgid(const struct task *t)
{
	return t->pid;
}

bool
task_running(const struct task *t)
{
	return t != NULL && t->pid > 0;
}
