/*
 * What a task is to the people watching, as it goes through the door to
 * its agent (door.h, agent.h): it names the task in the agent's status,
 * the session's banner and the task's log.
 */
#ifndef ORCH_SUPERVISOR_TASK_CTX_H
#define ORCH_SUPERVISOR_TASK_CTX_H

/*
 * Its name (RUN:ID; NULL: exec-N, numbered by agent.c), the command as its
 * user wrote it (NULL: argv joined), its attempt (its log is NAME@ATTEMPT)
 * and the prompt its program reads on its standard input (Claude Code in
 * print mode: a stream-json user message its actor writes).
 */
struct agent_task_ctx {
	const char	*name;
	const char	*display;
	unsigned	 attempt;
	const char	*prompt;	/* NULL: none */
};

#endif
