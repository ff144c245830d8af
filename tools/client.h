/*
 * What orch-ctl and orch-attach share: a connection to the supervisor's
 * control socket or an actor's socket, synchronous requests over the ipc
 * layer, and printing answers as tables or JSON.
 */
#ifndef ORCH_TOOLS_CLIENT_H
#define ORCH_TOOLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <msgpack.h>

#include "ipc/peer.h"

struct event_base;

struct client {
	struct event_base	*base;
	struct peer		*peer;
	const char		*instance;
	char			 path[4096];

	/* The last answer: its error and a private copy of its body. */
	bool			 answered;
	int			 err;
	char			 errmsg[IPC_ERRMSG_MAX + 1];
	msgpack_sbuffer		 body;
	msgpack_unpacked	 result;
};

/*
 * Connect to the instance's control socket (agent NULL) or to agent's
 * socket. Returns 0, or -1 with *cause saying whether the supervisor runs.
 */
int	client_open(struct client *c, struct event_base *base,
	    const char *instance, const char *agent,
	    const struct peer_cbs *cbs, void *arg, char **cause);
void	client_close(struct client *c);

/*
 * client_open on a loop of its own, for a command-line tool: on failure
 * the cause is printed as "prog: cause", everything is freed and -1
 * returned. client_done closes and frees the loop.
 */
int	client_start(struct client *c, const char *prog, const char *instance,
	    const char *agent, const struct peer_cbs *cbs, void *arg);
void	client_done(struct client *c);
/* As client_start, to a socket path ($ORCH_SOCKET inside a session). */
int	client_start_socket(struct client *c, const char *prog,
	    const char *path);

/*
 * Send a request and run the loop until its answer. Returns IPC_OK with
 * *res set to the body (valid until the next call; NULL if none), or the
 * error code with c->errmsg.
 */
int	client_call(struct client *c, const char *op, const void *body,
	    size_t len, unsigned timeout_ms, const msgpack_object **res);

/* client_call with a header of the caller's (to, pri). */
int	client_call_env(struct client *c, struct envelope *hdr,
	    const void *body, size_t len, unsigned timeout_ms,
	    const msgpack_object **res);

/* client_call with the body {key: val}. */
int	client_call_str(struct client *c, const char *op, const char *key,
	    const char *val, unsigned timeout_ms, const msgpack_object **res);

/* msgpack to JSON (binary as a UTF-8-safe string). */
/* Print JSON on stdout, pretty, with a newline. */
void	 client_print_json(const msgpack_object *o);

/* The table of agents (status answer's "agents"). */
void	 client_print_agents(const msgpack_object *agents);

/* "1.2 s", "35 ms" */
const char *client_duration(uint64_t ns, char *buf, size_t size);
/* A span in ms as people read it: "850 ms", "12.3 s", "4m05s"; "-" if < 0. */
const char *client_span_ms(double ms, char *buf, size_t size);
/*
 * s made safe to print (an agent wrote it: no escape sequence reaches the
 * terminal), in buf; see log_escape. len (size_t)-1: up to the NUL.
 */
const char *client_esc(char *buf, size_t size, const char *s, size_t len);

#endif
