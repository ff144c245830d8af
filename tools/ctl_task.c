/*
 * orch-ctl tasks, submit, workflow run, approve and deny: work queued
 * with the supervisor's scheduler, and the tasks it holds.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "supervisor/tasktable.h"
#include "supervisor/workflow.h"
#include "tools/client.h"
#include "tools/ctl.h"

int
ctl_task_exit(const msgpack_object *res, const char *out_key, double secs)
{
	const char	*out;
	char		 reason[256], status[16];
	int64_t		 code = -1, sig = 0;
	bool		 timed_out = false;
	size_t		 len;

	if (out_key != NULL && (out = body_bytes(res, out_key, &len)) != NULL)
		fwrite(out, 1, len, stdout);
	fflush(stdout);
	body_i64(res, "exit", &code);
	body_i64(res, "signal", &sig);
	body_bool(res, "timed_out", &timed_out);
	if (body_str(res, "status", status, sizeof status) == 0 &&
	    strcmp(status, "cancelled") == 0) {
		if (body_str(res, "reason", reason, sizeof reason) != 0 ||
		    strcmp(reason, "cancelled") == 0)
			fprintf(stderr, "orch-ctl: task cancelled\n");
		else
			fprintf(stderr, "orch-ctl: task cancelled: %s\n", reason);
		return 1;
	}
	if (timed_out) {
		fprintf(stderr, "orch-ctl: task timed out after %g s\n", secs);
		return 124;
	}
	if (sig > 0) {
		fprintf(stderr, "orch-ctl: task killed by signal %lld\n",
		    (long long)sig);
		return 128 + (int)sig;
	}
	/* Never ran (skipped, denied, ...), or no exit status to pass on. */
	if (code < 0 || (body_str(res, "status", status, sizeof status) == 0 &&
	    strcmp(status, "ok") != 0 && code == 0)) {
		if (body_str(res, "reason", reason, sizeof reason) != 0 ||
		    reason[0] == '\0')
			snprintf(reason, sizeof reason, "it did not run");
		fprintf(stderr, "orch-ctl: task failed: %s\n", reason);
		return 1;
	}
	return code > 255 ? 1 : (int)code;
}

int
ctl_tasks(struct client *c, int argc, char **argv)
{
	const msgpack_object	*res;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(stderr, "orch-ctl: tasks [--json]\n");
		return 2;
	}
	if (client_call(c, IPC_OP_TASKS, NULL, 0, CTL_TIMEOUT_MS, &res) !=
	    IPC_OK) {
		fprintf(stderr, "orch-ctl: tasks: %s\n", c->errmsg);
		return 1;
	}
	if (argc == 2)
		client_print_json(res);
	else
		tasktable_print(stdout, body_get(res, "tasks"));
	return 0;
}

/* approve, deny or cancel, each TASK named. */
int
ctl_decide(struct client *c, int argc, char **argv)
{
	static const struct {
		const char	*cmd;
		const char	*op;
		const char	*done;
	} verbs[] = {
		{ "approve", IPC_OP_TASK_APPROVE, "approved" },
		{ "deny", IPC_OP_TASK_DENY, "denied" },
		{ "cancel", IPC_OP_TASK_CANCEL, "cancelled" },
	};
	const msgpack_object	*res;
	size_t			 v;
	int			 i, rc = 0;

	for (v = 0; strcmp(argv[0], verbs[v].cmd) != 0; v++)
		;
	if (argc < 2) {
		fprintf(stderr, "orch-ctl: %s TASK...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (client_call_str(c, verbs[v].op, "task", argv[i],
		    CTL_TIMEOUT_MS, &res) != IPC_OK) {
			fprintf(stderr, "orch-ctl: %s\n", c->errmsg);
			rc = 1;
			continue;
		}
		printf("task %s %s\n", argv[i], verbs[v].done);
	}
	return rc;
}

/* A default task id from the command's first word: "make", "pytest". */
static void
ctl_default_id(const char *word, char *id, size_t size)
{
	char	*copy = xstrdup(word), *base;
	size_t	 i, n = 0;

	copy[strcspn(copy, " \t\n")] = '\0';
	base = basename(copy);
	for (i = 0; base[i] != '\0' && n + 1 < size && n < 32; i++)
		id[n++] = workflow_id_char(base[i]) ? base[i] : '_';
	id[n] = '\0';
	if (n == 0 || !workflow_id_valid(id))
		snprintf(id, size, "task");
	free(copy);
}

/* The command line for /bin/sh: one argument as it is, more quoted. */
static char *
ctl_command(int argc, char **argv)
{
	size_t	 len = 1;
	char	*cmd, *p, *q;
	int	 k;

	if (argc == 1)
		return xstrdup(argv[0]);
	for (k = 0; k < argc; k++)
		len += strlen(argv[k]) * 4 + 3;
	p = cmd = xmalloc(len);
	for (k = 0; k < argc; k++) {
		if (k > 0)
			*p++ = ' ';
		*p++ = '\'';
		for (q = argv[k]; *q != '\0'; q++) {
			if (*q == '\'') {
				/* ' ends the quote, \' is one, ' reopens. */
				memcpy(p, "'\\''", 4);
				p += 4;
			} else
				*p++ = *q;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return cmd;
}

/* A prompt's words, as they were given, one space between. */
static char *
ctl_words(int argc, char **argv)
{
	char	*out = xstrdup(""), *next;
	int	 k;

	for (k = 0; k < argc; k++) {
		xasprintf(&next, "%s%s%s", out, k > 0 ? " " : "", argv[k]);
		free(out);
		out = next;
	}
	return out;
}

static int
ctl_priority(const char *s, int64_t *out)
{
	char	*end;
	long	 v;

	if ((*out = workflow_priority_name(s)) != -1)
		return 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < WF_PRIORITY_MIN ||
	    v > WF_PRIORITY_MAX)
		return -1;
	*out = v;
	return 0;
}

int
ctl_submit(struct client *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "requires", required_argument, NULL, 'r' },
		{ "priority", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retry", required_argument, NULL, 'R' },
		{ "id", required_argument, NULL, 'i' },
		{ "approval", no_argument, NULL, 'A' },
		{ "wait", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "prompt", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const msgpack_object		*res, *tasks;
	const char			*agent = NULL, *id = NULL;
	struct strlist			 req = { NULL, 0 };
	msgpack_sbuffer			 sb;
	msgpack_packer			 pk;
	char				*end, *cmd, *caps = NULL, *cap, *save;
	char				 key[128], defid[WF_ID_MAX + 1];
	double				 secs = 0;
	int64_t				 pri = 0;
	long				 retry = -1;
	bool				 wait = false, json = false, approval = false;
	bool				 has_pri = false, prompt = false;
	int				 ch, rc;
	size_t				 i, n;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, "+a:r:p:t:", opts)) != -1) {
		switch (ch) {
		case 'a':
			agent = optarg;
			break;
		case 'r':
			caps = optarg;
			break;
		case 'p':
			if (ctl_priority(optarg, &pri) != 0) {
				fprintf(stderr, "orch-ctl: submit: priority "
				    "'%s' is not low, medium, high or a whole "
				    "number from -1000 to 1000\n", optarg);
				return 2;
			}
			has_pri = true;
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (*end != '\0' || !(secs >= 0.001) || secs > 604800) {
				fprintf(stderr, "orch-ctl: submit: bad timeout "
				    "'%s' (seconds, up to a week)\n", optarg);
				return 2;
			}
			break;
		case 'R':
			retry = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || retry < 0 ||
			    retry > 100) {
				fprintf(stderr, "orch-ctl: submit: bad retry "
				    "count '%s' (0-100)\n", optarg);
				return 2;
			}
			break;
		case 'i':
			id = optarg;
			break;
		case 'A':
			approval = true;
			break;
		case 'w':
			wait = true;
			break;
		case 'j':
			json = true;
			break;
		case 'P':
			prompt = true;
			break;
		default:
			fprintf(stderr, "orch-ctl: submit [--agent A | "
			    "--requires CAP,...] [--priority N] [--timeout S] "
			    "[--retry N] [--id NAME] [--approval] [--wait] "
			    "[--json] [--prompt] -- COMMAND...|PROMPT\n");
			return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc) {
		fprintf(stderr, "orch-ctl: submit needs a command after --\n");
		return 2;
	}
	if (agent != NULL && caps != NULL) {
		fprintf(stderr, "orch-ctl: submit: --agent or --requires, not "
		    "both\n");
		return 2;
	}
	if (id != NULL && !workflow_id_valid(id)) {
		fprintf(stderr, "orch-ctl: submit: --id '%s': 1-%d of A-Z a-z "
		    "0-9 _ . -\n", id, WF_ID_MAX);
		return 2;
	}
	if (id == NULL) {
		ctl_default_id(argv[optind], defid, sizeof defid);
		id = defid;
	}
	if (caps != NULL) {
		caps = xstrdup(caps);
		for (cap = strtok_r(caps, ",", &save); cap != NULL;
		    cap = strtok_r(NULL, ",", &save))
			strlist_add(&req, cap);
		free(caps);
	}
	cmd = prompt ? ctl_words(argc - optind, argv + optind) :
	    ctl_command(argc - optind, argv + optind);
	n = 3 + (agent != NULL) + (req.n > 0) + has_pri + (secs > 0) +
	    (retry >= 0) + approval;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	body_pack_kv_str(&pk, prompt ? "prompt" : "command", cmd);
	body_pack_kv_str(&pk, "id", id);
	body_pack_kv_bool(&pk, "wait", wait);
	if (agent != NULL)
		body_pack_kv_str(&pk, "agent", agent);
	if (req.n > 0) {
		body_pack_str(&pk, "requires");
		msgpack_pack_array(&pk, req.n);
		for (i = 0; i < req.n; i++)
			body_pack_str(&pk, req.v[i]);
	}
	if (has_pri)
		body_pack_kv_i64(&pk, "priority", pri);
	if (secs > 0)
		body_pack_kv_u64(&pk, "timeout_ms", (uint64_t)(secs * 1000));
	if (retry >= 0)
		body_pack_kv_u64(&pk, "retry", (uint64_t)retry);
	if (approval)
		body_pack_kv_bool(&pk, "approval", true);
	free(cmd);
	strlist_clear(&req);
	rc = client_call(c, IPC_OP_TASK_SUBMIT, sb.data, sb.size, wait ?
	    CTL_FOREVER_MS : CTL_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK) {
		fprintf(stderr, "orch-ctl: submit: %s\n", c->errmsg);
		return 1;
	}
	if (json) {
		client_print_json(res);
		return 0;
	}
	if (!wait) {
		if (body_str(res, "task", key, sizeof key) == 0)
			printf("%s\n", key);
		return 0;
	}
	tasks = body_get(res, "tasks");
	if (tasks == NULL || tasks->type != MSGPACK_OBJECT_ARRAY ||
	    tasks->via.array.size != 1) {
		fprintf(stderr, "orch-ctl: submit: an answer without the "
		    "task\n");
		return 1;
	}
	return ctl_task_exit(&tasks->via.array.ptr[0], "output", secs);
}

/* A workflow is at most this big (the supervisor's own limit is lower). */
#define CTL_WORKFLOW_MAX	(8u << 20)

/* The whole of path ("-": standard input), malloc'd; NULL after a message. */
static char *
ctl_read_file(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char	*buf;
	size_t	 n;

	if (f == NULL) {
		fprintf(stderr, "orch-ctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(CTL_WORKFLOW_MAX + 1);
	n = fread(buf, 1, CTL_WORKFLOW_MAX + 1, f);
	if (ferror(f) || n > CTL_WORKFLOW_MAX) {
		fprintf(stderr, "orch-ctl: %s: %s\n", path, ferror(f) ?
		    strerror(errno) : "larger than 8 MiB");
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

/* The absolute directory path is in. */
static int
ctl_dir_of(const char *path, char *dir, size_t size)
{
	char	*copy = xstrdup(path), real[PATH_MAX];
	int	 rc = -1;

	if (realpath(dirname(copy), real) != NULL &&
	    strlen(real) < size) {
		memcpy(dir, real, strlen(real) + 1);
		rc = 0;
	}
	free(copy);
	return rc;
}

int
ctl_workflow(struct client *c, int argc, char **argv)
{
	const msgpack_object	*res;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	char			 dir[PATH_MAX], *text;
	const char		*file = NULL;
	size_t			 len;
	bool			 has_dir;
	uint64_t		 run = 0, ntasks = 0, dur = 0;
	int64_t			 code = 1;
	bool			 wait = false, json = false;
	uint32_t		 i, ok = 0, n = 0;
	int			 k, rc;

	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--wait") == 0)
			wait = true;
		else if (strcmp(argv[k], "--json") == 0)
			json = true;
		else if ((argv[k][0] != '-' || strcmp(argv[k], "-") == 0) &&
		    file == NULL)
			file = argv[k];
		else
			break;
	}
	if (argc < 2 || strcmp(argv[1], "run") != 0 || k < argc ||
	    file == NULL) {
		fprintf(stderr, "orch-ctl: workflow run FILE|- [--wait] "
		    "[--json]\n");
		return 2;
	}
	if ((text = ctl_read_file(file, &len)) == NULL)
		return 2;
	/* Relative agent cwds are relative to the file, as with -w. */
	has_dir = strcmp(file, "-") == 0 ? getcwd(dir, sizeof dir) != NULL :
	    ctl_dir_of(file, dir, sizeof dir) == 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, has_dir ? 4 : 3);
	body_pack_kv_str(&pk, "file", strcmp(file, "-") == 0 ? "(stdin)" :
	    file);
	body_pack_kv_bin(&pk, "text", text, len);
	if (has_dir)
		body_pack_kv_str(&pk, "dir", dir);
	body_pack_kv_bool(&pk, "wait", wait);
	free(text);
	rc = client_call(c, IPC_OP_WORKFLOW_RUN, sb.data, sb.size, wait ?
	    CTL_FOREVER_MS : CTL_TIMEOUT_MS, &res);
	msgpack_sbuffer_destroy(&sb);
	if (rc != IPC_OK) {
		log_print_error("orch-ctl", c->errmsg);
		return rc == IPC_E_INVAL ? 2 : 1;
	}
	if (json) {
		client_print_json(res);
		return wait && body_i64(res, "exit", &code) == 0 ? (int)code : 0;
	}
	body_u64(res, "run", &run);
	if (!wait) {
		body_u64(res, "tasks", &ntasks);
		printf("run %llu: %llu task%s queued; their names start with "
		    "\"%llu:\"\n", (unsigned long long)run,
		    (unsigned long long)ntasks, ntasks == 1 ? "" : "s",
		    (unsigned long long)run);
		return 0;
	}
	{
		const msgpack_object	*tasks = body_get(res, "tasks");
		char			 st[16];

		tasktable_print(stdout, tasks);
		for (i = 0; tasks != NULL && tasks->type ==
		    MSGPACK_OBJECT_ARRAY && i < tasks->via.array.size; i++) {
			n++;
			ok += body_str(&tasks->via.array.ptr[i], "status", st,
			    sizeof st) == 0 && strcmp(st, "ok") == 0;
		}
	}
	body_u64(res, "duration_ns", &dur);
	body_i64(res, "exit", &code);
	printf("%u of %u tasks succeeded in %.2f s\n", ok, n,
	    (double)dur / 1e9);
	return code == 0 ? 0 : 1;
}
