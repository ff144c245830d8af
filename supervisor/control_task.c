/*
 * Control operations on tasks: list them, approve or deny one that waits,
 * cancel one, submit a command as a task, run a workflow file. Work is
 * queued with the scheduler; an answer that waits for the end is a
 * control_reply.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "common/log.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "supervisor/agent.h"
#include "supervisor/door.h"
#include "supervisor/control_int.h"
#include "supervisor/sched.h"
#include "supervisor/supervisor.h"
#include "supervisor/workflow.h"

/* A week, as in workflows. */
#define CONTROL_TIMEOUT_MAX_MS	(7ull * 24 * 3600 * 1000)
#define CONTROL_RETRY_MAX		100

static void
control_reply_packed(struct control_client *c, const struct envelope *env,
    msgpack_sbuffer *sb)
{
	control_answer(c, env, IPC_OK, NULL, sb->data, sb->size);
	msgpack_sbuffer_destroy(sb);
}

void
control_tasks(struct control_client *c, const struct envelope *env)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	sched_pack(c->ctl->sup->sched, &pk);
	control_reply_packed(c, env, &sb);
}

/* How much of a log one answer carries, at most and by default. */
#define CONTROL_LOG_BYTES_MAX		((size_t)1 << 20)
#define CONTROL_LOG_BYTES_DEFAULT	((size_t)64 << 10)
#define CONTROL_LOG_ATTEMPTS_MAX	1000

/* The end of a task's log (its last attempt's, or the one asked for). */
void
control_task_logs(struct control_client *c, const struct envelope *env)
{
	const char		*instance = c->ctl->sup->instance;
	struct tasklog_tail	 t;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	char			 task[128], path[PATH_MAX], *cause = NULL;
	uint64_t		 attempt = 0, bytes = CONTROL_LOG_BYTES_DEFAULT;
	unsigned		 n;

	if (body_str(&env->body, "task", task, sizeof task) != 0 ||
	    task[0] == '\0' || (body_get(&env->body, "attempt") != NULL &&
	    (body_u64(&env->body, "attempt", &attempt) != 0 || attempt == 0 ||
	    attempt > CONTROL_LOG_ATTEMPTS_MAX)) || (body_get(&env->body,
	    "bytes") != NULL && body_u64(&env->body, "bytes", &bytes) != 0)) {
		control_error(c, env, IPC_E_INVAL, "task.logs needs a task "
		    "(and an attempt from 1, and bytes, if given)");
		return;
	}
	for (n = 0; n < CONTROL_LOG_ATTEMPTS_MAX && tasklog_attempt(instance,
	    task, n + 1, path, sizeof path); n++)
		;
	if (n == 0 || attempt > n) {
		control_error(c, env, IPC_E_NOENT, n == 0 ? "no log of a "
		    "task '%s'" : "task '%s' has no attempt %llu", task,
		    (unsigned long long)attempt);
		return;
	}
	if (attempt == 0)
		attempt = n;
	tasklog_attempt(instance, task, (unsigned)attempt, path, sizeof path);
	memset(&t, 0, sizeof t);
	t.max = bytes < CONTROL_LOG_BYTES_MAX ? (size_t)bytes :
	    CONTROL_LOG_BYTES_MAX;
	if (tasklog_tail(path, &t, &cause) != 0) {
		control_error(c, env, IPC_E_INTERNAL, "%s", cause);
		free(cause);
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6);
	body_pack_kv_str(&pk, "task", task);
	body_pack_kv_u64(&pk, "attempt", attempt);
	body_pack_kv_u64(&pk, "attempts", n);
	body_pack_kv_bin(&pk, "log", t.buf, t.len);
	body_pack_kv_u64(&pk, "total", t.total);
	body_pack_kv_bool(&pk, "running", t.cut);
	free(t.buf);
	control_reply_packed(c, env, &sb);
}

enum control_decision {
	CONTROL_APPROVE,
	CONTROL_DENY,
	CONTROL_CANCEL,
};

static void
control_decide(struct control_client *c, const struct envelope *env,
    enum control_decision d)
{
	struct sched	*s = c->ctl->sup->sched;
	struct agent	*a;
	const char	*why = NULL;
	char		 task[128];
	int		 rc;

	if (body_str(&env->body, "task", task, sizeof task) != 0) {
		control_error(c, env, IPC_E_INVAL, "%s needs a task id",
		    env->op);
		return;
	}
	rc = d == CONTROL_CANCEL ? sched_cancel(s, task, &why) :
	    sched_approve(s, task, d == CONTROL_APPROVE, &why);
	/*
	 * No such task, but an agent of that name waits on orch: a tool call
	 * of its Claude Code that no task of orch's asked for (a person
	 * typed the prompt in its session).
	 */
	if (rc != 0 && d != CONTROL_CANCEL && (a = agent_find(c->ctl->sup,
	    task)) != NULL && a->permits > 0)
		rc = door_release(c->ctl->sup->door, a, d == CONTROL_APPROVE,
		    "denied");
	if (rc != 0) {
		control_error(c, env, IPC_E_NOENT, "%s: %s", task, why);
		return;
	}
	control_answer(c, env, IPC_OK, NULL, NULL, 0);
}

void
control_approve(struct control_client *c, const struct envelope *env)
{
	control_decide(c, env, CONTROL_APPROVE);
}

void
control_deny(struct control_client *c, const struct envelope *env)
{
	control_decide(c, env, CONTROL_DENY);
}

void
control_cancel(struct control_client *c, const struct envelope *env)
{
	control_decide(c, env, CONTROL_CANCEL);
}

/* Queue run no; answer {run, ...} now, or its result once it is over. */
static void
control_queued(struct control_client *c, const struct envelope *env,
    unsigned no, const char *key, const char *val, uint64_t ntasks)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	bool		wait = false;

	body_bool(&env->body, "wait", &wait);
	if (wait) {
		sched_wait(c->ctl->sup->sched, no, control_msg_done,
		    control_reply_new(c, env));
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, ntasks > 0 ? 3 : 2);
	body_pack_kv_u64(&pk, "run", no);
	body_pack_kv_str(&pk, key, val);
	if (ntasks > 0)
		body_pack_kv_u64(&pk, "tasks", ntasks);
	control_reply_packed(c, env, &sb);
}

/* Some agent whose capabilities cover all of req, or NULL. */
static struct agent *
control_capable(struct supervisor *sup, const struct strlist *req)
{
	struct agent	*a;
	size_t		 i;

	for (a = sup->agents; a != NULL; a = a->next) {
		for (i = 0; i < req->n; i++)
			if (!strlist_has(&a->ac.caps, req->v[i]))
				break;
		if (i == req->n)
			return a;
	}
	return NULL;
}

/* The submitted task from the request, or -1 after answering an error. */
static int
control_submit_task(struct control_client *c, const struct envelope *env,
    struct wf_task *t)
{
	const msgpack_object	*req, *o;
	const char		*cmd;
	char			 agent[AGENT_ID_MAX + 1] = "", *cap;
	size_t			 len;
	int64_t			 pri = 0;
	uint64_t		 timeout = 0, retry = 0;
	uint32_t		 i;
	bool			 prompt;

	memset(t, 0, sizeof *t);
	/* A command for a shell, or a prompt for an agent's runner. */
	prompt = (cmd = body_bytes(&env->body, "command", &len)) == NULL;
	if (prompt)
		cmd = body_bytes(&env->body, "prompt", &len);
	if (cmd == NULL || len == 0 || memchr(cmd, '\0', len) != NULL) {
		control_error(c, env, IPC_E_INVAL, "submit needs a command or "
		    "a prompt");
		return -1;
	}
	if (body_get(&env->body, "id") == NULL)
		snprintf(t->id, sizeof t->id, "task");
	else if (body_str(&env->body, "id", t->id, sizeof t->id) != 0 ||
	    !workflow_id_valid(t->id)) {
		control_error(c, env, IPC_E_INVAL, "the task id must be 1-%d "
		    "of A-Z a-z 0-9 _ . -", WF_ID_MAX);
		return -1;
	}
	if (body_get(&env->body, "agent") != NULL) {
		if (body_str(&env->body, "agent", agent, sizeof agent) != 0 ||
		    agent_find(c->ctl->sup, agent) == NULL) {
			control_error(c, env, IPC_E_NO_PEER, "no agent '%s'",
			    agent);
			return -1;
		}
		t->agent = xstrdup(agent);
	}
	if ((req = body_get(&env->body, "requires")) != NULL) {
		if (req->type != MSGPACK_OBJECT_ARRAY || t->agent != NULL)
			goto bad_requires;
		for (i = 0; i < req->via.array.size; i++) {
			o = &req->via.array.ptr[i];
			if (o->type != MSGPACK_OBJECT_STR || o->via.str.size ==
			    0 || o->via.str.size > 255)
				goto bad_requires;
			cap = xstrndup(o->via.str.ptr, o->via.str.size);
			strlist_add(&t->requires, cap);
			free(cap);
		}
		if (control_capable(c->ctl->sup, &t->requires) == NULL) {
			control_error(c, env, IPC_E_NOENT, "no agent has every "
			    "capability asked for");
			goto fail;
		}
	}
	if ((body_get(&env->body, "priority") != NULL && (body_i64(&env->body,
	    "priority", &pri) != 0 || pri < WF_PRIORITY_MIN ||
	    pri > WF_PRIORITY_MAX)) ||
	    (body_get(&env->body, "timeout_ms") != NULL && (body_u64(&env->body,
	    "timeout_ms", &timeout) != 0 || timeout == 0 ||
	    timeout > CONTROL_TIMEOUT_MAX_MS)) ||
	    (body_get(&env->body, "retry") != NULL && (body_u64(&env->body,
	    "retry", &retry) != 0 || retry > CONTROL_RETRY_MAX))) {
		control_error(c, env, IPC_E_INVAL, "priority must be a whole "
		    "number within +-%d, timeout_ms from 1 to a week, retry at "
		    "most %d", WF_PRIORITY_MAX, CONTROL_RETRY_MAX);
		goto fail;
	}
	body_bool(&env->body, "approval", &t->requires_approval);
	if (prompt)
		t->prompt = xstrndup(cmd, len);
	else
		t->command = xstrndup(cmd, len);
	t->priority = (int)pri;
	t->timeout_s = (double)timeout / 1000;
	t->retry_max = (unsigned)retry;
	t->retry_backoff_s = 1;
	return 0;
bad_requires:
	control_error(c, env, IPC_E_INVAL, "requires is a list of capabilities "
	    "(and not with agent)");
fail:
	free(t->agent);
	strlist_clear(&t->requires);
	return -1;
}

void
control_submit(struct control_client *c, const struct envelope *env)
{
	struct supervisor	*sup = c->ctl->sup;
	struct wf_task		 t;
	unsigned		 no;
	char			 id[WF_ID_MAX + 1], key[WF_ID_MAX + 16];

	if (sup->stopping || !sched_open(sup->sched)) {
		control_error(c, env, IPC_E_SHUTDOWN, "the supervisor is "
		    "stopping");
		return;
	}
	if (control_submit_task(c, env, &t) != 0)
		return;
	snprintf(id, sizeof id, "%s", t.id);
	no = sched_add(sup->sched, workflow_single(&t), SCHED_SUBMIT);
	sched_task_name(sup->sched, no, id, key, sizeof key);
	control_queued(c, env, no, "task", key, 0);
}

/*
 * The workflow a request sends, checked against the running agents. NULL
 * when it is not valid: answered, or with errors its errors (for the
 * caller to answer with).
 */
static struct workflow *
control_workflow_load(struct control_client *c, const struct envelope *env,
    char *name, size_t size, char **errors)
{
	struct supervisor	*sup = c->ctl->sup;
	struct workflow		*wf;
	struct config		*running;
	const char		*text;
	char			 dir[PATH_MAX], *cause = NULL;
	size_t			 len;

	/*
	 * The client sends the text: it may be a pipe only the client can
	 * read, and a file we opened could be one that never ends.
	 */
	if (body_str(&env->body, "file", name, size) != 0 ||
	    (text = body_bytes(&env->body, "text", &len)) == NULL ||
	    (body_get(&env->body, "dir") != NULL && (body_str(&env->body,
	    "dir", dir, sizeof dir) != 0 || dir[0] != '/'))) {
		control_error(c, env, IPC_E_INVAL, "%s needs the file's name "
		    "and text (and its directory, absolute)", env->op);
		return NULL;
	}
	running = agent_configs(sup);
	wf = workflow_load_text(name, text, len, body_get(&env->body, "dir") !=
	    NULL ? dir : NULL, running, WF_BASE_RUNNING, &cause);
	config_free(running);
	if (wf == NULL && errors != NULL)
		*errors = cause;
	else if (wf == NULL) {
		control_error(c, env, IPC_E_INVAL, "%s", cause);
		free(cause);
	}
	return wf;
}

void
control_workflow_check(struct control_client *c, const struct envelope *env)
{
	struct workflow	*wf;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		 name[PATH_MAX], *errors = NULL;

	wf = control_workflow_load(c, env, name, sizeof name, &errors);
	if (wf == NULL && errors == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (wf == NULL) {
		/* Every error, however many: the answer's body has room. */
		msgpack_pack_map(&pk, 2);
		body_pack_kv_bool(&pk, "valid", false);
		body_pack_kv_str(&pk, "errors", errors);
		free(errors);
		control_reply_packed(c, env, &sb);
		return;
	}
	msgpack_pack_map(&pk, 4);
	body_pack_kv_bool(&pk, "valid", true);
	body_pack_kv_u64(&pk, "stages", wf->nstages);
	body_pack_kv_u64(&pk, "tasks", wf->ntasks);
	body_pack_kv_u64(&pk, "agents", wf->agents->nagents);
	workflow_free(wf);
	control_reply_packed(c, env, &sb);
}

void
control_workflow_run(struct control_client *c, const struct envelope *env)
{
	struct supervisor	*sup = c->ctl->sup;
	struct workflow		*wf;
	struct agent		*a;
	char			 name[PATH_MAX];
	size_t			 i;
	unsigned		 no;

	if (sup->stopping || !sched_open(sup->sched)) {
		control_error(c, env, IPC_E_SHUTDOWN, "the supervisor is "
		    "stopping");
		return;
	}
	if ((wf = control_workflow_load(c, env, name, sizeof name, NULL)) ==
	    NULL)
		return;
	/* Agents the workflow brings start now; the queue waits for them. */
	for (i = 0; i < wf->agents->nagents; i++)
		if (agent_find(sup, wf->agents->agents[i].id) == NULL) {
			a = agent_add(sup, &wf->agents->agents[i]);
			log_info("agent %s: deployed for %s", a->ac.id,
			    wf->file);
			agent_start(a);
		}
	i = wf->ntasks;
	no = sched_add(sup->sched, wf, SCHED_WORKFLOW);
	control_queued(c, env, no, "workflow", name, i);
}
