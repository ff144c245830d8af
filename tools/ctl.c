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


#include "common/log.h"
#include "common/rundir.h"
#include "common/tmux.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "supervisor/config.h"
#include "supervisor/gc.h"
#include "supervisor/schema.h"
#include "tools/client.h"
#include "tools/ctl.h"

/* Deploy and restart wait for an agent to be ready. */
#define CTL_AGENT_TIMEOUT_MS	120000

struct ctl {
	struct client	 client;
	bool		 json;
};

static const char usage_tail[] =
"\n"
"Inside an agent's session ($ORCH_SOCKET set), mem and events act as that\n"
"agent, with its permissions; elsewhere as the operator.\n"
"\n"
"The instance is -L, else $ORCH_INSTANCE, else \"default\".\n"
"Exit status: 0 success, 1 the operation failed, 2 usage error or no\n"
"supervisor; exec exits with the task's status.\n";

static void	usage(FILE *f);
static void	usage_of(FILE *f, const char *command);

/* `COMMAND ... --help` (before any "--"): that command's usage. */
static bool
wants_help(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int
ctl_fail(struct ctl *c, const char *what)
{
	char	prefix[128];

	snprintf(prefix, sizeof prefix, "orch-ctl: %s", what);
	log_print_error(prefix, c->client.errmsg);
	return 1;
}

static int
ctl_status_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_status(&c->client, argc, argv);
}

static const char	*ctl_argv0;

static int
ctl_top_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_top(&c->client, ctl_argv0, argc, argv);
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
	const char			*agent;
	double				 secs = 0;
	char				*end;
	int				 ch, i, rc;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, "+t:", opts)) != -1) {
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
	    secs > 0 ? (unsigned)(secs * 1000) + 30000 : CTL_FOREVER_MS,
	    &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK)
		return ctl_fail(c, agent);
	/* With --json too: the task's status, as the man page says. */
	if (c->json)
		client_print_json(res);
	return ctl_task_exit(res, c->json ? NULL : "tail", secs);
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
	while ((ch = ctl_getopt(argc, argv, "", opts)) != -1) {
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
			usage_of(stderr, "agent");
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

/* restart --fresh: its Claude Code starts a new conversation. */
static int
ctl_agent_fresh(struct ctl *c, const char *id)
{
	const msgpack_object	*res;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	int			 rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_str(&pk, "id", id);
	body_pack_kv_bool(&pk, "fresh", true);
	rc = client_call(&c->client, IPC_OP_AGENT_RESTART, sb.data, sb.size,
	    CTL_AGENT_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK)
		return ctl_fail(c, id);
	printf("agent %s restarted afresh and ready\n", id);
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
	if (argc == 4 && strcmp(argv[1], "restart") == 0 &&
	    (strcmp(argv[2], "--fresh") == 0 || strcmp(argv[3],
	    "--fresh") == 0))
		return ctl_agent_fresh(c, strcmp(argv[2], "--fresh") == 0 ?
		    argv[3] : argv[2]);
	fprintf(stderr, "orch-ctl: agent deploy|terminate|restart [--fresh] "
	    "ID\n");
	return 2;
}

/* Print the log of one attempt; 0, 1 (unreadable), or -1 (none). */
static int
ctl_log_attempt(const char *instance, const char *task, unsigned n,
    bool header)
{
	char	 path[PATH_MAX], *cause = NULL;

	if (!tasklog_attempt(instance, task, n, path, sizeof path))
		return -1;
	if (header) {
		printf("== %s, attempt %u ==\n", task, n);
		fflush(stdout);
	}
	if (tasklog_read(path, stdout, &cause) != 0) {
		fprintf(stderr, "orch-ctl: logs %s: %s\n", task, cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int
ctl_logs(struct ctl *c, int argc, char **argv)
{
	const char	*instance = c->client.instance != NULL ?
			    c->client.instance : rundir_instance(NULL);
	const char	*task = NULL;
	char		*end;
	unsigned long	 attempt = 0, n, last;
	int		 i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--attempt") == 0 && i + 1 < argc) {
			attempt = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || attempt == 0 || attempt > 1000) {
				fprintf(stderr, "orch-ctl: logs: --attempt %s: "
				    "not a number from 1\n", argv[i]);
				return 2;
			}
		} else if (task == NULL && argv[i][0] != '-')
			task = argv[i];
		else
			task = NULL, i = argc;
	}
	if (task == NULL || i > argc) {
		fprintf(stderr, "orch-ctl: logs TASK [--attempt N]\n");
		return 2;
	}
	if (attempt > 0) {
		if ((rc = ctl_log_attempt(instance, task, (unsigned)attempt,
		    false)) == -1)
			fprintf(stderr, "orch-ctl: logs %s: no attempt %lu\n",
			    task, attempt);
		return rc == 0 ? 0 : 1;
	}
	/* Every attempt; with headers when there was more than one. */
	for (last = 0; last < 1000; last++) {
		char	 path[PATH_MAX];

		if (!tasklog_attempt(instance, task, (unsigned)last + 1, path,
		    sizeof path))
			break;
	}
	if (last == 0) {
		fprintf(stderr, "orch-ctl: logs %s: no log of a task of that "
		    "name in instance %s\n", task, instance);
		return 1;
	}
	for (n = 1; n <= last; n++)
		if (ctl_log_attempt(instance, task, (unsigned)n, last > 1) != 0)
			return 1;
	return 0;
}

static int
ctl_audit_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_audit(c->client.instance != NULL ? c->client.instance :
	    rundir_instance(NULL), argc, argv);
}

static void
ctl_gc_say(const char *msg, void *arg)
{
	(void)arg;
	printf("%s\n", msg);
}

static int
ctl_gc(struct ctl *c, int argc, char **argv)
{
	size_t	n;

	(void)c;
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "orch-ctl: gc takes no arguments\n");
		return 2;
	}
	n = gc_stale(NULL, ctl_gc_say, NULL);
	if (n == 0)
		printf("nothing to remove\n");
	return 0;
}

/* iTerm2's native windows: a tmux -CC client on every tmux agent's. */
static int
ctl_windows(struct ctl *c, int argc, char **argv)
{
	const char	*instance = c->client.instance != NULL ?
			    c->client.instance : rundir_instance(NULL);
	char		*cause = NULL;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "orch-ctl: windows takes no arguments\n");
		return 2;
	}
	if (tmux_view(instance, &cause) == 0)
		tmux_attach_exec(instance, TMUX_VIEW_SESSION, 1, &cause);
	fprintf(stderr, "orch-ctl: windows: %s\n", cause);
	free(cause);
	return 1;
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
ctl_tasks_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_tasks(&c->client, argc, argv);
}

static int
ctl_decide_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_decide(&c->client, argc, argv);
}

static int
ctl_submit_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_submit(&c->client, argc, argv);
}

static int
ctl_workflow_cmd(struct ctl *c, int argc, char **argv)
{
	return ctl_workflow(&c->client, argc, argv);
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

static const char usage_decide[] =
"  approve TASK... | deny TASK...   let a task that waits for approval run,\n"
"                                   or fail it (also before it is ready)\n";

int
ctl_number(const char *s, const char *what, uint64_t *out)
{
	char	*end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    *out > INT64_MAX) {
		fprintf(stderr, "orch-ctl: %s %s: not a number\n", what, s);
		return -1;
	}
	return 0;
}

int
ctl_getopt(int argc, char **argv, const char *optstring,
    const struct option *opts)
{
	struct schema_hint	 h;
	const char		*bad;
	char			 word[64], hint[128];
	size_t			 i;
	int			 ch;

	ch = getopt_long(argc, argv, optstring, opts, NULL);
	if (ch != '?' || optind < 1 || optind > argc ||
	    strncmp(argv[optind - 1], "--", 2) != 0)
		return ch;
	bad = argv[optind - 1] + 2;
	snprintf(word, sizeof word, "%.*s", (int)strcspn(bad, "="), bad);
	schema_hint_init(&h, word);
	for (i = 0; opts[i].name != NULL; i++)
		schema_hint_offer(&h, opts[i].name);
	if (schema_hint_text(&h, hint, sizeof hint)[0] != '\0')
		fprintf(stderr, "orch-ctl: did you mean '--%s'?\n", h.best);
	return ch;
}

/*
 * where: whom the command talks to; needs_args: alone it is a usage
 * error, told without asking the supervisor. usage: the command's part of
 * the usage (commands sharing one are next to each other and print it
 * once).
 */

static int
ctl_hook_cmd(struct ctl *c, int argc, char **argv)
{
	(void)c;
	return ctl_hook(argc, argv);
}

/* Whom a command talks to. */
enum ctl_where {
	CTL_SUP,	/* the supervisor */
	CTL_AGENT,	/* in a session, the agent's actor; else the supervisor */
	CTL_OFFLINE,	/* nobody: it reads or cleans files */
};

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	enum ctl_where	 where;
	bool		 needs_args;
	const char	*usage;
} ctl_commands[] = {
	{ "status", ctl_status_cmd, CTL_SUP, false,
"  status [--json]                  agents, tasks, metrics and recent events\n" },
	{ "top", ctl_top_cmd, CTL_SUP, false,
"  top                              the same, live and full screen: approve,\n"
"                                   deny, attach, restart (? for keys)\n" },
	{ "exec", ctl_exec, CTL_SUP, true,
"  exec [-t SECONDS] [--json] AGENT -- COMMAND [ARG...]\n"
"                                   run a command as a task in AGENT's\n"
"                                   session; print its output, exit with\n"
"                                   its status (124 on timeout)\n" },
	{ "agent", ctl_agent, CTL_SUP, true,
"  agent deploy ID [--type T] [--cap C,...] [--shell PATH] [--cwd DIR]\n"
"                  [--env NAME=VALUE]... [--restart POLICY] [--max N]\n"
"                  [--within SECONDS] [--scrollback SIZE]\n"
"                                   start a new agent and wait until ready\n"
"  agent terminate ID               stop an agent (it stays listed)\n"
"  agent restart [--fresh] ID       stop and start an agent again (--fresh:\n"
"                                   its Claude Code starts a new\n"
"                                   conversation instead of resuming)\n" },
	{ "shutdown", ctl_shutdown, CTL_SUP, false,
"  shutdown                         stop the supervisor and every agent\n" },
	{ "submit", ctl_submit_cmd, CTL_SUP, true,
"  submit [--agent A | --requires CAP,...] [--priority N] [--timeout S]\n"
"         [--retry N] [--id NAME] [--approval] [--wait] [--json]\n"
"         [--prompt] -- COMMAND [ARG...]\n"
"                                   queue a command as a task (one argument:\n"
"                                   a shell command line; --prompt: a prompt\n"
"                                   for an agent's runner, Claude Code);\n"
"                                   print its name, or with --wait its\n"
"                                   output, and exit with its status\n" },
	{ "workflow", ctl_workflow_cmd, CTL_SUP, true,
"  workflow run FILE|- [--wait] [--json]\n"
"                                   run a workflow on this supervisor; with\n"
"                                   --wait print the summary, exit 0 or 1\n" },
	{ "tasks", ctl_tasks_cmd, CTL_SUP, false,
"  tasks [--json]                   every task queued, running or done\n" },
	{ "logs", ctl_logs, CTL_OFFLINE, true,
"  logs TASK [--attempt N]         a task's full output, every attempt\n"
"                                   (also after the run; exec tasks are\n"
"                                   exec-N)\n" },
	{ "audit", ctl_audit_cmd, CTL_OFFLINE, false,
"  audit [--follow] [--json]        every decision on who may do what\n"
"                                   (also after the supervisor stopped)\n" },
	{ "windows", ctl_windows, CTL_OFFLINE, false,
"  windows                          every tmux agent's window in iTerm2\n"
"                                   (tmux -CC; as orch-attach --iterm)\n" },
	{ "gc", ctl_gc, CTL_OFFLINE, false,
"  gc                               remove what dead instances left (run\n"
"                                   directories, shared memory)\n" },
	{ "approve", ctl_decide_cmd, CTL_SUP, true, usage_decide },
	{ "deny", ctl_decide_cmd, CTL_SUP, true, usage_decide },
	{ "cancel", ctl_decide_cmd, CTL_SUP, true,
"  cancel TASK...                   fail a task not yet run, or stop a\n"
"                                   running one (no retry)\n" },
	{ "mem", ctl_mem_cmd, CTL_AGENT, true,
"  mem put KEY [VALUE|-] [--access private|shared|public]\n"
"  mem get KEY [--json] | ls [PATTERN] [--json] | rm KEY\n"
"  mem watch PATTERN [--count N]    the memory bank; watch prints changes\n" },
	{ "events", ctl_events_cmd, CTL_AGENT, false,
"  events [--follow] [--type PATTERN] [--since SEQ] [--count N] [--json]\n"
"  events publish TYPE [TARGET [TEXT]]\n"
"                                   the event bus\n" },
	{ "send", ctl_send_cmd, CTL_AGENT, true,
"  send AGENT TEXT [--priority low|medium|high] [--type T] [--count N]\n"
"                                   a direct message, acknowledged\n" },
	{ "inbox", ctl_inbox_cmd, CTL_AGENT, false,
"  inbox [--wait] [--json]          (in a session) read and empty the inbox\n" },
	{ "hook", ctl_hook_cmd, CTL_OFFLINE, true,
"  hook [--socket PATH] [--fail open|closed] EVENT < JSON\n"
"                                   Claude Code's hook in an interactive\n"
"                                   agent's session (orch's settings run\n"
"                                   it); prints its decision JSON\n" },
	{ "broadcast", ctl_broadcast_cmd, CTL_AGENT, true,
"  broadcast TEXT [--agent-type T] [--capability C] [--status S]\n"
"            [--id PATTERN]         to every matching agent\n" },
};

/* The whole usage (command NULL), or one command's part of it. */
static void
usage_of(FILE *f, const char *command)
{
	const char	*last = NULL;
	size_t		 i;

	fprintf(f, "usage: orch-ctl [-L instance] %s ...\n\n", command != NULL ?
	    command : "COMMAND");
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++) {
		if ((command != NULL && strcmp(ctl_commands[i].name,
		    command) != 0) || ctl_commands[i].usage == last)
			continue;
		fputs(ctl_commands[i].usage, f);
		last = ctl_commands[i].usage;
	}
	fputs(usage_tail, f);
}

static void
usage(FILE *f)
{
	usage_of(f, NULL);
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl			 c;
	const char			*instance = NULL, *sock;
	size_t				 i;
	int				 ch, rc;

	ctl_argv0 = argv[0];
	while ((ch = getopt_long(argc, argv, "+L:hV", longopts, NULL)) != -1) {
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
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof ctl_commands / sizeof ctl_commands[0]; i++)
		if (strcmp(argv[0], ctl_commands[i].name) == 0)
			break;
	if (i == sizeof ctl_commands / sizeof ctl_commands[0]) {
		struct schema_hint	 h;
		char			 hint[128];
		size_t			 k;

		schema_hint_init(&h, argv[0]);
		for (k = 0; k < sizeof ctl_commands / sizeof ctl_commands[0];
		    k++)
			schema_hint_offer(&h, ctl_commands[k].name);
		fprintf(stderr, "orch-ctl: unknown command '%s'%s; "
		    "'orch-ctl --help' lists them\n", argv[0],
		    schema_hint_text(&h, hint, sizeof hint));
		return 2;
	}
	if (wants_help(argc, argv)) {
		usage_of(stdout, argv[0]);
		return 0;
	}
	/* What cannot be right is said before any supervisor is asked. */
	if (argc == 1 && ctl_commands[i].needs_args) {
		usage_of(stderr, argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof c);
	/* Logs outlive the supervisor, gc cleans after dead ones: files. */
	if (ctl_commands[i].where == CTL_OFFLINE) {
		c.client.instance = rundir_instance(instance);
		return ctl_commands[i].fn(&c, argc, argv);
	}
	sock = getenv("ORCH_SOCKET");
	if (ctl_commands[i].where == CTL_AGENT && sock != NULL && *sock != '\0' &&
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
