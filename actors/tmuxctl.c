#include "actors/tmuxctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/xmalloc.h"

void
tmuxctl_init(struct tmuxctl *t, const struct tmuxctl_cbs *cbs, void *arg)
{
	memset(t, 0, sizeof *t);
	t->cbs = *cbs;
	t->arg = arg;
	t->in = evbuffer_new();
}

void
tmuxctl_free(struct tmuxctl *t)
{
	if (t->in != NULL)
		evbuffer_free(t->in);
	free(t->body);
	memset(t, 0, sizeof *t);
}

size_t
tmuxctl_unescape(const char *in, size_t len, char *out)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\\' && i + 3 < len &&
		    in[i + 1] >= '0' && in[i + 1] <= '3' &&
		    in[i + 2] >= '0' && in[i + 2] <= '7' &&
		    in[i + 3] >= '0' && in[i + 3] <= '7') {
			out[n++] = (char)((in[i + 1] - '0') << 6 |
			    (in[i + 2] - '0') << 3 | (in[i + 3] - '0'));
			i += 3;
		} else
			out[n++] = in[i];
	}
	return n;
}

static void
tmuxctl_body_add(struct tmuxctl *t, const char *line, size_t len)
{
	if (t->blen + len + 1 > TMUXCTL_BODY_MAX)
		return;
	if (t->blen + len + 1 > t->bcap) {
		t->bcap = (t->blen + len + 1) * 2;
		if (t->bcap > TMUXCTL_BODY_MAX)
			t->bcap = TMUXCTL_BODY_MAX;
		t->body = xreallocarray(t->body, t->bcap, 1);
	}
	if (t->blen > 0)
		t->body[t->blen++] = '\n';
	memcpy(t->body + t->blen, line, len);
	t->blen += len;
}

/* "%end TIME NUMBER FLAGS" closing the block that began with the same. */
static int
tmuxctl_block_end(const struct tmuxctl *t, const char *line)
{
	const char	*rest;

	if (strncmp(line, "%end ", 5) == 0)
		rest = line + 5;
	else if (strncmp(line, "%error ", 7) == 0)
		rest = line + 7;
	else
		return -1;
	if (strcmp(rest, t->begin) != 0)
		return -1;
	return line[1] == 'e' && line[2] == 'n' ? 1 : 0;
}

static void
tmuxctl_line(struct tmuxctl *t, char *line, size_t len)
{
	int	end;

	if (t->in_block) {
		/* Inside an answer only its own end counts as a marker. */
		if ((end = tmuxctl_block_end(t, line)) == -1) {
			tmuxctl_body_add(t, line, len);
			return;
		}
		t->in_block = false;
		if (t->body != NULL)
			t->body[t->blen] = '\0';
		if (t->cbs.reply != NULL)
			t->cbs.reply(end == 1, t->body != NULL ? t->body : "",
			    t->blen, t->arg);
		t->blen = 0;
		return;
	}
	if (strncmp(line, "%begin ", 7) == 0) {
		snprintf(t->begin, sizeof t->begin, "%s", line + 7);
		t->in_block = true;
		t->blen = 0;
		if (t->body == NULL) {
			t->bcap = 256;
			t->body = xmalloc(t->bcap);
		}
		return;
	}
	if (strncmp(line, "%output ", 8) == 0) {
		char	*pane = line + 8, *sp = strchr(pane, ' ');
		size_t	 n;

		if (sp == NULL)
			return;
		*sp++ = '\0';
		/* Undone in place: an escape is longer than its byte. */
		n = tmuxctl_unescape(sp, len - (size_t)(sp - line), sp);
		if (t->cbs.output != NULL)
			t->cbs.output(pane, sp, n, t->arg);
		return;
	}
	if (line[0] == '%' && t->cbs.notify != NULL)
		t->cbs.notify(line, t->arg);
}

int
tmuxctl_feed(struct tmuxctl *t, const void *data, size_t len)
{
	char	*line;
	size_t	 n;

	if (t->dead)
		return -1;
	evbuffer_add(t->in, data, len);
	while ((line = evbuffer_readln(t->in, &n, EVBUFFER_EOL_LF)) != NULL) {
		tmuxctl_line(t, line, n);
		free(line);
		if (t->dead)
			return -1;
	}
	if (evbuffer_get_length(t->in) > TMUXCTL_LINE_MAX) {
		t->dead = true;
		return -1;
	}
	return 0;
}
