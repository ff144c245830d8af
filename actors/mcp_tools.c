#include "actors/mcp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/termtext.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/body_json.h"
#include "ipc/proto.h"

#define MCP_LOG_LINES_DEFAULT	100

typedef int	(*mcp_args_fn)(const json_t *, struct mcp_req *, char *,
		    size_t);
typedef json_t	*(*mcp_result_fn)(const json_t *, const json_t *, char *,
		    size_t);

struct mcp_tool {
	const char	*name;
	const char	*description;
	const char	*input;		/* JSON Schema of the arguments */
	const char	*output;	/* JSON Schema of structuredContent */
	bool		 ro, destructive, idempotent;
	const char	*op;
	enum mcp_route	 route;
	mcp_args_fn	 args;		/* NULL: no arguments to pack */
	mcp_result_fn	 result;	/* NULL: the answer as it is */
};

/* Results ----------------------------------------------------------------- */

/* {key: answer[key]}, or {key: answer}. */
static json_t *
mcp_wrap(const char *key, const json_t *answer, const char *from)
{
	json_t	*v = from != NULL ? json_object_get(answer, from) :
		    (json_t *)answer;

	return json_pack("{s:O}", key, v != NULL ? v : json_null());
}

static json_t *
mcp_agents_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	(void)args;
	(void)why;
	(void)size;
	return mcp_wrap("agents", answer, "agents");
}

static json_t *
mcp_agent_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	(void)args;
	(void)why;
	(void)size;
	return mcp_wrap("agent", answer, NULL);
}

/* What was done, to whom: terminate, restart, deploy, approve, ... */
static json_t *
mcp_done_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	json_t	*j = json_object(), *v;

	(void)answer;
	(void)why;
	(void)size;
	json_object_set_new(j, "done", json_true());
	if ((v = json_object_get(args, "agent")) != NULL ||
	    (v = json_object_get(args, "id")) != NULL)
		json_object_set(j, "agent", v);
	if ((v = json_object_get(args, "task")) != NULL)
		json_object_set(j, "task", v);
	return j;
}

static json_t *
mcp_submit_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	const json_t	*tasks = json_object_get(answer, "tasks");
	const json_t	*row = json_array_get(tasks, 0);

	(void)args;
	(void)why;
	(void)size;
	if (row != NULL)
		return json_pack("{s:O, s:O}", "task", json_object_get(row,
		    "task") != NULL ? json_object_get(row, "task") :
		    json_null(), "result", row);
	return json_pack("{s:O, s:n}", "task", json_object_get(answer,
	    "task") != NULL ? json_object_get(answer, "task") : json_null(),
	    "result");
}

/* The rows of `tasks` whose name is want (exact) or starts with "run:". */
static json_t *
mcp_tasks_pick(const json_t *answer, const char *want, const char *run)
{
	const json_t	*rows = json_object_get(answer, "tasks"), *row;
	json_t		*out = json_array();
	const char	*name;
	size_t		 i, rl = run != NULL ? strlen(run) : 0;

	json_array_foreach(rows, i, row) {
		name = json_string_value(json_object_get(row, "task"));
		if (name == NULL)
			continue;
		if ((want != NULL && strcmp(name, want) == 0) || (want ==
		    NULL && (run == NULL || (strncmp(name, run, rl) == 0 &&
		    name[rl] == ':'))))
			json_array_append(out, (json_t *)row);
	}
	return out;
}

static json_t *
mcp_tasks_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	const json_t	*run = json_object_get(args, "run");
	char		 buf[32];
	const char	*r = NULL;

	(void)why;
	(void)size;
	if (json_is_string(run))
		r = json_string_value(run);
	else if (json_is_integer(run)) {
		snprintf(buf, sizeof buf, "%lld",
		    (long long)json_integer_value(run));
		r = buf;
	}
	return json_pack("{s:o}", "tasks", mcp_tasks_pick(answer, NULL, r));
}

static json_t *
mcp_status_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	const char	*task = json_string_value(json_object_get(args, "task"));
	json_t		*rows = mcp_tasks_pick(answer, task != NULL ? task : "",
			    NULL), *j;

	if (json_array_size(rows) == 0) {
		snprintf(why, size, "no task '%s'", task != NULL ? task : "");
		json_decref(rows);
		return NULL;
	}
	j = json_pack("{s:O}", "task", json_array_get(rows, 0));
	json_decref(rows);
	return j;
}

/* What a screen shows, as text: a model reads no escape sequences. */
static json_t *
mcp_plain(const char *data)
{
	size_t	 len = data != NULL ? strlen(data) : 0;
	char	*buf = xmalloc(len + 1);
	json_t	*j;

	termtext_plain(data != NULL ? data : "", len, buf);
	/* Escapes cut bytes out, never in: valid UTF-8 stays valid. */
	if ((j = json_string(buf)) == NULL)
		j = json_string("");
	free(buf);
	return j;
}

static json_t *
mcp_typed_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	(void)why;
	(void)size;
	return json_pack("{s:O, s:I, s:o}", "agent", json_object_get(args,
	    "agent"), "lines", json_integer_value(json_object_get(answer,
	    "lines")), "output", mcp_plain(json_string_value(json_object_get(
	    answer, "output"))));
}

/* The last want lines of data: a trailing newline ends, not starts, one. */
static const char *
mcp_last_lines(const char *data, size_t want)
{
	const char	*p = data + strlen(data);
	size_t		 n = 0;

	if (p > data && p[-1] == '\n')
		p--;
	while (p > data) {
		if (p[-1] == '\n' && ++n == want)
			break;
		p--;
	}
	return p;
}

static size_t
mcp_lines_arg(const json_t *args, const char *key, size_t def)
{
	const json_t	*v = json_object_get(args, key);

	return v != NULL ? (size_t)json_integer_value(v) : def;
}

static json_t *
mcp_screen_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	const char	*data = json_string_value(json_object_get(answer,
			    "data"));

	(void)why;
	(void)size;
	return json_pack("{s:O, s:o}", "agent", json_object_get(args, "agent"),
	    "output", mcp_plain(mcp_last_lines(data != NULL ? data : "",
	    mcp_lines_arg(args, "linesOfOutput", MCP_LINES_DEFAULT))));
}

static json_t *
mcp_logs_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	const char	*log = json_string_value(json_object_get(answer, "log"));
	const char	*tail;
	size_t		 n = 0;

	(void)why;
	(void)size;
	tail = mcp_last_lines(log != NULL ? log : "", mcp_lines_arg(args,
	    "tail", MCP_LOG_LINES_DEFAULT));
	for (const char *p = tail; *p != '\0'; p++)
		n += *p == '\n';
	return json_pack("{s:O, s:O, s:O, s:s, s:I, s:O, s:O}", "task",
	    json_object_get(answer, "task"), "attempt", json_object_get(answer,
	    "attempt"), "attempts", json_object_get(answer, "attempts"), "log",
	    tail, "lines", (json_int_t)n, "bytes", json_object_get(answer,
	    "total"), "running", json_object_get(answer, "running"));
}

/* valid, or every error: its place (line:column), JSON path and why. */
static json_t *
mcp_check_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	const char	*errors = json_string_value(json_object_get(answer,
			    "errors"));
	json_t		*list = json_array(), *j;
	char		*copy, *line, *save = NULL, *rest, *path;
	unsigned	 ln, col;
	int		 used;

	(void)args;
	(void)why;
	(void)size;
	if (errors == NULL) {
		j = json_deep_copy(answer);
		json_object_set_new(j, "errors", list);
		return j;
	}
	copy = strdup(errors);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		j = json_object();
		/* "FILE:LINE:COL: PATH: WHY", the place and path as known. */
		rest = strchr(line, ':');
		if (rest != NULL && sscanf(rest, ":%u:%u: %n", &ln, &col,
		    &used) == 2) {
			json_object_set_new(j, "line", json_integer(ln));
			json_object_set_new(j, "column", json_integer(col));
			rest += used;
		} else
			rest = line;
		path = rest;
		if ((rest = strstr(path, ": ")) != NULL && strcspn(path, " '") >
		    (size_t)(rest - path)) {
			*rest = '\0';
			json_object_set_new(j, "path", json_string(path));
			rest += 2;
		} else
			rest = path;
		json_object_set_new(j, "message", json_string(rest));
		json_array_append_new(list, j);
	}
	free(copy);
	return json_pack("{s:b, s:o}", "valid", 0, "errors", list);
}

/* Counts by status beside the rows: what a glance at orch takes in. */
static json_t *
mcp_count(const json_t *rows)
{
	json_t		*counts = json_object(), *row;
	const char	*st;
	size_t		 i;

	json_array_foreach(rows, i, row) {
		st = json_string_value(json_object_get(row, "status"));
		if (st == NULL)
			continue;
		json_object_set_new(counts, st, json_integer(
		    json_integer_value(json_object_get(counts, st)) + 1));
	}
	return counts;
}

/* The snapshot as orch-ctl status --json gives it, and counts by status. */
static json_t *
mcp_dashboard_result(const json_t *answer, const json_t *args, char *why,
    size_t size)
{
	json_t	*out = json_deep_copy(answer);

	(void)args;
	(void)why;
	(void)size;
	if (out == NULL || !json_is_object(out))
		return out;
	json_object_set_new(out, "counts", json_pack("{s:o, s:o}", "agents",
	    mcp_count(json_object_get(answer, "agents")), "tasks",
	    mcp_count(json_object_get(answer, "tasks"))));
	return out;
}

/* The table --------------------------------------------------------------- */

#define AGENT_ARG	"{\"type\":\"object\",\"properties\":{\"agent\":" \
			"{\"type\":\"string\",\"description\":\"the agent's " \
			"id\"}},\"required\":[\"agent\"]}"
#define TASK_ARG	"{\"type\":\"object\",\"properties\":{\"task\":" \
			"{\"type\":\"string\",\"description\":\"the task's " \
			"name, as list_tasks shows it\"}},\"required\":" \
			"[\"task\"]}"
#define NO_ARGS		"{\"type\":\"object\",\"properties\":{}}"
#define DONE_OUT	"{\"type\":\"object\",\"properties\":{\"done\":" \
			"{\"type\":\"boolean\"}},\"required\":[\"done\"]}"

#define WORKFLOW_ARGS	"{\"type\":\"object\",\"properties\":{\"yaml\":" \
			"{\"type\":\"string\",\"description\":\"a " \
			"workflow file's text\"},\"workflow\":{\"type\":" \
			"\"object\",\"description\":\"the same model as " \
			"JSON\"},\"wait\":{\"type\":\"boolean\"}}}"
#define CHECK_OUT	"{\"type\":\"object\",\"properties\":{\"valid\":" \
			"{\"type\":\"boolean\"},\"errors\":{\"type\":" \
			"\"array\",\"items\":{\"type\":\"object\"}}}," \
			"\"required\":[\"valid\",\"errors\"]}"

static const struct mcp_tool mcp_tools[] = {
	{ "list_agents",
	  "Every agent orch runs: id, type, status, pid, restarts, current "
	  "task, capabilities.",
	  NO_ARGS,
	  "{\"type\":\"object\",\"properties\":{\"agents\":{\"type\":"
	  "\"array\",\"items\":{\"type\":\"object\"}}},\"required\":"
	  "[\"agents\"]}",
	  true, false, true, IPC_OP_STATUS, MCP_SUPERVISOR, NULL,
	  mcp_agents_result },
	{ "inspect_agent",
	  "One agent in detail: status, restart policy, last exit, its "
	  "recent tasks.",
	  AGENT_ARG,
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"object\"}},\"required\":[\"agent\"]}",
	  true, false, true, IPC_OP_AGENT_INSPECT, MCP_SUPERVISOR,
	  mcp_args_agent_id, mcp_agent_result },
	{ "deploy_agent",
	  "Start a new agent, given as an orch.yaml agent entry (id, type, "
	  "capabilities, runner, tier, permissions, session, ...); returns "
	  "once it is ready.",
	  "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
	  "\"type\":{\"type\":\"string\",\"enum\":[\"primary\",\"worker\","
	  "\"specialist\"]},\"capabilities\":{\"type\":\"array\",\"items\":"
	  "{\"type\":\"string\"}},\"tier\":{\"type\":\"integer\","
	  "\"minimum\":1,\"maximum\":3}},\"required\":[\"id\"]}",
	  DONE_OUT, false, false, false, IPC_OP_AGENT_DEPLOY, MCP_SUPERVISOR,
	  mcp_args_deploy, mcp_done_result },
	{ "terminate_agent",
	  "Stop an agent and its session (it stays listed, terminated).",
	  AGENT_ARG, DONE_OUT, false, true, true, IPC_OP_AGENT_TERMINATE,
	  MCP_SUPERVISOR, mcp_args_agent_id, mcp_done_result },
	{ "restart_agent",
	  "Stop an agent and start it again with a fresh session.",
	  AGENT_ARG, DONE_OUT, false, true, false, IPC_OP_AGENT_RESTART,
	  MCP_SUPERVISOR, mcp_args_agent_id, mcp_done_result },
	{ "submit_task",
	  "Queue a shell command as a task, on an agent or on any agent with "
	  "the capabilities required; with wait, return its result (status, "
	  "exit, output, duration) once it ends.",
	  "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":"
	  "\"string\"},\"agent\":{\"type\":\"string\"},\"id\":{\"type\":"
	  "\"string\"},\"requires\":{\"type\":\"array\",\"items\":{\"type\":"
	  "\"string\"}},\"priority\":{\"type\":\"integer\"},\"timeout\":"
	  "{\"type\":\"number\",\"description\":\"seconds\"},\"retry\":"
	  "{\"type\":\"integer\",\"minimum\":0},\"requiresApproval\":"
	  "{\"type\":\"boolean\"},\"wait\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"command\"]}",
	  "{\"type\":\"object\",\"properties\":{\"task\":{\"type\":"
	  "[\"string\",\"null\"]},\"result\":{\"type\":[\"object\","
	  "\"null\"]}},\"required\":[\"task\",\"result\"]}",
	  false, false, false, IPC_OP_TASK_SUBMIT, MCP_SUPERVISOR,
	  mcp_args_submit, mcp_submit_result },
	{ "task_status",
	  "One task's state: status, agent, attempt, exit, reason, output "
	  "tail.",
	  TASK_ARG,
	  "{\"type\":\"object\",\"properties\":{\"task\":{\"type\":"
	  "\"object\"}},\"required\":[\"task\"]}",
	  true, false, true, IPC_OP_TASKS, MCP_SUPERVISOR, NULL,
	  mcp_status_result },
	{ "list_tasks",
	  "Every task queued, running or done (of one run, with run).",
	  "{\"type\":\"object\",\"properties\":{\"run\":{\"type\":"
	  "[\"string\",\"integer\"]}}}",
	  "{\"type\":\"object\",\"properties\":{\"tasks\":{\"type\":"
	  "\"array\",\"items\":{\"type\":\"object\"}}},\"required\":"
	  "[\"tasks\"]}",
	  true, false, true, IPC_OP_TASKS, MCP_SUPERVISOR, NULL,
	  mcp_tasks_result },
	{ "task_logs",
	  "A task's full output as kept in its log (its last attempt, or the "
	  "one asked for): the last tail lines, and how long it all is.",
	  "{\"type\":\"object\",\"properties\":{\"task\":{\"type\":"
	  "\"string\"},\"tail\":{\"type\":\"integer\",\"minimum\":1,"
	  "\"maximum\":10000,\"default\":100},\"attempt\":{\"type\":"
	  "\"integer\",\"minimum\":1}},\"required\":[\"task\"]}",
	  "{\"type\":\"object\",\"properties\":{\"task\":{\"type\":"
	  "\"string\"},\"attempt\":{\"type\":\"integer\"},\"attempts\":"
	  "{\"type\":\"integer\"},\"log\":{\"type\":\"string\"},"
	  "\"lines\":{\"type\":\"integer\"},\"bytes\":{\"type\":"
	  "\"integer\"},\"running\":{\"type\":\"boolean\"}},\"required\":"
	  "[\"task\",\"log\"]}",
	  true, false, true, IPC_OP_TASK_LOGS, MCP_SUPERVISOR, mcp_args_logs,
	  mcp_logs_result },
	{ "validate_workflow",
	  "Check a workflow exactly as orch-supervisor --check does, given as "
	  "YAML text (yaml) or as its model in JSON (workflow: {name, stages: "
	  "[{name, parallel?, tasks: [{id, command | prompt, agent?, requires?, "
	  "depends_on?, ...}]}]}); returns every error with its path.",
	  WORKFLOW_ARGS, CHECK_OUT, true, false, true, IPC_OP_WORKFLOW_CHECK,
	  MCP_SUPERVISOR, mcp_args_workflow, mcp_check_result },
	{ "run_workflow",
	  "Run a workflow (YAML text, or its JSON model as validate_workflow "
	  "takes it) on the running agents; with wait, return every task's "
	  "result once it is over.",
	  WORKFLOW_ARGS, "{\"type\":\"object\"}", false, false, false,
	  IPC_OP_WORKFLOW_RUN, MCP_SUPERVISOR, mcp_args_workflow, NULL },
	{ "dashboard",
	  "orch at a glance, the snapshot of orch-ctl status --json: agents, "
	  "their sessions, tasks (queued, waiting, running and the last 50 "
	  "finished, with their times), metrics (tasksPerMinute, "
	  "successRate, avgTaskDuration, p95TaskDuration, activeAgents, "
	  "totalAgents, queueDepth, per agent utilization and cost), the "
	  "last 50 events, and counts of agents and tasks by status.",
	  NO_ARGS,
	  "{\"type\":\"object\",\"properties\":{\"agents\":{\"type\":"
	  "\"array\"},\"sessions\":{\"type\":\"array\"},\"tasks\":"
	  "{\"type\":\"array\"},\"counts\":{\"type\":\"object\"},"
	  "\"metrics\":{\"type\":\"object\"},\"events\":{\"type\":"
	  "\"array\"}},\"required\":[\"agents\",\"sessions\",\"tasks\","
	  "\"counts\",\"metrics\",\"events\"]}",
	  true, false, true, IPC_OP_DASHBOARD, MCP_SUPERVISOR, NULL,
	  mcp_dashboard_result },
	{ "cancel_task",
	  "Fail a task not yet run, or stop a running one (no retry).",
	  TASK_ARG, DONE_OUT, false, true, true, IPC_OP_TASK_CANCEL,
	  MCP_SUPERVISOR, mcp_args_task_name, mcp_done_result },
	{ "approve",
	  "Let a task that waits for approval run (it shows the command and "
	  "why it was held).",
	  TASK_ARG, DONE_OUT, false, false, true, IPC_OP_TASK_APPROVE,
	  MCP_SUPERVISOR, mcp_args_task_name, mcp_done_result },
	{ "deny",
	  "Refuse a task that waits for approval: it fails, its dependents "
	  "are skipped.",
	  TASK_ARG, DONE_OUT, false, true, true, IPC_OP_TASK_DENY,
	  MCP_SUPERVISOR, mcp_args_task_name, mcp_done_result },
	{ "send_message",
	  "A direct message to an agent's inbox, acknowledged when queued.",
	  "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":\"string\"},"
	  "\"content\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
	  "\"priority\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\","
	  "\"high\"]}},\"required\":[\"to\",\"content\"]}",
	  "{\"type\":\"object\"}",
	  false, false, false, IPC_OP_MSG_SEND, MCP_SUPERVISOR,
	  mcp_args_message, NULL },
	{ "broadcast",
	  "A message to every agent matching the filter (agent_type, "
	  "capability, status, id pattern); says who got it.",
	  "{\"type\":\"object\",\"properties\":{\"content\":{\"type\":"
	  "\"string\"},\"type\":{\"type\":\"string\"},\"filter\":{\"type\":"
	  "\"object\"}},\"required\":[\"content\"]}",
	  "{\"type\":\"object\",\"properties\":{\"matched\":{\"type\":"
	  "\"integer\"},\"delivered\":{\"type\":\"array\"},\"failed\":"
	  "{\"type\":\"array\"}}}",
	  false, false, false, IPC_OP_BROADCAST, MCP_SUPERVISOR,
	  mcp_args_broadcast, NULL },
	{ "read_terminal_output",
	  "The last lines of an agent's terminal session, as a person "
	  "attached would see them, as plain text (escape sequences taken "
	  "out).",
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"string\"},\"linesOfOutput\":{\"type\":\"integer\",\"minimum\":1,"
	  "\"maximum\":10000,\"default\":25}},\"required\":[\"agent\"]}",
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"string\"},\"output\":{\"type\":\"string\"}},\"required\":"
	  "[\"agent\",\"output\"]}",
	  true, false, true, IPC_OP_SESSION_TAIL, MCP_ACTOR, mcp_args_screen,
	  mcp_screen_result },
	{ "write_to_terminal",
	  "Type a command line into an agent's terminal and press Enter, as "
	  "a person would; returns how many lines it printed, and what, once "
	  "it went quiet. The agent's safety tier decides first: what it "
	  "would hold for approval is refused (use submit_task with "
	  "requiresApproval).",
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"string\"},\"command\":{\"type\":\"string\"}},\"required\":"
	  "[\"agent\",\"command\"]}",
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"string\"},\"lines\":{\"type\":\"integer\"},\"output\":{\"type\":"
	  "\"string\"}},\"required\":[\"agent\",\"lines\",\"output\"]}",
	  false, true, false, IPC_OP_SESSION_TYPE, MCP_SUPERVISOR,
	  mcp_args_type, mcp_typed_result },
	{ "send_control_character",
	  "Send a control character to an agent's terminal: letter C for "
	  "Ctrl-C (interrupt), D for end of input, Z to suspend, ] for the "
	  "telnet escape.",
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"string\"},\"letter\":{\"type\":\"string\"}},\"required\":"
	  "[\"agent\",\"letter\"]}",
	  "{\"type\":\"object\",\"properties\":{\"agent\":{\"type\":"
	  "\"string\"},\"lines\":{\"type\":\"integer\"},\"output\":{\"type\":"
	  "\"string\"}},\"required\":[\"agent\",\"lines\",\"output\"]}",
	  false, true, false, IPC_OP_SESSION_TYPE, MCP_SUPERVISOR,
	  mcp_args_control, mcp_typed_result },
	{ "memory_write",
	  "Write a key of the shared memory bank (access shared by default; "
	  "private: only its owner reads it; public: anyone).",
	  "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"
	  "\"value\":{\"type\":\"string\"},\"access\":{\"type\":\"string\","
	  "\"enum\":[\"private\",\"shared\",\"public\"]}},\"required\":[\"key\","
	  "\"value\"]}",
	  "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"
	  "\"version\":{\"type\":\"integer\"}},\"required\":[\"key\","
	  "\"version\"]}",
	  false, false, false, IPC_OP_MEM_PUT, MCP_BANK, mcp_args_mem_write,
	  NULL },
	{ "memory_read",
	  "Read a key of the shared memory bank: its value, owner, access, "
	  "version and times.",
	  "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":"
	  "\"string\"}},\"required\":[\"key\"]}",
	  "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"
	  "\"value\":{\"type\":\"string\"},\"owner\":{\"type\":\"string\"},"
	  "\"version\":{\"type\":\"integer\"}},\"required\":[\"key\","
	  "\"value\"]}",
	  true, false, true, IPC_OP_MEM_GET, MCP_BANK, mcp_args_key, NULL },
	{ "memory_list",
	  "The keys of the shared memory bank the caller may read (matching "
	  "a shell pattern).",
	  "{\"type\":\"object\",\"properties\":{\"pattern\":{\"type\":"
	  "\"string\"}}}",
	  "{\"type\":\"object\",\"properties\":{\"entries\":{\"type\":"
	  "\"array\",\"items\":{\"type\":\"object\"}}},\"required\":"
	  "[\"entries\"]}",
	  true, false, true, IPC_OP_MEM_LS, MCP_BANK, mcp_args_mem_list, NULL },
	{ "memory_delete",
	  "Remove a key of the shared memory bank.",
	  "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":"
	  "\"string\"}},\"required\":[\"key\"]}",
	  DONE_OUT, false, true, true, IPC_OP_MEM_RM, MCP_BANK, mcp_args_key,
	  mcp_done_result },
	{ "publish_event",
	  "Publish an event on orch's bus (coordination.request, or a type "
	  "of your own; agent.*, task.* and data.* are orch's).",
	  "{\"type\":\"object\",\"properties\":{\"type\":{\"type\":"
	  "\"string\"},\"target\":{\"type\":\"string\"},\"payload\":{}},"
	  "\"required\":[\"type\"]}",
	  DONE_OUT, false, false, false, IPC_OP_EVENTS_PUBLISH, MCP_BANK,
	  mcp_args_publish, mcp_done_result },
	{ "read_events",
	  "Events of orch's bus from a cursor (since; none: from now), of a "
	  "type pattern, waiting up to wait_ms for one; says where to go on "
	  "(next) and how many were missed.",
	  "{\"type\":\"object\",\"properties\":{\"since\":{\"type\":"
	  "\"integer\"},\"type\":{\"type\":\"string\"},\"max\":{\"type\":"
	  "\"integer\"},\"wait_ms\":{\"type\":\"integer\"}}}",
	  "{\"type\":\"object\",\"properties\":{\"events\":{\"type\":"
	  "\"array\"},\"next\":{\"type\":\"integer\"},\"missed\":{\"type\":"
	  "\"integer\"}},\"required\":[\"events\",\"next\",\"missed\"]}",
	  true, false, false, IPC_OP_EVENTS_READ, MCP_BANK, mcp_args_events,
	  NULL },
	{ "read_inbox",
	  "Read and empty the caller's inbox (an agent's: high priority "
	  "first), waiting up to wait_ms for a message.",
	  "{\"type\":\"object\",\"properties\":{\"wait_ms\":{\"type\":"
	  "\"integer\"}}}",
	  "{\"type\":\"object\",\"properties\":{\"messages\":{\"type\":"
	  "\"array\"}},\"required\":[\"messages\"]}",
	  false, false, false, IPC_OP_INBOX_READ, MCP_OWN_ACTOR,
	  mcp_args_inbox, NULL },
};

#define MCP_NTOOLS	(sizeof mcp_tools / sizeof mcp_tools[0])

const struct mcp_tool *
mcp_tool_find(const char *name)
{
	size_t	i;

	for (i = 0; i < MCP_NTOOLS; i++)
		if (strcmp(mcp_tools[i].name, name) == 0)
			return &mcp_tools[i];
	return NULL;
}

const char *
mcp_tool_op(const struct mcp_tool *t)
{
	return t->op;
}

json_t *
mcp_tools_list(const char *agents)
{
	json_t		*list = json_array(), *in, *out;
	json_error_t	 err;
	char		*desc;
	size_t		 i;

	for (i = 0; i < MCP_NTOOLS; i++) {
		const struct mcp_tool	*t = &mcp_tools[i];

		in = json_loads(t->input, 0, &err);
		out = json_loads(t->output, 0, &err);
		/* What names an agent says which there are: the list changes. */
		if (agents != NULL && json_object_get(json_object_get(in,
		    "properties"), "agent") != NULL)
			xasprintf(&desc, "%s Agents now: %s.", t->description,
			    agents[0] != '\0' ? agents : "none");
		else
			desc = xstrdup(t->description);
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, "
		    "s:{s:b, s:b, s:b, s:b}}", "name", t->name, "description",
		    desc, "inputSchema", in != NULL ? in : json_object(),
		    "outputSchema", out != NULL ? out : json_object(),
		    "annotations", "readOnlyHint", t->ro, "destructiveHint",
		    t->destructive, "idempotentHint", t->idempotent,
		    "openWorldHint", 0));
		free(desc);
	}
	return list;
}

int
mcp_tool_args(const struct mcp_tool *t, const json_t *args,
    struct mcp_req *r, char *why, size_t size)
{
	memset(r, 0, sizeof *r);
	msgpack_sbuffer_init(&r->body);
	r->op = t->op;
	r->route = t->route;
	r->pri = IPC_PRI_MEDIUM;
	if (args != NULL && !json_is_object(args)) {
		snprintf(why, size, "arguments must be an object");
		return -1;
	}
	if (t->args == NULL) {
		msgpack_packer	pk;

		msgpack_packer_init(&pk, &r->body, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 0);
		return 0;
	}
	if (args == NULL) {
		json_t	*empty = json_object();
		int	 rc = t->args(empty, r, why, size);

		json_decref(empty);
		return rc;
	}
	return t->args(args, r, why, size);
}

json_t *
mcp_tool_result(const struct mcp_tool *t, const json_t *answer,
    const json_t *args, char *why, size_t size)
{
	json_t	*empty = NULL, *j;

	if (args == NULL)
		args = empty = json_object();
	if (t->result != NULL)
		j = t->result(answer, args, why, size);
	else
		j = json_is_object(answer) ? json_deep_copy(answer) :
		    json_object();
	json_decref(empty);
	return j;
}
