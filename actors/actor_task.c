/*
 * An actor's tasks (task.run from the supervisor): a command run as a
 * process session of its own, shown on the agent's terminal and kept in
 * its log; a prompt typed into an interactive Claude Code; a claude -p
 * task with its prompt on its stdin. Answered when it ends; task.kill
 * stops it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/actor.h"
#include "actors/claude.h"
#include "actors/session.h"
#include "actors/task.h"
#include "common/log.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/proto.h"

#define ACTOR_ARGV_MAX		4096

static void
actor_task_output_cb(struct task *t, const char *data, size_t len, void *arg)
{
	struct actor	*a = arg;

	(void)t;
	tasklog_write(a->tasklog, data, len);
	claude_print_output(a, data, len);
	if (a->session != NULL)
		session_show(a->session, data, len);
}

static void
actor_task_done_cb(struct task *t, const struct task_result *r, void *arg)
{
	struct actor	*a = arg;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		 line[160], *cause = NULL;

	if (tasklog_close(a->tasklog, &cause) != 0) {
		log_warnx("task %s: %s", a->task_name, cause);
		free(cause);
	}
	a->tasklog = NULL;
	snprintf(line, sizeof line, "\n[orch] task %s %s%s%d (%llu ms)\n",
	    a->task_name, r->timed_out ? "timed out, " : "",
	    r->signal ? "killed by signal " : "exited ",
	    r->signal ? r->signal : r->exit_code,
	    (unsigned long long)(r->duration_ns / 1000000));
	if (a->session != NULL)
		session_show(a->session, line, strlen(line));

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	body_pack_kv_u64(&pk, "task", task_id(t));
	body_pack_kv_str(&pk, "agent", a->ac.id);
	body_pack_kv_i64(&pk, "exit", r->exit_code);
	body_pack_kv_i64(&pk, "signal", r->signal);
	body_pack_kv_bool(&pk, "timed_out", r->timed_out);
	body_pack_kv_u64(&pk, "duration_ns", r->duration_ns);
	body_pack_kv_bin(&pk, "tail", r->tail, r->tail_len);
	if (a->link != NULL)
		peer_reply(a->link, &a->task_req, IPC_OK, NULL, sb.data,
		    sb.size);
	msgpack_sbuffer_destroy(&sb);
	claude_print_end(a);
	task_free(t);
	a->task = NULL;
	actor_watch(a);
	actor_check_done(a);
}

static void
actor_task_started(struct actor *a, uint64_t id, pid_t pgid)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	body_pack_kv_u64(&pk, "task", id);
	body_pack_kv_i64(&pk, "pgid", pgid);
	peer_notify(a->link, IPC_OP_TASK_STARTED, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * A prompt for the interactive Claude Code: typed into its TUI (argv[0]
 * is the prompt), nothing shown over it, its log the answer.
 */
static void
actor_claude_task(struct actor *a, const struct envelope *env,
    const msgpack_object *argv_o, uint64_t id, unsigned timeout_ms)
{
	const msgpack_object	*o = &argv_o->via.array.ptr[0];
	char			 logpath[PATH_MAX], *why = NULL;

	if (argv_o->via.array.size != 1 || o->type != MSGPACK_OBJECT_STR) {
		peer_reply(a->link, env, IPC_E_INVAL, "an interactive Claude "
		    "Code agent runs prompts, not commands", NULL, 0);
		return;
	}
	if (body_str(&env->body, "log", logpath, sizeof logpath) == 0 &&
	    (a->tasklog = tasklog_open(logpath, &why)) == NULL) {
		log_warnx("%s", why);
		free(why);
	}
	claude_task(a, env, id, o->via.str.ptr, o->via.str.size, timeout_ms);
	actor_task_started(a, id, 0);
}

void
actor_task_run(struct actor *a, const struct envelope *env)
{
	static const struct task_cbs	 cbs = { actor_task_output_cb,
					    actor_task_done_cb };
	const msgpack_object		*argv_o;
	struct task_spec		 spec;
	char				**argv, *cause = NULL, line[256];
	char				 logpath[PATH_MAX], *why = NULL;
	char				 display[512];
	const char			*prompt;
	size_t				 plen = 0;
	uint64_t			 id = 0, timeout = 0;
	uint32_t			 i, n;

	if (a->stopping) {
		peer_reply(a->link, env, IPC_E_SHUTDOWN, "agent is stopping",
		    NULL, 0);
		return;
	}
	if (a->task != NULL || (a->claude != NULL && claude_busy(a))) {
		if (a->claude != NULL && claude_task_id(a) == 0)
			snprintf(line, sizeof line, "agent %s is busy: its Claude "
			    "Code works on a prompt typed in its session",
			    a->ac.id);
		else
			snprintf(line, sizeof line, "agent %s is busy with task "
			    "%s", a->ac.id, a->task_name);
		peer_reply(a->link, env, IPC_E_BUSY, line, NULL, 0);
		return;
	}
	argv_o = body_get(&env->body, "argv");
	body_u64(&env->body, "task", &id);
	body_u64(&env->body, "timeout_ms", &timeout);
	if (body_str(&env->body, "name", a->task_name,
	    sizeof a->task_name) != 0)
		snprintf(a->task_name, sizeof a->task_name, "%llu",
		    (unsigned long long)id);
	if (body_str(&env->body, "display", display, sizeof display) != 0)
		display[0] = '\0';
	if (argv_o == NULL || argv_o->type != MSGPACK_OBJECT_ARRAY ||
	    argv_o->via.array.size == 0 || argv_o->via.array.size >
	    ACTOR_ARGV_MAX || timeout > UINT32_MAX) {
		peer_reply(a->link, env, IPC_E_INVAL, "task.run needs a "
		    "non-empty argv", NULL, 0);
		return;
	}
	if (a->claude != NULL) {
		actor_claude_task(a, env, argv_o, id, (unsigned)timeout);
		return;
	}
	n = argv_o->via.array.size;
	argv = xcalloc(n + 1, sizeof *argv);
	for (i = 0; i < n; i++) {
		const msgpack_object	*o = &argv_o->via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_STR ||
		    memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL)
			break;
		argv[i] = xstrndup(o->via.str.ptr, o->via.str.size);
	}
	if (i == n) {
		memset(&spec, 0, sizeof spec);
		spec.id = id;
		spec.argv = argv;
		spec.cwd = a->ac.cwd;
		spec.timeout_ms = (unsigned)timeout;
		spec.env = session_environ(&a->ac, a->env);
		/* Claude Code in print mode: the prompt is for its stdin. */
		prompt = body_bytes(&env->body, "prompt", &plen);
		spec.stdin_pipe = prompt != NULL;
		spec.shell_pid = a->session != NULL ? session_leader(a->session) :
		    0;
		spec.wrap = a->sandbox;
		a->task = task_start(a->base, &spec, &cbs, a, &cause);
		free((char **)spec.env);
		actor_watch(a);
		if (a->task != NULL && task_stdin(a->task) != -1)
			claude_print_start(a, id, task_stdin(a->task), prompt,
			    plen);
		if (a->task != NULL && body_str(&env->body, "log", logpath,
		    sizeof logpath) == 0 && (a->tasklog = tasklog_open(logpath,
		    &why)) == NULL) {
			/* The task runs anyway; only its full log is lost. */
			log_warnx("%s", why);
			free(why);
		}
	} else
		cause = xstrdup("argv items must be strings");
	if (a->task == NULL)
		peer_reply(a->link, env, IPC_E_INVAL, cause, NULL, 0);
	else {
		envelope_answer_to(&a->task_req, env);

		/* Named as everywhere else; the command as its user wrote it. */
		snprintf(line, sizeof line, "\n[orch] task %s: ", a->task_name);
		session_show(a->session, line, strlen(line));
		if (display[0] != '\0')
			session_show(a->session, display, strlen(display));
		else
			for (i = 0; i < n; i++) {
				session_show(a->session, i ? " " : "", i ? 1 :
				    0);
				session_show(a->session, argv[i],
				    strlen(argv[i]));
			}
		session_show(a->session, "\n", 1);
		actor_task_started(a, id, task_pgid(a->task));
	}
	free(cause);
	for (i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

/* Stop the task named, if it is still the one running (else: too late). */
void
actor_task_kill(struct actor *a, const struct envelope *env)
{
	uint64_t	id = 0;

	body_u64(&env->body, "task", &id);
	if (a->task != NULL && task_id(a->task) == id) {
		log_info("task %llu: cancelled by the supervisor",
		    (unsigned long long)id);
		task_kill(a->task, IPC_TASK_KILL_GRACE_MS);
	} else if (a->claude != NULL)
		claude_task_kill(a, id);
}
