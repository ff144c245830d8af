/*
 * Claude Code in print mode (claude -p, its runner's default): the task's
 * standard input is a pipe of ours. The prompt goes in as a stream-json
 * user message; Claude Code's permission prompts come out as
 * control_request (can_use_tool) lines among its output, and are decided
 * by orch's gate as the interactive agent's hooks are (claude.permit to
 * the supervisor, held there for a person when the gate says so), the
 * answer a control_response line. Its result line ends the conversation
 * on our side: stdin is closed and it exits.
 *
 * Its output is the agent's own words, hostile as any: lines are bounded,
 * only whole JSON objects of the two types that matter are read.
 */
#include "actors/claude.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "actors/actor.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "ipc/body.h"
#include "ipc/peer.h"
#include "ipc/proto.h"

/* A line longer than this is skipped (no control request is that long). */
#define CLAUDE_PRINT_LINE_MAX	(4u << 20)
#define CLAUDE_PRINT_SHOW_MAX	4096
#define CLAUDE_PRINT_ID_MAX	128

/* A permission prompt waiting for orch's gate. */
struct claude_ask {
	uint64_t		 no;
	char			 request_id[CLAUDE_PRINT_ID_MAX + 1];
	json_t			*input;		/* to allow as it is */
	struct claude_ask	*next;
};

struct claude_print {
	struct actor		*a;
	uint64_t		 task;
	int			 in;		/* its stdin, or -1 */
	struct evbuffer		*to;		/* waiting to go in */
	struct event		*in_ev;
	struct evbuffer		*line;		/* a line not yet whole */
	bool			 skipping;	/* the rest of a line too long */
	bool			 over;		/* its result came: stdin closes */
	struct claude_ask	*asks;
	uint64_t		 next;
};

static void
claude_print_close_in(struct claude_print *p)
{
	if (p->in == -1)
		return;
	event_free(p->in_ev);
	p->in_ev = NULL;
	close(p->in);
	p->in = -1;
}

static void
claude_print_flush(struct claude_print *p)
{
	if (p->in == -1)
		return;
	if (evbuffer_get_length(p->to) > 0 && evbuffer_write(p->to,
	    p->in) == -1 && errno != EAGAIN && errno != EINTR) {
		/* Gone: nobody reads what we would say. */
		evbuffer_drain(p->to, evbuffer_get_length(p->to));
		claude_print_close_in(p);
		return;
	}
	if (evbuffer_get_length(p->to) > 0)
		event_add(p->in_ev, NULL);
	else if (p->over && p->asks == NULL)
		claude_print_close_in(p);
}

static void
claude_print_in_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	claude_print_flush(arg);
}

/* One JSON line to its stdin. */
static void
claude_print_say(struct claude_print *p, json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (s == NULL)
		return;
	evbuffer_add(p->to, s, strlen(s));
	evbuffer_add(p->to, "\n", 1);
	free(s);
	claude_print_flush(p);
}

static void
claude_print_respond(struct claude_print *p, const char *request_id,
    json_t *response)
{
	claude_print_say(p, json_pack("{s:s, s:{s:s, s:s, s:o}}", "type",
	    "control_response", "response", "subtype", "success",
	    "request_id", request_id, "response", response));
}

static struct claude_ask **
claude_print_find(struct claude_print *p, uint64_t no)
{
	struct claude_ask	**pp;

	for (pp = &p->asks; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->no == no)
			return pp;
	return NULL;
}

struct claude_print_ctx {
	struct actor	*a;
	uint64_t	 task;
	uint64_t	 no;
};

static void
claude_print_permit_cb(struct peer *peer, int err, const struct envelope *env,
    void *arg)
{
	struct claude_print_ctx	*x = arg;
	struct claude_print	*p = x->a->claude_print;
	struct claude_ask	**pp, *k;
	char			 decision[16] = "", reason[512] = "";

	(void)peer;
	if (p == NULL || p->task != x->task ||
	    (pp = claude_print_find(p, x->no)) == NULL) {
		free(x);
		return;
	}
	k = *pp;
	*pp = k->next;
	if (err == IPC_OK) {
		body_str(&env->body, "decision", decision, sizeof decision);
		body_str(&env->body, "reason", reason, sizeof reason);
	} else
		snprintf(reason, sizeof reason, "orch could not decide this "
		    "tool call (%s), so it is refused", proto_strerror(err));
	if (strcmp(decision, "allow") == 0)
		claude_print_respond(p, k->request_id, json_pack("{s:s, s:O}",
		    "behavior", "allow", "updatedInput", k->input));
	else
		claude_print_respond(p, k->request_id, json_pack("{s:s, s:s}",
		    "behavior", "deny", "message", reason[0] != '\0' ? reason :
		    "refused by orch"));
	json_decref(k->input);
	free(k);
	free(x);
	claude_print_flush(p);
}

/* can_use_tool: to orch's gate, as a PermissionRequest hook would be. */
static void
claude_print_ask(struct claude_print *p, const char *request_id, json_t *req)
{
	struct actor		*a = p->a;
	struct claude_ask	*k;
	struct claude_print_ctx	*x;
	json_t			*tool = json_object_get(req, "tool_name");
	json_t			*input = json_object_get(req, "input");
	json_t			*cmd = json_object_get(input, "command");
	char			*shown = NULL;
	const char		*text;
	size_t			 len;
	bool			 bash;

	if (!json_is_string(tool) || !json_is_object(input)) {
		claude_print_respond(p, request_id, json_pack("{s:s, s:s}",
		    "behavior", "deny", "message", "orch cannot read this "
		    "permission request"));
		return;
	}
	bash = strcmp(json_string_value(tool), "Bash") == 0 &&
	    json_is_string(cmd);
	if (bash) {
		text = json_string_value(cmd);
		len = json_string_length(cmd);
	} else {
		shown = json_dumps(input, JSON_COMPACT);
		text = shown != NULL ? shown : "";
		len = strlen(text);
		if (len > CLAUDE_PRINT_SHOW_MAX)
			len = CLAUDE_PRINT_SHOW_MAX;
	}
	k = xcalloc(1, sizeof *k);
	k->no = ++p->next;
	snprintf(k->request_id, sizeof k->request_id, "%s", request_id);
	k->input = json_incref(input);
	k->next = p->asks;
	p->asks = k;
	x = xcalloc(1, sizeof *x);
	x->a = a;
	x->task = p->task;
	x->no = k->no;
	/* Claude Code asks: a PermissionRequest, as its hook would be. */
	if (claude_gate_ask(a, k->no, "PermissionRequest",
	    json_string_value(tool), text, len, false, claude_print_permit_cb,
	    x) != 0) {
		p->asks = k->next;
		json_decref(k->input);
		free(k);
		free(x);
		claude_print_respond(p, request_id, json_pack("{s:s, s:s}",
		    "behavior", "deny", "message", "orch cannot be reached to "
		    "decide this tool call, so it is refused"));
	}
	free(shown);
}

/* One whole line of its output: a control request, its result, or else. */
static void
claude_print_line(struct claude_print *p, const char *line, size_t len)
{
	json_t		*j, *type, *req, *id, *sub;
	const char	*t;

	/* Cheap first: most lines are neither. */
	if (memmem(line, len, "\"control_request\"", 17) == NULL &&
	    memmem(line, len, "\"result\"", 8) == NULL)
		return;
	if ((j = json_loadb(line, len, 0, NULL)) == NULL)
		return;
	type = json_object_get(j, "type");
	t = json_is_string(type) ? json_string_value(type) : "";
	if (strcmp(t, "result") == 0) {
		p->over = true;
		claude_print_flush(p);
	} else if (strcmp(t, "control_request") == 0) {
		id = json_object_get(j, "request_id");
		req = json_object_get(j, "request");
		sub = json_object_get(req, "subtype");
		if (!json_is_string(id) || json_string_length(id) >
		    CLAUDE_PRINT_ID_MAX)
			;
		else if (json_is_string(sub) && strcmp(json_string_value(sub),
		    "can_use_tool") == 0)
			claude_print_ask(p, json_string_value(id), req);
		else
			claude_print_say(p, json_pack("{s:s, s:{s:s, s:s, s:s}}",
			    "type", "control_response", "response", "subtype",
			    "error", "request_id", json_string_value(id),
			    "error", "orch does not answer this request"));
	}
	json_decref(j);
}

void
claude_print_output(struct actor *a, const char *data, size_t len)
{
	struct claude_print	*p = a->claude_print;
	const char		*nl;
	size_t			 n, have;
	char			*whole;

	if (p == NULL)
		return;
	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		have = evbuffer_get_length(p->line);
		if (!p->skipping && have + n > CLAUDE_PRINT_LINE_MAX) {
			evbuffer_drain(p->line, have);
			p->skipping = true;
		}
		if (!p->skipping)
			evbuffer_add(p->line, data, n);
		if (nl == NULL)
			return;
		if (!p->skipping) {
			have = evbuffer_get_length(p->line);
			whole = (char *)evbuffer_pullup(p->line, (ssize_t)have);
			claude_print_line(p, whole != NULL ? whole : "", have);
			evbuffer_drain(p->line, have);
		}
		p->skipping = false;
		data += n + 1;
		len -= n + 1;
	}
}

int
claude_print_start(struct actor *a, uint64_t task, int in, const char *prompt,
    size_t len)
{
	struct claude_print	*p;
	json_t			*msg;

	claude_print_end(a);
	p = xcalloc(1, sizeof *p);
	p->a = a;
	p->task = task;
	p->in = in;
	p->to = evbuffer_new();
	p->line = evbuffer_new();
	p->in_ev = event_new(a->base, in, EV_WRITE, claude_print_in_cb, p);
	a->claude_print = p;
	msg = json_pack("{s:s, s:{s:s, s:s%}}", "type", "user", "message",
	    "role", "user", "content", prompt, len);
	if (msg == NULL) {
		log_warnx("task %llu: the prompt is not text Claude Code can "
		    "take (not UTF-8)", (unsigned long long)task);
		claude_print_close_in(p);
		return -1;
	}
	claude_print_say(p, msg);
	return 0;
}

void
claude_print_end(struct actor *a)
{
	struct claude_print	*p = a->claude_print;
	struct claude_ask	*k;

	if (p == NULL)
		return;
	/* What it still asked about goes unanswered: the gate lets go. */
	while ((k = p->asks) != NULL) {
		p->asks = k->next;
		claude_gate_drop(a, k->no);
		json_decref(k->input);
		free(k);
	}
	claude_print_close_in(p);
	evbuffer_free(p->to);
	evbuffer_free(p->line);
	free(p);
	a->claude_print = NULL;
}
