/*
 * Task logs: what is written comes back whole (NULs, many chunks), the
 * file is a plain LZ4 frame, an older log of the same name is kept, and
 * a full disk, a cut file or a corrupt one is an error that says so.
 */
#include "tests/unit/unit.h"

#include <sys/stat.h>

#include <dirent.h>
#include <unistd.h>

#include "common/tasklog.h"

static char	dir[64];

static void
make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/orch-test-tasklog-%d", (int)getpid());
	mkdir(dir, 0700);
}

static void
remove_dir(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Read path back into a malloc'd buffer; its length in *len. */
static char *
read_back(const char *path, size_t *len, char **cause)
{
	char	*buf = NULL;
	FILE	*f = open_memstream(&buf, len);
	int	 rc;

	rc = tasklog_read(path, f, cause);
	fclose(f);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The tail of a log is its last bytes, in order, whatever the ring did. */
static void
test_tail(void **state)
{
	struct tasklog		*l;
	struct tasklog_tail	 t;
	char			 path[128], *cause = NULL;
	size_t			 i, n = 200000, maxes[] = { 1, 7, 1000, 65536,
				    199999, 200000, 300000 };
	unsigned char		*data = malloc(n);

	(void)state;
	make_dir();
	for (i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 13 % 241);
	snprintf(path, sizeof path, "%s/tail.lz4", dir);
	assert_non_null(l = tasklog_open(path, &cause));
	for (i = 0; i < n; i += 777)
		tasklog_write(l, data + i, n - i < 777 ? n - i : 777);
	assert_int_equal(tasklog_close(l, &cause), 0);
	for (i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
		memset(&t, 0, sizeof t);
		t.max = maxes[i];
		assert_int_equal(tasklog_tail(path, &t, &cause), 0);
		assert_int_equal(t.total, n);
		assert_false(t.cut);
		assert_int_equal(t.len, t.max < n ? t.max : n);
		assert_memory_equal(t.buf, data + (n - t.len), t.len);
		free(t.buf);
	}
	/* None there: an error that names it. */
	memset(&t, 0, sizeof t);
	t.max = 10;
	snprintf(path, sizeof path, "%s/none.lz4", dir);
	assert_int_equal(tasklog_tail(path, &t, &cause), -1);
	assert_non_null(strstr(cause, "none.lz4"));
	free(cause);
	free(data);
	remove_dir();
}

static void
test_roundtrip(void **state)
{
	struct tasklog	*l;
	char		 path[128], cmd[256], *cause = NULL, *back;
	size_t		 i, len, n = 300000;
	unsigned char	*data = malloc(n);
	FILE		*p;

	(void)state;
	make_dir();
	for (i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 % 251);	/* NULs included */
	snprintf(path, sizeof path, "%s/t.lz4", dir);
	assert_non_null(l = tasklog_open(path, &cause));
	/* Pieces of every size, one over the 64 KiB chunk. */
	tasklog_write(l, data, 1);
	tasklog_write(l, data + 1, 100000);
	tasklog_write(l, data + 100001, n - 100001);
	assert_int_equal(tasklog_close(l, &cause), 0);
	assert_non_null(back = read_back(path, &len, &cause));
	assert_int_equal(len, n);
	assert_memory_equal(back, data, n);
	free(back);
	/* The lz4 tool reads it too. */
	snprintf(cmd, sizeof cmd, "lz4 -dc %s | cmp -s - %s/raw || echo "
	    "differ", path, dir);
	snprintf(path, sizeof path, "%s/raw", dir);
	p = fopen(path, "w");
	fwrite(data, 1, n, p);
	fclose(p);
	if (system("command -v lz4 >/dev/null") == 0) {
		p = popen(cmd, "r");
		assert_null(fgets(cmd, sizeof cmd, p));
		pclose(p);
	}
	free(data);
	remove_dir();
}

static void
test_keep_older(void **state)
{
	struct tasklog	*l;
	struct dirent	*e;
	DIR		*d;
	char		 path[512], *cause = NULL, *back;
	size_t		 len;
	int		 kept = 0;

	(void)state;
	make_dir();
	snprintf(path, sizeof path, "%s/t@1.lz4", dir);
	assert_non_null(l = tasklog_open(path, &cause));
	tasklog_write(l, "first", 5);
	assert_int_equal(tasklog_close(l, &cause), 0);
	assert_non_null(l = tasklog_open(path, &cause));
	tasklog_write(l, "second", 6);
	assert_int_equal(tasklog_close(l, &cause), 0);
	assert_non_null(back = read_back(path, &len, &cause));
	assert_int_equal(len, 6);
	free(back);
	d = opendir(dir);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "t@1.", 4) == 0 &&
		    strlen(e->d_name) == strlen("t@1.YYYYmmdd-HHMMSS.lz4")) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			assert_non_null(back = read_back(path, &len, &cause));
			assert_int_equal(len, 5);
			assert_memory_equal(back, "first", 5);
			free(back);
			kept++;
		}
	closedir(d);
	assert_int_equal(kept, 1);
	remove_dir();
}

static void
test_errors(void **state)
{
	struct tasklog	*l;
	char		 path[128], big[8192], *cause = NULL;
	size_t		 len;
	FILE		*f;
	long		 size;

	(void)state;
	make_dir();
	/* Nowhere to write. */
	snprintf(path, sizeof path, "%s/none/t.lz4", dir);
	assert_null(tasklog_open(path, &cause));
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
	cause = NULL;
	/* A full disk: writes fail, the close says so. */
	assert_non_null(l = tasklog_open("/dev/full", &cause));
	memset(big, 'x', sizeof big);
	for (int i = 0; i < 64; i++)
		tasklog_write(l, big, sizeof big);
	assert_int_equal(tasklog_close(l, &cause), -1);
	assert_string_equal(cause, "task log: No space left on device");
	free(cause);
	cause = NULL;
	/* Cut short, as while its task still runs. */
	snprintf(path, sizeof path, "%s/cut.lz4", dir);
	assert_non_null(l = tasklog_open(path, &cause));
	for (int i = 0; i < 4; i++)
		tasklog_write(l, big, sizeof big);
	assert_int_equal(tasklog_close(l, &cause), 0);
	f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	assert_int_equal(ftruncate(fileno(f), size - 6), 0);
	fclose(f);
	assert_null(read_back(path, &len, &cause));
	assert_non_null(strstr(cause, "the log ends early"));
	free(cause);
	cause = NULL;
	/* Not a log at all. */
	snprintf(path, sizeof path, "%s/junk.lz4", dir);
	f = fopen(path, "w");
	fputs("this is not an lz4 frame", f);
	fclose(f);
	assert_null(read_back(path, &len, &cause));
	assert_non_null(strstr(cause, "corrupt log"));
	free(cause);
	cause = NULL;
	snprintf(path, sizeof path, "%s/missing.lz4", dir);
	assert_null(read_back(path, &len, &cause));
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
	remove_dir();
}

static void
test_path(void **state)
{
	char	buf[4096], want[256], *cause = NULL, name[300];

	(void)state;
	make_dir();
	setenv("XDG_STATE_HOME", dir, 1);
	assert_int_equal(tasklog_path("unit", "3:build it/../x@2", true, buf,
	    sizeof buf, &cause), 0);
	/* Nothing in a name leaves the logs directory. */
	snprintf(want, sizeof want, "%s/orch/unit/logs/3:build_it_.._x@2.lz4",
	    dir);
	assert_string_equal(buf, want);
	assert_int_equal(tasklog_path("unit", "t", false, buf, 16, &cause),
	    -1);
	free(cause);
	cause = NULL;
	assert_int_equal(tasklog_path("../bad", "t", false, buf, sizeof buf,
	    &cause), -1);
	assert_non_null(strstr(cause, "invalid instance name"));
	free(cause);
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	/* A long name is cut, not overflowed. */
	assert_int_equal(tasklog_path("unit", name, false, buf, sizeof buf,
	    NULL), 0);
	assert_true(strlen(buf) < sizeof buf);
	unsetenv("XDG_STATE_HOME");
	remove_dir();
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_keep_older),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
