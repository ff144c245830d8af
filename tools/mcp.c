/*
 * orch-mcp: MCP's stdio transport for orch, so that a client that starts
 * servers as commands (claude mcp add orch -- orch-mcp) speaks to orch.
 * When its standard input and output are pipes or sockets (as a client
 * starts it) it hands them to the MCP gateway over the gateway's socket
 * and waits: the client then speaks to the gateway with nothing between.
 * Otherwise (a terminal, a file) it relays them. Without a gateway to
 * reach it answers the first request with a JSON-RPC error saying why,
 * says so on standard error, and exits 1.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actors/gateway.h"
#include "common/rundir.h"
#include "ipc/sock.h"

/* How long to wait for a first request to answer when there is no gateway. */
#define MCP_FIRST_WAIT_MS	10000

static void
usage(FILE *f)
{
	fprintf(f, "usage: orch-mcp [-L instance]\n"
	    "\n"
	    "MCP over stdio for orch: connects standard input and output to\n"
	    "the MCP gateway of a running orch-supervisor (an agent of type\n"
	    "gateway). Add it to Claude Code with\n"
	    "\n"
	    "  claude mcp add orch -- orch-mcp\n"
	    "\n"
	    "Run inside an agent's session it is that agent, with its\n"
	    "permissions; elsewhere the operator.\n"
	    "The instance is -L, else $ORCH_INSTANCE, else \"default\".\n"
	    "Exit status: 0 when the client hung up, 1 when no gateway could\n"
	    "be reached or it went away, 2 usage error.\n");
}

/* Write all of buf; -1 when fd is gone. */
static int
mcp_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* No gateway: the first request gets an error that says why. */
static int
mcp_no_gateway(const char *why)
{
	struct pollfd	 pfd = { STDIN_FILENO, POLLIN, 0 };
	json_error_t	 err;
	json_t		*req, *id = NULL, *reply;
	char		 line[65536], *text;
	size_t		 len = 0;
	ssize_t		 n;

	fprintf(stderr, "orch-mcp: %s\n", why);
	while (len < sizeof line - 1 && poll(&pfd, 1, MCP_FIRST_WAIT_MS) == 1 &&
	    (n = read(STDIN_FILENO, line + len, sizeof line - 1 - len)) > 0) {
		len += (size_t)n;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	if (len == 0)
		return 1;
	line[len] = '\0';
	if ((req = json_loads(line, JSON_DISABLE_EOF_CHECK, &err)) != NULL)
		id = json_object_get(req, "id");
	reply = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", "code", -32000, "message",
	    why);
	if (reply != NULL && (text = json_dumps(reply, JSON_COMPACT)) != NULL) {
		mcp_write_all(STDOUT_FILENO, text, strlen(text));
		mcp_write_all(STDOUT_FILENO, "\n", 1);
		free(text);
	}
	json_decref(reply);
	json_decref(req);
	return 1;
}

/* Can the gateway's event loop wait on fd (a pipe or a socket)? */
static bool
mcp_pollable(int fd)
{
	struct stat	st;

	return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode));
}

/*
 * The hello line, and with it (handing) our stdin and stdout. 0, or -1
 * when the gateway hung up.
 */
static int
mcp_hello(int fd, const char *hello, bool handing)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cm;
	int		 fds[2] = { STDIN_FILENO, STDOUT_FILENO };
	struct msghdr	 msg;
	struct iovec	 iov[2];
	struct cmsghdr	*c;
	ssize_t		 n;

	iov[0].iov_base = (void *)hello;
	iov[0].iov_len = strlen(hello);
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (handing) {
		memset(&cm, 0, sizeof cm);
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof cm.buf;
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof fds);
		memcpy(CMSG_DATA(c), fds, sizeof fds);
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)(iov[0].iov_len + 1) ? 0 : -1;
}

/* Handed over: live while the gateway serves the client; "bye": it hung up. */
static int
mcp_wait(int fd)
{
	char	buf[64];
	size_t	len = 0;
	ssize_t	n;

	while ((n = read(fd, buf + len, sizeof buf - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += (size_t)n;
		if (len >= 4 || len == sizeof buf - 1)
			break;
	}
	buf[len] = '\0';
	if (strncmp(buf, "bye\n", 4) == 0)
		return 0;
	fprintf(stderr, "orch-mcp: the MCP gateway went away\n");
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct pollfd	 pfd[2];
	const char	*instance = NULL, *agent = getenv("ORCH_AGENT_ID");
	char		 path[PATH_MAX], buf[65536], why[PATH_MAX + 128];
	char		*cause = NULL, *hello;
	json_t		*h;
	ssize_t		 n;
	bool		 in_open = true, handing;
	int		 ch, fd;

	while ((ch = getopt_long(argc, argv, "L:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'L':
			instance = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("orch-mcp %s\n", ORCH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	instance = rundir_instance(instance);
	if (rundir_file(instance, GATEWAY_SOCKET, path, sizeof path,
	    &cause) != 0)
		return mcp_no_gateway(cause);
	if ((fd = sock_connect(path, &cause)) == -1) {
		snprintf(why, sizeof why, "no orch MCP gateway runs for "
		    "instance %s (is orch-supervisor running, with an agent of "
		    "type gateway?): %s", instance, cause);
		return mcp_no_gateway(why);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/* Who we were started as, for the gateway to narrow us down to. */
	h = json_pack("{s:{s:s}}", "orch-mcp", "agent", agent != NULL ? agent :
	    "");
	hello = h != NULL ? json_dumps(h, JSON_COMPACT) : NULL;
	json_decref(h);
	handing = mcp_pollable(STDIN_FILENO) && mcp_pollable(STDOUT_FILENO);
	if (hello == NULL || mcp_hello(fd, hello, handing) != 0) {
		free(hello);
		return mcp_no_gateway("the MCP gateway hung up");
	}
	free(hello);
	if (handing)
		return mcp_wait(fd);
	pfd[0].fd = STDIN_FILENO;
	pfd[1].fd = fd;
	for (;;) {
		pfd[0].events = in_open ? POLLIN : 0;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, buf, sizeof buf);
			if (n > 0 && mcp_write_all(fd, buf, (size_t)n) != 0) {
				fprintf(stderr, "orch-mcp: the MCP gateway "
				    "went away\n");
				return 1;
			}
			if (n == 0 || (n == -1 && errno != EINTR)) {
				/* The client is done: let answers drain. */
				in_open = false;
				shutdown(fd, SHUT_WR);
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, buf, sizeof buf);
			if (n > 0) {
				if (mcp_write_all(STDOUT_FILENO, buf,
				    (size_t)n) != 0)
					return 0;	/* the client left */
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (in_open) {
				fprintf(stderr, "orch-mcp: the MCP gateway "
				    "went away\n");
				return 1;
			}
			return 0;
		}
	}
}
