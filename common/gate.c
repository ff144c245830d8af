#include "common/gate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* Nesting of sh -c, eval, $( ) followed; deeper is held. */
#define GATE_DEPTH	8

struct gate {
	const struct gate_rules	*r;
	char			*why;
	size_t			 size;
	int			 depth;
	const char		*inside;	/* "sh -c", "$( )", ...: for why */
};

/* One word of a simple command, its quotes removed. */
struct gate_word {
	char	*s;
	size_t	 len;
	size_t	 cap;
	bool	 expanded;	/* holds a $..., `...` or $( ) */
	bool	 pattern;	/* unquoted * ? [ or a { , } brace */
	bool	 quoted;	/* any part of it was quoted */
};

struct gate_cmd {
	struct gate_word	*w;
	size_t			 n;
	size_t			 cap;
};

static enum gate_verdict gate_text(struct gate *, const char *, size_t);
static enum gate_verdict gate_command(struct gate *, struct gate_word *,
		    size_t);

static enum gate_verdict
gate_hold(struct gate *g, const char *fmt, const char *what)
{
	char	msg[256];

	snprintf(msg, sizeof msg, fmt, what);
	if (g->inside != NULL)
		snprintf(g->why, g->size, "%s (inside %s)", msg, g->inside);
	else
		snprintf(g->why, g->size, "%s", msg);
	return GATE_HOLD;
}

static bool
gate_listed(const struct gate *g, const char *name)
{
	size_t	i;

	for (i = 0; i < g->r->n; i++)
		if (strcmp(g->r->words[i], name) == 0)
			return true;
	return false;
}

static bool
gate_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static const char *
gate_base(const char *w)
{
	const char	*slash = strrchr(w, '/');

	return slash != NULL ? slash + 1 : w;
}

/* Shells, interpreters and the rest whose commands we do or do not read. */
static const char *const gate_shells[] = { "sh", "bash", "dash", "zsh",
	"ksh", "mksh", "ash", "fish", "posh", "yash", NULL };
static const char *const gate_interpreters[] = { "python", "python2",
	"python3", "perl", "ruby", "node", "nodejs", "php", "lua", "awk",
	"gawk", "mawk", "nawk", "tclsh", "Rscript", "osascript", "deno",
	"bun", NULL };
static const char *const gate_elsewhere[] = { "ssh", "su", "watch",
	"script", "parallel", "nsenter", "unshare", "chroot", "flock",
	"runuser", "setpriv", "systemd-run", "tmux", "screen", "expect",
	"alias", "source", ".", "trap", "at", "batch", "crontab", NULL };
static const char *const gate_keywords[] = { "if", "then", "else", "elif",
	"fi", "do", "done", "while", "until", "!", "{", "}", "time", "esac",
	"in", NULL };

/* Skip options of a wrapper: those in withargs take the next word too. */
static size_t
gate_skip_opts(struct gate_word *w, size_t n, size_t i,
    const char *withargs)
{
	while (i < n && w[i].s[0] == '-' && w[i].s[1] != '\0') {
		if (strcmp(w[i].s, "--") == 0)
			return i + 1;
		if (w[i].s[2] == '\0' && withargs != NULL &&
		    strchr(withargs, w[i].s[1]) != NULL)
			i++;
		i++;
	}
	/* An option wanting an argument, last: nothing after it. */
	return i < n ? i : n;
}

static enum gate_verdict
gate_command(struct gate *g, struct gate_word *w, size_t n)
{
	const char	*name;
	size_t		 i, j;
	bool		 dash_c = false;

	/* Assignments before the command set variables only. */
	for (i = 0; i < n; i++) {
		const char	*eq = strchr(w[i].s, '=');
		const char	*p;

		if (eq == NULL || eq == w[i].s || w[i].quoted)
			break;
		for (p = w[i].s; p < eq && (isalnum((unsigned char)*p) ||
		    *p == '_'); p++)
			;
		if (p != eq || isdigit((unsigned char)w[i].s[0]))
			break;
	}
	if (i == n)
		return GATE_RUN;
	w += i;
	n -= i;
	if (gate_in(w[0].s, gate_keywords) && !w[0].quoted)
		return gate_command(g, w + 1, n - 1);
	if (!w[0].quoted && (strcmp(w[0].s, "for") == 0 ||
	    strcmp(w[0].s, "select") == 0 || strcmp(w[0].s, "case") == 0))
		return GATE_RUN;	/* the words of its list are data */
	if (w[0].expanded)
		return gate_hold(g, "the command '%s' comes from an expansion",
		    w[0].s);
	if (w[0].pattern)
		return gate_hold(g, "the command '%s' is a pattern", w[0].s);
	name = gate_base(w[0].s);
	if (gate_listed(g, name))
		return gate_hold(g, "'%s' needs approval", name);
	if (gate_in(name, gate_elsewhere))
		return gate_hold(g, "'%s' runs commands orch does not follow",
		    name);
	if (gate_in(name, gate_interpreters)) {
		for (i = 1; i < n; i++)
			if (w[i].s[0] != '-' || strcmp(w[i].s, "-c") == 0 ||
			    strcmp(w[i].s, "-e") == 0 || strcmp(w[i].s,
			    "-E") == 0 || strcmp(w[i].s, "-r") == 0 ||
			    strcmp(w[i].s, "-p") == 0)
				return gate_hold(g, "'%s' runs code given to it",
				    name);
		return gate_hold(g, "'%s' reads code from its input", name);
	}
	if (gate_in(name, gate_shells)) {
		for (i = 1; i < n && w[i].s[0] == '-'; i++)
			if (strchr(w[i].s, 'c') != NULL && w[i].s[1] != '-')
				dash_c = true;
		if (!dash_c)
			return gate_hold(g, i < n ? "'%s' runs a script" :
			    "'%s' reads commands from its input", name);
		if (i == n || w[i].expanded)
			return gate_hold(g, "'%s -c' of what orch cannot read",
			    name);
		g->inside = "sh -c";
		return gate_text(g, w[i].s, w[i].len);
	}
	if (strcmp(name, "eval") == 0) {
		struct gate_word	all = { NULL, 0, 0, false, false, false };
		enum gate_verdict	 v;
		char			*s;

		for (i = 1; i < n; i++)
			if (w[i].expanded)
				return gate_hold(g, "'%s' of an expansion",
				    name);
		for (i = 1; i < n; i++) {
			xasprintf(&s, "%s%s%s", all.s != NULL ? all.s : "",
			    i > 1 ? " " : "", w[i].s);
			free(all.s);
			all.s = s;
		}
		g->inside = "eval";
		v = all.s != NULL ? gate_text(g, all.s, strlen(all.s)) :
		    GATE_RUN;
		free(all.s);
		return v;
	}
	/* Wrappers: the command they run is further on. */
	if (strcmp(name, "env") == 0) {
		for (i = 1; i < n; i++) {
			if ((strcmp(w[i].s, "-u") == 0 || strcmp(w[i].s,
			    "-C") == 0) && i + 1 < n)
				i++;
			else if (strcmp(w[i].s, "-S") == 0 || strncmp(w[i].s,
			    "--split", 7) == 0)
				return gate_hold(g, "'%s -S' splits a string "
				    "into a command", name);
			else if (w[i].s[0] != '-' && strchr(w[i].s, '=') ==
			    NULL)
				break;
		}
		return i < n ? gate_command(g, w + i, n - i) : GATE_RUN;
	}
	if (strcmp(name, "command") == 0 || strcmp(name, "builtin") == 0 ||
	    strcmp(name, "exec") == 0 || strcmp(name, "nohup") == 0 ||
	    strcmp(name, "setsid") == 0 || strcmp(name, "time") == 0)
		return gate_command(g, w + gate_skip_opts(w, n, 1, "a"),
		    n - gate_skip_opts(w, n, 1, "a"));
	if (strcmp(name, "nice") == 0 || strcmp(name, "ionice") == 0)
		return gate_command(g, w + gate_skip_opts(w, n, 1, "nc"),
		    n - gate_skip_opts(w, n, 1, "nc"));
	if (strcmp(name, "stdbuf") == 0)
		return gate_command(g, w + gate_skip_opts(w, n, 1, "ioe"),
		    n - gate_skip_opts(w, n, 1, "ioe"));
	if (strcmp(name, "timeout") == 0) {
		i = gate_skip_opts(w, n, 1, "sk");
		return i < n ? gate_command(g, w + i + 1, n - i - 1) :
		    GATE_RUN;
	}
	if (strcmp(name, "sudo") == 0 || strcmp(name, "doas") == 0)
		return gate_command(g, w + gate_skip_opts(w, n, 1, "ugCDhpRTU"),
		    n - gate_skip_opts(w, n, 1, "ugCDhpRTU"));
	if (strcmp(name, "xargs") == 0) {
		i = gate_skip_opts(w, n, 1, "nPIdLsEa");
		return i < n ? gate_command(g, w + i, n - i) : GATE_RUN;
	}
	if (strcmp(name, "busybox") == 0)
		return n > 1 ? gate_command(g, w + 1, n - 1) : GATE_RUN;
	if (strcmp(name, "find") == 0)
		for (i = 1; i < n; i++)
			if (strcmp(w[i].s, "-exec") == 0 || strcmp(w[i].s,
			    "-execdir") == 0 || strcmp(w[i].s, "-ok") == 0 ||
			    strcmp(w[i].s, "-okdir") == 0) {
				for (j = i + 1; j < n && strcmp(w[j].s, ";") !=
				    0 && strcmp(w[j].s, "+") != 0; j++)
					;
				if (gate_command(g, w + i + 1, j - i - 1) !=
				    GATE_RUN)
					return GATE_HOLD;
				i = j;
			}
	return GATE_RUN;
}

/* Words ------------------------------------------------------------------- */

static void
gate_put(struct gate_word *w, char c)
{
	if (w->len + 2 > w->cap) {
		w->cap = w->cap ? w->cap * 2 : 32;
		w->s = xreallocarray(w->s, w->cap, 1);
	}
	w->s[w->len++] = c;
	w->s[w->len] = '\0';
}

static void
gate_cmd_clear(struct gate_cmd *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		free(c->w[i].s);
	free(c->w);
	memset(c, 0, sizeof *c);
}

static void
gate_cmd_add(struct gate_cmd *c, struct gate_word *w)
{
	if (w->s == NULL)
		gate_put(w, '\0'), w->len = 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->w = xreallocarray(c->w, c->cap, sizeof *c->w);
	}
	c->w[c->n++] = *w;
	memset(w, 0, sizeof *w);
}

/*
 * The end of a $( ... ) or ${ ... } starting at s[i] (just past its
 * opening), quotes inside followed; or (size_t)-1.
 */
static size_t
gate_close(const char *s, size_t len, size_t i, char open, char close)
{
	int	depth = 1;
	char	q = 0;

	for (; i < len; i++) {
		if (q == '\'') {
			if (s[i] == '\'')
				q = 0;
		} else if (s[i] == '\\')
			i++;
		else if (q == '"') {
			if (s[i] == '"')
				q = 0;
		} else if (s[i] == '\'' || s[i] == '"')
			q = s[i];
		else if (s[i] == open)
			depth++;
		else if (s[i] == close && --depth == 0)
			return i;
	}
	return (size_t)-1;
}

/* A $ at s[*i]: what follows is followed into (substitutions gated). */
static enum gate_verdict
gate_dollar(struct gate *g, const char *s, size_t len, size_t *i,
    struct gate_word *w)
{
	const char	*saved = g->inside;
	enum gate_verdict v = GATE_RUN;
	size_t		 end;

	w->expanded = true;
	gate_put(w, '$');
	if (*i + 1 >= len)
		return GATE_RUN;
	if (s[*i + 1] == '(') {
		if (*i + 2 < len && s[*i + 2] == '(') {
			/* $(( )): arithmetic; holding a $( ) inside is safe. */
			end = gate_close(s, len, *i + 3, '(', ')');
			if (end == (size_t)-1)
				return gate_hold(g, "%s", "an unterminated $((");
			g->inside = "$(( ))";
			v = gate_text(g, s + *i + 3, end - *i - 3);
			*i = end + 1;
		} else {
			end = gate_close(s, len, *i + 2, '(', ')');
			if (end == (size_t)-1)
				return gate_hold(g, "%s", "an unterminated $(");
			g->inside = "$( )";
			v = gate_text(g, s + *i + 2, end - *i - 2);
			*i = end;
		}
	} else if (s[*i + 1] == '{') {
		end = gate_close(s, len, *i + 2, '{', '}');
		if (end == (size_t)-1)
			return gate_hold(g, "%s", "an unterminated ${");
		g->inside = "${ }";
		v = gate_text(g, s + *i + 2, end - *i - 2);
		*i = end;
	}
	g->inside = saved;
	return v;
}

static enum gate_verdict
gate_backquote(struct gate *g, const char *s, size_t len, size_t *i,
    struct gate_word *w)
{
	const char	*saved = g->inside;
	enum gate_verdict v;
	size_t		 end;

	w->expanded = true;
	gate_put(w, '`');
	for (end = *i + 1; end < len && s[end] != '`'; end++)
		if (s[end] == '\\')
			end++;
	if (end >= len)
		return gate_hold(g, "%s", "an unterminated `");
	/* Backslashes inside are read again: nested ones are held. */
	if (memchr(s + *i + 1, '\\', end - *i - 1) != NULL)
		return gate_hold(g, "%s", "a `...` with backslashes");
	g->inside = "`...`";
	v = gate_text(g, s + *i + 1, end - *i - 1);
	g->inside = saved;
	*i = end;
	return v;
}

static enum gate_verdict
gate_finish(struct gate *g, struct gate_cmd *c)
{
	enum gate_verdict	v = GATE_RUN;

	if (c->n > 0)
		v = gate_command(g, c->w, c->n);
	gate_cmd_clear(c);
	return v;
}

static enum gate_verdict
gate_text(struct gate *g, const char *s, size_t len)
{
	struct gate_cmd		 c = { NULL, 0, 0 };
	struct gate_word	 w = { NULL, 0, 0, false, false, false };
	bool			 inword = false, redirect = false;
	enum gate_verdict	 v = GATE_RUN;
	size_t			 i, end;
	char			 ch;

	if (++g->depth > GATE_DEPTH) {
		g->depth--;
		return gate_hold(g, "%s", "commands nested too deeply");
	}
	for (i = 0; i < len && v == GATE_RUN; i++) {
		ch = s[i];
		if (ch == '\0') {
			v = gate_hold(g, "%s", "a NUL byte");
			break;
		}
		if (ch == '\\') {
			if (i + 1 < len && s[i + 1] != '\n')
				gate_put(&w, s[i + 1]), w.quoted = true,
				    inword = true;
			i++;
		} else if (ch == '\'') {
			for (end = i + 1; end < len && s[end] != '\''; end++)
				;
			if (end >= len) {
				v = gate_hold(g, "%s", "an unterminated '");
				break;
			}
			for (i++; i < end; i++)
				gate_put(&w, s[i]);
			if (w.s == NULL)
				gate_put(&w, '\0'), w.len = 0;
			w.quoted = inword = true;
		} else if (ch == '"') {
			w.quoted = inword = true;
			if (w.s == NULL)
				gate_put(&w, '\0'), w.len = 0;
			for (i++; i < len && s[i] != '"' && v == GATE_RUN;
			    i++) {
				if (s[i] == '\\' && i + 1 < len && strchr(
				    "$`\"\\\n", s[i + 1]) != NULL)
					gate_put(&w, s[++i]);
				else if (s[i] == '$')
					v = gate_dollar(g, s, len, &i, &w);
				else if (s[i] == '`')
					v = gate_backquote(g, s, len, &i, &w);
				else
					gate_put(&w, s[i]);
			}
			if (i >= len && v == GATE_RUN)
				v = gate_hold(g, "%s", "an unterminated \"");
		} else if (ch == '$') {
			if (i + 1 < len && s[i + 1] == '\'')
				w.expanded = true;	/* $'...': still a word */
			v = gate_dollar(g, s, len, &i, &w);
			inword = true;
		} else if (ch == '`') {
			v = gate_backquote(g, s, len, &i, &w);
			inword = true;
		} else if (ch == '#' && !inword) {
			while (i < len && s[i] != '\n')
				i++;
			i--;
		} else if (strchr(" \t", ch) != NULL || strchr(";&|()\n<>",
		    ch) != NULL) {
			if (inword) {
				/* 2>file: the 2 is a descriptor, not a word. */
				if (redirect || ((ch == '<' || ch == '>') &&
				    !w.quoted && w.len > 0 && strspn(w.s,
				    "0123456789") == w.len))
					free(w.s), memset(&w, 0, sizeof w);
				else
					gate_cmd_add(&c, &w);
				redirect = false;
				inword = false;
			}
			if (ch == '<' || ch == '>') {
				/* <(...) >(...): a command too. */
				if (i + 1 < len && s[i + 1] == '(') {
					end = gate_close(s, len, i + 2, '(',
					    ')');
					if (end == (size_t)-1) {
						v = gate_hold(g, "%s", "an "
						    "unterminated <(");
						break;
					}
					v = gate_text(g, s + i + 2, end - i - 2);
					i = end;
					continue;
				}
				if (i + 1 < len && s[i + 1] == '<' &&
				    (i + 2 >= len || s[i + 2] != '<')) {
					v = gate_hold(g, "%s", "a here-document");
					break;
				}
				while (i + 1 < len && strchr("<>&|", s[i + 1])
				    != NULL)
					i++;
				redirect = true;
			} else if (ch != ' ' && ch != '\t')
				v = gate_finish(g, &c);
		} else {
			if (strchr("*?[", ch) != NULL)
				w.pattern = true;
			if (ch == '{' && memchr(s + i, ',', len - i) != NULL &&
			    memchr(s + i, '}', len - i) != NULL)
				w.pattern = true;
			gate_put(&w, ch);
			inword = true;
		}
	}
	if (v == GATE_RUN) {
		if (inword && !redirect)
			gate_cmd_add(&c, &w);
		v = gate_finish(g, &c);
	}
	free(w.s);
	gate_cmd_clear(&c);
	g->depth--;
	return v;
}

enum gate_verdict
gate_shell(const char *cmd, const struct gate_rules *r, char *why,
    size_t size)
{
	struct gate	g = { r, why, size, 0, NULL };

	why[0] = '\0';
	return gate_text(&g, cmd, strlen(cmd));
}

enum gate_verdict
gate_argv(char *const *argv, size_t argc, const struct gate_rules *r,
    char *why, size_t size)
{
	struct gate		 g = { r, why, size, 0, NULL };
	struct gate_word	*w = xcalloc(argc + 1, sizeof *w);
	enum gate_verdict	 v;
	size_t			 i;

	why[0] = '\0';
	for (i = 0; i < argc; i++) {
		w[i].s = argv[i];
		w[i].len = strlen(argv[i]);
		w[i].quoted = true;	/* as given: no assignment, no keyword */
	}
	v = argc > 0 ? gate_command(&g, w, argc) : GATE_RUN;
	free(w);
	return v;
}
