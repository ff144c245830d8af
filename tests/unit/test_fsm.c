/*
 * The two life cycles: every (state, event) pair, those allowed with the
 * state they lead to, and every other refused.
 */
#include "tests/unit/unit.h"

#include "supervisor/fsm.h"

struct step {
	int	from, ev, to;
};

#define I	STATUS_INITIALIZING
#define D	STATUS_IDLE
#define W	STATUS_WORKING
#define P	STATUS_WAITING
#define E	STATUS_ERROR
#define T	STATUS_TERMINATED
static const struct step agent_steps[] = {
	/* Started: from nothing, again after an exit, or afresh. */
	{ I, AE_START, I }, { E, AE_START, I }, { T, AE_START, I },
	{ I, AE_READY, D },
	{ D, AE_TASK, W },
	/* A person is asked: before its task runs, or while it runs. */
	{ D, AE_HOLD, P }, { W, AE_HOLD, P },
	{ P, AE_RESUME, W },
	{ W, AE_DONE, D }, { P, AE_DONE, D },
	/* The actor exits from any live status. */
	{ I, AE_RESTART, I }, { D, AE_RESTART, I }, { W, AE_RESTART, I },
	{ P, AE_RESTART, I },
	{ I, AE_EXIT, T }, { D, AE_EXIT, T }, { W, AE_EXIT, T },
	{ P, AE_EXIT, T },
	{ I, AE_FAIL, E }, { D, AE_FAIL, E }, { W, AE_FAIL, E },
	{ P, AE_FAIL, E },
	/* Stopped with no actor: waiting to restart, or already gone. */
	{ I, AE_STOP, T }, { T, AE_STOP, T },
};

#define PE	ST_PENDING
#define WA	ST_WAITING
#define RU	ST_RUNNING
#define RE	ST_RETRY
#define OK	ST_OK
#define FA	ST_FAILED
#define SK	ST_SKIPPED
#define CA	ST_CANCELLED
static const struct step task_steps[] = {
	{ PE, TE_HOLD, WA }, { PE, TE_START, RU }, { PE, TE_FAIL, FA },
	{ PE, TE_DENY, FA }, { PE, TE_SKIP, SK }, { PE, TE_CANCEL, CA },
	{ WA, TE_APPROVE, RU }, { WA, TE_FAIL, FA }, { WA, TE_DENY, FA },
	{ WA, TE_SKIP, SK }, { WA, TE_CANCEL, CA }, { WA, TE_AGAIN, PE },
	{ WA, TE_OK, OK }, { WA, TE_RETRY, RE }, { RU, TE_HOLD, WA },
	{ RU, TE_OK, OK }, { RU, TE_FAIL, FA }, { RU, TE_RETRY, RE },
	{ RU, TE_CANCEL, CA },
	{ RE, TE_AGAIN, PE }, { RE, TE_SKIP, SK }, { RE, TE_CANCEL, CA },
};

static int
expected(const struct step *steps, size_t n, int from, int ev)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (steps[i].from == from && steps[i].ev == ev)
			return steps[i].to;
	return -1;
}

static void
test_agent(void **state)
{
	int	st, ev, want, got;

	(void)state;
	for (st = 0; st < STATUS_COUNT; st++)
		for (ev = 0; ev < AE_COUNT; ev++) {
			want = expected(agent_steps, sizeof agent_steps /
			    sizeof agent_steps[0], st, ev);
			got = fsm_agent_next(st, ev);
			if (got != want)
				fail_msg("agent %s + %s: %d, not %d",
				    fsm_agent_status_name(st),
				    fsm_agent_event_name(ev), got, want);
		}
	assert_int_equal(fsm_agent_next(STATUS_COUNT, AE_START), -1);
	assert_int_equal(fsm_agent_next(STATUS_IDLE, AE_COUNT), -1);
	assert_string_equal(fsm_agent_status_name(STATUS_WAITING), "waiting");
	assert_string_equal(fsm_agent_status_event(STATUS_IDLE),
	    "agent.ready");
	assert_string_equal(fsm_agent_status_name(STATUS_COUNT), "?");
}

static void
test_task(void **state)
{
	int	st, ev, want, got;

	(void)state;
	for (st = 0; st < ST_COUNT; st++)
		for (ev = 0; ev < TE_COUNT; ev++) {
			want = expected(task_steps, sizeof task_steps /
			    sizeof task_steps[0], st, ev);
			got = fsm_task_next(st, ev);
			if (got != want)
				fail_msg("task %s + %s: %d, not %d",
				    fsm_task_state_name(st),
				    fsm_task_event_name(ev), got, want);
		}
	/* Over is over: nothing moves a finished task. */
	for (st = ST_OK; st < ST_COUNT; st++) {
		assert_true(fsm_task_over(st));
		for (ev = 0; ev < TE_COUNT; ev++)
			assert_int_equal(fsm_task_next(st, ev), -1);
	}
	assert_false(fsm_task_over(ST_RETRY));
	assert_string_equal(fsm_task_event_bus(TE_OK), "task.completed");
	assert_string_equal(fsm_task_event_bus(TE_DENY), "task.denied");
	assert_string_equal(fsm_task_state_name(ST_RETRY), "retrying");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_task),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
