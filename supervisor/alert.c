/*
 * Telling the operator an agent waits on a person: a bell and an OSC 9
 * notification on the supervisor's terminal (terminals that know OSC 9
 * show a desktop notification; the others ring or ignore it), and
 * notify-send when the machine has one. A hub observer: it sees every
 * agent that starts waiting, whatever made it wait.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "supervisor/alert.h"
#include "supervisor/hub.h"
#include "supervisor/supervisor.h"

extern char	**environ;

struct alert {
	char	 notify_send[4096];	/* "" when there is none */
};

/* The first notify-send on PATH, or "". */
static void
alert_find(char *out, size_t size)
{
	const char	*path = getenv("PATH");
	char		*copy, *dir, *save;

	out[0] = '\0';
	if (path == NULL)
		return;
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL,
	    ":", &save)) {
		snprintf(out, size, "%s/notify-send", dir);
		if (dir[0] == '/' && access(out, X_OK) == 0)
			break;
		out[0] = '\0';
	}
	free(copy);
}

static void
alert_agent_cb(void *arg, const struct hub_change *ch)
{
	struct alert		*al = arg;
	char			 text[512], *argv[4];
	posix_spawn_file_actions_t fa;
	pid_t			 pid;
	size_t			 i;

	if (strcmp(ch->to, "waiting") != 0 || strcmp(ch->from, "waiting") == 0)
		return;
	/* One line a terminal shows as it is: no controls from the agent. */
	log_escape(text, sizeof text, ch->why != NULL ? ch->why : "", ch->why !=
	    NULL ? strlen(ch->why) : 0);
	for (i = 0; text[i] != '\0'; i++)
		if (text[i] == ';')
			text[i] = ',';
	/* Not into the file the log goes to under --dashboard. */
	if (isatty(STDERR_FILENO) == 1)
		dprintf(STDERR_FILENO, "\a\x1b]9;orch: agent %s waits: %s\a",
		    ch->name, text);
	if (al->notify_send[0] == '\0')
		return;
	argv[0] = (char *)"notify-send";
	xasprintf(&argv[1], "orch: agent %s waits", ch->name);
	argv[2] = text;
	argv[3] = NULL;
	/* Its exit is reaped with the others' (any child of ours). */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	if (posix_spawn(&pid, al->notify_send, &fa, NULL, argv, environ) != 0)
		log_debug("notify-send could not be run");
	posix_spawn_file_actions_destroy(&fa);
	free(argv[1]);
}

struct alert *
alert_new(struct supervisor *sup)
{
	struct alert	*al = xcalloc(1, sizeof *al);

	alert_find(al->notify_send, sizeof al->notify_send);
	hub_subscribe(sup->hub, HUB_AGENT, alert_agent_cb, al);
	return al;
}

void
alert_free(struct alert *al)
{
	free(al);
}
