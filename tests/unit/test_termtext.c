/*
 * A terminal's output as plain text: colours, cursor moves, titles and
 * bracketed-paste switches go; \r\n is a newline, a lone \r starts the line
 * over, a backspace takes back a character; text is kept byte for byte.
 * A cursor move along the line (as full-screen programs leave blanks) is
 * a space or more, never more bytes than the move took.
 */
#include "tests/unit/unit.h"

#include "common/termtext.h"

static void
plain(const char *in, const char *want)
{
	size_t	 len = strlen(in);
	char	*out = malloc(len + 1);

	assert_int_equal(termtext_plain(in, len, out), strlen(want));
	assert_string_equal(out, want);
	free(out);
}

static void
test_plain(void **state)
{
	(void)state;
	plain("", "");
	plain("hello\n", "hello\n");
	plain("a\tb\r\nc\r\n", "a\tb\nc\n");
	plain("folder\r\r\nnext\r\r\n", "folder\nnext\n");
	plain("\033[?2004hbash-5.2# ", "bash-5.2# ");
	plain("\033[1;31mred\033[0m plain", "red plain");
	plain("\033]0;title\007after", "after");
	plain("\033]8;;http://x\033\\link\033]8;;\033\\", "link");
	plain("\033Ptmux;data\033\\x", "x");
	plain("\033(Bascii", "ascii");
	plain("10%\r50%\r100%\n", "100%\n");
	plain("ab\bc", "ac");
	plain("\bx", "x");
	plain("bell\007 nul\001", "bell nul");
	/* UTF-8 is text. */
	plain("h\xc3\xa9llo \xe2\x9c\x93", "h\xc3\xa9llo \xe2\x9c\x93");
	/* A sequence cut off at the end: dropped, nothing invented. */
	plain("ok\033[1;3", "ok");
	/* A lone \r at the very end changes nothing yet. */
	plain("prompt$ \r", "prompt$ ");
}

static void
test_moves(void **state)
{
	(void)state;
	/* Claude Code's TUI: words placed by column (CSI n G). */
	plain("one\033[5Gyou\033[9Gtrust", "one you trust");
	plain("\033[4GYes,\033[9GI", "   Yes, I");
	/* Forward (CSI n C), one by default; capped by the sequence's size. */
	plain("a\033[Cb\033[2Cc", "a b  c");
	plain("a\033[40Cb", "a     b");
	/* Columns count characters, not bytes. */
	plain("\xe2\x9d\xaf\033[3Gx", "\xe2\x9d\xaf x");
	/* Backwards, or with a private marker: nothing. */
	plain("abc\033[2Gd", "abcd");
	plain("a\033[?5Cb", "ab");
	/* Each line has its own columns. */
	plain("xx\r\n\033[3Gy", "xx\n  y");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
