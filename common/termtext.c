#include "common/termtext.h"

#include <stdbool.h>

/*
 * Cursor moves along the line (CSI n C forward, CSI n G to a column) are
 * how full-screen programs leave a blank: they become spaces, as many as
 * the move skips but no more than the sequence's own bytes (the text
 * never grows past its input), and at least one.
 */
static size_t
termtext_blank(char *out, size_t n, size_t col, unsigned param, char final,
    size_t seqlen)
{
	size_t	want, k;

	if (final == 'C')
		want = param > 0 ? param : 1;
	else
		want = param > col + 1 ? param - 1 - col : 0;
	if (want > seqlen)
		want = seqlen;
	for (k = 0; k < want; k++)
		out[n + k] = ' ';
	return want;
}

enum termtext_state {
	TT_TEXT = 0,
	TT_ESC,		/* after ESC */
	TT_ESC_MORE,	/* ESC and intermediates (ESC ( B) up to a final */
	TT_CSI,		/* ESC [ ... up to a final byte */
	TT_STRING,	/* ESC ] P X ^ _ ... up to BEL or ESC \ */
	TT_STRING_ESC,	/* an ESC inside a string */
};

size_t
termtext_plain(const char *in, size_t len, char *out)
{
	enum termtext_state	 st = TT_TEXT;
	size_t			 i, n = 0, line = 0;	/* where the line starts */
	size_t			 col = 0, csi = 0, k;	/* CSI: where it began */
	unsigned		 param = 0;
	bool			 plain = true;	/* a CSI with digits only */
	unsigned char		 ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)in[i];
		switch (st) {
		case TT_TEXT:
			if (ch == 0x1b)
				st = TT_ESC;
			else if (ch == '\n') {
				out[n++] = '\n';
				line = n;
				col = 0;
			} else if (ch == '\r') {
				/*
				 * Before a newline (\r\r\n too: full-screen
				 * programs write it) nothing; else the line
				 * over.
				 */
				if (i + 1 < len && (in[i + 1] == '\n' ||
				    in[i + 1] == '\r'))
					continue;
				if (i + 1 < len) {
					n = line;
					col = 0;
				}
			} else if (ch == '\b') {
				if (n > line) {
					n--;
					col -= col > 0;
				}
			} else if (ch == '\t' || ch >= 0x20) {
				out[n++] = (char)ch;
				/* Columns are characters: UTF-8 lead bytes. */
				col += (ch & 0xc0) != 0x80;
			}
			break;
		case TT_ESC:
			if (ch == '[') {
				csi = i - 1;
				param = 0;
				plain = true;
			}
			st = ch == '[' ? TT_CSI : ch == ']' || ch == 'P' ||
			    ch == 'X' || ch == '^' || ch == '_' ? TT_STRING :
			    ch >= 0x20 && ch <= 0x2f ? TT_ESC_MORE : TT_TEXT;
			break;
		case TT_ESC_MORE:
			if (ch >= 0x30 && ch <= 0x7e)
				st = TT_TEXT;
			break;
		case TT_CSI:
			if (ch >= '0' && ch <= '9') {
				if (param < 10000)
					param = param * 10 + (ch - '0');
			} else if (ch < 0x40 || ch > 0x7e)
				plain = false;
			else {
				st = TT_TEXT;
				if (plain && (ch == 'C' || ch == 'G')) {
					k = termtext_blank(out, n, col, param,
					    (char)ch, i + 1 - csi);
					n += k;
					col += k;
				}
			}
			break;
		case TT_STRING:
			if (ch == 0x07)
				st = TT_TEXT;
			else if (ch == 0x1b)
				st = TT_STRING_ESC;
			break;
		case TT_STRING_ESC:
			st = ch == '\\' ? TT_TEXT : TT_STRING;
			break;
		}
	}
	out[n] = '\0';
	return n;
}
