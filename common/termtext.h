/*
 * What a terminal's output says as plain text, for a reader that is not a
 * terminal (a model reading an agent's screen): escape sequences (CSI,
 * OSC, DCS and the other strings, and two-byte escapes) and control
 * characters other than newline and tab go; a carriage return starts its
 * line over, as on the screen; a backspace takes back what it follows.
 */
#ifndef ORCH_COMMON_TERMTEXT_H
#define ORCH_COMMON_TERMTEXT_H

#include <stddef.h>

/* in[len] as plain text into out (room for len + 1): its length. */
size_t	termtext_plain(const char *in, size_t len, char *out);

#endif
