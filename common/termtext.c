#include "common/termtext.h"

#include <stdbool.h>

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
			} else if (ch == '\r') {
				/* Before a newline nothing; else the line over. */
				if (i + 1 < len && in[i + 1] == '\n')
					continue;
				if (i + 1 < len)
					n = line;
			} else if (ch == '\b') {
				if (n > line)
					n--;
			} else if (ch == '\t' || ch >= 0x20)
				out[n++] = (char)ch;
			break;
		case TT_ESC:
			st = ch == '[' ? TT_CSI : ch == ']' || ch == 'P' ||
			    ch == 'X' || ch == '^' || ch == '_' ? TT_STRING :
			    ch >= 0x20 && ch <= 0x2f ? TT_ESC_MORE : TT_TEXT;
			break;
		case TT_ESC_MORE:
			if (ch >= 0x30 && ch <= 0x7e)
				st = TT_TEXT;
			break;
		case TT_CSI:
			if (ch >= 0x40 && ch <= 0x7e)
				st = TT_TEXT;
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
