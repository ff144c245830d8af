/*
 * UTF-8, strictly: no overlong forms, no surrogates, nothing past
 * U+10FFFF. Used where bytes from others are checked (envelope strings)
 * or made safe to print (log_escape).
 */
#ifndef ORCH_COMMON_UTF8_H
#define ORCH_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length (1-4) of the valid UTF-8 sequence at p (len bytes left), its
 * code point in *cp; 0 when the bytes there are not valid UTF-8.
 */
size_t	utf8_seq(const char *p, size_t len, uint32_t *cp);

#endif
