/*
 * A terminal's output as plain text: colours, cursor moves, titles and
 * bracketed-paste switches go; \r\n is a newline, a lone \r starts the line
 * over, a backspace takes back a character; text is kept byte for byte.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
