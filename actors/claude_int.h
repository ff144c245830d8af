/*
 * The interactive Claude Code driver's state, shared by claude.c (the
 * session and its tasks) and claude_hook.c (the hooks). Nothing else
 * includes this.
 */
#ifndef ORCH_ACTORS_CLAUDE_INT_H
#define ORCH_ACTORS_CLAUDE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "actors/claude.h"
#include "common/strlist.h"
#include "ipc/envelope.h"

#include <event2/util.h>

struct event;

#define CLAUDE_WHY_MAX		512

enum claude_phase {
	CLAUDE_IDLE = 0,	/* no task, or one not yet typed */
	CLAUDE_TYPING,		/* pasted; UserPromptSubmit awaited */
	CLAUDE_WORKING,		/* Claude works on it until Stop */
};

/* A hook waiting for orch's gate (claude.permit), perhaps for a person. */
struct claude_hold {
	uint64_t		 no;		/* names it to the supervisor */
	struct peer		*client;	/* orch-ctl hook, to answer */
	struct envelope		 req;
	bool			 permission;	/* PermissionRequest */
	struct claude_hold	*next;
};

struct claude {
	struct actor		*a;
	char			 settings[PATH_MAX];
	char			 sock[PATH_MAX];
	char			 ctl[PATH_MAX + 16];
	struct strlist		 cmd;
	char			 sid[CLAUDE_SID_MAX + 1];
	bool			 started;	/* SessionStart seen */
	bool			 resuming;	/* with --resume */
	bool			 sid_told;	/* to the supervisor */
	struct envelope		 init_req;
	bool			 init_pending;
	struct event		*start_ev;
	int			 dialog;	/* answered last (trust), or -1 */
	struct event		*dialog_ev;
	uint64_t		 dialog_ns;

	uint64_t		 task;		/* 0: none */
	struct envelope		 task_req;
	enum claude_phase	 phase;
	char			*prompt;	/* as pasted */
	size_t			 prompt_len;
	unsigned		 typed;		/* Enters so far */
	bool			 enter_for_dialog;
	unsigned		 interrupts;	/* after a timeout */
	bool			 reacted;	/* the screen moved since */
	char			 prompt_id[CLAUDE_SID_MAX + 1];
	char			 other_id[CLAUDE_SID_MAX + 1]; /* not a task's */
	bool			 timed_out;
	uint64_t		 started_ns;
	struct event		*enter_ev;
	struct event		*confirm_ev;
	struct event		*timeout_ev;

	bool			 attention;	/* the supervisor was told */
	char			 why[CLAUDE_WHY_MAX];
	bool			 person;	/* busy with a prompt a person typed */
	struct claude_hold	*holds;
	uint64_t		 next_hold;

	char			*screen;	/* recent output, plain */
	size_t			 screen_len;
};

/* Recent output kept, plain, for what the screen says. */
#define CLAUDE_SCREEN_KEEP	8192
/* A first-run dialog answered (trust: true) once drawn, this much later. */
#define CLAUDE_DIALOG_DELAY_MS	400

/* claude.c */
void	claude_arm(struct event *ev, unsigned ms);
/*
 * The answer to actor.init: ready (why NULL), or why not (final:
 * retrying is vain, IPC_E_DENIED; else code).
 */
void	claude_ready_answer(struct actor *a, const char *why, bool final,
	    int code);

/* claude_screen.c: its last line that says something; the dialog timer. */
void	claude_screen_line(const struct claude *c, char *out, size_t size);
void	claude_dialog_cb(evutil_socket_t fd, short events, void *arg);

/* claude_hook.c: answer and drop every held hook (the actor ends). */
void	claude_hold_free_all(struct actor *a);

#endif
