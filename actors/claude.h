/*
 * An interactive Claude Code agent (runner: claude, claude: {mode:
 * interactive}): the session runs the claude TUI with hooks orch gives it
 * (claude --settings FILE, a file in the run directory: the user's own
 * settings are never touched). Each hook runs `orch-ctl hook EVENT`,
 * which asks this actor over its socket; only a process of the agent's
 * own session may (actor_clients.c).
 *
 * claude.c drives the session: it is ready when SessionStart says Claude
 * Code is up, a prompt task is pasted in (bracketed paste, Enter a moment
 * later) and confirmed by UserPromptSubmit, and it ends on Stop with
 * Claude's last message as its output (StopFailure: failed). A timeout
 * interrupts Claude (Escape, SIGINT, then the session is killed).
 * claude_hook.c reads the hooks: waiting (a permission request, a
 * notification that Claude needs the user) and back, and the tool calls
 * orch's gate decides (claude.permit to the supervisor, held there for a
 * person when the gate says so).
 */
#ifndef ORCH_ACTORS_CLAUDE_H
#define ORCH_ACTORS_CLAUDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/envelope.h"
#include "ipc/peer.h"

struct actor;
struct claude;
struct peer;

/* A session id as Claude Code makes them: letters, digits, '-', '_'. */
#define CLAUDE_SID_MAX		64
/* How long Claude Code has to come up (SessionStart) before it failed. */
#define CLAUDE_START_MS		45000
/* From Enter to UserPromptSubmit, before Enter again, then failure. */
#define CLAUDE_CONFIRM_MS	5000
#define CLAUDE_ENTER_DELAY_MS	150

/*
 * Set up the driver for actor a from init's "claude" map ({path, resume?}):
 * the settings file written, the session's command made (claude_cmd). 0,
 * or -1 with *cause.
 */
int		 claude_new(struct actor *a, const msgpack_object *init,
		    char **cause);
void		 claude_free(struct actor *a);
/* The session's command vector (NULL-terminated). */
char *const	*claude_cmd(const struct actor *a);
/*
 * Claude Code exited (reason: "exited 1") before it was up: actor.init is
 * answered with why (true), or it was up (false).
 */
bool		 claude_exited(struct actor *a, const char *reason);
/* Hold the answer to actor.init until Claude Code is up. */
void		 claude_ready_later(struct actor *a, const struct envelope *env);
/* A task.run with a prompt; answered when it ends. */
void		 claude_task(struct actor *a, const struct envelope *env,
		    uint64_t id, const char *prompt, size_t len,
		    unsigned timeout_ms);
/* Stop the task named (task.kill): Claude is interrupted. */
void		 claude_task_kill(struct actor *a, uint64_t id);
bool		 claude_busy(const struct actor *a);
/* What the session printed (the screen's safety net). */
void		 claude_output(struct actor *a, const char *data, size_t len);
/* A claude.hook request from a process of the session (claude_hook.c). */
void		 claude_hook(struct actor *a, struct peer *p,
		    const struct envelope *env);
/* A client went away: its held hooks with it (claude_hook.c). */
void		 claude_forget(struct actor *a, struct peer *p);
/*
 * claude_hook.c, for both modes: ask the supervisor's gate about a tool
 * call (claude.permit; hold names it, cb gets the decision), 0 or -1 (not
 * sent: cb never runs); and let go of one nobody waits on any more.
 */
int		 claude_gate_ask(struct actor *a, uint64_t hold,
		    const char *event, const char *tool, const char *text,
		    size_t len, bool cut, ipc_reply_cb cb, void *arg);
void		 claude_gate_drop(struct actor *a, uint64_t hold);

/*
 * claude_print.c: Claude Code in print mode, its prompt on the task's
 * stdin (in, ours to close) and its permission prompts answered there by
 * orch's gate. start: 0, or -1 (the prompt is not UTF-8: stdin closed);
 * output: what the task printed; end: the task is over.
 */
int		 claude_print_start(struct actor *a, uint64_t task, int in,
		    const char *prompt, size_t len);
void		 claude_print_output(struct actor *a, const char *data,
		    size_t len);
void		 claude_print_end(struct actor *a);

/*
 * Only a valid session id is kept or passed to --resume: 1-64 of
 * [A-Za-z0-9_-], a letter or digit first. (claude.c)
 */
bool		 claude_sid_valid(const char *s, size_t len);
/*
 * A prompt as pasted: escape and control characters out (so no text
 * ends the paste or types keys), CR and CRLF made LF, tabs and newlines
 * kept. out has room for len + 1; returns its length.
 */
size_t		 claude_paste_clean(const char *in, size_t len, char *out);

/* For claude_hook.c: the driver's events. */
void		 claude_on_start(struct actor *a, const char *sid);
void		 claude_on_prompt(struct actor *a, const char *prompt_id);
void		 claude_on_stop(struct actor *a, const char *prompt_id, bool ok,
		    const char *text, size_t len);
/* Does the driver know sid as its session's (or know none yet)? */
bool		 claude_is_session(const struct actor *a, const char *sid);
/* Waiting on a person (why), or not; the supervisor is told on change. */
void		 claude_attention(struct actor *a, bool on, const char *why);
/*
 * Busy with a prompt a person typed in the session (UserPromptSubmit with
 * no task), or not any more (its Stop; an idle_prompt notification when it
 * was interrupted and no Stop came): no task is taken meanwhile.
 */
void		 claude_person(struct actor *a, bool on);
/* The task now running, or 0. */
uint64_t	 claude_task_id(const struct actor *a);

#endif
