/*
 * orch-ctl: control a running orch-supervisor from the command line (or
 * from inside an agent's session).
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "common/rundir.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "supervisor/config.h"
#include "tools/client.h"
#include "tools/ctl.h"

/* Control requests answer at once, except those that wait on an agent. */
#define CTL_TIMEOUT_MS		10000
#define CTL_AGENT_TIMEOUT_MS	120000
#define CTL_EXEC_FOREVER_MS	(7u * 24 * 3600 * 1000)

struct ctl {
	struct client	 client;
	bool		 json;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: orch-ctl [-L instance] COMMAND ...\n"
"\n"
"  status [--json]                  agents, their status and current task\n"
"  exec [-t SECONDS] [--json] AGENT -- COMMAND [ARG...]\n"
"                                   run a command as a task in AGENT's\n"
"                                   session; print its output, exit with\n"
"                                   its status (124 on timeout)\n"
"  agent deploy ID [--type T] [--cap C,...] [--shell PATH] [--cwd DIR]\n"
"                  [--env NAME=VALUE]... [--restart POLICY] [--max N]\n"
"                  [--within SECONDS] [--scrollback SIZE]\n"
"                                   start a new agent and wait until ready\n"
"  agent terminate ID               stop an agent (it stays listed)\n"
"  agent restart ID                 stop and start an agent again\n"
"  shutdown                         stop the supervisor and every agent\n"
"  tasks [--json]                   the running workflow's tasks and states\n"
"  logs TASK                        a task's full output (also after the run;\n"
"                                   exec tasks are exec-N)\n"
"  approve TASK | deny TASK         let a workflow task that waits run, or\n"
"                                   fail it\n"
"  mem put KEY [VALUE|-] [--access private|shared|public]\n"
"  mem get KEY [--json] | ls [PATTERN] [--json] | rm KEY\n"
"  mem watch PATTERN [--count N]    the memory bank; watch prints changes\n"
"  events [--follow] [--type PATTERN] [--since SEQ] [--count N] [--json]\n"
"  events publish TYPE [TARGET [TEXT]]\n"
"                                   the event bus\n"
"  send AGENT TEXT [--priority low|medium|high] [--type T] [--count N]\n"
"                                   a direct message, acknowledged\n"
"  inbox [--wait] [--json]          (in a session) read and empty the inbox\n"
"  broadcast TEXT [--agent-type T] [--capability C] [--status S]\n"
"            [--id PATTERN]         to every matching agent\n"
"\n"
"Inside an agent's session ($ORCH_SOCKET set), mem and events act as that\n"
"agent, with its permissions; elsewhere as the operator.\n"
"\n"
"The instance is -L, else $ORCH_INSTANCE, else \"default\".\n"
"Exit status: 0 success, 1 the operation failed, 2 usage error or no\n"
"supervisor; exec exits with the task's status.\n");
}

static int
ctl_fail(struct ctl *c, const char *what)
{
	fprintf(stderr, "orch-ctl: %s: %s\n", what, c->client.errmsg);
	return 1;
}

static int
ctl_status(struct ctl *c, int argc, char **argv)
{
	const msgpack_object	*res;

	if (argc > 1 && strcmp(argv[1], "--json") == 0)
		c->json = true;
	else if (argc > 1) {
		usage(stderr);
		return 2;
	}
	if (client_call(&c->client, IPC_OP_STATUS, NULL, 0, CTL_TIMEOUT_MS,
	    &res) != IPC_OK)
		return ctl_fail(c, "status");
	if (c->json)
		client_print_json(res);
	else
		client_print_agents(body_get(res, "agents"));
	return 0;
}

static int
ctl_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const msgpack_object		*res;
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	const char			*agent, *tail;
	double				 secs = 0;
	char				*end;
	int64_t				 code = -1, sig = 0;
	bool				 timed_out = false;
	size_t				 len;
	int				 ch, i, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			secs = strtod(optarg, &end);
			if (*end != '\0' || !(secs > 0) || secs > 4e6) {
				fprintf(stderr, "orch-ctl: exec: bad timeout "
				    "'%s'\n", optarg);
				return 2;
			}
			break;
		case 'j':
			c->json = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") == 0) {
		fprintf(stderr, "orch-ctl: exec: the agent comes before --\n");
		return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "orch-ctl: exec needs AGENT -- COMMAND\n");
		return 2;
	}
	agent = argv[optind++];
	if (strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc) {
		fprintf(stderr, "orch-ctl: exec needs a command after --\n");
		return 2;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_str(&pk, "agent", agent);
	body_pack_kv_u64(&pk, "timeout_ms", (uint64_t)(secs * 1000));
	body_pack_str(&pk, "argv");
	msgpack_pack_array(&pk, (size_t)(argc - optind));
	for (i = optind; i < argc; i++)
		body_pack_str(&pk, argv[i]);
	rc = client_call(&c->client, IPC_OP_TASK_EXEC, sb.data, sb.size,
	    secs > 0 ? (unsigned)(secs * 1000) + 30000 : CTL_EXEC_FOREVER_MS,
	    &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK)
		return ctl_fail(c, agent);
	if (c->json) {
		client_print_json(res);
		return 0;
	}
	if ((tail = body_bytes(res, "tail", &len)) != NULL)
		fwrite(tail, 1, len, stdout);
	body_i64(res, "exit", &code);
	body_i64(res, "signal", &sig);
	body_bool(res, "timed_out", &timed_out);
	if (timed_out) {
		fprintf(stderr, "orch-ctl: task timed out after %g s\n", secs);
		return 124;
	}
	if (sig > 0) {
		fprintf(stderr, "orch-ctl: task killed by signal %lld\n",
		    (long long)sig);
		return 128 + (int)sig;
	}
	return (int)code;
}

static int
ctl_agent_deploy(struct ctl *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "cap", required_argument, NULL, 'c' },
		{ "shell", required_argument, NULL, 's' },
		{ "cwd", required_argument, NULL, 'd' },
		{ "env", required_argument, NULL, 'e' },
		{ "restart", required_argument, NULL, 'r' },
		{ "max", required_argument, NULL, 'm' },
		{ "within", required_argument, NULL, 'w' },
		{ "scrollback", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	const msgpack_object		*res;
	struct strlist			 env = { NULL, 0 };
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	const char			*type = NULL, *caps = NULL, *shell = NULL,
					*cwd = NULL, *policy = NULL, *max = NULL,
					*within = NULL, *scrollback = NULL;
	char				*copy, *tok, *save, dir[4096];
	size_t				 i, nsess, nrestart, ncap;
	int				 ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': type = optarg; break;
		case 'c': caps = optarg; break;
		case 's': shell = optarg; break;
		case 'd': cwd = optarg; break;
		case 'e':
			if (strchr(optarg, '=') == NULL) {
				fprintf(stderr, "orch-ctl: --env %s: expected "
				    "NAME=VALUE\n", optarg);
				strlist_clear(&env);
				return 2;
			}
			strlist_add(&env, optarg);
			break;
		case 'r': policy = optarg; break;
		case 'm': max = optarg; break;
		case 'w': within = optarg; break;
		case 'b': scrollback = optarg; break;
		default:
			strlist_clear(&env);
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "orch-ctl: agent deploy needs one agent id\n");
		strlist_clear(&env);
		return 2;
	}
	/* A relative cwd means ours, not the supervisor's. */
	if (cwd != NULL && cwd[0] != '/' && getcwd(dir, sizeof dir) != NULL) {
		size_t	l = strlen(dir);

		snprintf(dir + l, sizeof dir - l, "/%s", cwd);
		cwd = dir;
	}

	/* The same keys as an agents[] entry of orch.yaml. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	body_pack_str(&pk, "agent");
	msgpack_pack_map(&pk, 1 + (type != NULL) + (caps != NULL) + 1 +
	    (policy || max || within));
	body_pack_kv_str(&pk, "id", argv[optind]);
	if (type != NULL)
		body_pack_kv_str(&pk, "type", type);
	if (caps != NULL) {
		copy = xstrdup(caps);
		for (ncap = 0, tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			ncap++;
		free(copy);
		body_pack_str(&pk, "capabilities");
		msgpack_pack_array(&pk, ncap);
		copy = xstrdup(caps);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			body_pack_str(&pk, tok);
		free(copy);
	}
	nsess = 1 + (shell != NULL) + (cwd != NULL) + (env.n > 0) +
	    (scrollback != NULL);
	body_pack_str(&pk, "session");
	msgpack_pack_map(&pk, nsess);
	body_pack_kv_str(&pk, "backend", "pty");
	if (shell != NULL)
		body_pack_kv_str(&pk, "shell", shell);
	if (cwd != NULL)
		body_pack_kv_str(&pk, "cwd", cwd);
	if (scrollback != NULL)
		body_pack_kv_str(&pk, "scrollback", scrollback);
	if (env.n > 0) {
		body_pack_str(&pk, "env");
		msgpack_pack_map(&pk, env.n);
		for (i = 0; i < env.n; i++) {
			char	*eq = strchr(env.v[i], '=');

			msgpack_pack_str(&pk, (size_t)(eq - env.v[i]));
			msgpack_pack_str_body(&pk, env.v[i],
			    (size_t)(eq - env.v[i]));
			body_pack_str(&pk, eq + 1);
		}
	}
	if (policy || max || within) {
		nrestart = (policy != NULL) + (max != NULL) + (within != NULL);
		body_pack_str(&pk, "restart");
		msgpack_pack_map(&pk, nrestart);
		if (policy != NULL)
			body_pack_kv_str(&pk, "policy", policy);
		if (max != NULL)
			body_pack_kv_str(&pk, "max", max);
		if (within != NULL)
			body_pack_kv_str(&pk, "within", within);
	}
	strlist_clear(&env);
	rc = client_call(&c->client, IPC_OP_AGENT_DEPLOY, sb.data, sb.size,
	    CTL_AGENT_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK)
		return ctl_fail(c, "deploy");
	printf("agent %s deployed and ready\n", argv[optind]);
	return 0;
}

static int
ctl_agent_simple(struct ctl *c, const char *op, const char *id,
    const char *done)
{
	const msgpack_object	*res;

	if (client_call_str(&c->client, op, "id", id, CTL_AGENT_TIMEOUT_MS,
	    &res) != IPC_OK)
		return ctl_fail(c, id);
	printf("agent %s %s\n", id, done);
	return 0;
}

static int
ctl_agent(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "deploy") == 0)
		return ctl_agent_deploy(c, argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "terminate") == 0)
		return ctl_agent_simple(c, IPC_OP_AGENT_TERMINATE, argv[2],
		    "terminated");
	if (argc == 3 && strcmp(argv[1], "restart") == 0)
		return ctl_agent_simple(c, IPC_OP_AGENT_RESTART, argv[2],
		    "restarted and ready");
	fprintf(stderr, "orch-ctl: agent deploy|terminate|restart ID\n");
	return 2;
}

static int
ctl_tasks(struct ctl *c, int argc, char **argv)
{
	const msgpack_object	*res, *list, *t;
	char			 id[128], stage[128], st[16], agent[128];
	char			 reason[256];
	uint64_t		 attempts, dur;
	uint32_t		 i;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(stderr, "orch-ctl: tasks [--json]\n");
		return 2;
	}
	if (client_call(&c->client, IPC_OP_TASKS, NULL, 0, CTL_TIMEOUT_MS,
	    &res) != IPC_OK)
		return ctl_fail(c, "tasks");
	if (argc == 2) {
		client_print_json(res);
		return 0;
	}
	list = body_get(res, "tasks");
	printf("%-24s %-16s %-9s %-16s %8s %9s  %s\n", "TASK", "STAGE",
	    "STATUS", "AGENT", "ATTEMPTS", "DURATION", "REASON");
	for (i = 0; list != NULL && list->type == MSGPACK_OBJECT_ARRAY &&
	    i < list->via.array.size; i++) {
		t = &list->via.array.ptr[i];
		attempts = dur = 0;
		body_str(t, "task", id, sizeof id);
		body_str(t, "stage", stage, sizeof stage);
		body_str(t, "status", st, sizeof st);
		if (body_str(t, "agent", agent, sizeof agent) != 0 || !agent[0])
			snprintf(agent, sizeof agent, "-");
		if (body_str(t, "reason", reason, sizeof reason) != 0)
			reason[0] = '\0';
		body_u64(t, "attempts", &attempts);
		body_u64(t, "duration_ns", &dur);
		printf("%-24s %-16s %-9s %-16s %8llu %8.2fs  %s\n", id, stage,
		    st, agent, (unsigned long long)attempts, (double)dur / 1e9,
		    reason);
	}
	return 0;
}

static int
ctl_logs(struct ctl *c, int argc, char **argv)
{
	char	 path[PATH_MAX], *cause = NULL;

	if (argc != 2) {
		fprintf(stderr, "orch-ctl: logs TASK\n");
		return 2;
	}
	if (tasklog_path(c->client.instance != NULL ? c->client.instance :
	    rundir_instance(NULL), argv[1], false, path, sizeof path,
	    &cause) != 0 || tasklog_read(path, stdout, &cause) != 0) {
		fprintf(stderr, "orch-ctl: logs %s: %s\n", argv[1], cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int
ctl_decide(struct ctl *c, int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "orch-ctl: %s TASK\n", argv[0]);
		return 2;
	}
	{
		const msgpack_object	*res;
		bool			 yes = strcmp(argv[0], "approve") == 0;

		if (client_call_str(&c->client, yes ? IPC_OP_TASK_APPROVE :
		    IPC_OP_TASK_DENY, "task", argv[1], CTL_TIMEOUT_MS,
		    &res) != IPC_OK)
			return ctl_fail(c, argv[1]);
		printf("task %s %s\n", argv[1], yes ? "approved" : "denied");
		return 0;
	}
}

static int
ctl_shutdown(struct ctl *c, int argc, char **argv)
{
	const msgpack_object	*res;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	if (client_call(&c->client, IPC_OP_SHUTDOWN, NULL, 0, CTL_TIMEOUT_MS,
	    &res) != IPC_OK)
		return ctl_fail(c, "shutdown");
	return 0;
}

static int
ctl_mem_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_mem(&c->client, argc, argv);
}

static int
ctl_events_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_events(&c->client, argc, argv);
}

static int
ctl_send_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_send(&c->client, argc, argv);
}

static int
ctl_inbox_cmd(struct ctl *c, int argc, char **argv)
{
	if (getenv("ORCH_SOCKET") == NULL) {
		fprintf(stderr, "orch-ctl: inbox is read from inside an "
		    "agent's session ($ORCH_SOCKET)\n");
		return 2;
	}
	return ctl_inbox(&c->client, argc, argv);
}

static int
ctl_broadcast_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_broadcast(&c->client, argc, argv);
}

/* as_agent: inside a session ($ORCH_SOCKET), go through the agent's actor. */
static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	bool		 as_agent;
} ctl_commands[] = {
	{ "status", ctl_status, false },
	{ "exec", ctl_exec, false },
	{ "agent", ctl_agent, false },
	{ "shutdown", ctl_shutdown, false },
	{ "approve", ctl_decide, false },
	{ "tasks", ctl_tasks, false },
	{ "logs", ctl_logs, false },
	{ "deny", ctl_decide, false },
	{ "mem", ctl_mem_cmd, true },
	{ "events", ctl_events_cmd, true },
	{ "send", ctl_send_cmd, true },
	{ "inbox", ctl_inbox_cmd, true },
	{ "broadcast", ctl_broadcast_cmd, true },
};

int
main(int argc, char **argv)
{
	struct ctl	 c;
	const char	*instance = NULL, *sock;
	size_t		 i;
	int		 ch, rc;

	while ((ch = getopt(argc, argv, "+L:hV")) != -1) {
		switch (ch) {
		case 'L':
			instance = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("orch-ctl %s\n", ORCH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc >= 1 && strcmp(argv[0], "--version") == 0) {
		printf("orch-ctl %s\n", ORCH_VERSION);
		return 0;
	}
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++)
		if (strcmp(argv[0], ctl_commands[i].name) == 0)
			break;
	if (i == sizeof ctl_commands / sizeof ctl_commands[0]) {
		fprintf(stderr, "orch-ctl: unknown command '%s'\n", argv[0]);
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof c);
	/* Logs outlive the supervisor: they are read from disk. */
	if (strcmp(argv[0], "logs") == 0) {
		c.client.instance = rundir_instance(instance);
		return ctl_logs(&c, argc, argv);
	}
	sock = getenv("ORCH_SOCKET");
	if (ctl_commands[i].as_agent && sock != NULL && *sock != '\0' &&
	    instance == NULL) {
		if (client_start_socket(&c.client, "orch-ctl", sock) != 0)
			return 2;
	} else if (client_start(&c.client, "orch-ctl",
	    rundir_instance(instance), NULL, NULL, NULL) != 0)
		return 2;
	rc = ctl_commands[i].fn(&c, argc, argv);
	client_done(&c.client);
	return rc;
}
