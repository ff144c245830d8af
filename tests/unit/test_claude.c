/*
 * The interactive Claude Code driver without a session or a supervisor
 * (their calls are this test's): the settings file orch writes (every hook,
 * fail closed only where a gate is), the session's command and what may
 * be resumed, session ids and pasted text cleaned of what could type keys,
 * the first-run dialogs read off Claude Code's real screen (words placed
 * by cursor moves) and answered only with trust: true, and a prompt typed
 * as a bracketed paste with Enter a moment later; the screen's safety net
 * (promote only) and a Stop with background work left (not the end).
 */
#include "tests/unit/unit.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/event.h>
#include <jansson.h>
#include <unistd.h>

#include "actors/actor.h"
#include "actors/claude.h"
#include "actors/claude_int.h"
#include "actors/session.h"
#include "ipc/peer.h"
#include "ipc/body.h"
#include "ipc/proto.h"

/* What the driver did to the session and the actor. */
static char	 typed[8192];
static size_t	 ntyped;
static int	 ready, failed_code;
static char	 failed_why[1024];

int
session_write(struct session *s, const void *data, size_t len)
{
	(void)s;
	if (ntyped + len < sizeof typed) {
		memcpy(typed + ntyped, data, len);
		ntyped += len;
	}
	return 0;
}

pid_t	session_leader(const struct session *s) { (void)s; return 0; }
void	session_kill(struct session *s) { (void)s; }
bool	session_alive(const struct session *s) { (void)s; return true; }

void
actor_ready(struct actor *a, const struct envelope *env)
{
	(void)a;
	(void)env;
	ready++;
}

void
actor_start_failed(struct actor *a, const struct envelope *env, int code,
    const char *why)
{
	(void)a;
	(void)env;
	failed_code = code;
	snprintf(failed_why, sizeof failed_why, "%s", why);
}

void
actor_notify_str(struct actor *a, const char *op, const char *key,
    const char *val)
{
	(void)a;
	(void)op;
	(void)key;
	(void)val;
}

static struct actor	 a;
static char		 dir[] = "/tmp/orch-test-claude.XXXXXX";

/* An actor for agent id, its init's claude map {path, resume?}. */
static int
driver(unsigned tier, bool trust, const char *resume)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	char			*cause = NULL;
	int			 rc;

	memset(&a, 0, sizeof a);
	a.base = event_base_new();
	/* Never looked into: the session's calls are ours. */
	a.session = (struct session *)&a;
	a.instance = "t";
	agent_config_defaults(&a.ac);
	snprintf(a.ac.id, sizeof a.ac.id, "cc");
	a.ac.tier = tier;
	a.ac.claude.trust = trust;
	a.ac.cwd = strdup("/work/dir");
	strlist_add(&a.ac.runner_args, "--model");
	strlist_add(&a.ac.runner_args, "x");
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1 + (resume != NULL));
	body_pack_kv_str(&pk, "path", "/opt/claude");
	if (resume != NULL)
		body_pack_kv_str(&pk, "resume", resume);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	rc = claude_new(&a, &up.data, &cause);
	if (rc != 0)
		fail_msg("claude_new: %s", cause);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	ntyped = 0;
	ready = failed_code = 0;
	failed_why[0] = '\0';
	return rc;
}

static void
done(void)
{
	claude_free(&a);
	agent_config_clear(&a.ac);
	event_base_free(a.base);
}

static int
setup(void **state)
{
	char	run[PATH_MAX];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	setenv("XDG_RUNTIME_DIR", dir, 1);
	snprintf(run, sizeof run, "%s/orch", dir);
	mkdir(run, 0700);
	snprintf(run, sizeof run, "%s/orch/t", dir);
	mkdir(run, 0700);
	snprintf(run, sizeof run, "%s/orch/t/actors", dir);
	return mkdir(run, 0700);
}

static int
teardown(void **state)
{
	char	cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static void
test_sid(void **state)
{
	(void)state;
	assert_true(claude_sid_valid("eca906d2-f9f3-4e76-8596-a08474af6d30", 36));
	assert_true(claude_sid_valid("a_b", 3));
	assert_false(claude_sid_valid("", 0));
	assert_false(claude_sid_valid("../../etc", 9));
	assert_false(claude_sid_valid("a b", 3));
	/* Never one an argument parser takes for an option. */
	assert_false(claude_sid_valid("--resume", 8));
	assert_false(claude_sid_valid("-x", 2));
	assert_false(claude_sid_valid("x;rm", 4));
	assert_false(claude_sid_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65));
}

static void
clean(const char *in, size_t len, const char *want, size_t wlen)
{
	char	out[256];

	assert_int_equal(claude_paste_clean(in, len, out), wlen);
	assert_memory_equal(out, want, wlen);
}

static void
test_paste(void **state)
{
	(void)state;
	clean("plain words", 11, "plain words", 11);
	/* Nothing ends the paste early or types a key. */
	clean("a\033[201~\r/exit\r", 14, "a[201~\n/exit\n", 13);
	clean("x\033[A\003\004y", 7, "x[Ay", 4);
	/* CRLF and CR are newlines; tabs stay; DEL goes. */
	clean("1\r\n2\r3\t4\177", 9, "1\n2\n3\t4", 7);
	/* UTF-8 stays, a C1 control (CSI as U+009B) goes. */
	clean("\xc3\xa9\xc2\x9b[2J\xe2\x9c\x93", 10, "\xc3\xa9[2J\xe2\x9c\x93",
	    8);
}

static void
test_settings(void **state)
{
	char		 path[PATH_MAX];
	char *const	*cmd;
	json_t		*j, *hooks, *e;
	const char	*events[] = { "SessionStart", "UserPromptSubmit", "Stop",
			    "StopFailure", "Notification", "PreToolUse",
			    "PostToolUse", "PermissionRequest", "SessionEnd" };
	size_t		 i;
	const char	*c;

	(void)state;
	driver(2, false, "eca906d2-f9f3-4e76-8596-a08474af6d30");
	cmd = claude_cmd(&a);
	snprintf(path, sizeof path, "%s/orch/t/actors/cc.claude.json", dir);
	assert_string_equal(cmd[0], "/opt/claude");
	assert_string_equal(cmd[1], "--settings");
	assert_string_equal(cmd[2], path);
	assert_string_equal(cmd[3], "--resume");
	assert_string_equal(cmd[4], "eca906d2-f9f3-4e76-8596-a08474af6d30");
	assert_string_equal(cmd[5], "--model");
	assert_null(cmd[7]);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	hooks = json_object_get(j, "hooks");
	assert_int_equal(json_object_size(hooks), 9);
	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		e = json_object_get(json_array_get(json_object_get(json_array_get(
		    json_object_get(hooks, events[i]), 0), "hooks"), 0),
		    "command");
		assert_true(json_is_string(e));
		c = json_string_value(e);
		assert_non_null(strstr(c, "orch-ctl' hook --socket '"));
		assert_non_null(strstr(c, events[i]));
		/* A gated agent's Bash is refused when orch cannot be asked. */
		assert_int_equal(strstr(c, "--fail closed") != NULL,
		    strcmp(events[i], "PreToolUse") == 0);
	}
	/* A held tool call may wait for days. */
	assert_true(json_integer_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(hooks,
	    "PreToolUse"), 0), "hooks"), 0), "timeout")) >= 86400);
	json_decref(j);
	done();
	/* The file goes with the agent. */
	assert_int_equal(access(path, F_OK), -1);

	/* Tier 1 fails open; a session id that is none is not resumed. */
	driver(1, false, "../../x");
	cmd = claude_cmd(&a);
	assert_string_equal(cmd[3], "--model");
	j = json_load_file(path, 0, NULL);
	c = json_dumps(j, 0);
	assert_null(strstr(c, "--fail closed"));
	free((char *)c);
	json_decref(j);
	done();
}

/* Claude Code 2.1.332's trust dialog as it draws it (80 columns). */
static const char trust_screen[] =
    "\033[2G\033[1mAccessing\033[12Gworkspace:\033[22m\r\r\n\r\r\n"
    "\033[2GQuick\033[8Gsafety\033[15Gcheck:\033[22GIs\033[25Gthis\033[30Ga"
    "\033[32Gproject\033[40Gyou\033[44Gcreated\033[52Gor\033[55Gone\033[59G"
    "you\033[63Gtrust?\r\r\n\r\r\n"
    "\033[2G\033[97m\xe2\x9d\xaf\033[4GNo,\033[8Gexit\033[39m\r\r\n"
    "\033[4GYes,\033[9GI\033[11Gtrust\033[17Gthis\033[22Gfolder\r\r\n\r\r\n"
    "\033[2G\033[37m\033[2mEnter\033[8Gto\033[11Gconfirm\033[22m\r\r\n";

static void
run_for(unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(a.base, &tv);
	event_base_dispatch(a.base);
}

static void
test_dialog(void **state)
{
	struct envelope	init;

	(void)state;
	memset(&init, 0, sizeof init);
	driver(1, false, NULL);
	claude_ready_later(&a, &init);
	claude_output(&a, trust_screen, sizeof trust_screen - 1);
	/* Not answered for the user: the start fails, with the fix. */
	assert_int_equal(failed_code, IPC_E_DENIED);
	assert_non_null(strstr(failed_why, "Claude Code asks whether to trust "
	    "the folder: run claude once in /work/dir and accept the folder, "
	    "or set claude: {trust: true}"));
	assert_int_equal(ntyped, 0);
	assert_int_equal(ready, 0);
	done();

	/* trust: true: Down to the option wanted, then Enter, once drawn. */
	driver(1, true, NULL);
	claude_ready_later(&a, &init);
	claude_output(&a, trust_screen, sizeof trust_screen - 1);
	assert_int_equal(ntyped, 0);
	run_for(1000);
	assert_int_equal(failed_code, 0);
	assert_int_equal(ntyped, 4);
	assert_memory_equal(typed, "\033[B\r", 4);
	/* Up: SessionStart. */
	claude_on_start(&a, "abc");
	assert_int_equal(ready, 1);
	done();
}

static void
test_type(void **state)
{
	struct envelope	req;
	static const char prompt[] = "fix it\033[201~\r\nnow";
	static const char want[] = "\033[200~fix it[201~\nnow\033[201~";

	(void)state;
	memset(&req, 0, sizeof req);
	driver(1, false, NULL);
	claude_on_start(&a, "abc");
	claude_task(&a, &req, 7, prompt, sizeof prompt - 1, 0);
	assert_true(claude_busy(&a));
	assert_int_equal(claude_task_id(&a), 7);
	/* The paste at once, Enter as a write of its own a moment later. */
	assert_int_equal(ntyped, sizeof want - 1);
	assert_memory_equal(typed, want, sizeof want - 1);
	run_for(400);
	assert_int_equal(ntyped, sizeof want);
	assert_int_equal(typed[ntyped - 1], '\r');
	/* Confirmed; its Stop ends it. */
	claude_on_prompt(&a, "p-1");
	assert_true(claude_busy(&a));
	claude_on_stop(&a, "p-1", true, "the answer", 10);
	assert_false(claude_busy(&a));
	done();
}

/*
 * A person's turn, then a task typed the moment it ends: Claude Code
 * names the task's prompt with the person's id in UserPromptSubmit and
 * with a new one in its Stop (seen with the real CLI). That Stop is the
 * task's end; a late Stop of the person's turn is not.
 */
static void
test_person_then_task(void **state)
{
	struct envelope	req;

	(void)state;
	memset(&req, 0, sizeof req);
	driver(1, false, NULL);
	claude_on_start(&a, "abc");
	claude_on_prompt(&a, "p-1");
	assert_true(claude_busy(&a));
	assert_int_equal(claude_task_id(&a), 0);
	claude_on_stop(&a, "p-1", true, "the person's", 12);
	assert_false(claude_busy(&a));

	claude_task(&a, &req, 8, "go", 2, 0);
	run_for(400);
	claude_on_prompt(&a, "p-1");
	claude_on_stop(&a, "p-2", true, "the answer", 10);
	assert_false(claude_busy(&a));
	assert_int_equal(claude_task_id(&a), 0);

	/* A person's turn still open when a task runs: its Stop is not the task's. */
	claude_on_prompt(&a, "p-3");
	claude_task(&a, &req, 9, "go", 2, 0);
	run_for(400);
	claude_on_prompt(&a, "p-4");
	claude_on_stop(&a, "p-3", true, "the person's", 12);
	assert_int_equal(claude_task_id(&a), 9);
	assert_false(a.claude->person);
	claude_on_stop(&a, "p-4", true, "the answer", 10);
	assert_int_equal(claude_task_id(&a), 0);
	done();
}

static void
test_safety_net(void **state)
{
	struct envelope	req;
	static const char dialog[] = "\033[2GDo\033[5Gyou\033[9Gwant\033[14Gto"
	    "\033[17Gproceed?\r\r\n\033[2G\xe2\x9d\xaf\033[4G1.\033[7GYes\r\r\n";

	(void)state;
	memset(&req, 0, sizeof req);
	driver(2, false, NULL);
	claude_on_start(&a, "abc");
	/* Not while idle: only a task's work is promoted. */
	claude_output(&a, dialog, sizeof dialog - 1);
	assert_false(a.claude->attention);
	claude_task(&a, &req, 3, "go", 2, 0);
	claude_on_prompt(&a, "p-1");
	claude_output(&a, "working...\r\n", 12);
	assert_false(a.claude->attention);
	claude_output(&a, dialog, sizeof dialog - 1);
	assert_true(a.claude->attention);
	assert_non_null(strstr(a.claude->why, "permission dialog"));
	/* Never demoted by the screen: the hooks say when it is over. */
	claude_output(&a, "something else entirely\r\n", 25);
	assert_true(a.claude->attention);
	claude_attention(&a, false, NULL);
	assert_false(a.claude->attention);
	done();
}

/* A claude.hook request with body map, through a real peer. */
static void
hook(struct peer *p, const char *event, uint64_t background,
    const char *message)
{
	struct envelope		 env;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	body_pack_kv_str(&pk, "event", event);
	body_pack_kv_str(&pk, "session", "abc");
	body_pack_kv_str(&pk, "prompt", "p-1");
	body_pack_kv_u64(&pk, "background", background);
	body_pack_kv_bin(&pk, "message", message, strlen(message));
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	memset(&env, 0, sizeof env);
	env.kind = IPC_KIND_REQ;
	env.id = 1;
	snprintf(env.op, sizeof env.op, "%s", IPC_OP_CLAUDE_HOOK);
	env.has_body = true;
	env.body = up.data;
	claude_hook(&a, p, &env);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_background(void **state)
{
	struct envelope	 req;
	struct peer	*p;
	int		 fds[2];

	(void)state;
	memset(&req, 0, sizeof req);
	driver(1, false, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	p = peer_new(a.base, fds[0], "hook", NULL, NULL, NULL);
	hook(p, "SessionStart", 0, "");
	assert_int_equal(ready, 0);	/* no init waits in this test */
	claude_task(&a, &req, 9, "go", 2, 0);
	hook(p, "UserPromptSubmit", 0, "");
	/* Work left in the background: the turn is not over. */
	hook(p, "Stop", 2, "half done");
	assert_true(claude_busy(&a));
	hook(p, "Stop", 0, "all done");
	assert_false(claude_busy(&a));
	/* Another session's hooks are not this agent's. */
	claude_task(&a, &req, 10, "go", 2, 0);
	hook(p, "UserPromptSubmit", 0, "");
	assert_int_equal(a.claude->phase, CLAUDE_WORKING);
	snprintf(a.claude->sid, sizeof a.claude->sid, "other");
	hook(p, "Stop", 0, "forged");
	assert_true(claude_busy(&a));
	peer_free(p);
	close(fds[1]);
	done();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_paste),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_dialog),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_person_then_task),
		cmocka_unit_test(test_safety_net),
		cmocka_unit_test(test_background),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
