/*
 * The tmux session backend: the agent's terminal is a tmux session named
 * after it on the instance's own server (`tmux -L orch-INSTANCE`, started
 * by the supervisor, so that what runs in its panes descends from the
 * supervisor and from no actor), which a person may attach to directly.
 * The actor drives it through one control-mode client of its own
 * (`tmux -C`): input as send-keys -H (hex: no text reaches tmux's command
 * parser), output from %output as it happens, the exit status of the
 * session's program from a subscription, the end of the session from the
 * client's %exit or its death.
 *
 * No agent-supplied byte is ever part of a command line tmux parses:
 * agent ids are session names made safe (tmux_session_name), what is
 * typed goes as hex, and what starts the session (program, arguments,
 * environment) travels as separate arguments, each made to end no command
 * (tmux_arg) and, where tmux expands formats, kept literal (tmux_literal).
 */
#include "actors/session.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "actors/childwatch.h"
#include "actors/tmuxctl.h"
#include "common/compat.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/tmux.h"
#include "common/xmalloc.h"

/* How long the start of the session may take (the client's first answer). */
#define SESSION_TMUX_START_MS		5000
/* Commands waiting for tmux to read them, at most. */
#define SESSION_TMUX_CMDS_MAX		(8u << 20)
#define SESSION_TMUX_SHOW_MAX		(4u << 20)
/* Input bytes per send-keys command. */
#define SESSION_TMUX_KEYS_CHUNK		256
/* Answers still owed by tmux, at most (one per command line sent). */
#define SESSION_TMUX_OWED_MAX		4096
#define SESSION_TMUX_READ_CHUNK		65536
/* The subscription whose value is "STATUS:SIGNAL" once the pane is dead. */
#define SESSION_TMUX_SUB		"orch-exit"

enum session_tmux_answer {
	SESSION_TMUX_A_NEW,		/* new-session: its -P -F line */
	SESSION_TMUX_A_IGNORE,		/* anything else: logged if it failed */
};

struct session_tmux {
	struct session		*s;
	char			 name[TMUX_NAME_MAX];
	char			 agent[AGENT_ID_MAX + 1];
	pid_t			 client;	/* tmux -C: 0 once reaped */
	int			 to, from;	/* its stdin, its stdout */
	struct event		*read_ev;
	struct session_sink	*cmds;
	struct tmuxctl		 ctl;
	uint8_t			 owed[SESSION_TMUX_OWED_MAX];
	size_t			 owed_head, owed_n;
	pid_t			 server;	/* the server's pid, checked */
	char			 sid[16], wid[16], pane[16];
	pid_t			 pane_pid;
	int			 tty;		/* the pane's terminal, for show */
	struct session_sink	*show;
	char			 failed[512];	/* the first answer's error */
	int			 status;	/* the program's, once dead */
	bool			 started;	/* new-session answered */
	bool			 opened;	/* session_tmux_open is over */
	bool			 dead;		/* its program exited */
	bool			 gone;		/* the client ended */
	bool			 ended_by_us;	/* kill-session sent */
};

static char	session_tmux_instance[64];
static pid_t	session_tmux_expected;

void
session_tmux_set_server(const char *instance, pid_t server)
{
	snprintf(session_tmux_instance, sizeof session_tmux_instance, "%s",
	    instance);
	session_tmux_expected = server;
}

/* Commands ----------------------------------------------------------------- */

static int
session_tmux_send(struct session_tmux *t, enum session_tmux_answer a,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One command line, its answer expected as a. 0, or -1 (too much waiting). */
static int
session_tmux_send(struct session_tmux *t, enum session_tmux_answer a,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 line[2048];
	int	 n;

	if (t->gone || t->cmds == NULL || t->owed_n == SESSION_TMUX_OWED_MAX)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line - 1)
		return -1;
	line[n++] = '\n';
	if (session_sink_write(t->cmds, line, (size_t)n) != 0)
		return -1;
	t->owed[(t->owed_head + t->owed_n++) % SESSION_TMUX_OWED_MAX] =
	    (uint8_t)a;
	return 0;
}

/* Protocol ----------------------------------------------------------------- */

static void
session_tmux_started(struct session_tmux *t, const char *line)
{
	long	pane_pid, server;
	char	tty[128];

	if (sscanf(line, "%15s %15s %15s %ld %127s %ld", t->sid, t->wid,
	    t->pane, &pane_pid, tty, &server) != 6 || t->sid[0] != '$' ||
	    t->pane[0] != '%' || pane_pid <= 0) {
		snprintf(t->failed, sizeof t->failed, "tmux said '%.200s' "
		    "for its new session", line);
		return;
	}
	if ((pid_t)server != t->server) {
		snprintf(t->failed, sizeof t->failed, "the tmux server "
		    "changed (pid %ld, not %ld) while the session started",
		    server, (long)t->server);
		return;
	}
	t->pane_pid = (pid_t)pane_pid;
	t->tty = open(tty, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	t->started = true;
}

static void
session_tmux_reply_cb(bool ok, const char *body, size_t len, void *arg)
{
	struct session_tmux		*t = arg;
	enum session_tmux_answer	 a = SESSION_TMUX_A_IGNORE;

	(void)len;
	if (t->owed_n > 0) {
		a = t->owed[t->owed_head];
		t->owed_head = (t->owed_head + 1) % SESSION_TMUX_OWED_MAX;
		t->owed_n--;
	}
	if (a == SESSION_TMUX_A_NEW) {
		if (ok)
			session_tmux_started(t, body);
		else
			snprintf(t->failed, sizeof t->failed, "tmux: %.400s",
			    body[0] != '\0' ? body : "new-session failed");
		return;
	}
	if (!ok)
		log_debug("tmux %s: %.200s", t->name, body);
}

static void
session_tmux_output_cb(const char *pane, const char *data, size_t len,
    void *arg)
{
	struct session_tmux	*t = arg;

	/* Panes a person split off are theirs: the agent's is its first. */
	if (strcmp(pane, t->pane) == 0)
		session_output(t->s, data, len);
}

/* "%subscription-changed orch-exit $1 - - - : 3:" ("STATUS:SIGNAL"). */
static void
session_tmux_exited(struct session_tmux *t, const char *value)
{
	const char	*colon = strchr(value, ':');
	int		 code, sig;

	if (value[0] == '\0')
		return;		/* alive: the first value */
	code = atoi(value);
	sig = colon != NULL ? atoi(colon + 1) : 0;
	t->status = sig > 0 ? (sig & 0x7f) : (code & 0xff) << 8;
	t->dead = true;
	if (t->opened)
		session_ended(t->s, t->status);
}

static void
session_tmux_notify_cb(const char *line, void *arg)
{
	struct session_tmux	*t = arg;
	static const char	 sub[] = "%subscription-changed "
				    SESSION_TMUX_SUB " ";
	const char		*v;

	if (strncmp(line, sub, sizeof sub - 1) == 0) {
		if ((v = strstr(line, " : ")) != NULL)
			session_tmux_exited(t, v + 3);
		return;
	}
	if (strncmp(line, "%exit", 5) == 0 && (line[5] == '\0' ||
	    line[5] == ' ')) {
		t->gone = true;
		if (t->opened)
			session_lost(t->s, line[5] == ' ' ? line + 6 :
			    "its tmux session ended");
	}
}

static const struct tmuxctl_cbs session_tmux_ctl_cbs = {
	session_tmux_reply_cb, session_tmux_output_cb, session_tmux_notify_cb
};

/* The client's stdout: 0 read, 1 nothing there now, -1 its end. */
static int
session_tmux_read(struct session_tmux *t)
{
	char	buf[SESSION_TMUX_READ_CHUNK];
	ssize_t	n;

	n = read(t->from, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		t->gone = true;
		return -1;
	}
	if (tmuxctl_feed(&t->ctl, buf, (size_t)n) != 0) {
		log_warnx("tmux %s: the control client speaks nonsense: "
		    "dropping it", t->name);
		t->gone = true;
		return -1;
	}
	return 0;
}

static void
session_tmux_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_tmux	*t = arg;

	(void)fd;
	(void)events;
	if (session_tmux_read(t) >= 0 && !t->gone)
		return;
	event_del(t->read_ev);
	session_lost(t->s, "its tmux control client ended");
}

static void
session_tmux_reaped(pid_t pid, int status, void *arg)
{
	struct session_tmux	*t = arg;
	char			 why[128], reason[64];

	(void)pid;
	t->client = 0;
	/* What it said last comes first: the pipe holds it, then EOF. */
	while (t->read_ev != NULL && !t->gone && session_tmux_read(t) == 0)
		;
	t->gone = true;
	snprintf(why, sizeof why, "its tmux control client %s",
	    proc_exit_reason(status, reason, sizeof reason));
	session_lost(t->s, why);
}

/* Start -------------------------------------------------------------------- */

/*
 * The instance's server: there, and the one the supervisor started and
 * named (never one an actor or anyone else started, whose panes would
 * not be the supervisor's).
 */
static int
session_tmux_server(struct session_tmux *t, char **cause)
{
	static char *const	 ask[] = { (char *)"display-message", (char *)"-p",
				    (char *)"#{pid}", NULL };
	char			 out[256], *end;
	long			 pid;

	if (session_tmux_expected <= 0)
		return set_cause(cause, "no tmux server was started for it");
	if (tmux_run(session_tmux_instance, ask, out, sizeof out) != 0)
		return set_cause(cause, "tmux server orch-%s: %s",
		    session_tmux_instance, out[0] != '\0' ? out :
		    "it does not answer");
	pid = strtol(out, &end, 10);
	if (pid <= 0 || *end != '\0' || (pid_t)pid != session_tmux_expected)
		return set_cause(cause, "the tmux server orch-%s (pid '%s') "
		    "is not the one orch-supervisor started (pid %ld)",
		    session_tmux_instance, out, (long)session_tmux_expected);
	t->server = (pid_t)pid;
	return 0;
}

/*
 * A session of this name already there was left by an earlier actor of
 * this agent (killed): it is ended and made anew, as a pty agent's shell
 * dies with its actor. One of another agent, or nobody's, is left alone.
 */
static int
session_tmux_clear(struct session_tmux *t, char **cause)
{
	char	target[TMUX_NAME_MAX + 4], out[512];
	char	*has[] = { (char *)"has-session", (char *)"-t", target, NULL };
	char	*own[] = { (char *)"show-options", (char *)"-v", (char *)"-t",
		    target, (char *)"@orch_agent", NULL };
	char	*kill[] = { (char *)"kill-session", (char *)"-t", target,
		    NULL };

	snprintf(target, sizeof target, "=%s", t->name);
	if (tmux_run(session_tmux_instance, has, out, sizeof out) != 0)
		return 0;
	snprintf(target, sizeof target, "=%s:", t->name);
	if (tmux_run(session_tmux_instance, own, out, sizeof out) != 0)
		return set_cause(cause, "tmux session '%s' on orch-%s is in "
		    "the way (not made by orch)", t->name,
		    session_tmux_instance);
	if (strcmp(out, t->agent) != 0)
		return set_cause(cause, "tmux session '%s' on orch-%s is in "
		    "the way (agent '%.*s' has it)", t->name,
		    session_tmux_instance, AGENT_ID_MAX, out);
	snprintf(target, sizeof target, "=%s", t->name);
	log_info("tmux session %s left by an earlier actor: making it anew",
	    t->name);
	(void)tmux_run(session_tmux_instance, kill, out, sizeof out);
	return 0;
}

struct session_tmux_child {
	char	**argv;
	char	**env;
	int	  in, out;
};

static void
session_tmux_child(int report, void *arg)
{
	struct session_tmux_child	*c = arg;

	/* Its own group: a Ctrl-C on the supervisor's terminal is not its. */
	setpgid(0, 0);
	if (dup2(c->in, 0) == -1 || dup2(c->out, 1) == -1)
		proc_exec_fail(report, "dup2");
	report = proc_child_fds(report);
	proc_execvpe(c->argv[0], c->argv, c->env);
	proc_exec_fail(report, "tmux");
}

/* The PATH the session's program is looked up on (and tmux with it). */
static const char *
session_tmux_path(char *const *env)
{
	size_t	i;

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return NULL;
}

/*
 * tmux -C new-session: the session, its cwd and environment (every
 * variable of the agent's, so none of another agent's can come from the
 * server's), and the program as its own arguments. A one-word command
 * tmux would hand to a shell: a shell alone gets -i, and stays exec'd.
 */
static char **
session_tmux_argv(struct session_tmux *t, struct tmux_base *b,
    const struct session_exec *x, const char *cwd, char ***owned)
{
	char			**v, **own;
	size_t			  n, i, k = 0, o = 0, nenv = 0, nargv = 0;

	while (x->env[nenv] != NULL)
		nenv++;
	while (x->argv[nargv] != NULL)
		nargv++;
	n = tmux_base(b, session_tmux_instance);
	v = xcalloc(n + 24 + 2 * nenv + nargv + 2, sizeof *v);
	own = xcalloc(8 + nenv + nargv, sizeof *own);
	for (i = 0; i < n; i++)
		v[k++] = b->argv[i];
	v[k++] = (char *)"-C";
	v[k++] = (char *)"new-session";
	v[k++] = (char *)"-s";
	v[k++] = own[o++] = xstrdup(t->name);
	v[k++] = (char *)"-n";
	v[k++] = own[o++] = xstrdup(t->name);
	if (cwd != NULL) {
		v[k++] = (char *)"-c";
		v[k++] = own[o++] = tmux_literal(cwd);
	}
	v[k++] = (char *)"-P";
	v[k++] = (char *)"-F";
	v[k++] = (char *)"#{session_id} #{window_id} #{pane_id} #{pane_pid} "
	    "#{pane_tty} #{pid}";
	for (i = 0; i < nenv; i++) {
		char	*e = tmux_arg(x->env[i]);

		v[k++] = (char *)"-e";
		v[k++] = e;
		if (e != x->env[i])
			own[o++] = e;
	}
	v[k++] = (char *)"--";
	/* tmux runs argv[0] by its path, and sees no ';' at an end. */
	for (i = 0; i < nargv; i++) {
		const char	*a = i == 0 ? x->path : x->argv[i];
		char		*e = tmux_arg(a);

		v[k++] = e;
		if (e != a)
			own[o++] = e;
	}
	if (nargv == 1)
		v[k++] = (char *)"-i";
	/*
	 * Whose it is, from its first moment (orch-attach --iterm and a
	 * restart's check read it); the id is of the safe characters.
	 */
	v[k++] = (char *)";";
	v[k++] = (char *)"set-option";
	v[k++] = (char *)"@orch_agent";
	v[k++] = t->agent;
	v[k] = NULL;
	*owned = own;
	return v;
}

static void
session_tmux_free_owned(char **own)
{
	size_t	i;

	for (i = 0; own != NULL && own[i] != NULL; i++)
		free(own[i]);
	free(own);
}

/* Wait for new-session's answer: the session is there, or why not. */
static int
session_tmux_wait_start(struct session_tmux *t, char **cause)
{
	struct timespec	ts;
	int64_t		end, now;
	struct pollfd	pfd;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    SESSION_TMUX_START_MS;
	pfd.fd = t->from;
	pfd.events = POLLIN;
	while (!t->started && t->failed[0] == '\0') {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= end)
			return set_cause(cause, "tmux did not start session "
			    "%s within %d ms", t->name, SESSION_TMUX_START_MS);
		if (poll(&pfd, 1, (int)(end - now)) == -1 && errno != EINTR)
			return set_cause(cause, "poll: %s", strerror(errno));
		if ((pfd.revents & (POLLIN | POLLHUP)) != 0 &&
		    session_tmux_read(t) == -1 && !t->started &&
		    t->failed[0] == '\0')
			return set_cause(cause, "tmux ended before session %s "
			    "started", t->name);
	}
	if (!t->started)
		return set_cause(cause, "%s", t->failed);
	return 0;
}

static void	session_tmux_close(struct session *);
static void	session_tmux_kill(struct session *);

static void
session_tmux_dead_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_tmux	*t = arg;

	(void)fd;
	(void)events;
	session_ended(t->s, t->status);
}

static int
session_tmux_open(struct session *s, const struct agent_config *ac,
    char *const *cmd, char *const *extra_env, char *const *wrap, char **cause)
{
	struct session_tmux		*t;
	struct session_exec		 x;
	struct session_tmux_child	 c;
	struct tmux_base		 b;
	char				**argv, **own, **env;
	unsigned			 rows, cols;
	int				 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int				 lock = -1;
	pid_t				 pid;

	t = xcalloc(1, sizeof *t);
	t->s = s;
	t->to = t->from = t->tty = -1;
	tmux_session_name(ac->id, t->name, sizeof t->name);
	snprintf(t->agent, sizeof t->agent, "%s", ac->id);
	tmuxctl_init(&t->ctl, &session_tmux_ctl_cbs, t);
	session_set_impl(s, t);

	session_exec_make(&x, ac, cmd, extra_env, wrap);
	if (session_exec_check(&x, ac->cwd, cause) != 0 ||
	    session_tmux_server(t, cause) != 0)
		goto fail_exec;
	/* Until tmux has set our client up (its first answer): tmux_lock. */
	lock = tmux_lock(session_tmux_instance);
	if (session_tmux_clear(t, cause) != 0)
		goto fail_exec;
	if (compat_pipe(in, COMPAT_CLOEXEC) == -1 ||
	    compat_pipe(out, COMPAT_CLOEXEC) == -1) {
		set_cause(cause, "pipe: %s", strerror(errno));
		goto fail_exec;
	}
	argv = session_tmux_argv(t, &b, &x, ac->cwd, &own);
	env = tmux_environ(session_tmux_path(x.env));
	c.argv = argv;
	c.env = env;
	c.in = in[0];
	c.out = out[1];
	/* new-session's answer, then set-option's. */
	t->owed[0] = SESSION_TMUX_A_NEW;
	t->owed[1] = SESSION_TMUX_A_IGNORE;
	t->owed_n = 2;
	pid = proc_spawn(session_tmux_child, &c, cause);
	free(argv);
	session_tmux_free_owned(own);
	tmux_environ_free(env);
	session_exec_free(&x);
	close(in[0]);
	close(out[1]);
	t->to = in[1];
	t->from = out[0];
	if (pid < 0)
		goto fail;
	t->client = pid;
	childwatch_add(pid, session_tmux_reaped, t);
	if (session_tmux_wait_start(t, cause) != 0)
		goto fail;
	tmux_unlock(lock);
	lock = -1;

	evutil_make_socket_nonblocking(t->to);
	evutil_make_socket_nonblocking(t->from);
	t->cmds = session_sink_new(session_base(s), t->to,
	    SESSION_TMUX_CMDS_MAX);
	if (t->tty != -1)
		t->show = session_sink_new(session_base(s), t->tty,
		    SESSION_TMUX_SHOW_MAX);
	t->read_ev = event_new(session_base(s), t->from, EV_READ | EV_PERSIST,
	    session_tmux_read_cb, t);
	event_add(t->read_ev, NULL);
	session_set_leader(s, t->pane_pid);
	/*
	 * Its size as a control client's, not new-session -x/-y: tmux 3.3a's
	 * server crashes when sessions of that size start at the same time.
	 */
	session_size(s, &rows, &cols);
	session_tmux_send(t, SESSION_TMUX_A_IGNORE, "refresh-client -C %ux%u",
	    cols, rows);
	/* Its end: the program's exit status. */
	session_tmux_send(t, SESSION_TMUX_A_IGNORE,
	    "refresh-client -B '" SESSION_TMUX_SUB "::"
	    "#{?pane_dead,#{pane_dead_status}:#{pane_dead_signal},}'");
	if (t->gone) {
		set_cause(cause, "tmux ended as session %s started", t->name);
		goto fail;
	}
	t->opened = true;
	/* Dead already: said once the actor has its session. */
	if (t->dead)
		event_base_once(session_base(s), -1, EV_TIMEOUT,
		    session_tmux_dead_cb, t, NULL);
	log_info("tmux session %s (%s, pane %s, pid %ld) on orch-%s", t->name,
	    t->sid, t->pane, (long)t->pane_pid, session_tmux_instance);
	return 0;
fail_exec:
	session_exec_free(&x);
fail:
	tmux_unlock(lock);
	if (t->pane_pid > 0)
		proc_kill_session(t->pane_pid, SIGKILL);
	session_tmux_kill(s);
	session_tmux_close(s);
	session_set_impl(s, NULL);
	return -1;
}

/* Operations --------------------------------------------------------------- */

/* Wait for the client to leave: a second at most, then it is killed. */
static void
session_tmux_reap(pid_t pid)
{
	const struct timespec	pause = { 0, 2 * 1000 * 1000 };
	int			status, i;

	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void
session_tmux_close(struct session *s)
{
	struct session_tmux	*t = session_impl(s);
	int			 lock;

	if (t == NULL)
		return;
	if (t->client > 0)
		childwatch_del(t->client);
	if (t->read_ev != NULL)
		event_free(t->read_ev);
	session_sink_free(t->cmds);
	session_sink_free(t->show);
	if (t->tty != -1)
		close(t->tty);
	/*
	 * Its stdin at its end: the client leaves, and is waited for under
	 * tmux_lock (its leaving notifies the other control clients).
	 */
	if (t->client > 0) {
		lock = tmux_lock(session_tmux_instance);
		if (t->to != -1)
			close(t->to);
		t->to = -1;
		session_tmux_reap(t->client);
		tmux_unlock(lock);
	}
	if (t->to != -1)
		close(t->to);
	if (t->from != -1)
		close(t->from);
	tmuxctl_free(&t->ctl);
	free(t);
}

static int
session_tmux_write(struct session *s, const void *data, size_t len)
{
	struct session_tmux	*t = session_impl(s);
	const unsigned char	*p = data;
	char			 line[32 + SESSION_TMUX_KEYS_CHUNK * 3];
	size_t			 i, n, k;

	/* All or nothing: what cannot wait is refused whole. */
	if (t->cmds == NULL || session_sink_pending(t->cmds) + len * 3 +
	    (len / SESSION_TMUX_KEYS_CHUNK + 1) * 32 > SESSION_TMUX_CMDS_MAX)
		return -1;
	for (i = 0; i < len; i += n) {
		n = len - i < SESSION_TMUX_KEYS_CHUNK ? len - i :
		    SESSION_TMUX_KEYS_CHUNK;
		k = 0;
		for (size_t j = 0; j < n; j++)
			k += (size_t)snprintf(line + k, sizeof line - k, " %02x",
			    p[i + j]);
		if (session_tmux_send(t, SESSION_TMUX_A_IGNORE,
		    "send-keys -t %s -H%s", t->pane, line) != 0)
			return -1;
	}
	return 0;
}

/* Shown text goes through the pane's terminal, as a program's would. */
static int
session_tmux_show(struct session *s, const void *data, size_t len)
{
	struct session_tmux	*t = session_impl(s);

	if (t->show == NULL)
		return -1;
	return session_sink_write(t->show, data, len);
}

static int
session_tmux_resize(struct session *s, unsigned rows, unsigned cols)
{
	struct session_tmux	*t = session_impl(s);

	return session_tmux_send(t, SESSION_TMUX_A_IGNORE,
	    "refresh-client -C %ux%u", cols, rows);
}

static bool
session_tmux_alive(const struct session *s)
{
	const struct session_tmux	*t = session_impl(s);

	return !t->gone;
}

/*
 * The tmux session ends now (under tmux_lock: every session closed is a
 * notification), whatever the control client still has to read.
 */
static void
session_tmux_end(struct session_tmux *t)
{
	char	*kill[] = { (char *)"kill-window", (char *)"-t", t->wid,
		    (char *)";", (char *)"kill-session", (char *)"-t", t->sid,
		    NULL };
	char	 out[256];
	int	 lock;

	if (t->sid[0] == '\0' || t->ended_by_us)
		return;
	t->ended_by_us = true;
	lock = tmux_lock(session_tmux_instance);
	(void)tmux_run(session_tmux_instance, kill, out, sizeof out);
	tmux_unlock(lock);
}

/*
 * The session's processes get the hang-up a closed terminal gives; the
 * tmux session goes with them, so that its end is seen at once. Its
 * window goes by kill-window: also from the sessions it is linked into
 * (orch-attach --iterm's).
 */
static void
session_tmux_hangup(struct session *s)
{
	struct session_tmux	*t = session_impl(s);

	if (t->pane_pid > 0) {
		proc_kill_session(t->pane_pid, SIGHUP);
		proc_kill_session(t->pane_pid, SIGCONT);
	}
	session_tmux_end(t);
}

static void
session_tmux_kill(struct session *s)
{
	struct session_tmux	*t = session_impl(s);

	if (t->pane_pid > 0)
		proc_kill_session(t->pane_pid, SIGKILL);
	session_tmux_end(t);
}

const struct session_ops session_tmux_ops = {
	.name = "tmux",
	.open = session_tmux_open,
	.write = session_tmux_write,
	.show = session_tmux_show,
	.resize = session_tmux_resize,
	.tail = NULL,
	.alive = session_tmux_alive,
	.hangup = session_tmux_hangup,
	.kill = session_tmux_kill,
	.close = session_tmux_close,
};
