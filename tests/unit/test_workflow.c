#include "tests/unit/unit.h"

#include "common/xmalloc.h"
#include "supervisor/workflow.h"

static const char agents[] =
    "agents:\n"
    "  - id: fe\n"
    "    capabilities: [react, webpack]\n"
    "  - id: be\n"
    "    capabilities: [nodejs, docker]\n";

static struct workflow *
load(const char *stages, char **cause)
{
	struct workflow	*wf;
	char		*text;

	xasprintf(&text, "%s%s", agents, stages);
	wf = workflow_load_string("w.yaml", text, NULL, WF_BASE_EXTEND, cause);
	free(text);
	return wf;
}

/* The stages text (after the 5 agent lines) must fail with exactly want. */
static void
refuse(const char *stages, const char *want)
{
	struct workflow	*wf;
	char		*cause = NULL;

	wf = load(stages, &cause);
	assert_null(wf);
	if (cause == NULL || strcmp(cause, want) != 0)
		fail_msg("got  \"%s\"\nwant \"%s\"", cause, want);
	free(cause);
}

static void
test_seed_example(void **state)
{
	struct workflow	*wf;
	struct wf_task	*t;
	char		*cause = NULL;

	(void)state;
	wf = workflow_load_file("examples/deploy-application.yaml", NULL,
	    WF_BASE_EXTEND, &cause);
	if (wf == NULL)
		fail_msg("%s", cause);
	assert_string_equal(wf->name, "deploy-application");
	assert_int_equal(wf->nstages, 3);
	assert_int_equal(wf->ntasks, 4);
	/* The seed's four agents, the deploy on its deployer. */
	assert_int_equal(wf->agents->nagents, 4);
	assert_non_null(workflow_task(wf, "deploy-1"));
	assert_string_equal(workflow_task(wf, "deploy-1")->agent, "deployer");
	assert_true(wf->stages[0].parallel);
	t = workflow_task(wf, "build-1");
	assert_non_null(t);
	assert_string_equal(t->agent, "frontend-builder");
	assert_true(t->timeout_s == 300);
	/* Stage order became task dependencies. */
	t = workflow_task(wf, "test-1");
	assert_true(strlist_has(&t->depends, "build-1"));
	assert_true(strlist_has(&t->depends, "build-2"));
	t = workflow_task(wf, "deploy-1");
	assert_true(t->requires_approval);
	assert_true(strlist_has(&t->depends, "test-1"));
	workflow_free(wf);
}

static void
test_fields(void **state)
{
	struct workflow	*wf;
	struct wf_task	*t;
	char		*cause = NULL;

	(void)state;
	/* (a prompt needs an agent whose runner takes prompts) */
	wf = workflow_load_string("w.yaml", "agents:\n"
	    "  - {id: fe, capabilities: [react]}\n"
	    "  - {id: asker, runner: {argv: [echo, '{prompt}']}}\n"
	    "stages:\n"
	    "  - name: s\n"
	    "    tasks:\n"
	    "      - id: a\n"
	    "        requires: [react]\n"
	    "        command: make a\n"
	    "        priority: high\n"
	    "        retry: {max: 2, backoff: 0.5}\n"
	    "        continueOnError: yes\n"
	    "      - id: b\n"
	    "        type: review\n"
	    "        payload: {prompt: check a}\n"
	    "        retryPolicy: {max: 1}\n"
	    "        dependsOn: [a]\n"
	    "        priority: -3\n", NULL, WF_BASE_EXTEND, &cause);
	if (wf == NULL)
		fail_msg("%s", cause);
	t = workflow_task(wf, "a");
	assert_int_equal(t->priority, 2);
	assert_int_equal(t->retry_max, 2);
	assert_true(t->retry_backoff_s == 0.5);
	assert_true(t->continue_on_error);
	t = workflow_task(wf, "b");
	assert_string_equal(t->prompt, "check a");
	assert_string_equal(t->type, "review");
	assert_int_equal(t->priority, -3);
	assert_int_equal(t->depends.n, 1);	/* not parallel: a, once */
	workflow_free(wf);
}

static void
test_errors(void **state)
{
	(void)state;
	refuse("", "w.yaml:1:1: stages: a workflow needs stages");
	refuse("stages: []\n", "w.yaml:6:9: stages: expected a non-empty list "
	    "of stages");
	refuse("stages:\n  - tasks: [{command: x}]\n",
	    "w.yaml:7:5: stages[0]: missing required key 'name'");
	refuse("stages:\n  - name: s\n", "w.yaml:7:5: stages[0]: missing "
	    "required key 'tasks'");
	refuse("stages:\n  - name: s\n    paralel: true\n    tasks: "
	    "[{command: x}]\n", "w.yaml:8:5: stages[0]: unknown key 'paralel' "
	    "(did you mean 'parallel'?)");
	refuse("stages:\n  - name: s\n    parallel: maybe\n    tasks: "
	    "[{command: x}]\n", "w.yaml:8:15: stages[0].parallel: 'maybe' is "
	    "not true or false");
	refuse("stages:\n  - name: s\n    tasks: [{comand: x}]\n",
	    "w.yaml:8:14: stages[0].tasks[0]: unknown key 'comand' (did you "
	    "mean 'command'?)");
	refuse("stages:\n  - name: s\n    tasks: [{type: x}]\n",
	    "w.yaml:8:13: stages[0].tasks[0]: a task needs a command or a "
	    "prompt");
	refuse("stages:\n  - name: s\n    tasks: [{command: x, timeout: 0}]\n",
	    "w.yaml:8:35: stages[0].tasks[0].timeout: a timeout must be more "
	    "than 0 seconds");
	refuse("stages:\n  - name: s\n    tasks: [{command: x, timeout: -5}]\n",
	    "w.yaml:8:35: stages[0].tasks[0].timeout: a timeout must be more "
	    "than 0 seconds");
	refuse("stages:\n  - name: s\n    tasks: [{command: x, timeout: soon}]\n",
	    "w.yaml:8:35: stages[0].tasks[0].timeout: 'soon' is not a number "
	    "from -604800 to 604800");
	refuse("stages:\n  - name: s\n    tasks: [{command: [x]}]\n",
	    "w.yaml:8:23: stages[0].tasks[0].command: expected a string, got a "
	    "list");
	refuse("stages:\n  - {name: s, tasks: [{command: x}]}\n"
	    "  - {name: s, tasks: [{command: y}]}\n",
	    "w.yaml:8:5: duplicate stage name 's'");
	refuse("stages:\n  - {name: s, tasks: [{id: t, command: x}, "
	    "{id: t, command: y}]}\n", "w.yaml:7:44: duplicate task id 't'");
	refuse("stages:\n  - {name: s, dependsOn: nope, tasks: [{command: x}]}\n",
	    "w.yaml:7:5: stage 's': dependsOn names no stage 'nope'");
	refuse("stages:\n  - {name: s, tasks: [{command: x, dependsOn: zz}]}\n",
	    "w.yaml:7:23: task 's-1': dependsOn names no task 'zz'");
	refuse("stages:\n  - {name: a, dependsOn: c, tasks: [{command: x}]}\n"
	    "  - {name: b, dependsOn: a, tasks: [{command: x}]}\n"
	    "  - {name: c, dependsOn: b, tasks: [{command: x}]}\n",
	    "w.yaml:7:5: dependency cycle between stages: a -> c -> b -> a");
	refuse("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: p, command: x, dependsOn: q}\n"
	    "      - {id: q, command: x, dependsOn: p}\n",
	    "w.yaml:10:9: dependency cycle between tasks: p -> q -> p");
	refuse("stages:\n  - {name: s, tasks: [{agent: ghost, command: x}]}\n",
	    "w.yaml:7:23: task 's-1': no agent 'ghost' (agents: fe, be)");
	/* Semantic mistakes of different kinds: every one, in one run. */
	refuse("stages:\n  - name: build\n    tasks: [{id: a, command: x}]\n"
	    "  - name: t\n    dependsOn: biuld\n    tasks:\n"
	    "      - {id: b, command: x, agent: f, dependsOn: [nope]}\n"
	    "      - {id: b, command: y}\n",
	    "w.yaml:9:5: stage 't': dependsOn names no stage 'biuld' (did you "
	    "mean 'build'?)\n"
	    "w.yaml:13:9: duplicate task id 'b'\n"
	    "w.yaml:12:9: task 'b': dependsOn names no task 'nope'\n"
	    "w.yaml:12:9: task 'b': no agent 'f' (did you mean 'fe'?)");
	/* Templates name what exists, among the task's dependencies. */
	refuse("stages:\n  - name: s\n    parallel: true\n    tasks:\n"
	    "      - {id: p, command: x}\n"
	    "      - {id: q, command: 'echo {{ tasks.p.output }}'}\n"
	    "      - {id: r, command: 'echo {{tasks.pp.output}} {{ bogus }}'}\n"
	    "  - name: u\n    dependsOn: s\n    tasks:\n"
	    "      - {id: v, command: '{{ stages.zzz.output }}{{ stages.s.output }}'}\n"
	    "      - {id: w, command: '{{ stages.u.output }}'}\n",
	    "w.yaml:11:9: task 'q': {{ tasks.p.output }}: 'p' is not among its "
	    "dependencies (add it to dependsOn, or put it in an earlier stage)\n"
	    "w.yaml:12:9: task 'r': {{ tasks.pp.output }} names no task 'pp' "
	    "(did you mean 'p'?)\n"
	    "w.yaml:12:9: task 'r': unknown template {{ bogus }} (there are "
	    "{{ tasks.ID.output }} and {{ stages.NAME.output }})\n"
	    "w.yaml:16:9: task 'v': {{ stages.zzz.output }} names no stage "
	    "'zzz'\n"
	    "w.yaml:17:9: task 'w': {{ stages.u.output }}: stage 'u' is not "
	    "among its dependencies (its stage must depend on it)");
	/* Mistakes in the agents and in the stages: all told at once. */
	{
		char	*cause = NULL;

		assert_null(workflow_load_string("x.yaml", "agents:\n"
		    "  - {id: a, capabilites: [x]}\nstages:\n  - name: s\n"
		    "    paralel: true\n    tasks: [{comand: x}]\n", NULL,
		    WF_BASE_EXTEND, &cause));
		assert_string_equal(cause, "x.yaml:2:13: agents[0]: unknown key "
		    "'capabilites' (did you mean 'capabilities'?)\n"
		    "x.yaml:5:5: stages[0]: unknown key 'paralel' (did you mean "
		    "'parallel'?)\n"
		    "x.yaml:6:14: stages[0].tasks[0]: unknown key 'comand' (did "
		    "you mean 'command'?)");
		free(cause);
	}
	refuse("stages:\n  - {name: s, tasks: [{agent: Fe, command: x}]}\n",
	    "w.yaml:7:23: task 's-1': no agent 'Fe' (did you mean 'fe'?)");
	refuse("stages:\n  - {name: build, tasks: [{id: compile, command: x}]}"
	    "\n  - {name: t, dependsOn: biuld, tasks: [{command: x, dependsOn: "
	    "[compiel]}]}\n", "w.yaml:8:5: stage 't': dependsOn names no stage "
	    "'biuld' (did you mean 'build'?)\n"
	    "w.yaml:8:41: task 't-1': dependsOn names no task 'compiel' (did "
	    "you mean 'compile'?)");
	refuse("stages:\n  - {name: build, tasks: [{id: compile, command: x}]}"
	    "\n  - {name: t, tasks: [{command: x, dependsOn: [compiel]}]}\n",
	    "w.yaml:8:23: task 't-1': dependsOn names no task 'compiel' (did "
	    "you mean 'compile'?)");
	refuse("stages:\n  - {name: s, tasks: [{requires: [rust], command: x}]}\n",
	    "w.yaml:7:23: task 's-1': no agent has every capability of [rust]");
	refuse("stages:\n  - {name: s, tasks: [{requires: [react, docker], "
	    "command: x}]}\n", "w.yaml:7:23: task 's-1': no agent has every "
	    "capability of [react,docker]");
	refuse("stages:\n  - {name: s, tasks: [{agent: be, requires: [react], "
	    "command: x}]}\n", "w.yaml:7:23: task 's-1': agent 'be' lacks a "
	    "required capability");
	refuse("stages:\n  - {name: s, tasks: [{id: 'a b', command: x}]}\n",
	    "w.yaml:7:28: stages[0].tasks[0].id: 'a b' is not a valid task id "
	    "(1-63 of A-Z a-z 0-9 _ . -)");
	refuse("stages:\n  - {name: s, tasks: [{command: x, retry: {max: 500}}]}\n",
	    "w.yaml:7:49: stages[0].tasks[0].retry.max: '500' is not a whole "
	    "number from 0 to 100");
	refuse("stgaes: []\n", "w.yaml:6:1: unknown key 'stgaes' (did you mean "
	    "'stages'?)");
}

static void
test_agents_merge(void **state)
{
	struct config	*base;
	struct workflow	*wf;
	char		*cause = NULL;

	(void)state;
	base = config_load_default(&cause);
	/* No agents of its own: the fallback serves. */
	wf = workflow_load_string("w.yaml", "stages:\n  - {name: s, tasks: "
	    "[{agent: worker-2, command: x}]}\n", base, WF_BASE_FALLBACK,
	    &cause);
	if (wf == NULL)
		fail_msg("%s", cause);
	assert_int_equal(wf->agents->nagents, 3);
	workflow_free(wf);
	/* Its own agents: the fallback steps aside. */
	wf = load("stages:\n  - {name: s, tasks: [{command: x}]}\n", &cause);
	assert_int_equal(wf->agents->nagents, 2);
	workflow_free(wf);
	/* A configuration given with -c adds up; a clash is an error. */
	assert_null(workflow_load_string("w.yaml", "agents: [{id: worker-1}]\n"
	    "stages:\n  - {name: s, tasks: [{command: x}]}\n", base,
	    WF_BASE_EXTEND, &cause));
	assert_non_null(strstr(cause, "agent 'worker-1' is also in the "
	    "configuration"));
	free(cause);
	cause = NULL;
	/*
	 * On a running supervisor the running worker-1 serves; the new one
	 * is added, and tasks are checked against both.
	 */
	wf = workflow_load_string("w.yaml", "agents: [{id: worker-1, "
	    "capabilities: [gpu]}, {id: extra, capabilities: [gpu]}]\n"
	    "stages:\n  - {name: s, tasks: [{requires: [gpu], command: x}, "
	    "{agent: worker-3, command: y}]}\n", base, WF_BASE_RUNNING, &cause);
	if (wf == NULL)
		fail_msg("%s", cause);
	assert_int_equal(wf->agents->nagents, 4);
	assert_false(strlist_has(&wf->agents->agents[0].caps, "gpu"));
	assert_string_equal(wf->agents->agents[3].id, "extra");
	workflow_free(wf);
	/* ... but a task naming an agent that runs nowhere is still refused. */
	assert_null(workflow_load_string("w.yaml", "stages:\n  - {name: s, "
	    "tasks: [{agent: nobody, command: x}]}\n", base, WF_BASE_RUNNING,
	    &cause));
	assert_non_null(strstr(cause, "nobody"));
	free(cause);
	config_free(base);
}

/* A stage name an id could not hold still gives valid default ids. */
static void
test_default_ids(void **state)
{
	struct workflow	*wf;
	char		*cause = NULL;

	(void)state;
	wf = load("stages:\n  - name: \"build: all!\"\n    tasks: [{command: x}, "
	    "{command: y}]\n", &cause);
	if (wf == NULL)
		fail_msg("%s", cause);
	assert_string_equal(wf->tasks[0].id, "build__all_-1");
	assert_string_equal(wf->tasks[1].id, "build__all_-2");
	assert_true(workflow_id_valid(wf->tasks[1].id));
	workflow_free(wf);
}

static void
test_single(void **state)
{
	struct wf_task	 t;
	struct workflow	*wf;

	(void)state;
	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "make");
	t.command = xstrdup("make test");
	strlist_add(&t.requires, "build");
	wf = workflow_single(&t);
	assert_null(t.command);
	assert_int_equal(t.requires.n, 0);
	assert_int_equal(wf->nstages, 1);
	assert_int_equal(wf->ntasks, 1);
	assert_string_equal(wf->stages[0].name, "submit");
	assert_string_equal(wf->tasks[0].command, "make test");
	assert_string_equal(wf->tasks[0].requires.v[0], "build");
	assert_ptr_equal(workflow_task(wf, "make"), &wf->tasks[0]);
	workflow_free(wf);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_seed_example),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_agents_merge),
		cmocka_unit_test(test_default_ids),
		cmocka_unit_test(test_single),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
