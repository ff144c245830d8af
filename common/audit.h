/*
 * The audit log: every decision about what a caller may do (allowed,
 * denied, held for a person, approved, denied by a person), one JSON
 * object a line in the instance's state directory (audit.log), written
 * before the action runs, by whichever orch process decided (the
 * supervisor, an actor).
 *
 * Each line leaves in one write(2) on an O_APPEND descriptor, so lines of
 * several processes never mix and a process that crashes right after has
 * still written it (the kernel holds it). Refusals and a person's
 * decisions are also fdatasync'd: an operating system crash can lose the
 * last "allowed" lines, never those.
 */
#ifndef ORCH_COMMON_AUDIT_H
#define ORCH_COMMON_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where instance's log is (the directory made with create). 0 or -1. */
int	audit_path(const char *instance, bool create, char *buf, size_t size,
	    char **cause);
/* Open it for this process (by: "supervisor", "actor a1"). 0 or -1. */
int	audit_open(const char *instance, const char *by, char **cause);
void	audit_close(void);

/*
 * One decision: who ("operator", "agent a1"), what (an operation, a
 * command), about what (an agent, a task, "" for none), decision
 * ("allowed", "denied", "held", "approved", "refused"), and the rule
 * that decided. Nothing happens before audit_open.
 */
void	audit_write(const char *who, const char *what, const char *about,
	    const char *decision, const char *rule);

/*
 * What one connection was already told. A decision is the same for the
 * life of a connection (who is calling and what it may do do not change),
 * so a client's stream of one request (ten thousand messages to one
 * agent) is one line, not ten thousand: with a memo, audit_write_once
 * writes a decision the first time it is made on that connection.
 */
#define AUDIT_MEMO_SIZE	16

struct audit_memo {
	uint64_t	seen[AUDIT_MEMO_SIZE];
	unsigned	next;
};

void	audit_write_once(struct audit_memo *m, const char *who,
	    const char *what, const char *about, const char *decision,
	    const char *rule);

#endif
