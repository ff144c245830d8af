/*
 * An agent's configuration as plain structs: what orch.yaml says about one
 * agent (DESIGN §11), the supervisor keeps and the actor runs with. It
 * travels in actor.init and agent.deploy as a msgpack map with the keys of
 * orch.yaml (agent_config_pack).
 *
 * Reading one that people wrote (orch.yaml, a deploy request) is the
 * supervisor's config parser, with its error messages; agent_config_unpack
 * reads what the supervisor packed for an actor, checking shape and bounds
 * but not giving advice.
 */
#ifndef ORCH_IPC_AGENT_CONFIG_H
#define ORCH_IPC_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "common/strlist.h"

#define AGENT_ID_MAX		63
#define SCROLLBACK_DEFAULT	(1u << 20)
#define SCROLLBACK_MAX		(256u << 20)
#define INBOX_DEFAULT		1024u
#define INBOX_MAX		1000000u
#define RESTART_MAX_DEFAULT	5
#define RESTART_WITHIN_DEFAULT	60
#define MCP_BODY_DEFAULT	(4u << 20)	/* an HTTP request's body */
#define MCP_BODY_MAX		(256u << 20)
#define MCP_IDLE_DEFAULT	3600u		/* seconds an HTTP session lives idle */
#define MCP_TOKEN_MAX		512

enum agent_type {
	AGENT_PRIMARY = 0,
	AGENT_WORKER,
	AGENT_SPECIALIST,
	AGENT_GATEWAY,		/* the MCP gateway: no session, no tasks */
	AGENT_TYPE_COUNT
};

enum runner_kind {
	RUNNER_SHELL = 0,
	RUNNER_CLAUDE,
	RUNNER_ARGV,
	RUNNER_COUNT
};

enum session_backend {
	SESSION_PTY = 0,
	SESSION_TMUX,
	SESSION_ITERM2,
	SESSION_BACKEND_COUNT
};

enum restart_kind {
	RESTART_PERMANENT = 0,
	RESTART_TRANSIENT,
	RESTART_TEMPORARY,
	RESTART_KIND_COUNT
};

struct restart_policy {
	enum restart_kind	kind;
	unsigned		max;		/* restarts allowed ... */
	unsigned		within_s;	/* ... in this many seconds */
};

/* How runner: claude runs a prompt (orch.yaml's claude:). */
enum claude_mode {
	CLAUDE_PRINT = 0,	/* claude -p per task, stream-json */
	CLAUDE_INTERACTIVE,	/* the TUI in the session, driven by hooks */
	CLAUDE_MODE_COUNT
};

struct claude_config {
	enum claude_mode	 mode;
	bool			 trust;		/* answer first-run dialogs */
};

/* The agent's own git worktree (orch.yaml's worktree:). */
struct worktree_config {
	bool			 on;
	char			*branch;	/* NULL: orch/AGENT */
	char			*base;		/* NULL: HEAD */
	char			*path;		/* NULL: .orch/worktrees/AGENT */
};

/*
 * An iTerm2 session's window (orch.yaml's iterm2:), told the actor in its
 * start, not in the packed configuration.
 */
#define ITERM_PROFILE_MAX	128
struct iterm_config {
	bool			 shared;	/* a tab in orch's window */
	char			 profile[ITERM_PROFILE_MAX]; /* "": default */
};

/* A gateway's HTTP transport (orch.yaml's mcp:). */
struct mcp_config {
	unsigned		 http;		/* port on 127.0.0.1; 0: off */
	char			*token;		/* bearer token, or NULL */
	size_t			 body_max;	/* bytes */
	unsigned		 idle_s;	/* a session's idle life */
	bool			 web_only;	/* metrics: only, MCP off */
};

struct agent_config {
	char			 id[AGENT_ID_MAX + 1];
	enum agent_type		 type;
	struct strlist		 caps;
	enum runner_kind	 runner;
	struct strlist		 runner_argv;	/* RUNNER_ARGV template */
	struct strlist		 runner_args;	/* extra claude arguments */
	enum session_backend	 backend;
	char			*shell;		/* NULL: $SHELL or /bin/sh */
	char			*cwd;		/* absolute, or NULL: ours */
	struct strlist		 env;		/* "KEY=VALUE" */
	size_t			 scrollback;	/* bytes */
	bool			 rc;		/* the shell reads its rc files */
	bool			 sandbox;	/* session and tasks in bwrap */
	unsigned		 inbox;		/* messages the inbox holds */
	bool			 deliver_type;	/* also type messages in */
	unsigned		 tier;		/* 1-3 */
	struct strlist		 perms;
	bool			 perms_given;	/* perms is its list ([]: none) */
	struct strlist		 approve;	/* tier 2: words needing approval */
	bool			 approve_given;	/* else rm, sudo */
	struct restart_policy	 restart;
	struct mcp_config	 mcp;		/* type gateway only */
	struct claude_config	 claude;	/* runner claude only */
	struct worktree_config	 worktree;
	struct iterm_config	 iterm;		/* backend iterm2 only */
};

/* The names orch.yaml uses, indexed by the enums. */
extern const char *const agent_type_names[AGENT_TYPE_COUNT];
extern const char *const runner_names[RUNNER_COUNT];
extern const char *const session_backend_names[SESSION_BACKEND_COUNT];
extern const char *const restart_kind_names[RESTART_KIND_COUNT];
extern const char *const claude_mode_names[CLAUDE_MODE_COUNT];

const char	*agent_type_name(enum agent_type t);
const char	*runner_name(enum runner_kind r);
const char	*session_backend_name(enum session_backend b);
const char	*restart_kind_name(enum restart_kind kind);
const char	*claude_mode_name(enum claude_mode m);
/* Is ac an interactive Claude Code agent (the TUI in its session)? */
bool		 agent_config_interactive(const struct agent_config *ac);
/* Returns the kind for a name, or -1. */
int		 restart_kind_parse(const char *s);

/* Every field at its default (id empty). */
void		 agent_config_defaults(struct agent_config *ac);
void		 agent_config_copy(struct agent_config *dst,
		    const struct agent_config *src);
void		 agent_config_clear(struct agent_config *ac);
/* Defaults over m, whatever it held; copy frees what dst held. */
void		 mcp_config_defaults(struct mcp_config *m);
void		 mcp_config_copy(struct mcp_config *dst,
		    const struct mcp_config *src);

void		 agent_config_pack(msgpack_packer *pk,
		    const struct agent_config *ac);
/*
 * What agent_config_pack made, back. 0, or -1 with why (ac cleared): a key
 * it does not know, a value of the wrong type or out of bounds.
 */
int		 agent_config_unpack(const msgpack_object *o,
		    struct agent_config *ac, char *why, size_t size);

#endif
