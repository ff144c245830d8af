/*
 * The agents part of orch.yaml (DESIGN §11) as plain structs.
 *
 * Every error names FILE:LINE:COLUMN and the key path at fault
 * ("agents[1].restart.policy"); unknown keys are errors with a
 * did-you-mean. The same validation serves a runtime deploy request, whose
 * body is converted to the same node tree first.
 */
#ifndef ORCH_SUPERVISOR_CONFIG_H
#define ORCH_SUPERVISOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "common/strlist.h"
#include "supervisor/restart.h"
#include "supervisor/yamldoc.h"

struct schema;

#define AGENT_ID_MAX		63
#define SCROLLBACK_DEFAULT	(1u << 20)
#define SCROLLBACK_MAX		(256u << 20)
#define INBOX_DEFAULT		1024u
#define INBOX_MAX		1000000u

enum agent_type {
	AGENT_PRIMARY = 0,
	AGENT_WORKER,
	AGENT_SPECIALIST,
};

enum runner_kind {
	RUNNER_SHELL = 0,
	RUNNER_CLAUDE,
	RUNNER_ARGV,
};

enum session_backend {
	SESSION_PTY = 0,
	SESSION_TMUX,
	SESSION_ITERM2,
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
	unsigned		 inbox;		/* messages the inbox holds */
	bool			 deliver_type;	/* also type messages in */
	unsigned		 tier;		/* 1-3 */
	struct strlist		 perms;
	struct restart_policy	 restart;
};

struct config {
	char			*file;
	char			*name;
	struct agent_config	*agents;
	size_t			 nagents;
};

/* Load a file; NULL with *cause naming the place of the first error. */
struct config	*config_load_file(const char *path, char **cause);
/* Load text (name is used in messages); base_dir resolves relative cwds. */
struct config	*config_load_string(const char *name, const char *text,
		    const char *base_dir, char **cause);
/*
 * The agents (and name) of a (non-empty) document being checked with c,
 * whose errors these add to; need_agents: an empty agents list is an
 * error. NULL after any error.
 */
struct config	*config_from_schema(struct schema *c, bool need_agents);
/* The directory a file is in, absolute (malloc'd). */
char		*config_dir_of(const char *path);
/* The embedded default: three pty shell workers. */
struct config	*config_load_default(char **cause);
extern const char config_default_yaml[];
void		 config_free(struct config *cfg);

/*
 * One agents[] entry from node n (path names it in messages). 0, or -1 with
 * *cause.
 */
int		 config_agent_parse(const struct yamldoc *doc,
		    const struct yamlnode *n, const char *path,
		    struct agent_config *ac, char **cause);
void		 agent_config_copy(struct agent_config *dst,
		    const struct agent_config *src);
void		 agent_config_clear(struct agent_config *ac);

/* config_wire.c: one agent as a msgpack map with the keys of orch.yaml. */
int		 config_agent_from_msgpack(const msgpack_object *o,
		    struct agent_config *ac, char **cause);
void		 config_agent_pack(msgpack_packer *pk,
		    const struct agent_config *ac);

const char	*agent_type_name(enum agent_type t);
const char	*runner_name(enum runner_kind r);
const char	*session_backend_name(enum session_backend b);

#endif
