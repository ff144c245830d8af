/*
 * tmux control mode's protocol, fed as tmux sends it: answers matched to
 * commands in order, %output unescaped, notifications passed on, a block
 * ended only by its own %end, and a stream that is no protocol given up.
 */
#include "tests/unit/unit.h"

#include "actors/tmuxctl.h"

struct seen {
	int	replies, oks, outputs, notes;
	char	body[256];
	char	pane[16];
	char	out[256];
	size_t	outlen;
	char	note[256];
};

static void
seen_reply(bool ok, const char *body, size_t len, void *arg)
{
	struct seen	*w = arg;

	w->replies++;
	w->oks += ok;
	assert_int_equal(strlen(body), len);
	snprintf(w->body, sizeof w->body, "%s", body);
}

static void
seen_output(const char *pane, const char *data, size_t len, void *arg)
{
	struct seen	*w = arg;

	w->outputs++;
	snprintf(w->pane, sizeof w->pane, "%s", pane);
	memcpy(w->out + w->outlen, data, len);
	w->outlen += len;
}

static void
seen_notify(const char *line, void *arg)
{
	struct seen	*w = arg;

	w->notes++;
	snprintf(w->note, sizeof w->note, "%s", line);
}

static const struct tmuxctl_cbs	cbs = { seen_reply, seen_output,
				    seen_notify };

static void
feed(struct tmuxctl *t, const char *s)
{
	assert_int_equal(tmuxctl_feed(t, s, strlen(s)), 0);
}

static void
test_unescape(void **state)
{
	char	out[64];
	size_t	n;

	(void)state;
	n = tmuxctl_unescape("a\\015\\012\\134b\\033[0m", 21, out);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "a\r\n\\b\033[0m", 9);
	/* Not an escape: kept as is (a short one at the end too). */
	n = tmuxctl_unescape("\\9x\\01", 6, out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\\9x\\01", 6);
	n = tmuxctl_unescape("\\000", 4, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], '\0');
}

static void
test_blocks(void **state)
{
	struct tmuxctl	t;
	struct seen	w;

	(void)state;
	memset(&w, 0, sizeof w);
	tmuxctl_init(&t, &cbs, &w);
	/* Split anywhere: lines are put back together. */
	feed(&t, "%begin 1796211860 265 0\n$0 @0 %0 69");
	assert_int_equal(w.replies, 0);
	feed(&t, "23 /dev/pts/0 6919\n%end 1796211860 265 0\n");
	assert_int_equal(w.replies, 1);
	assert_int_equal(w.oks, 1);
	assert_string_equal(w.body, "$0 @0 %0 6923 /dev/pts/0 6919");
	/* An error is an answer too, saying why. */
	feed(&t, "%begin 1 2 1\nno such session: =x\n%error 1 2 1\n");
	assert_int_equal(w.replies, 2);
	assert_int_equal(w.oks, 1);
	assert_string_equal(w.body, "no such session: =x");
	/* Inside a block, lines that look like markers are its text. */
	feed(&t, "%begin 5 6 1\n%output %1 fake\n%end 9 9 9\nline\n"
	    "%end 5 6 1\n");
	assert_int_equal(w.replies, 3);
	assert_string_equal(w.body, "%output %1 fake\n%end 9 9 9\nline");
	assert_int_equal(w.outputs, 0);
	/* An empty answer. */
	feed(&t, "%begin 7 8 1\n%end 7 8 1\n");
	assert_int_equal(w.replies, 4);
	assert_string_equal(w.body, "");
	tmuxctl_free(&t);
}

static void
test_output_and_notify(void **state)
{
	struct tmuxctl	t;
	struct seen	w;

	(void)state;
	memset(&w, 0, sizeof w);
	tmuxctl_init(&t, &cbs, &w);
	feed(&t, "%output %3 echo \\303\\251\\015\\012\n");
	assert_int_equal(w.outputs, 1);
	assert_string_equal(w.pane, "%3");
	assert_int_equal(w.outlen, 9);
	assert_memory_equal(w.out, "echo \xc3\xa9\r\n", 9);
	/* Spaces in the data are data. */
	feed(&t, "%output %3  a b \n");
	assert_int_equal(w.outlen, 14);
	assert_memory_equal(w.out + 9, " a b ", 5);
	feed(&t, "%subscription-changed orch-exit $1 - - - : 3:\n");
	assert_int_equal(w.notes, 1);
	assert_string_equal(w.note,
	    "%subscription-changed orch-exit $1 - - - : 3:");
	feed(&t, "%exit\n");
	assert_int_equal(w.notes, 2);
	assert_string_equal(w.note, "%exit");
	/* A line that is no notification is no one's. */
	feed(&t, "stray text\n%output %3\n");
	assert_int_equal(w.notes, 2);
	assert_int_equal(w.outputs, 2);
	tmuxctl_free(&t);
}

static void
test_too_long(void **state)
{
	struct tmuxctl	 t;
	struct seen	 w;
	size_t		 n = TMUXCTL_LINE_MAX + 16;
	char		*big = malloc(n);

	(void)state;
	memset(&w, 0, sizeof w);
	memset(big, 'x', n);
	tmuxctl_init(&t, &cbs, &w);
	/* No end of line in sight: the stream is not tmux's. */
	assert_int_equal(tmuxctl_feed(&t, big, n), -1);
	assert_int_equal(tmuxctl_feed(&t, "\n", 1), -1);
	tmuxctl_free(&t);
	/* A long answer is kept up to its bound, and still ends. */
	tmuxctl_init(&t, &cbs, &w);
	feed(&t, "%begin 1 1 1\n");
	memset(big, 'y', 1u << 20);
	big[(1u << 20) - 1] = '\n';
	for (int i = 0; i < 6; i++)
		assert_int_equal(tmuxctl_feed(&t, big, 1u << 20), 0);
	feed(&t, "%end 1 1 1\n");
	assert_int_equal(w.replies, 1);
	tmuxctl_free(&t);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_output_and_notify),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
