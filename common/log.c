#include "common/log.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/utf8.h"

static char		log_procname[64] = "orch";
static enum log_level	log_level = LOGL_INFO;
static int		log_json;

static const char *const log_level_tags[] = {
	[LOGL_ERROR] = "error: ",
	[LOGL_WARN] = "warning: ",
	[LOGL_INFO] = "",
	[LOGL_DEBUG] = "debug: ",
};

void
log_init(const char *name, enum log_level level)
{
	snprintf(log_procname, sizeof log_procname, "%s", name);
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_set_json(int on)
{
	log_json = on;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

const char *
log_name(void)
{
	return log_procname;
}

void
log_print_error(const char *prefix, const char *text)
{
	const char	*nl;

	do {
		nl = strchr(text, '\n');
		if (log_json)
			log_msg(LOGL_ERROR, 0, NULL, "%.*s", nl != NULL ?
			    (int)(nl - text) : (int)strlen(text), text);
		else
			fprintf(stderr, "%s: %.*s\n", prefix, nl != NULL ?
			    (int)(nl - text) : (int)strlen(text), text);
		text = nl + 1;
	} while (nl != NULL);
}

size_t
log_escape(char *dst, size_t size, const char *src, size_t len)
{
	size_t	full = 0, w = 0, i;
	int	stopped = 0;
	char	tmp[5];

	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)src[i];
		const char	*e = tmp;
		size_t		 n, u;
		uint32_t	 cp;

		/*
		 * UTF-8 passes, but not the C1 controls (U+0080-U+009F: CSI and
		 * OSC to a terminal); bytes that are not UTF-8 are shown as hex.
		 */
		if (c >= 0x80) {
			u = utf8_seq(src + i, len - i, &cp);
			if (u > 0 && cp > 0x9f) {
				if (!stopped && w + u < size) {
					memcpy(dst + w, src + i, u);
					w += u;
				} else
					stopped = 1;
				full += u;
				i += u - 1;
				continue;
			}
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
		} else if (c == '\n')
			e = "\\n";
		else if (c == '\t')
			e = "\\t";
		else if (c == '\\')
			e = "\\\\";
		else if (c < 0x20 || c == 0x7f)
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
		else {
			tmp[0] = (char)c;
			tmp[1] = '\0';
		}
		n = strlen(e);
		/* Never cut an escape in half: stop at the first that does not fit. */
		if (!stopped && w + n < size) {
			memcpy(dst + w, e, n);
			w += n;
		} else
			stopped = 1;
		full += n;
	}
	if (size != 0)
		dst[w] = '\0';
	return full;
}

static int	 footer_fd = -1;
static char	 footer[512];

static void
footer_draw(const char *text)
{
	char	buf[sizeof footer + 8];
	int	n;

	n = snprintf(buf, sizeof buf, "\r\033[K%s", text);
	(void)!write(footer_fd, buf, (size_t)n);
}

/* Is fd the terminal stderr is? Then one write can carry both. */
static int
footer_on_stderr(int fd)
{
	struct stat	a, b;

	return fstat(fd, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
	    S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev &&
	    S_ISCHR(b.st_mode);
}

static int	 footer_shared;

void
log_footer(int fd, const char *text)
{
	if (text == NULL) {
		if (footer_fd != -1)
			footer_draw("");
		footer_fd = -1;
		return;
	}
	if (fd != footer_fd)
		footer_shared = footer_on_stderr(fd);
	footer_fd = fd;
	snprintf(footer, sizeof footer, "%s", text);
	footer_draw(footer);
}

/* One line out, below any footer's place and with the footer after it. */
static void
log_write_line(const char *line, size_t len)
{
	char	buf[4400 + sizeof footer + 8];
	size_t	flen;

	if (footer_fd == -1) {
		(void)!write(STDERR_FILENO, line, len);
		return;
	}
	flen = strlen(footer);
	if (footer_shared && 4 + len + flen <= sizeof buf) {
		/* Clear, the line, the footer again: one write, no flicker. */
		memcpy(buf, "\r\033[K", 4);
		memcpy(buf + 4, line, len);
		memcpy(buf + 4 + len, footer, flen);
		(void)!write(STDERR_FILENO, buf, 4 + len + flen);
		return;
	}
	footer_draw("");
	(void)!write(STDERR_FILENO, line, len);
	footer_draw(footer);
}

void
log_relay(const char *line, size_t len)
{
	char	buf[4400];

	if (len > sizeof buf - 1)
		len = sizeof buf - 1;
	memcpy(buf, line, len);
	buf[len] = '\n';
	log_write_line(buf, len + 1);
}

/* One JSON object per line; jansson escapes what needs escaping. */
static void
log_emit_json(enum log_level level, const char *stamp, const char *msg,
    const char *err)
{
	static const char *const names[] = { "error", "warning", "info",
	    "debug" };

	const size_t	 flags = JSON_COMPACT | JSON_ENSURE_ASCII;
	char		 ascii[2048], *line;
	size_t		 i, need;
	json_t		*o;

	o = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "proc",
	    log_procname, "level", names[level], "msg", msg);
	if (o == NULL) {
		/* Not UTF-8 (bytes from a terminal): keep the ASCII. */
		for (i = 0; msg[i] != '\0' && i < sizeof ascii - 1; i++)
			ascii[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
		ascii[i] = '\0';
		o = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "proc",
		    log_procname, "level", names[level], "msg", ascii);
		if (o == NULL)
			return;
	}
	if (err != NULL)
		json_object_set_new(o, "error", json_string(err));
	/* Whole line, newline included, in one write: see log_vmsg. */
	need = json_dumpb(o, NULL, 0, flags);
	if (need != 0 && (line = malloc(need + 1)) != NULL) {
		json_dumpb(o, line, need, flags);
		line[need] = '\n';
		fflush(stderr);
		log_write_line(line, need + 1);
		free(line);
	}
	json_decref(o);
}

void
log_vmsg(enum log_level level, int with_errno, const char *func,
    const char *fmt, va_list ap)
{
	char		 msg[2048], esc[4096], stamp[32], line[4400];
	struct timespec	 ts;
	struct tm	 tm;
	int		 saved = errno, n;

	if (level > log_level)
		return;
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		return;
	if (log_json) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S",
		    &tm);
		snprintf(stamp + n, sizeof stamp - (size_t)n, ".%03ld",
		    ts.tv_nsec / 1000000);
		log_emit_json(level, stamp, msg, with_errno ? strerror(saved) :
		    NULL);
		errno = saved;
		return;
	}
	log_escape(esc, sizeof esc, msg,
	    (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = (int)strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof stamp - (size_t)n, ".%03ld",
	    ts.tv_nsec / 1000000);

	/*
	 * One write per line: the supervisor and its actors share stderr, and
	 * a single write of a short line is never interleaved with another.
	 */
	n = snprintf(line, sizeof line, "%s %s: %s%s%s%s%s%s\n", stamp,
	    log_procname, log_level_tags[level],
	    level == LOGL_DEBUG && func != NULL ? func : "",
	    level == LOGL_DEBUG && func != NULL ? ": " : "", esc,
	    with_errno ? ": " : "", with_errno ? strerror(saved) : "");
	if (n > 0) {
		if ((size_t)n >= sizeof line) {
			n = sizeof line - 1;
			line[n - 1] = '\n';
		}
		fflush(stderr);
		log_write_line(line, (size_t)n);
	}
	errno = saved;
}

void
log_msg(enum log_level level, int with_errno, const char *func,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, with_errno, func, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOGL_ERROR, 1, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOGL_ERROR, 0, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
