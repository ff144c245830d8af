/*
 * tmux control mode, the client's side of its text protocol (tmux(1),
 * CONTROL MODE): lines from `tmux -C`, split into the answers to the
 * commands sent (one %begin ... %end or %error block each, in the order
 * they were sent), pane output (%output, its octal escapes undone) and the
 * other notifications. Pure: no descriptors, so it is tested on its own.
 */
#ifndef ORCH_ACTORS_TMUXCTL_H
#define ORCH_ACTORS_TMUXCTL_H

#include <stdbool.h>
#include <stddef.h>

/* A line longer than this is not tmux speaking: the stream is given up. */
#define TMUXCTL_LINE_MAX	(4u << 20)
/* A command's answer keeps this much; the rest is read and dropped. */
#define TMUXCTL_BODY_MAX	(4u << 20)

struct evbuffer;

struct tmuxctl_cbs {
	/* The next command's answer: ok (%end) or not (%error), its text. */
	void	(*reply)(bool ok, const char *body, size_t len, void *arg);
	/* Pane pane ("%3") printed data. */
	void	(*output)(const char *pane, const char *data, size_t len,
		    void *arg);
	/* Any other notification line ("%exit", "%subscription-changed"). */
	void	(*notify)(const char *line, void *arg);
};

struct tmuxctl {
	struct tmuxctl_cbs	 cbs;
	void			*arg;
	struct evbuffer		*in;
	bool			 in_block;
	char			 begin[96];	/* "TIME NUMBER FLAGS" */
	char			*body;
	size_t			 blen, bcap;
	bool			 dead;
};

void	tmuxctl_init(struct tmuxctl *t, const struct tmuxctl_cbs *cbs,
	    void *arg);
/* Bytes from tmux; 0, or -1 once the stream makes no sense (for good). */
int	tmuxctl_feed(struct tmuxctl *t, const void *data, size_t len);
void	tmuxctl_free(struct tmuxctl *t);
/* %output's escapes (\ooo) undone into out (len bytes at most). */
size_t	tmuxctl_unescape(const char *in, size_t len, char *out);

#endif
