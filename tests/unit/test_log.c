#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"

static void
test_escape(void **state)
{
	char	buf[64];

	(void)state;
	assert_int_equal(log_escape(buf, sizeof buf, "plain", 5), 5);
	assert_string_equal(buf, "plain");
	log_escape(buf, sizeof buf, "a\nb\tc\\d\x1b[2J\x7f", 12);
	assert_string_equal(buf, "a\\nb\\tc\\\\d\\x1b[2J\\x7f");
	/* NUL bytes inside the message are escaped too. */
	log_escape(buf, sizeof buf, "x\0y", 3);
	assert_string_equal(buf, "x\\x00y");
	/* UTF-8 passes; C1 controls (CSI as U+009B) and non-UTF-8 do not. */
	log_escape(buf, sizeof buf, "caf\xc3\xa9 \xc2\x9b" "2J \x9b\xff", 13);
	assert_string_equal(buf, "caf\xc3\xa9 \\xc2\\x9b2J \\x9b\\xff");
	/* A multi-byte character that does not fit is left out whole. */
	assert_int_equal(log_escape(buf, 5, "abc\xc3\xa9", 5), 5);
	assert_string_equal(buf, "abc");
}

static void
test_escape_truncates_whole_escapes(void **state)
{
	char	buf[6];

	(void)state;
	/* "ab\x1b" needs 6 chars; only 5 fit: the escape is left out whole. */
	assert_int_equal(log_escape(buf, sizeof buf, "ab\x1b", 3), 6);
	assert_string_equal(buf, "ab");
	assert_int_equal(log_escape(buf, 0, "abc", 3), 3);
}

/* Log lines go to stderr, named, escaped, filtered by level. */
static void
test_lines(void **state)
{
	char	path[] = "/tmp/orch-test-log-XXXXXX", line[512];
	int	fd = mkstemp(path), saved = dup(2);
	FILE	*f;

	(void)state;
	assert_true(fd >= 0);
	dup2(fd, 2);
	log_init("tester", LOGL_INFO);
	log_info("hello %d", 42);
	log_debug("hidden");
	log_warnx("evil \x1b]0;title\x07 text");
	errno = ENOENT;
	log_warn("opening %s", "x");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	f = fopen(path, "r");
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, " tester: hello 42\n"));
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "tester: warning: evil \\x1b]0;title\\x07 "
	    "text"));
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "opening x: No such file or directory"));
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
	close(fd);
	unlink(path);
	assert_string_equal(log_name(), "tester");
}

/* Read all of path into buf (NUL-terminated). */
static size_t
slurp(const char *path, char *buf, size_t size)
{
	FILE	*f = fopen(path, "r");
	size_t	 n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* Lines go above the footer: it is cleared first and drawn again after. */
static void
test_footer(void **state)
{
	char	err[] = "/tmp/orch-test-log-XXXXXX";
	char	tty[] = "/tmp/orch-test-tty-XXXXXX";
	char	buf[512];
	int	efd = mkstemp(err), tfd = mkstemp(tty), saved = dup(2);

	(void)state;
	assert_true(efd >= 0 && tfd >= 0);
	dup2(efd, 2);
	log_init("tester", LOGL_INFO);
	log_footer(tfd, "[1/2 done]");
	log_info("one");
	log_relay("12:00:00.000 other: two", 23);
	log_footer(tfd, NULL);
	log_info("three");
	dup2(saved, 2);
	close(saved);

	slurp(tty, buf, sizeof buf);
	assert_string_equal(buf, "\r\033[K[1/2 done]"
	    "\r\033[K" "\r\033[K[1/2 done]"
	    "\r\033[K" "\r\033[K[1/2 done]"
	    "\r\033[K");
	slurp(err, buf, sizeof buf);
	assert_non_null(strstr(buf, " tester: one\n12:00:00.000 other: two\n"));
	assert_non_null(strstr(buf, " tester: three\n"));
	assert_null(strchr(buf, '\r'));
	close(efd);
	close(tfd);
	unlink(err);
	unlink(tty);
}

/* On one terminal, each line and the footer after it go out together. */
static void
test_footer_tty(void **state)
{
	char	buf[512], *p;
	int	master, slave, foot, saved = dup(2);
	ssize_t	n;
	size_t	got = 0;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	foot = dup(slave);
	dup2(slave, 2);
	log_init("tester", LOGL_INFO);
	log_footer(foot, "[f]");
	log_info("one");
	log_footer(foot, NULL);
	dup2(saved, 2);
	close(saved);
	while (got < sizeof buf - 1 && (n = read(master, buf + got,
	    sizeof buf - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "[f]\r\033[K") != NULL)
			break;
	}
	/* The footer, then clear + line + footer, then the last clear. */
	assert_memory_equal(buf, "\r\033[K[f]\r\033[K", 11);
	p = strstr(buf, " tester: one\r\n[f]\r\033[K");
	assert_non_null(p);
	assert_string_equal(p, " tester: one\r\n[f]\r\033[K");
	close(foot);
	close(slave);
	close(master);
}

/*
 * --json: the supervisor and its actors share one stderr (one file
 * description, as a shell's 2>file makes it). Lines written concurrently by
 * several processes must each stay one whole JSON object.
 */
#define JSON_WRITERS	4
#define JSON_LINES	300

static void
test_json_lines_whole_across_processes(void **state)
{
	char		 path[] = "/tmp/orch-test-log-XXXXXX", line[4096];
	char		 msg[600];
	int		 fd = mkstemp(path), saved = dup(2), i, status;
	int		 seen[JSON_WRITERS] = { 0 };
	pid_t		 pid[JSON_WRITERS];
	FILE		*f;
	json_t		*o;
	json_error_t	 err;

	(void)state;
	assert_true(fd >= 0);
	memset(msg, 'm', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	dup2(fd, 2);
	for (i = 0; i < JSON_WRITERS; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			char	name[16];
			int	j;

			snprintf(name, sizeof name, "w%d", i);
			log_init(name, LOGL_INFO);
			log_set_json(1);
			for (j = 0; j < JSON_LINES; j++)
				log_info("%d \"%s\"", j, msg);
			_exit(0);
		}
	}
	for (i = 0; i < JSON_WRITERS; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_int_equal(status, 0);
	}
	dup2(saved, 2);
	close(saved);

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		const char	*proc, *text;

		o = json_loads(line, JSON_DISABLE_EOF_CHECK, &err);
		if (o == NULL)
			fail_msg("not one JSON object: %s", line);
		assert_int_equal(json_unpack(o, "{s:s, s:s}", "proc", &proc,
		    "msg", &text), 0);
		assert_true(proc[0] == 'w' && proc[1] >= '0' &&
		    proc[1] < '0' + JSON_WRITERS);
		assert_non_null(strstr(text, msg));
		seen[proc[1] - '0']++;
		json_decref(o);
	}
	for (i = 0; i < JSON_WRITERS; i++)
		assert_int_equal(seen[i], JSON_LINES);
	fclose(f);
	close(fd);
	unlink(path);
}

/* Several errors, a line each, every line with the prefix. */
static void
test_print_error(void **state)
{
	char	path[] = "/tmp/orch-test-log-XXXXXX", buf[256];
	char	jpath[] = "/tmp/orch-test-log-XXXXXX";
	int	fd = mkstemp(path), saved = dup(2);

	(void)state;
	assert_true(fd >= 0);
	dup2(fd, 2);
	log_print_error("tool", "f:1:2: one\nf:3:4: two");
	log_print_error("tool: sub", "single");
	log_print_error("tool", "");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	slurp(path, buf, sizeof buf);
	assert_string_equal(buf, "tool: f:1:2: one\ntool: f:3:4: two\n"
	    "tool: sub: single\ntool: \n");
	close(fd);
	unlink(path);

	/* --json: a JSON error line per error. */
	fd = mkstemp(jpath);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	log_init("tool", LOGL_INFO);
	log_set_json(1);
	log_print_error("tool", "f:1:2: one\nf:3:4: two");
	log_set_json(0);
	dup2(saved, 2);
	close(saved);
	slurp(jpath, buf, sizeof buf);
	assert_non_null(strstr(buf, "\"proc\":\"tool\",\"level\":\"error\","
	    "\"msg\":\"f:1:2: one\"}\n{"));
	assert_non_null(strstr(buf, "\"msg\":\"f:3:4: two\"}\n"));
	close(fd);
	unlink(jpath);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_truncates_whole_escapes),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_footer),
		cmocka_unit_test(test_footer_tty),
		cmocka_unit_test(test_json_lines_whole_across_processes),
		cmocka_unit_test(test_print_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
