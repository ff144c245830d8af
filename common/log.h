/*
 * Logging to stderr for every orch process.
 *
 * Each process names itself once (log_init("supervisor", ...)); every line
 * then reads "HH:MM:SS.mmm name: message". Control characters in messages
 * are escaped, because text that came from a terminal or a peer must never
 * drive the operator's terminal.
 *
 * Library modules (ipc/, shm/, config) never log; they return -1 and fill a
 * "char **cause" that the caller shows and frees.
 */
#ifndef ORCH_COMMON_LOG_H
#define ORCH_COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOGL_ERROR = 0,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

void	log_init(const char *name, enum log_level level);
void	log_set_level(enum log_level level);
/* Non-zero: each line is a JSON object {time, proc, level, msg[, error]}. */
void	log_set_json(int on);
enum log_level log_get_level(void);
const char *log_name(void);

void	log_msg(enum log_level level, int with_errno, const char *func,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	log_vmsg(enum log_level level, int with_errno, const char *func,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#define log_warn(...)	log_msg(LOGL_WARN, 1, __func__, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOGL_WARN, 0, __func__, __VA_ARGS__)
#define log_info(...)	log_msg(LOGL_INFO, 0, __func__, __VA_ARGS__)
#define log_debug(...)	log_msg(LOGL_DEBUG, 0, __func__, __VA_ARGS__)

/* Start-up failures and broken invariants only; never for peer input. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * An error for a person, on stderr: each line of text (a cause can hold
 * several, one per error) after "prefix: "; with log_set_json, each an
 * error-level JSON line instead.
 */
void	log_print_error(const char *prefix, const char *text);

/*
 * Copy src (len bytes) to dst (size bytes, NUL-terminated) escaping bytes
 * below 0x20, 0x7f and backslash as \n, \t, \\ or \xHH, and the bytes of
 * C1 controls and of anything that is not UTF-8 as \xHH: what comes out is
 * safe to print on a terminal. Returns the length the full escape needs,
 * like snprintf.
 */
size_t	log_escape(char *dst, size_t size, const char *src, size_t len);

/*
 * A status line kept at the bottom of a terminal (fd, a TTY): log lines
 * are written above it, and it is drawn again after each. text NULL
 * takes it away.
 */
void	log_footer(int fd, const char *text);
/* A line another process logged (len bytes, no newline), passed on. */
void	log_relay(const char *line, size_t len);

#endif
