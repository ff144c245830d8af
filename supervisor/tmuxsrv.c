#include "supervisor/tmuxsrv.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/tmux.h"
#include "common/xmalloc.h"
#include "supervisor/supervisor.h"

/*
 * The server's options, the same for every session on it: it stays when
 * it has none (sessions come and go with agents); a pane whose program
 * exited stays, so that its exit status can be read; a client whose
 * session is gone detaches instead of moving to another agent's. A
 * window keeps its agent's name: renames notify every control client,
 * which tmux before 3.7 may not survive (tmux_lock), and no program in
 * a pane gets to cause them.
 */
static char *const tmuxsrv_start_argv[] = {
	(char *)"start-server", (char *)";",
	(char *)"set-option", (char *)"-g", (char *)"exit-empty", (char *)"off",
	(char *)";",
	(char *)"set-option", (char *)"-g", (char *)"remain-on-exit",
	(char *)"on", (char *)";",
	(char *)"set-option", (char *)"-g", (char *)"detach-on-destroy",
	(char *)"on", (char *)";",
	(char *)"set-option", (char *)"-g", (char *)"default-terminal",
	(char *)"tmux-256color", (char *)";",
	(char *)"set-option", (char *)"-g", (char *)"automatic-rename",
	(char *)"off", (char *)";",
	(char *)"set-option", (char *)"-g", (char *)"allow-rename",
	(char *)"off",
	NULL
};

static pid_t
tmuxsrv_pid(struct supervisor *sup)
{
	static char *const	 ask[] = { (char *)"display-message", (char *)"-p",
				    (char *)"#{pid}", NULL };
	char			 out[64], *end;
	long			 pid;

	if (tmux_run(sup->instance, ask, out, sizeof out) != 0)
		return 0;
	pid = strtol(out, &end, 10);
	return pid > 0 && *end == '\0' ? (pid_t)pid : 0;
}

pid_t
tmuxsrv_ensure(struct supervisor *sup, char **cause)
{
	char	out[512];
	pid_t	pid;

	/*
	 * Ours, and answering: a server killed from outside is a zombie
	 * until its SIGCHLD is handled, and kill(pid, 0) still finds it.
	 */
	if (sup->tmux_pid > 0 && proc_alive(sup->tmux_pid, 0) &&
	    tmuxsrv_pid(sup) == sup->tmux_pid)
		return sup->tmux_pid;
	sup->tmux_pid = 0;
	if ((pid = tmuxsrv_pid(sup)) > 0) {
		log_warnx("tmux server orch-%s (pid %ld) is not this "
		    "supervisor's (an earlier run's): ending it",
		    sup->instance, (long)pid);
		tmux_kill_server(sup->instance);
	}
	if (tmux_run(sup->instance, tmuxsrv_start_argv, out, sizeof out) != 0) {
		set_cause(cause, "cannot start tmux server orch-%s: %s",
		    sup->instance, out[0] != '\0' ? out : "tmux failed");
		return -1;
	}
	if ((pid = tmuxsrv_pid(sup)) <= 0) {
		set_cause(cause, "tmux server orch-%s does not answer",
		    sup->instance);
		return -1;
	}
	sup->tmux_pid = pid;
	log_info("tmux server orch-%s started (pid %ld)", sup->instance,
	    (long)pid);
	return pid;
}

void
tmuxsrv_reaped(struct supervisor *sup, pid_t pid)
{
	if (pid != sup->tmux_pid)
		return;
	log_info("tmux server orch-%s (pid %ld) ended", sup->instance,
	    (long)pid);
	sup->tmux_pid = 0;
}

void
tmuxsrv_stop(struct supervisor *sup)
{
	char	path[PATH_MAX];

	if (sup->tmux_pid <= 0)
		return;
	tmux_kill_server(sup->instance);
	if (proc_alive(sup->tmux_pid, 0))
		kill(sup->tmux_pid, SIGKILL);
	/* tmux leaves its socket: nothing of the instance is to stay. */
	tmux_socket_path(sup->instance, path, sizeof path);
	unlink(path);
	sup->tmux_pid = 0;
}
