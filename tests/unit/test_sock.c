#include "tests/unit/unit.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc/sock.h"

/* Linked with -Wl,--wrap=getsockopt: fail SO_PEERCRED on demand. */
int	__real_getsockopt(int, int, int, void *, socklen_t *);
int	__wrap_getsockopt(int, int, int, void *, socklen_t *);
static int	fail_peercred;

int
__wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	if (fail_peercred && level == SOL_SOCKET && name == SO_PEERCRED) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return __real_getsockopt(fd, level, name, val, len);
}

struct fixture {
	char	dir[48];
	char	path[100];
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/orch-test-sock-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/s.sock", f->dir);
	fail_peercred = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_listen_mode_and_flags(void **state)
{
	struct fixture	*f = *state;
	struct stat	 st;
	int		 lfd, cfd;

	lfd = sock_listen(f->path, NULL);
	assert_true(lfd >= 0);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(lfd, F_GETFL) & O_NONBLOCK);

	cfd = sock_connect(f->path, NULL);
	assert_true(cfd >= 0);
	assert_true(fcntl(cfd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	close(cfd);
	close(lfd);
}

static void
test_stale_and_live(void **state)
{
	struct fixture	*f = *state;
	char		*cause = NULL;
	int		 lfd, lfd2;

	lfd = sock_listen(f->path, NULL);
	assert_true(lfd >= 0);
	/* Someone is listening: refuse, and leave their socket alone. */
	assert_cause(sock_listen(f->path, &cause), cause);
	assert_int_equal(access(f->path, F_OK), 0);
	close(lfd);	/* now stale: the file stays, nobody listens */
	assert_int_equal(access(f->path, F_OK), 0);
	lfd2 = sock_listen(f->path, &cause);
	assert_true(lfd2 >= 0);
	close(lfd2);
}

static void
test_bad_paths(void **state)
{
	struct fixture	*f = *state;
	char		*cause = NULL, longpath[200];
	int		 fd;

	/* A regular file in the way is never removed. */
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_cause(sock_listen(f->path, &cause), cause);
	assert_int_equal(access(f->path, F_OK), 0);
	unlink(f->path);

	memset(longpath, 'x', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	assert_cause(sock_listen(longpath, &cause), cause);
	assert_cause(sock_connect(longpath, &cause), cause);
	assert_cause(sock_connect(f->path, &cause), cause);	/* none */
}

static void
test_peer_cred(void **state)
{
	struct fixture	*f = *state;
	char		*cause = NULL;
	uid_t		 uid;
	pid_t		 pid;
	int		 sv[2];

	(void)f;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(sock_peer_cred(sv[0], &uid, &pid, NULL), 0);
	assert_int_equal(uid, geteuid());
	assert_int_equal(pid, getpid());
	assert_int_equal(sock_check_peer(sv[0], geteuid(), NULL), 0);
	assert_cause(sock_check_peer(sv[0], geteuid() + 1, &cause), cause);

	/* Credentials that cannot be read are a refusal, never a pass. */
	fail_peercred = 1;
	assert_cause(sock_check_peer(sv[0], geteuid(), &cause), cause);
	fail_peercred = 0;
	close(sv[0]);
	close(sv[1]);
}

struct accepts {
	int	accepted;
	int	refused;
	char	why[256];
};

static void
accept_cb(int fd, void *arg)
{
	struct accepts	*a = arg;

	a->accepted++;
	close(fd);
}

static void
refuse_cb(const char *why, void *arg)
{
	struct accepts	*a = arg;

	a->refused++;
	snprintf(a->why, sizeof a->why, "%s", why);
}

/* Run the loop until n callbacks happened or a second passed. */
static void
run_until(struct event_base *base, struct accepts *a, int n)
{
	struct timeval	tv = { 0, 10000 };

	for (int i = 0; i < 100 && a->accepted + a->refused < n; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

static void
test_listener_fails_closed(void **state)
{
	struct fixture		*f = *state;
	struct event_base	*base = event_base_new();
	struct sock_listener	*l;
	struct accepts		 a = { 0 };
	int			 fd;

	l = sock_listener_new(base, f->path, accept_cb, refuse_cb, &a, NULL);
	assert_non_null(l);
	fd = sock_connect(f->path, NULL);
	run_until(base, &a, 1);
	assert_int_equal(a.accepted, 1);
	close(fd);

	/* SO_PEERCRED fails on the server side: the connection is refused. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un	sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa,
		    sizeof sa), 0);
	}
	fail_peercred = 1;
	run_until(base, &a, 2);
	fail_peercred = 0;
	assert_int_equal(a.refused, 1);
	assert_int_equal(a.accepted, 1);
	assert_non_null(strstr(a.why, "credentials"));
	/* The refused client sees the connection closed. */
	{
		char	c;

		assert_int_equal(read(fd, &c, 1), 0);
	}
	close(fd);

	sock_listener_free(l);
	assert_int_equal(access(f->path, F_OK), -1);	/* removed */
	event_base_free(base);
}

/* The listener leaves a socket that someone else put there alone. */
static void
test_listener_free_keeps_foreign_file(void **state)
{
	struct fixture		*f = *state;
	struct event_base	*base = event_base_new();
	struct sock_listener	*l;
	struct accepts		 a = { 0 };
	int			 fd;

	l = sock_listener_new(base, f->path, accept_cb, refuse_cb, &a, NULL);
	assert_non_null(l);
	unlink(f->path);
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	sock_listener_free(l);
	assert_int_equal(access(f->path, F_OK), 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listen_mode_and_flags,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_live,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_cred,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_fails_closed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_listener_free_keeps_foreign_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
