/*
 * The interactive Claude Code driver (claude.h): the session's command
 * and settings, readiness, prompts typed and confirmed, the task's end
 * and timeout, first-run dialogs, and the screen's safety net.
 */
#include "actors/claude.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "actors/actor.h"
#include "actors/claude_int.h"
#include "actors/session.h"
#include "common/compat.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/tasklog.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/proto.h"

#define CLAUDE_HOOK_TIMEOUT_S	60
#define CLAUDE_HOLD_TIMEOUT_S	(7 * 24 * 3600)	/* a person may be away */
#define CLAUDE_INTERRUPT_MS	1000

bool
claude_sid_valid(const char *s, size_t len)
{
	size_t	i;

	/* Letters or digits first: never an option to an argument parser. */
	if (len == 0 || len > CLAUDE_SID_MAX || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

size_t
claude_paste_clean(const char *in, size_t len, char *out)
{
	size_t		i, n = 0;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '\r') {
			out[n++] = '\n';
			if (i + 1 < len && in[i + 1] == '\n')
				i++;
		} else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
			out[n++] = (char)c;
		/* C1 controls as UTF-8 (U+0080-U+009F): a CSI in disguise. */
		if (c == 0xc2 && i + 1 < len && (unsigned char)in[i + 1] >=
		    0x80 && (unsigned char)in[i + 1] <= 0x9f) {
			n--;
			i++;
		}
	}
	out[n] = '\0';
	return n;
}

/* Settings and command ----------------------------------------------------- */

/* A hook entry: orch-ctl hook EVENT, with its socket named. */
static json_t *
claude_hook_entry(const struct claude *c, const char *event, bool matcher,
    bool closed, unsigned timeout_s)
{
	char	*cmd;
	json_t	*h, *e;

	xasprintf(&cmd, "'%s' hook --socket '%s'%s %s", c->ctl, c->sock,
	    closed ? " --fail closed" : "", event);
	h = json_pack("{s:s, s:s, s:i}", "type", "command", "command", cmd,
	    "timeout", (int)timeout_s);
	free(cmd);
	e = json_pack("{s:[o]}", "hooks", h);
	if (matcher)
		json_object_set_new(e, "matcher", json_string("*"));
	return json_pack("[o]", e);
}

/*
 * The session's settings: every hook orch needs, nothing else. A held
 * tool call waits for a person, so those hooks may take days; the rest
 * answer at once. A gated agent (tier 2 and 3) refuses a Bash command it
 * cannot ask orch about; PermissionRequest without orch gives no
 * decision, so Claude Code asks in its own UI; the rest do not block.
 */
static int
claude_settings_write(struct claude *c, char **cause)
{
	const bool	 gated = c->a->ac.tier >= 2;
	json_t		*hooks, *root;
	char		 tmp[PATH_MAX + 8];
	int		 fd, rc;

	hooks = json_object();
	json_object_set_new(hooks, "SessionStart", claude_hook_entry(c,
	    "SessionStart", false, false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "UserPromptSubmit", claude_hook_entry(c,
	    "UserPromptSubmit", false, false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "Stop", claude_hook_entry(c, "Stop", false,
	    false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "StopFailure", claude_hook_entry(c,
	    "StopFailure", false, false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "Notification", claude_hook_entry(c,
	    "Notification", false, false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "SessionEnd", claude_hook_entry(c,
	    "SessionEnd", false, false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "PreToolUse", claude_hook_entry(c,
	    "PreToolUse", true, gated, CLAUDE_HOLD_TIMEOUT_S));
	json_object_set_new(hooks, "PostToolUse", claude_hook_entry(c,
	    "PostToolUse", true, false, CLAUDE_HOOK_TIMEOUT_S));
	json_object_set_new(hooks, "PermissionRequest", claude_hook_entry(c,
	    "PermissionRequest", true, false, CLAUDE_HOLD_TIMEOUT_S));
	root = json_pack("{s:o}", "hooks", hooks);

	snprintf(tmp, sizeof tmp, "%s.new", c->settings);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		json_decref(root);
		return -1;
	}
	rc = json_dumpfd(root, fd, JSON_INDENT(2));
	json_decref(root);
	if (close(fd) != 0 || rc != 0 || rename(tmp, c->settings) != 0) {
		set_cause(cause, "cannot write %s: %s", c->settings,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
claude_cmd_make(struct claude *c, const char *path, const char *resume)
{
	size_t	i;

	strlist_add(&c->cmd, path);
	strlist_add(&c->cmd, "--settings");
	strlist_add(&c->cmd, c->settings);
	if (resume != NULL) {
		strlist_add(&c->cmd, "--resume");
		strlist_add(&c->cmd, resume);
	}
	for (i = 0; i < c->a->ac.runner_args.n; i++)
		strlist_add(&c->cmd, c->a->ac.runner_args.v[i]);
	strlist_add(&c->cmd, "");
	free(c->cmd.v[c->cmd.n - 1]);
	c->cmd.v[c->cmd.n - 1] = NULL;
}

static void	claude_start_cb(evutil_socket_t, short, void *);
static void	claude_state(struct actor *);
static void	claude_enter_cb(evutil_socket_t, short, void *);
static void	claude_confirm_cb(evutil_socket_t, short, void *);
static void	claude_timeout_cb(evutil_socket_t, short, void *);

int
claude_new(struct actor *a, const msgpack_object *init, char **cause)
{
	struct claude	*c;
	char		 path[PATH_MAX], resume[CLAUDE_SID_MAX + 1], name[128];
	char		 self[PATH_MAX];

	if (body_str(init, "path", path, sizeof path) != 0 || path[0] != '/') {
		set_cause(cause, "no claude binary: set ORCH_CLAUDE or put "
		    "claude on PATH");
		return -1;
	}
	if (body_str(init, "resume", resume, sizeof resume) != 0 ||
	    !claude_sid_valid(resume, strlen(resume)))
		resume[0] = '\0';
	c = xcalloc(1, sizeof *c);
	c->a = a;
	a->claude = c;
	snprintf(name, sizeof name, "%s/%s.claude.json", RUNDIR_ACTORS,
	    a->ac.id);
	if (rundir_file(a->instance, name, c->settings, sizeof c->settings,
	    cause) != 0)
		return -1;
	snprintf(name, sizeof name, "%s/%s.sock", RUNDIR_ACTORS, a->ac.id);
	if (rundir_file(a->instance, name, c->sock, sizeof c->sock,
	    cause) != 0)
		return -1;
	/* orch-ctl beside us: the same build answers the hooks. */
	if (compat_self_dir(self, sizeof self) != 0) {
		set_cause(cause, "cannot find orch-ctl: %s", strerror(errno));
		return -1;
	}
	snprintf(c->ctl, sizeof c->ctl, "%s/orch-ctl", self);
	if (strchr(c->ctl, '\'') != NULL || strchr(c->sock, '\'') != NULL) {
		set_cause(cause, "the paths of orch-ctl and of the socket may "
		    "not hold a quote");
		return -1;
	}
	if (claude_settings_write(c, cause) != 0)
		return -1;
	claude_cmd_make(c, path, resume[0] != '\0' ? resume : NULL);
	if ((c->resuming = resume[0] != '\0'))
		log_info("resuming Claude Code session %s", resume);
	c->start_ev = evtimer_new(a->base, claude_start_cb, a);
	c->enter_ev = evtimer_new(a->base, claude_enter_cb, a);
	c->confirm_ev = evtimer_new(a->base, claude_confirm_cb, a);
	c->timeout_ev = evtimer_new(a->base, claude_timeout_cb, a);
	c->dialog_ev = evtimer_new(a->base, claude_dialog_cb, a);
	c->dialog = -1;
	c->screen = xmalloc(CLAUDE_SCREEN_KEEP + 1);
	return 0;
}

void
claude_free(struct actor *a)
{
	struct claude	*c = a->claude;

	if (c == NULL)
		return;
	claude_hold_free_all(a);
	if (c->settings[0] != '\0')
		unlink(c->settings);
	strlist_clear(&c->cmd);
	if (c->start_ev != NULL)
		event_free(c->start_ev);
	if (c->enter_ev != NULL)
		event_free(c->enter_ev);
	if (c->confirm_ev != NULL)
		event_free(c->confirm_ev);
	if (c->timeout_ev != NULL)
		event_free(c->timeout_ev);
	if (c->dialog_ev != NULL)
		event_free(c->dialog_ev);
	free(c->prompt);
	free(c->screen);
	free(c);
	a->claude = NULL;
}

char *const *
claude_cmd(const struct actor *a)
{
	return a->claude->cmd.v;
}

void
claude_arm(struct event *ev, unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* Readiness ---------------------------------------------------------------- */

void
claude_ready_later(struct actor *a, const struct envelope *env)
{
	struct claude	*c = a->claude;

	envelope_answer_to(&c->init_req, env);
	c->init_pending = true;
	claude_arm(c->start_ev, CLAUDE_START_MS);
}

void
claude_ready_answer(struct actor *a, const char *why, bool final, int code)
{
	struct claude	*c = a->claude;

	if (!c->init_pending)
		return;
	c->init_pending = false;
	evtimer_del(c->start_ev);
	if (why == NULL) {
		actor_ready(a, &c->init_req);
		return;
	}
	log_warnx("Claude Code did not start: %s", why);
	actor_start_failed(a, &c->init_req, final ? IPC_E_DENIED : code, why);
}

void
claude_on_start(struct actor *a, const char *sid)
{
	struct claude	*c = a->claude;

	if (strcmp(c->sid, sid) != 0) {
		snprintf(c->sid, sizeof c->sid, "%s", sid);
		log_info("Claude Code session %s", sid);
		c->sid_told = false;
	}
	c->started = true;
	c->dialog = -1;
	claude_ready_answer(a, NULL, false, 0);
}

bool
claude_exited(struct actor *a, const char *reason)
{
	struct claude	*c = a->claude;
	char		 line[160], why[400];

	if (!c->init_pending)
		return false;
	claude_screen_line(c, line, sizeof line);
	snprintf(why, sizeof why, "Claude Code %s before it started%s; its "
	    "screen ends with: %s", reason, c->resuming ? " (resuming its "
	    "conversation: the next start is a new one)" : "", line[0] != '\0' ?
	    line : "(nothing)");
	/* IPC_E_NOENT: the conversation to resume is not there. */
	claude_ready_answer(a, why, false, c->resuming ? IPC_E_NOENT :
	    IPC_E_INVAL);
	return true;
}

bool
claude_is_session(const struct actor *a, const char *sid)
{
	const struct claude	*c = a->claude;

	return c->sid[0] == '\0' || strcmp(c->sid, sid) == 0;
}

static void
claude_start_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor	*a = arg;
	char		 line[160], why[320];

	(void)fd;
	(void)events;
	claude_screen_line(a->claude, line, sizeof line);
	snprintf(why, sizeof why, "Claude Code did not start within %d s "
	    "(no SessionStart); its screen ends with: %s", CLAUDE_START_MS /
	    1000, line[0] != '\0' ? line : "(nothing)");
	claude_ready_answer(a, why, false, IPC_E_TIMEOUT);
}

/* Tasks -------------------------------------------------------------------- */

bool
claude_busy(const struct actor *a)
{
	return a->claude->task != 0 || a->claude->person;
}

uint64_t
claude_task_id(const struct actor *a)
{
	return a->claude->task;
}

/* Paste the prompt; Enter follows as a write of its own. */
static void
claude_type(struct actor *a)
{
	struct claude	*c = a->claude;

	c->phase = CLAUDE_TYPING;
	c->typed++;
	c->screen_len = 0;
	session_write(a->session, "\x1b[200~", 6);
	session_write(a->session, c->prompt, c->prompt_len);
	session_write(a->session, "\x1b[201~", 6);
	c->enter_for_dialog = false;
	claude_arm(c->enter_ev, CLAUDE_ENTER_DELAY_MS);
}

static void
claude_enter_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor	*a = arg;
	struct claude	*c = a->claude;

	(void)fd;
	(void)events;
	if (a->session == NULL)
		return;
	session_write(a->session, "\r", 1);
	if (!c->enter_for_dialog && c->phase == CLAUDE_TYPING)
		claude_arm(c->confirm_ev, CLAUDE_CONFIRM_MS);
}

/* The task is over: answered as a task.run is, its output the answer. */
static void
claude_task_end(struct actor *a, int code, const char *text, size_t len,
    const char *reason)
{
	struct claude	*c = a->claude;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint64_t	 dur = clock_now_ns() - c->started_ns;
	char		*cause = NULL, line[160];

	if (c->task == 0)
		return;
	evtimer_del(c->enter_ev);
	evtimer_del(c->confirm_ev);
	evtimer_del(c->timeout_ev);
	tasklog_write(a->tasklog, text, len);
	if (tasklog_close(a->tasklog, &cause) != 0) {
		log_warnx("task %s: %s", a->task_name, cause);
		free(cause);
	}
	a->tasklog = NULL;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 8 + (reason != NULL));
	body_pack_kv_u64(&pk, "task", c->task);
	body_pack_kv_str(&pk, "agent", a->ac.id);
	body_pack_kv_i64(&pk, "exit", code);
	body_pack_kv_i64(&pk, "signal", 0);
	body_pack_kv_bool(&pk, "timed_out", c->timed_out);
	body_pack_kv_u64(&pk, "duration_ns", dur);
	/* The end of it; the whole is in the task's log. */
	body_pack_kv_bin(&pk, "tail", len > IPC_TASK_TAIL_MAX ? text + len -
	    IPC_TASK_TAIL_MAX : text, len > IPC_TASK_TAIL_MAX ?
	    IPC_TASK_TAIL_MAX : len);
	body_pack_kv_str(&pk, "session", c->sid);
	if (reason != NULL)
		body_pack_kv_str(&pk, "reason", reason);
	if (a->link != NULL)
		peer_reply(a->link, &c->task_req, IPC_OK, NULL, sb.data,
		    sb.size);
	msgpack_sbuffer_destroy(&sb);
	snprintf(line, sizeof line, "task %s %s (%llu ms)", a->task_name,
	    code == 0 ? "done" : c->timed_out ? "timed out" : "failed",
	    (unsigned long long)(dur / 1000000));
	log_info("%s", line);
	c->task = 0;
	c->phase = CLAUDE_IDLE;
	c->timed_out = false;
	c->prompt_id[0] = '\0';
	free(c->prompt);
	c->prompt = NULL;
	claude_attention(a, false, NULL);
}

void
claude_task(struct actor *a, const struct envelope *env, uint64_t id,
    const char *prompt, size_t len, unsigned timeout_ms)
{
	struct claude	*c = a->claude;

	envelope_answer_to(&c->task_req, env);
	c->task = id;
	c->typed = 0;
	c->interrupts = 0;
	c->timed_out = false;
	c->started_ns = clock_now_ns();
	c->prompt = xmalloc(len + 1);
	c->prompt_len = claude_paste_clean(prompt, len, c->prompt);
	if (timeout_ms > 0)
		claude_arm(c->timeout_ev, timeout_ms);
	claude_type(a);
}

static void
claude_confirm_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor	*a = arg;
	struct claude	*c = a->claude;
	char		 line[160], why[320];

	(void)fd;
	(void)events;
	if (c->phase != CLAUDE_TYPING)
		return;
	if (c->typed < 2) {
		/* The paste arrived, Enter did not: Enter again. */
		log_warnx("task %s: Claude Code has not taken the prompt; "
		    "Enter again", a->task_name);
		c->typed++;
		claude_arm(c->enter_ev, 0);
		return;
	}
	claude_screen_line(c, line, sizeof line);
	snprintf(why, sizeof why, "Claude Code did not take the prompt "
	    "(no UserPromptSubmit within %d s of Enter, twice); its screen "
	    "ends with: %s", CLAUDE_CONFIRM_MS / 1000, line[0] ? line :
	    "(nothing)");
	claude_task_end(a, 1, "", 0, why);
}

void
claude_on_prompt(struct actor *a, const char *prompt_id)
{
	struct claude	*c = a->claude;

	/* A conversation now, one a restart can resume: the supervisor keeps it. */
	if (!c->sid_told && c->sid[0] != '\0') {
		actor_notify_str(a, IPC_OP_CLAUDE_SESSION, "id", c->sid);
		c->sid_told = true;
	}

	log_debug("UserPromptSubmit (%s)%s", prompt_id[0] ? prompt_id : "no id",
	    c->phase == CLAUDE_TYPING ? ": the task's" : "");
	if (c->phase == CLAUDE_TYPING) {
		evtimer_del(c->confirm_ev);
		evtimer_del(c->enter_ev);
		c->phase = CLAUDE_WORKING;
		/*
		 * Not the id its Stop will name: a prompt submitted as the
		 * turn before ends may be given that turn's id here.
		 */
		snprintf(c->prompt_id, sizeof c->prompt_id, "%s", prompt_id);
	} else if (c->task == 0) {
		/* A person typed it: the agent works, and takes no task now. */
		snprintf(c->other_id, sizeof c->other_id, "%s", prompt_id);
		claude_person(a, true);
	}
	claude_attention(a, false, NULL);
}

void
claude_person(struct actor *a, bool on)
{
	struct claude	*c = a->claude;

	if (on == c->person)
		return;
	c->person = on;
	claude_state(a);
}

void
claude_on_stop(struct actor *a, const char *prompt_id, bool ok,
    const char *text, size_t len)
{
	struct claude	*c = a->claude;

	claude_attention(a, false, NULL);
	log_debug("Stop (%s)", prompt_id[0] ? prompt_id : "no id");
	/* The end of a turn known not to be a task's: a person's, one cut off. */
	if (c->other_id[0] != '\0' && strcmp(c->other_id, prompt_id) == 0) {
		c->other_id[0] = '\0';
		claude_person(a, false);
		if (c->task != 0) {
			log_debug("Stop of another turn: not the task's");
			return;
		}
	}
	if (c->task == 0) {
		claude_person(a, false);
		return;
	}
	if (c->phase != CLAUDE_WORKING)
		return;
	if (ok)
		claude_task_end(a, 0, text, len, NULL);
	else {
		char	why[320];

		snprintf(why, sizeof why, "Claude Code stopped on an error: "
		    "%.*s", (int)(len < 280 ? len : 280), text);
		claude_task_end(a, 1, text, len, why);
	}
}

/*
 * The turn is over by an interrupt (no Stop follows one): what Claude
 * Code put back in its input box is cleared, so that the next prompt is
 * typed alone.
 */
static void
claude_interrupted(struct actor *a)
{
	struct claude	*c = a->claude;

	snprintf(c->other_id, sizeof c->other_id, "%s", c->prompt_id);
	session_write(a->session, "\x15", 1);
	claude_task_end(a, 1, "", 0, NULL);
}

/*
 * The task's time is up: Escape interrupts Claude's turn; a TUI that did
 * not react to it (nothing redrawn within a second) gets SIGINT, then its
 * session is killed (the actor ends with it, and its restart resumes the
 * conversation).
 */
static void
claude_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor	*a = arg;
	struct claude	*c = a->claude;
	pid_t		 leader;

	(void)fd;
	(void)events;
	if (c->task == 0 || a->session == NULL)
		return;
	c->timed_out = true;
	if (c->interrupts > 0 && c->reacted) {
		claude_interrupted(a);
		return;
	}
	c->reacted = false;
	switch (c->interrupts++) {
	case 0:
		log_warnx("task %s: timed out; interrupting Claude (Escape)",
		    a->task_name);
		session_write(a->session, "\x1b", 1);
		break;
	case 1:
		log_warnx("task %s: Claude did not react to Escape: SIGINT",
		    a->task_name);
		if ((leader = session_leader(a->session)) > 0)
			kill(leader, SIGINT);
		break;
	default:
		log_warnx("task %s: Claude did not react to SIGINT: killing its "
		    "session", a->task_name);
		claude_task_end(a, 1, "", 0, NULL);
		session_kill(a->session);
		return;
	}
	claude_arm(c->timeout_ev, CLAUDE_INTERRUPT_MS);
}

void
claude_task_kill(struct actor *a, uint64_t id)
{
	struct claude	*c = a->claude;

	if (c->task != id)
		return;
	/* As a timeout does, but the task is cancelled, not timed out. */
	evtimer_del(c->timeout_ev);
	claude_timeout_cb(-1, 0, a);
	c->timed_out = false;
}

void
claude_attention(struct actor *a, bool on, const char *why)
{
	struct claude	*c = a->claude;

	/* The supervisor adds the tool calls its gate holds. */
	if (on == c->attention)
		return;
	c->attention = on;
	snprintf(c->why, sizeof c->why, "%s", why != NULL ? why : "");
	claude_state(a);
}

/* What the supervisor is told: waiting on a person, busy with a person's. */
static void
claude_state(struct actor *a)
{
	struct claude	*c = a->claude;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	if (a->link == NULL)
		return;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	body_pack_kv_bool(&pk, "waiting", c->attention);
	body_pack_kv_str(&pk, "why", c->why);
	body_pack_kv_bool(&pk, "busy", c->person);
	peer_notify(a->link, IPC_OP_CLAUDE_STATE, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}
