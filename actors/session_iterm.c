/*
 * The iTerm2 session backend (macOS): a window, or a tab of orch's
 * window, per agent, driven through osascript as iterm-mcp does, but
 * always by the session's unique id (never "current session": a person
 * clicking elsewhere changes that). Every script is fixed text; every
 * value (text, ids, profile, paths) reaches it as an argument of its run
 * handler (`on run argv`), never spliced into it.
 *
 * iTerm2 runs one command line per session; it is a launcher file of
 * orch's (in the run directory: a path of safe characters) that records
 * the program's pid, changes to its cwd and execs it with exactly the
 * agent's environment. Output is not streamed: the session's text is read
 * every SESSION_ITERM_POLL_MS, and only while someone watches (a client
 * attached, a task running), and shown to them as a screen repainted.
 * iTerm2's websocket API would notify instead; it needs its Python
 * runtime or a protobuf client, and is left for later.
 */
#include "actors/session.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/shquote.h"
#include "common/xmalloc.h"

#define SESSION_ITERM_POLL_MS		250
/* Unwatched, only whether its program still runs, this often. */
#define SESSION_ITERM_ALIVE_MS		1000
#define SESSION_ITERM_TIMEOUT_MS	10000
/* write text takes at most 1,024 characters at once. */
#define SESSION_ITERM_CHUNK		1000
#define SESSION_ITERM_SCREEN_MAX	(256u << 10)
#define SESSION_ITERM_SHOW_MAX		(4u << 20)
/* How long the launcher may take to say its pid. */
#define SESSION_ITERM_PID_MS		5000

/* The scripts: fixed text, one -e per line; the first names the script. */
static const char *const session_iterm_script_find[] = {
	"on findSession(sid)",
	"  tell application \"iTerm2\"",
	"    repeat with w in windows",
	"      repeat with t in tabs of w",
	"        repeat with s in sessions of t",
	"          if unique id of s is sid then return s",
	"        end repeat",
	"      end repeat",
	"    end repeat",
	"  end tell",
	"  error \"no iTerm2 session \" & sid number -1728",
	"end findSession",
	NULL
};

static const char *const session_iterm_script_create[] = {
	"-- orch iterm2: create (profile, window id or empty, launcher)",
	"on run argv",
	"  set profileName to item 1 of argv",
	"  set windowId to item 2 of argv",
	"  set launcher to item 3 of argv",
	"  tell application \"iTerm2\"",
	"    if windowId is \"\" then",
	"      if profileName is \"\" then",
	"        set w to (create window with default profile command launcher)",
	"      else",
	"        set w to (create window with profile profileName command launcher)",
	"      end if",
	"      set s to current session of w",
	"    else",
	"      set w to (first window whose id is (windowId as integer))",
	"      tell w",
	"        if profileName is \"\" then",
	"          set t to (create tab with default profile command launcher)",
	"        else",
	"          set t to (create tab with profile profileName command launcher)",
	"        end if",
	"      end tell",
	"      set s to current session of t",
	"    end if",
	"    return ((id of w) as text) & \" \" & (unique id of s) & \" \" & (tty of s)",
	"  end tell",
	"end run",
	NULL
};

static const char *const session_iterm_script_write[] = {
	"-- orch iterm2: write (session id, text)",
	"on run argv",
	"  set s to my findSession(item 1 of argv)",
	"  tell application \"iTerm2\" to tell s to write text (item 2 of argv) newline NO",
	"end run",
	NULL
};

static const char *const session_iterm_script_read[] = {
	"-- orch iterm2: read (session id)",
	"on run argv",
	"  set s to my findSession(item 1 of argv)",
	"  tell application \"iTerm2\" to tell s",
	"    return ((is processing) as text) & linefeed & (text)",
	"  end tell",
	"end run",
	NULL
};

static const char *const session_iterm_script_resize[] = {
	"-- orch iterm2: resize (session id, columns, rows)",
	"on run argv",
	"  set s to my findSession(item 1 of argv)",
	"  tell application \"iTerm2\" to tell s",
	"    set columns to ((item 2 of argv) as integer)",
	"    set rows to ((item 3 of argv) as integer)",
	"  end tell",
	"end run",
	NULL
};

static const char *const session_iterm_script_close[] = {
	"-- orch iterm2: close (session id)",
	"on run argv",
	"  set s to my findSession(item 1 of argv)",
	"  tell application \"iTerm2\" to tell s to close",
	"end run",
	NULL
};

struct session_iterm {
	struct session		*s;
	char			 agent[AGENT_ID_MAX + 1];
	char			 sid[128];	/* iTerm2's unique id */
	char			 launcher[PATH_MAX];
	char			 pidfile[PATH_MAX];
	pid_t			 pid;
	int			 tty;
	struct session_sink	*show;
	struct event		*poll_ev;
	char			*screen;	/* the text read last */
	bool			 watched;
	bool			 gone;
};

static char			session_iterm_instance[64];
static struct iterm_config	session_iterm_cfg;

void
session_iterm_set(const char *instance, const struct iterm_config *cfg)
{
	snprintf(session_iterm_instance, sizeof session_iterm_instance, "%s",
	    instance);
	session_iterm_cfg = *cfg;
}

/* osascript ---------------------------------------------------------------- */

/*
 * What osascript says when it fails, as the agent's error: its message,
 * and the fix for the one every first run meets.
 */
static void
session_iterm_why(const char *said, char *why, size_t size)
{
	if (strstr(said, "-1743") != NULL)
		snprintf(why, size, "iTerm2 refused orch's Apple events (%s): "
		    "allow orch to control iTerm2 in System Settings > Privacy "
		    "> Automation", said);
	else
		snprintf(why, size, "osascript: %s", said[0] != '\0' ? said :
		    "failed");
}

/*
 * Run script with args (NULL-terminated): 0 with what it returned in out,
 * or -1 with why in out.
 */
static int
session_iterm_run(const char *const *script, char *const *args, char *out,
    size_t size)
{
	const char	*prog = getenv("ORCH_OSASCRIPT");
	char		**argv, said[1024];
	size_t		  n = 0, i, k = 0, m = 0;
	int		  status, rc;

	while (script[n] != NULL)
		n++;
	while (session_iterm_script_find[m] != NULL)
		m++;
	for (i = 0; args[i] != NULL; i++)
		;
	argv = xcalloc(2 + 2 * (n + m) + i + 1, sizeof *argv);
	argv[k++] = (char *)(prog != NULL && prog[0] != '\0' ? prog :
	    "osascript");
	for (i = 0; i < n; i++) {
		argv[k++] = (char *)"-e";
		argv[k++] = (char *)script[i];
	}
	/* The run handlers look sessions up by id: one handler for all. */
	for (i = 0; script != session_iterm_script_create && i < m; i++) {
		argv[k++] = (char *)"-e";
		argv[k++] = (char *)session_iterm_script_find[i];
	}
	for (i = 0; args[i] != NULL; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	rc = proc_run(argv, NULL, SESSION_ITERM_TIMEOUT_MS, out, size,
	    &status);
	free(argv);
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(said, sizeof said, "%s", out);
		session_iterm_why(said, out, size);
		return -1;
	}
	return 0;
}

/* Start -------------------------------------------------------------------- */

/* A word for the launcher, shell-quoted; free it. */
static char *
session_iterm_quote(const char *w)
{
	size_t	n;

	return shquote_value(SHQUOTE_BARE, w, strlen(w), &n);
}

/*
 * The launcher: its pid first (the session's leader, which iTerm2 made),
 * then the cwd and the program with the agent's environment and nothing
 * else. Each word shell-quoted.
 */
static int
session_iterm_launcher(struct session_iterm *t, const struct session_exec *x,
    const char *cwd, char **cause)
{
	FILE	*f;
	char	*q;
	size_t	 i;
	int	 fd;

	unlink(t->launcher);
	if ((fd = open(t->launcher, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0700)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return set_cause(cause, "%s: %s", t->launcher, strerror(errno));
	fprintf(f, "#!/bin/sh\n# orch: agent %s's iTerm2 session\n", t->agent);
	q = session_iterm_quote(t->pidfile);
	fprintf(f, "echo $$ >%s.new && mv %s.new %s || exit 1\n", q, q, q);
	free(q);
	if (cwd != NULL) {
		q = session_iterm_quote(cwd);
		fprintf(f, "cd %s || exit 1\n", q);
		free(q);
	}
	fprintf(f, "exec env -i");
	for (i = 0; x->env[i] != NULL; i++) {
		q = session_iterm_quote(x->env[i]);
		fprintf(f, " %s", q);
		free(q);
	}
	q = session_iterm_quote(x->path);
	fprintf(f, " %s", q);
	free(q);
	for (i = 1; x->argv[i] != NULL; i++) {
		q = session_iterm_quote(x->argv[i]);
		fprintf(f, " %s", q);
		free(q);
	}
	fprintf(f, "\n");
	if (fclose(f) != 0)
		return set_cause(cause, "%s: %s", t->launcher, strerror(errno));
	return 0;
}

/* The launcher's pid, once it wrote it: the session's leader. */
static pid_t
session_iterm_pid(struct session_iterm *t)
{
	const struct timespec	pause = { 0, 10 * 1000 * 1000 };
	char			buf[32];
	ssize_t			n;
	int			fd, waited;

	for (waited = 0; waited < SESSION_ITERM_PID_MS; waited += 10) {
		if ((fd = open(t->pidfile, O_RDONLY | O_CLOEXEC)) != -1) {
			n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n > 0) {
				buf[n] = '\0';
				return (pid_t)atol(buf);
			}
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* The window orch's tabs go into (window: shared), kept in the run dir. */
static void
session_iterm_window(char *id, size_t size, bool save)
{
	char	path[PATH_MAX];
	FILE	*f;

	if (rundir_file(session_iterm_instance, "iterm2.window", path,
	    sizeof path, NULL) != 0)
		return;
	if (save) {
		if ((f = fopen(path, "w")) != NULL) {
			fprintf(f, "%s\n", id);
			fclose(f);
		}
		return;
	}
	id[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(id, (int)size, f) == NULL)
			id[0] = '\0';
		id[strcspn(id, "\n")] = '\0';
		fclose(f);
	}
}

static void	session_iterm_poll_cb(evutil_socket_t, short, void *);
static void	session_iterm_schedule(struct session_iterm *);
static void	session_iterm_close(struct session *);

static int
session_iterm_open(struct session *s, const struct agent_config *ac,
    char *const *cmd, char *const *extra_env, char *const *wrap, char **cause)
{
	struct session_iterm	*t;
	struct session_exec	 x;
	char			 name[PATH_MAX], out[1024], win[64], tty[256];
	char			*args[4];
	int			 rc, lock = -1;

	t = xcalloc(1, sizeof *t);
	t->s = s;
	t->tty = -1;
	snprintf(t->agent, sizeof t->agent, "%s", ac->id);
	session_set_impl(s, t);
	snprintf(name, sizeof name, "%s/%s.iterm2.sh", RUNDIR_ACTORS, ac->id);
	if (rundir_file(session_iterm_instance, name, t->launcher,
	    sizeof t->launcher, cause) != 0)
		goto fail;
	snprintf(name, sizeof name, "%s/%s.iterm2.pid", RUNDIR_ACTORS, ac->id);
	if (rundir_file(session_iterm_instance, name, t->pidfile,
	    sizeof t->pidfile, cause) != 0)
		goto fail;
	unlink(t->pidfile);
	session_exec_make(&x, ac, cmd, extra_env, wrap);
	rc = session_exec_check(&x, ac->cwd, cause) != 0 ||
	    session_iterm_launcher(t, &x, ac->cwd, cause) != 0;
	session_exec_free(&x);
	if (rc != 0)
		goto fail;

	/* One shared window: its making and its id are one actor's turn. */
	win[0] = '\0';
	if (session_iterm_cfg.shared) {
		lock = rundir_hold(session_iterm_instance, "iterm2.lock");
		session_iterm_window(win, sizeof win, false);
	}
	args[0] = session_iterm_cfg.profile;
	args[1] = win;
	args[2] = t->launcher;
	args[3] = NULL;
	rc = session_iterm_run(session_iterm_script_create, args, out, sizeof out);
	if (rc != 0 && win[0] != '\0' && strstr(out, "-1743") == NULL) {
		/* orch's window was closed: a new one. */
		win[0] = '\0';
		rc = session_iterm_run(session_iterm_script_create, args, out,
		    sizeof out);
	}
	if (rc != 0) {
		set_cause(cause, "%s", out);
		goto fail;
	}
	if (sscanf(out, "%63s %127s %255s", win, t->sid, tty) != 3) {
		set_cause(cause, "iTerm2 made no session (it said '%.200s')",
		    out);
		goto fail;
	}
	if (session_iterm_cfg.shared)
		session_iterm_window(win, sizeof win, true);
	rundir_release(lock);
	lock = -1;
	if ((t->pid = session_iterm_pid(t)) <= 0) {
		set_cause(cause, "iTerm2 session %s did not start its program",
		    t->sid);
		goto fail;
	}
	session_set_leader(s, t->pid);
	if ((t->tty = open(tty, O_WRONLY | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) != -1)
		t->show = session_sink_new(session_base(s), t->tty,
		    SESSION_ITERM_SHOW_MAX);
	t->poll_ev = event_new(session_base(s), -1, EV_PERSIST,
	    session_iterm_poll_cb, t);
	session_iterm_schedule(t);
	log_info("iTerm2 session %s (window %s, pid %ld)", t->sid, win,
	    (long)t->pid);
	return 0;
fail:
	rundir_release(lock);
	session_iterm_close(s);
	session_set_impl(s, NULL);
	return -1;
}

/* Watching ----------------------------------------------------------------- */

/* Read the screen often while watched, else only check on its program. */
static void
session_iterm_schedule(struct session_iterm *t)
{
	unsigned	ms = t->watched ? SESSION_ITERM_POLL_MS :
			    SESSION_ITERM_ALIVE_MS;
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_del(t->poll_ev);
	event_add(t->poll_ev, &tv);
}

/* The screen as a repaint: home, clear, its lines. */
static void
session_iterm_repaint(struct session_iterm *t, const char *text)
{
	size_t	i, n = strlen(text);
	char	*out = xmalloc(n * 2 + 16);
	size_t	k = 0;

	memcpy(out, "\033[H\033[2J", 7);
	k = 7;
	for (i = 0; i < n; i++) {
		if (text[i] == '\n')
			out[k++] = '\r';
		out[k++] = text[i];
	}
	session_output(t->s, out, k);
	free(out);
}

static void
session_iterm_poll_cb(evutil_socket_t fd, short events, void *arg)
{
	struct session_iterm	*t = arg;
	char			*out, *args[2] = { t->sid, NULL }, *text;

	(void)fd;
	(void)events;
	if (!t->watched) {
		/* Its tab closed hangs its program up: that is its end. */
		if (t->pid > 0 && kill(t->pid, 0) == -1 && errno == ESRCH) {
			t->gone = true;
			event_del(t->poll_ev);
			session_lost(t->s, "its iTerm2 session's program ended "
			    "(the session was closed)");
		}
		return;
	}
	out = xmalloc(SESSION_ITERM_SCREEN_MAX);
	if (session_iterm_run(session_iterm_script_read, args, out,
	    SESSION_ITERM_SCREEN_MAX) != 0) {
		/* Closed, by a person or its program's end. */
		if (strstr(out, "no iTerm2 session") != NULL) {
			t->gone = true;
			event_del(t->poll_ev);
			session_lost(t->s, "its iTerm2 session was closed");
		} else
			log_warnx("iTerm2 session %s: %s", t->sid, out);
		free(out);
		return;
	}
	/* "true|false" (is processing), then the text. */
	text = strchr(out, '\n');
	text = text != NULL ? text + 1 : out + strlen(out);
	if (t->screen == NULL || strcmp(t->screen, text) != 0) {
		free(t->screen);
		t->screen = xstrdup(text);
		session_iterm_repaint(t, text);
	}
	free(out);
}

static void
session_iterm_watch(struct session *s, bool on)
{
	struct session_iterm	*t = session_impl(s);

	if (t->poll_ev == NULL || on == t->watched || t->gone)
		return;
	t->watched = on;
	session_iterm_schedule(t);
}

/* Operations --------------------------------------------------------------- */

static void
session_iterm_close(struct session *s)
{
	struct session_iterm	*t = session_impl(s);

	if (t == NULL)
		return;
	if (t->poll_ev != NULL)
		event_free(t->poll_ev);
	session_sink_free(t->show);
	if (t->tty != -1)
		close(t->tty);
	if (t->launcher[0] != '\0')
		unlink(t->launcher);
	if (t->pidfile[0] != '\0')
		unlink(t->pidfile);
	free(t->screen);
	free(t);
}

/* Typed text, in pieces write text takes, none cut inside a character. */
static int
session_iterm_write(struct session *s, const void *data, size_t len)
{
	struct session_iterm	*t = session_impl(s);
	const unsigned char	*p = data;
	char			 chunk[SESSION_ITERM_CHUNK + 8], out[1024];
	char			*args[3] = { t->sid, chunk, NULL };
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < SESSION_ITERM_CHUNK ? len - i :
		    SESSION_ITERM_CHUNK;
		while (n < len - i && n > 0 && (p[i + n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = 1;
		memcpy(chunk, p + i, n);
		chunk[n] = '\0';
		if (session_iterm_run(session_iterm_script_write, args, out,
		    sizeof out) != 0) {
			log_warnx("iTerm2 session %s: %s", t->sid, out);
			return -1;
		}
	}
	return 0;
}

static int
session_iterm_show(struct session *s, const void *data, size_t len)
{
	struct session_iterm	*t = session_impl(s);

	if (t->show == NULL)
		return -1;
	return session_sink_write(t->show, data, len);
}

static int
session_iterm_resize(struct session *s, unsigned rows, unsigned cols)
{
	struct session_iterm	*t = session_impl(s);
	char			 c[16], r[16], out[1024];
	char			*args[4] = { t->sid, c, r, NULL };

	snprintf(c, sizeof c, "%u", cols);
	snprintf(r, sizeof r, "%u", rows);
	return session_iterm_run(session_iterm_script_resize, args, out, sizeof out);
}

static bool
session_iterm_alive(const struct session *s)
{
	const struct session_iterm	*t = session_impl(s);

	return !t->gone;
}

/* Closing the session hangs its terminal up, as a closed tab would. */
static void
session_iterm_hangup(struct session *s)
{
	struct session_iterm	*t = session_impl(s);
	char			*args[2] = { t->sid, NULL }, out[1024];

	if (t->gone || t->sid[0] == '\0')
		return;
	if (session_iterm_run(session_iterm_script_close, args, out, sizeof out) != 0)
		log_warnx("iTerm2 session %s: %s", t->sid, out);
	t->gone = true;
	if (t->pid > 0)
		proc_kill_session(t->pid, SIGHUP);
	session_lost(t->s, "its iTerm2 session was closed by orch");
}

static void
session_iterm_kill(struct session *s)
{
	struct session_iterm	*t = session_impl(s);

	if (t->pid > 0)
		proc_kill_session(t->pid, SIGKILL);
	session_iterm_hangup(s);
}

const struct session_ops session_iterm_ops = {
	.name = "iterm2",
	.open = session_iterm_open,
	.write = session_iterm_write,
	.show = session_iterm_show,
	.resize = session_iterm_resize,
	.tail = NULL,
	.alive = session_iterm_alive,
	.hangup = session_iterm_hangup,
	.kill = session_iterm_kill,
	.close = session_iterm_close,
	.watch = session_iterm_watch,
};
