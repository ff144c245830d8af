/*
 * The command gate's reading of a command: does it invoke, anywhere, a
 * word that needs a person's approval (rm, sudo, ...)? It reads the
 * command as POSIX sh does (quotes and escapes removed, ; & | && || and
 * newlines, subshells, { } groups, $( ) and backquotes, assignments and
 * redirections before a command) and looks at every simple command,
 * through the wrappers that run another (env, command, exec, nohup, nice,
 * timeout, stdbuf, time, xargs, sudo, doas, busybox, find -exec, sh -c,
 * eval of literals). It never needs to be smarter than "hold when
 * unsure": a command word made by an expansion, an interpreter with
 * inline code (python -c, perl -e, awk, ...), a shell reading a script or
 * its standard input, source, alias, brace expansion, a parse error: held.
 */
#ifndef ORCH_COMMON_GATE_H
#define ORCH_COMMON_GATE_H

#include <stdbool.h>
#include <stddef.h>

enum gate_verdict {
	GATE_RUN = 0,
	GATE_HOLD,		/* a person decides; why says what */
};

/* The words that need approval (basename of the command). */
struct gate_rules {
	const char *const	*words;
	size_t			 n;
};

/* A shell command line (as for sh -c). */
enum gate_verdict gate_shell(const char *cmd, const struct gate_rules *r,
		    char *why, size_t size);
/* An argument vector run as is (no shell). */
enum gate_verdict gate_argv(char *const *argv, size_t argc,
		    const struct gate_rules *r, char *why, size_t size);

#endif
