/*
 * Process hygiene shared by everything in orch that forks: the supervisor
 * starting actors, actors starting their session shell and their tasks.
 *
 * proc_spawn blocks every signal around vfork, so the child cannot run a
 * parent's handler before it resets them; the child then restores default
 * dispositions and an empty mask. Exec failures travel back through a
 * close-on-exec pipe: EOF means the exec worked, bytes say why it did not.
 */
#ifndef ORCH_COMMON_PROC_H
#define ORCH_COMMON_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Start a process the cheap way: vfork, so a parent with a large address
 * space copies no page tables, and the parent sleeps until the child has
 * exec'd or died. child(report, arg) runs in the child with signals reset;
 * it must not return, allocate or change anything the parent owns: only
 * system calls, then exec or proc_exec_fail. Returns the pid once the exec
 * worked; -1 when no child could be made (pipe, vfork), and -2 when the
 * child failed (its exec, or what it did before), both with *cause saying
 * why; after -2, errno is the child's.
 */
pid_t	proc_spawn(void (*child)(int report, void *arg), void *arg,
	    char **cause);

/*
 * execvp with envp, the command looked up on envp's PATH (else
 * "/bin:/usr/bin"); safe in a proc_spawn child. Returns only on failure.
 */
int	proc_execvpe(const char *file, char *const argv[], char *const envp[]);

/* Child only: send "what: strerror(errno)" to the parent and _exit(127). */
void	proc_exec_fail(int report, const char *what)
	    __attribute__((noreturn));

/*
 * Run argv (argv[0] looked up on envp's PATH; envp NULL: ours) with stdin
 * from /dev/null and wait for it: what it printed on stdout and stderr in
 * out (what fits, trailing newlines and blanks cut), its wait status in
 * *status. timeout_ms (0: none) bounds the wait: then it is killed. 0, or
 * -1 when it could not run or took too long (out says why).
 */
int	proc_run(char *const argv[], char *const envp[], unsigned timeout_ms,
	    char *out, size_t size, int *status);
/*
 * Child only, once 0-2 are what the program gets: the report pipe made
 * descriptor 3 (close-on-exec), every other one closed. Returns 3.
 */
int	proc_child_fds(int report);
/* Close every descriptor from lowfd up. */
void	proc_close_from(int lowfd);

/*
 * Signal every process whose session id is sid: the leader's group at
 * once, the rest as found in /proc.
 */
void	proc_kill_session(pid_t sid, int sig);

/*
 * Read /proc/PID/stat (pid as decimal text) into buf: a pointer to its
 * state letter, just past the command name (which may hold anything), and
 * the fields after it; NULL when it cannot be read.
 */
/*
 * Every process as "pid ppid state" lines, from ps (a system without
 * /proc); to free. NULL if ps failed.
 */
char	*proc_ps(void);
const char *proc_stat_text(const char *pid, char *buf, size_t size);

/* Any process still in session sid? */
int	proc_session_alive(pid_t sid);

/*
 * When pid started (clock ticks since boot), 0 if unknown. With the pid it
 * names a process for good: a recycled pid has another start time.
 */
uint64_t proc_start_time(pid_t pid);

/* Is (pid, start) still running? start 0 checks the pid alone. */
int	proc_alive(pid_t pid, uint64_t start);

/* "exited 0", "exited 3", "killed by signal 9 (Killed)". */
const char *proc_exit_reason(int status, char *buf, size_t size);

#endif
