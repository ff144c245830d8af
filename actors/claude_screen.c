/*
 * What an interactive Claude Code's screen says (claude.h): before it is
 * up, the first-run dialogs (the agent's error with the fix, or answered
 * for the user with claude: {trust: true}, the option picked by its
 * text); once up, a promote-only safety net: its permission dialog on the
 * screen makes the agent waiting even if a hook was missed, never the
 * other way round.
 */
#include "actors/claude.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "actors/actor.h"
#include "actors/claude_int.h"
#include "actors/session.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/termtext.h"
#include "common/xmalloc.h"
#include "ipc/proto.h"

#define CLAUDE_TRUST_RETRY_MS	3000

/*
 * First-run dialogs Claude Code shows before it starts: what names each
 * on the screen, the fix people are told, and, with claude: {trust:
 * true}, the option orch picks for them.
 */
static const struct {
	const char	*says;
	const char	*what;
	const char	*fix;
	const char	*choose;
} claude_dialogs[] = {
	{ "one you trust", "whether to trust the folder",
	    "run claude once in %s and accept the folder, or set claude: "
	    "{trust: true}", "Yes, I trust this folder" },
	{ "Do you want to use this API key?", "whether to use the API key",
	    "run claude once and answer Yes to the API key, or set claude: "
	    "{trust: true}", "Yes" },
	{ "New MCP server found", "whether to use the project's MCP servers",
	    "run claude once in %s and approve its MCP servers, or set "
	    "claude: {trust: true}", "Use this MCP server" },
	{ "Unable to connect to Anthropic services", "nothing: it cannot "
	    "reach its API", "run claude once by hand to finish its setup "
	    "(or check ANTHROPIC_BASE_URL)", NULL },
};

/* Claude Code's permission dialog, as the screen shows it. */
static const char *const claude_permission_says[] = {
	"Do you want to proceed?",
	"Do you want to make this edit",
	"Do you want to create",
};

/* The last line of the screen that says something, for a reason. */
void
claude_screen_line(const struct claude *c, char *out, size_t size)
{
	const char	*end = c->screen + c->screen_len, *p;
	size_t		 n;

	while (end > c->screen && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (p = end; p > c->screen && p[-1] != '\n'; p--)
		;
	while (p < end && *p == ' ')
		p++;
	n = (size_t)(end - p);
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/*
 * Answer a first-run dialog for the user (trust: true): the option
 * wanted is reached with arrows from the one marked, then Enter. The
 * options are the last lines drawn between the question and "Enter to
 * confirm"; the marked one starts with the pointer.
 */
static void
claude_dialog_choose(struct actor *a, const char *choose)
{
	struct claude	*c = a->claude;
	const char	*end, *start, *p, *nl;
	int		 line = 0, at = -1, want = -1, i;

	c->screen[c->screen_len] = '\0';
	if ((end = strstr(c->screen, "Enter to confirm")) == NULL)
		return;
	for (p = end; (nl = strstr(p, "Enter to confirm")) != NULL; p = nl + 1)
		end = nl;
	/* Back to the blank line before the options, or ten lines up. */
	for (start = end, i = 0; start > c->screen && i < 12; i++) {
		for (start--; start > c->screen && start[-1] != '\n'; start--)
			;
	}
	for (p = start; p < end; p = nl + 1, line++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memmem(p, (size_t)(nl - p), "\xe2\x9d\xaf", 3) != NULL)
			at = line;
		if (memmem(p, (size_t)(nl - p), choose, strlen(choose)) != NULL)
			want = line;
	}
	if (at < 0 || want < 0)
		return;
	for (; at < want; at++)
		session_write(a->session, "\x1b[B", 3);
	for (; at > want; at--)
		session_write(a->session, "\x1b[A", 3);
	claude_arm(c->enter_ev, CLAUDE_DIALOG_DELAY_MS);
	c->enter_for_dialog = true;
	/* What comes next is read afresh: the next dialog, or the TUI. */
	c->screen_len = 0;
	log_info("answered Claude Code's first-run question for the user "
	    "(claude: {trust: true}): %s", choose);
}

void
claude_dialog_cb(evutil_socket_t fd, short events, void *arg)
{
	struct actor	*a = arg;
	struct claude	*c = a->claude;

	(void)fd;
	(void)events;
	if (c->started || c->dialog < 0 || a->session == NULL)
		return;
	claude_dialog_choose(a, claude_dialogs[c->dialog].choose);
}

/* What the screen shows before Claude Code is up: a dialog? */
static void
claude_dialogs_check(struct actor *a)
{
	struct claude	*c = a->claude;
	char		 fix[PATH_MAX + 160], why[PATH_MAX + 320];
	const char	*dir = a->ac.cwd != NULL ? a->ac.cwd : ".";
	size_t		 i;
	uint64_t	 now = clock_now_ns();

	for (i = 0; i < sizeof claude_dialogs / sizeof claude_dialogs[0];
	    i++) {
		if (memmem(c->screen, c->screen_len, claude_dialogs[i].says,
		    strlen(claude_dialogs[i].says)) == NULL)
			continue;
		if (a->ac.claude.trust && claude_dialogs[i].choose != NULL) {
			/* Once per dialog and a while, not at every redraw. */
			if (c->dialog == (int)i && now - c->dialog_ns <
			    (uint64_t)CLAUDE_TRUST_RETRY_MS * 1000000)
				return;
			c->dialog = (int)i;
			c->dialog_ns = now;
			/* Keys once it is drawn and listening, not at once. */
			claude_arm(c->dialog_ev, CLAUDE_DIALOG_DELAY_MS);
			return;
		}
		snprintf(fix, sizeof fix, claude_dialogs[i].fix, dir);
		snprintf(why, sizeof why, "Claude Code asks %s: %s",
		    claude_dialogs[i].what, fix);
		claude_ready_answer(a, why, true, 0);
		return;
	}
}

void
claude_output(struct actor *a, const char *data, size_t len)
{
	struct claude	*c = a->claude;
	char		*plain;
	size_t		 n, keep, i;

	if (len > CLAUDE_SCREEN_KEEP)
		data += len - CLAUDE_SCREEN_KEEP, len = CLAUDE_SCREEN_KEEP;
	plain = xmalloc(len + 1);
	n = termtext_plain(data, len, plain);
	keep = c->screen_len + n > CLAUDE_SCREEN_KEEP ? CLAUDE_SCREEN_KEEP -
	    n : c->screen_len;
	memmove(c->screen, c->screen + c->screen_len - keep, keep);
	memcpy(c->screen + keep, plain, n);
	c->screen_len = keep + n;
	free(plain);
	if (!c->started) {
		claude_dialogs_check(a);
		return;
	}
	/* It answers the interrupt: its screen moved. */
	if (c->interrupts > 0)
		c->reacted = true;
	/* Promote only: the hooks say when it is over. */
	if (c->phase != CLAUDE_WORKING || c->attention)
		return;
	for (i = 0; i < sizeof claude_permission_says /
	    sizeof claude_permission_says[0]; i++)
		if (memmem(c->screen, c->screen_len, claude_permission_says[i],
		    strlen(claude_permission_says[i])) != NULL) {
			claude_attention(a, true, "the screen shows Claude "
			    "Code's permission dialog");
			c->screen_len = 0;
			return;
		}
}
