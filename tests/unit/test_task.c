#include "tests/unit/unit.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/task.h"
#include "ipc/proto.h"

struct run {
	struct event_base	*base;
	struct task		*task;
	bool			 done;
	struct task_result	 r;
	char			 tail[IPC_TASK_TAIL_MAX + 1];
	size_t			 seen;
};

static void
output_cb(struct task *t, const char *data, size_t len, void *arg)
{
	struct run	*run = arg;

	(void)t;
	(void)data;
	run->seen += len;
}

static void
done_cb(struct task *t, const struct task_result *r, void *arg)
{
	struct run	*run = arg;

	(void)t;
	run->done = true;
	run->r = *r;
	memcpy(run->tail, r->tail, r->tail_len);
	run->tail[r->tail_len] = '\0';
	event_base_loopbreak(run->base);
}

static void
chld_cb(evutil_socket_t sig, short events, void *arg)
{
	struct run	*run = arg;
	int		 status;
	pid_t		 pid;

	(void)sig;
	(void)events;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		task_reap(run->task, pid, status);
}

static void
deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	event_base_loopbreak(arg);
}

/* Run argv to completion (or a 20 s deadline, which fails the test). */
static void
run_task(struct run *run, char **argv, unsigned timeout_ms, unsigned grace)
{
	static const struct task_cbs	 cbs = { output_cb, done_cb };
	struct task_spec		 spec;
	struct event			*chld, *deadline;
	struct timeval			 tv = { 20, 0 };
	char				*cause = NULL;

	memset(run, 0, sizeof *run);
	run->base = event_base_new();
	chld = evsignal_new(run->base, SIGCHLD, chld_cb, run);
	evsignal_add(chld, NULL);
	deadline = evtimer_new(run->base, deadline_cb, run->base);
	evtimer_add(deadline, &tv);
	memset(&spec, 0, sizeof spec);
	spec.id = 7;
	spec.argv = argv;
	spec.timeout_ms = timeout_ms;
	spec.grace_ms = grace;
	run->task = task_start(run->base, &spec, &cbs, run, &cause);
	if (run->task == NULL)
		fail_msg("task_start: %s", cause);
	event_base_dispatch(run->base);
	assert_true(run->done);
	task_free(run->task);
	event_free(chld);
	event_free(deadline);
	event_base_free(run->base);
}

static void
test_exit_and_output(void **state)
{
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"echo out; echo err >&2; exit 3", NULL };
	struct run	 run;

	(void)state;
	run_task(&run, argv, 0, 0);
	assert_int_equal(run.r.exit_code, 3);
	assert_int_equal(run.r.signal, 0);
	assert_false(run.r.timed_out);
	assert_string_equal(run.tail, "out\nerr\n");
	assert_int_equal(run.seen, 8);
}

static void
test_tail_bounded(void **state)
{
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"i=0; while [ $i -lt 2000 ]; do "
			    "echo line$i; i=$((i+1)); done", NULL };
	struct run	 run;

	(void)state;
	run_task(&run, argv, 0, 0);
	assert_int_equal(run.r.exit_code, 0);
	assert_int_equal(run.r.tail_len, IPC_TASK_TAIL_MAX);
	assert_non_null(strstr(run.tail, "line1999\n"));
	assert_true(run.seen > IPC_TASK_TAIL_MAX);
}

static void
test_timeout_kills_group(void **state)
{
	/* The shell and its child both ignore nothing: TERM ends them. */
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"sleep 30 & sleep 30; wait", NULL };
	struct run	 run;

	(void)state;
	run_task(&run, argv, 200, 500);
	assert_true(run.r.timed_out);
	assert_int_equal(run.r.signal, SIGTERM);
	assert_true(run.r.duration_ns < 5000000000ull);
}

static void
test_timeout_escalates(void **state)
{
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"trap '' TERM; while :; do sleep 0.05; done",
			    NULL };
	struct run	 run;

	(void)state;
	run_task(&run, argv, 100, 200);
	assert_true(run.r.timed_out);
	assert_int_equal(run.r.signal, SIGKILL);
}

/* A task is a session of its own: its leader leads it, no terminal. */
static void
test_own_session(void **state)
{
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"set -- $(cat /proc/$$/stat); "
			    "echo \"$$ $6 $7\"", NULL };
	struct run	 run;
	long		 pid, sid, tty;

	(void)state;
	run_task(&run, argv, 0, 0);
	assert_int_equal(run.r.exit_code, 0);
	assert_int_equal(sscanf(run.tail, "%ld %ld %ld", &pid, &sid, &tty), 3);
	assert_int_equal(sid, pid);
	assert_int_equal(tty, 0);
}

static bool
gone(pid_t pid)
{
	char	path[64], buf[256], *p;
	FILE	*f;
	bool	 zombie = false;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	if (fgets(buf, sizeof buf, f) != NULL && (p = strrchr(buf, ')')) != NULL)
		zombie = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return zombie;
}

/*
 * A timeout reaches what the task moved to a process group of its own
 * (it is still in the task's session); so does the end of the task.
 */
static void
test_timeout_kills_other_groups(void **state)
{
	char		*argv[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"perl -e 'setpgrp(0, 0); "
			    "print \"$$\\n\"; exec(\"sleep\", 31)' & "
			    "sleep 30", NULL };
	struct run	 run;
	long		 job;
	int		 i;

	(void)state;
	run_task(&run, argv, 300, 200);
	assert_true(run.r.timed_out);
	assert_int_equal(sscanf(run.tail, "%ld", &job), 1);
	assert_true(job > 1);
	/* SIGKILL was sent before the result: it lands within moments. */
	for (i = 0; i < 2000 && !gone((pid_t)job); i++)
		usleep(1000);
	assert_true(gone((pid_t)job));
}

/* As in a shell: a command that cannot run is a task that exits 127/126. */
static void
test_exec_failure(void **state)
{
	char			*missing[] = { (char *)"/nonexistent/tool", NULL };
	char			*notexec[] = { (char *)"/etc/passwd", NULL };
	char			*nopath[] = { (char *)"orch-no-such-tool", NULL };
	struct task_spec	 spec;
	struct event_base	*base = event_base_new();
	struct run		 run;
	char			*cause = NULL;

	(void)state;
	run_task(&run, missing, 0, 0);
	assert_int_equal(run.r.exit_code, 127);
	assert_string_equal(run.tail, "orch: /nonexistent/tool: No such file "
	    "or directory\n");
	assert_int_equal(run.seen, strlen(run.tail));
	run_task(&run, nopath, 0, 0);
	assert_int_equal(run.r.exit_code, 127);
	run_task(&run, notexec, 0, 0);
	assert_int_equal(run.r.exit_code, 126);
	assert_non_null(strstr(run.tail, "Permission denied"));
	/* Nothing to run at all is the caller's mistake. */
	memset(&spec, 0, sizeof spec);
	assert_null(task_start(base, &spec, NULL, NULL, &cause));
	free(cause);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_exit_and_output),
		cmocka_unit_test(test_tail_bounded),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_timeout_escalates),
		cmocka_unit_test(test_own_session),
		cmocka_unit_test(test_timeout_kills_other_groups),
		cmocka_unit_test(test_exec_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
