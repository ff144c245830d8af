/*
 * Who holds the other end of a loopback TCP connection: found for a
 * client of ours (this process, then a child), nobody for an address that
 * is not connected to us.
 */
#include "tests/unit/unit.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/sockowner.h"

/* A listener on 127.0.0.1, any port; its address in *sin. */
static int
listen_any(struct sockaddr_in *sin)
{
	socklen_t	len = sizeof *sin;
	int		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof *sin), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

/* Accept one; the two ends' addresses as the accepting side sees them. */
static int
accept_one(int lfd, struct sockaddr_in *theirs, struct sockaddr_in *ours)
{
	socklen_t	len = sizeof *theirs;
	int		fd = accept(lfd, (struct sockaddr *)theirs, &len);

	assert_true(fd >= 0);
	len = sizeof *ours;
	assert_int_equal(getsockname(fd, (struct sockaddr *)ours, &len), 0);
	return fd;
}

static void
test_self(void **state)
{
	struct sockaddr_in	at, theirs, ours;
	int			lfd, cfd, afd;
	uid_t			uid = 12345;
	pid_t			pid = 0;

	(void)state;
	lfd = listen_any(&at);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&at, sizeof at), 0);
	afd = accept_one(lfd, &theirs, &ours);
	if (!sockowner_supported()) {
		/* A system without /proc (the portable build): nobody's. */
		assert_int_equal(sockowner_tcp(&theirs, &ours, &uid, &pid), -1);
		close(afd);
		close(cfd);
		close(lfd);
		return;
	}
	assert_int_equal(sockowner_tcp(&theirs, &ours, &uid, &pid), 0);
	assert_int_equal(pid, getpid());
	assert_int_equal(uid, getuid());

	/* The wrong port: nobody's. */
	theirs.sin_port = htons((uint16_t)(ntohs(theirs.sin_port) ^ 1));
	assert_int_equal(sockowner_tcp(&theirs, &ours, &uid, &pid), -1);
	close(afd);
	close(cfd);
	close(lfd);
}

static void
test_child(void **state)
{
	struct sockaddr_in	at, theirs, ours;
	int			lfd, afd, sync[2], status;
	uid_t			uid;
	pid_t			pid = 0, kid;
	char			ch = 0;

	(void)state;
	lfd = listen_any(&at);
	assert_int_equal(pipe(sync), 0);
	if ((kid = fork()) == 0) {
		int	fd = socket(AF_INET, SOCK_STREAM, 0);

		close(lfd);
		if (connect(fd, (struct sockaddr *)&at, sizeof at) != 0)
			_exit(1);
		/* Held until the parent has looked. */
		(void)!read(sync[0], &ch, 1);
		_exit(0);
	}
	afd = accept_one(lfd, &theirs, &ours);
	assert_int_equal(sockowner_tcp(&theirs, &ours, &uid, &pid),
	    sockowner_supported() ? 0 : -1);
	assert_int_equal(pid, sockowner_supported() ? kid : 0);
	assert_int_equal(write(sync[1], "x", 1), 1);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(afd);
	close(lfd);
	close(sync[0]);
	close(sync[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
