#include "tests/unit/unit.h"

#include <stdio.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "supervisor/logpipe.h"

/* What other processes write to the pipe comes out as whole lines. */
static void
test_lines(void **state)
{
	char			 path[] = "/tmp/orch-test-logpipe-XXXXXX";
	char			 big[10000], *buf, *p;
	struct event_base	*base = event_base_new();
	struct logpipe		*lp;
	FILE			*f;
	size_t			 n;
	int			 fd = mkstemp(path), saved = dup(2), wfd = -1;

	(void)state;
	assert_true(fd >= 0);
	dup2(fd, 2);
	lp = logpipe_new(base, &wfd);
	assert_non_null(lp);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, "one\ntwo\n", 8), 8);
	event_base_loop(base, EVLOOP_ONCE);
	/* A "line" with no end in sight is passed on in pieces. */
	memset(big, 'x', sizeof big);
	assert_int_equal(write(wfd, big, sizeof big), (ssize_t)sizeof big);
	event_base_loop(base, EVLOOP_ONCE);
	/* What is left when it closes is passed on too. */
	assert_int_equal(write(wfd, "last words", 10), 10);
	logpipe_free(lp);
	dup2(saved, 2);
	close(saved);

	buf = test_malloc(65536);
	f = fopen(path, "r");
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	/* 10,000 x and "last words": pieces of 4096, 4096 and the rest. */
	assert_int_equal(n, 8 + sizeof big + 10 + 3);
	assert_memory_equal(buf, "one\ntwo\n", 8);
	p = buf + 8;
	assert_int_equal(strspn(p, "x"), 4096);
	assert_int_equal(p[4096], '\n');
	p += 4097;
	assert_int_equal(strspn(p, "x"), 4096);
	assert_int_equal(p[4096], '\n');
	p += 4097;
	assert_int_equal(strspn(p, "x"), sizeof big - 8192);
	p += sizeof big - 8192;
	assert_string_equal(p, "last words\n");
	test_free(buf);
	close(fd);
	unlink(path);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
