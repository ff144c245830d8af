/*
 * orch-supervisor: runs in the foreground, starts one actor per agent,
 * restarts them as their policy says, serves the control socket, and on
 * SIGINT or SIGTERM stops everything it started before it exits.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/audit.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proctree.h"
#include "common/rundir.h"
#include "common/xmalloc.h"
#include "ipc/perm.h"
#include "ipc/relay.h"
#include "supervisor/agent.h"
#include "supervisor/config.h"
#include "supervisor/control.h"
#include "supervisor/alert.h"
#include "supervisor/door.h"
#include "supervisor/gc.h"
#include "supervisor/hub.h"
#include "supervisor/msg.h"
#include "supervisor/ports.h"
#include "supervisor/spawn.h"
#include "supervisor/supervisor.h"
#include "supervisor/tmuxsrv.h"
#include "supervisor/dash.h"
#include "supervisor/logpipe.h"
#include "supervisor/sched.h"
#include "supervisor/workflow.h"
#include "shm/region.h"
#include "shm/serve.h"

/* After the grace period and SIGKILL, how long to wait for the reaps. */
#define SUPERVISOR_REAP_MS	2000

static void
usage(FILE *f)
{
	fprintf(f,
"usage: orch-supervisor [-L instance] [-c orch.yaml] [-w workflow.yaml]\n"
"                       [-g seconds] [--heartbeat seconds] [--check]\n"
"                       [--mcp-http port] [--backend name] [--dashboard]\n"
"                       [--json] [-v]\n"
"\n"
"Run the agents of orch.yaml (or the embedded default: three shell\n"
"workers on their own PTYs) in the foreground until SIGINT or SIGTERM;\n"
"orch-ctl submit and orch-ctl workflow run give them work.\n"
"\n"
"  -L NAME      instance name (default: $ORCH_INSTANCE or \"default\")\n"
"  -c FILE      configuration file\n"
"  -w FILE      run a workflow, then exit: 0 all tasks succeeded, 1 a task\n"
"               failed (with --check: validate it and exit); on a terminal\n"
"               the last line shows the progress\n"
"  --report F   with -w: write the results as JSON to F (checked first)\n"
"  --timeline F with -w: draw the run's tasks per agent as SVG in F\n"
"  -g SECONDS   grace period for stopping actors (default 5)\n"
"  --heartbeat SECONDS\n"
"               an actor that does not answer a ping this soon is killed\n"
"               and restarted (default 4; 0: off)\n"
"  --check      validate the configuration and exit\n"
"  --mcp-http PORT\n"
"               serve MCP over HTTP on 127.0.0.1:PORT/mcp (0: off, the\n"
"               default; overrides mcp.http); adds a gateway agent \"mcp\"\n"
"               when the configuration has none\n"
"  --backend NAME\n"
"               the session backend (pty, tmux, iterm2) of every agent that\n"
"               names none (default: $ORCH_BACKEND, else pty)\n"
"  --dashboard  on a terminal, show orch-ctl top full screen while the\n"
"               log goes to $XDG_STATE_HOME/orch/NAME/supervisor.log; q\n"
"               leaves it for the log (its held lines shown first), Ctrl-C\n"
"               stops the supervisor as always\n"
"  --json       log lines as JSON objects\n"
"  -v           debug logging\n"
"\n"
"Exit status: 0 after a clean shutdown (or a workflow that succeeded),\n"
"1 on a runtime failure or a failed workflow task, 2 for bad usage or\n"
"configuration, or when the instance is in use; a -w run stopped by a\n"
"signal exits 128 + its number (130 Ctrl-C, 143 SIGTERM).\n");
}

/* Every change with a bus event goes on the bus, from what it is about. */
static void
supervisor_bus_cb(void *arg, const struct hub_change *ch)
{
	struct supervisor	*sup = arg;

	if (sup->serve != NULL && ch->bus != NULL)
		serve_publish(sup->serve, ch->bus, ch->source, NULL, ch->body,
		    ch->len);
}

/*
 * An agent's change in the log: what the live view shows (a task's start
 * or end) only with -v while it is on.
 */
static void
supervisor_log_cb(void *arg, const struct hub_change *ch)
{
	struct supervisor	*sup = arg;

	log_msg(ch->quiet && sched_live(sup->sched) ? LOGL_DEBUG : LOGL_INFO,
	    0, "agent_step", "agent %s: %s -> %s%s%s", ch->name, ch->from,
	    ch->to, ch->why != NULL ? ": " : "", ch->why != NULL ? ch->why :
	    "");
}

/*
 * The region of a supervisor that died is still named in the run
 * directory: remove it (if it is ours and its creator is gone) before
 * making ours, whose name goes in the same file for the next time.
 */
static int
supervisor_region(struct supervisor *sup, char **cause)
{
	const struct region_config	 cfg = REGION_CONFIG_DEFAULT;
	char				 path[PATH_MAX + 16], old[REGION_NAME_MAX];
	char				*why = NULL;
	FILE				*f;

	snprintf(path, sizeof path, "%s/%s", sup->rundir, SUPERVISOR_SHM_FILE);
	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(old, sizeof old, f) != NULL) {
			old[strcspn(old, "\n")] = '\0';
			if (region_remove_stale(old, &why) != 0) {
				log_warnx("%s", why);
				free(why);
			} else
				log_info("removed the shared memory of a "
				    "previous supervisor (%s)", old);
		}
		fclose(f);
	}
	sup->region = xcalloc(1, sizeof *sup->region);
	if (region_create(sup->region, sup->instance, &cfg, cause) != 0)
		return -1;
	if ((f = fopen(path, "we")) == NULL || fprintf(f, "%s\n",
	    sup->region->name) < 0 || fclose(f) != 0)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	if ((sup->serve = serve_new(sup->base, sup->region, cause)) == NULL)
		return -1;
	return 0;
}

static void
supervisor_region_free(struct supervisor *sup)
{
	char	path[PATH_MAX + 16];

	serve_free(sup->serve);
	sup->serve = NULL;
	if (sup->region != NULL) {
		if (sup->region->base != NULL) {
			region_detach(sup->region);
			region_unlink(sup->region->name, NULL);
		}
		free(sup->region);
		sup->region = NULL;
	}
	snprintf(path, sizeof path, "%s/%s", sup->rundir, SUPERVISOR_SHM_FILE);
	unlink(path);
}

/* Once stopping, the last actor gone ends the loop. */
static void
supervisor_check_done(struct supervisor *sup)
{
	struct agent	*a;

	if (!sup->stopping)
		return;
	for (a = sup->agents; a != NULL; a = a->next)
		if (a->pid > 0)
			return;
	event_base_loopexit(sup->base, NULL);
}

static void
supervisor_kill_all(struct supervisor *sup)
{
	struct agent	*a;

	for (a = sup->agents; a != NULL; a = a->next)
		agent_kill(a);
}

static void
supervisor_reap_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct supervisor	*sup = arg;

	(void)fd;
	(void)events;
	log_warnx("actors still not reaped; exiting anyway");
	event_base_loopexit(sup->base, NULL);
}

static void
supervisor_shutdown(struct supervisor *sup, const char *why)
{
	struct timeval	 tv;
	struct agent	*a;

	if (sup->stopping) {
		if (sup->forced)
			return;
		sup->forced = true;
		log_warnx("%s again: killing every actor now", why);
		supervisor_kill_all(sup);
		tv.tv_sec = SUPERVISOR_REAP_MS / 1000;
		tv.tv_usec = 0;
		event_free(sup->stop_ev);
		sup->stop_ev = evtimer_new(sup->base,
		    supervisor_reap_timeout_cb, sup);
		evtimer_add(sup->stop_ev, &tv);
		return;
	}
	sup->stopping = true;
	/* The view goes first: what the stop logs is seen as it happens. */
	dash_close(sup->dash);
	if (sup->sched != NULL)
		sched_interrupt(sup->sched, why);
	log_info("shutting down (%s): stopping actors, grace %u ms", why,
	    sup->grace_ms);
	agent_watch_sweep_now(sup);
	control_stop_listening(sup->control);
	for (a = sup->agents; a != NULL; a = a->next)
		agent_stop(a, sup->grace_ms);
	/* Each agent has its own SIGKILL deadline; then the reaps. */
	tv.tv_sec = (sup->grace_ms + SUPERVISOR_REAP_MS) / 1000;
	tv.tv_usec = (sup->grace_ms + SUPERVISOR_REAP_MS) % 1000 * 1000;
	sup->stop_ev = evtimer_new(sup->base, supervisor_reap_timeout_cb, sup);
	evtimer_add(sup->stop_ev, &tv);
	supervisor_check_done(sup);
}

static void
supervisor_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct supervisor	*sup = arg;

	(void)events;
	if (sup->signal == 0)
		sup->signal = (int)sig;
	supervisor_shutdown(sup, sig == SIGINT ? "SIGINT" : sig == SIGHUP ?
	    "SIGHUP" : "SIGTERM");
}

static void
supervisor_sigchld_cb(evutil_socket_t sig, short events, void *arg)
{
	struct supervisor	*sup = arg;
	struct agent		*a;
	int			 status;
	pid_t			 pid;

	(void)sig;
	(void)events;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if ((a = agent_find_pid(sup, pid)) != NULL)
			agent_exited(a, status);
		else if (!dash_reaped(sup->dash, pid, status))
			tmuxsrv_reaped(sup, pid);
}

/* An agent changed: its actor's exit may be the last one a stop waits for. */
static void
supervisor_done_cb(void *arg, const struct hub_change *ch)
{
	(void)ch;
	supervisor_check_done(arg);
}

static void
supervisor_permit(struct supervisor *sup, struct agent *a,
    const struct door_permit *pr, proto_done_fn done, void *arg)
{
	door_permit(sup->door, a, pr, done, arg);
}

static void
supervisor_unpermit(struct supervisor *sup, struct agent *a, uint64_t hold)
{
	door_unpermit(sup->door, a, hold);
}

static void
supervisor_relay(struct supervisor *sup, const char *agent,
    const struct envelope *env, proto_done_fn done, void *arg)
{
	if (sup->control == NULL) {
		done(arg, IPC_E_SHUTDOWN, "the supervisor is stopping", NULL,
		    0);
		return;
	}
	control_relay(sup->control, agent, env, done, arg);
}

static void
supervisor_gc_say(const char *msg, void *arg)
{
	(void)arg;
	log_info("%s", msg);
}

/* With --check -v: what each agent may do. */
static void
supervisor_print_perms(const struct config *cfg)
{
	char	buf[256];
	size_t	i;

	for (i = 0; i < cfg->nagents; i++) {
		perm_format(perm_effective(&cfg->agents[i]), buf, sizeof buf);
		printf("  %s: tier %u, %s: %s\n", cfg->agents[i].id,
		    cfg->agents[i].tier, cfg->agents[i].perms_given ?
		    "its permissions" : "the tier's permissions", buf);
	}
}

static struct config *
supervisor_config(const char *file, char **cause)
{
	if (file == NULL)
		return config_load_default(cause);
	return config_load_file(file, cause);
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "check", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "report", required_argument, NULL, 'R' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "heartbeat", required_argument, NULL, 'H' },
		{ "mcp-http", required_argument, NULL, 'M' },
		{ "backend", required_argument, NULL, 'B' },
		{ "dashboard", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct supervisor		 sup;
	struct sched_port		 port;
	struct config			*cfg = NULL;
	struct workflow			*wf = NULL;
	const char			*report = NULL, *timeline = NULL;
	struct event			*ev_int = NULL, *ev_term = NULL;
	struct event			*ev_chld = NULL, *ev_hup = NULL;
	struct agent			*a;
	const char			*file = NULL, *opt_instance = NULL;
	const char			*wfile = NULL;
	const char			*backend = getenv("ORCH_BACKEND");
	char				*cause = NULL, *end, path[PATH_MAX];
	bool				 check = false, progress;
	bool				 dashboard = false;
	double				 grace;
	int				 ch, lockfd, report_fd = -1, code;
	int				 timeline_fd = -1;
	long				 mcp_port = -1;
	size_t				 i;

	memset(&sup, 0, sizeof sup);
	sup.actor_err = -1;
	sup.grace_ms = SUPERVISOR_GRACE_DEFAULT_MS;
	sup.stop = supervisor_shutdown;
	sup.relayed = supervisor_relay;
	sup.permit = supervisor_permit;
	sup.unpermit = supervisor_unpermit;
	sup.heartbeat_ms = SUPERVISOR_HEARTBEAT_DEFAULT_MS;
	while ((ch = getopt_long(argc, argv, "L:c:w:g:vh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'L':
			opt_instance = optarg;
			break;
		case 'c':
			file = optarg;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'g':
			grace = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(grace >= 0.05) ||
			    grace > 3600) {
				fprintf(stderr, "orch-supervisor: -g %s: not a "
				    "number of seconds from 0.05 to 3600\n",
				    optarg);
				return 2;
			}
			sup.grace_ms = (unsigned)(grace * 1000);
			break;
		case 'H':
			grace = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(grace == 0 ||
			    grace >= 0.1) || grace > 3600) {
				fprintf(stderr, "orch-supervisor: --heartbeat %s: "
				    "not 0 (off) or a number of seconds from 0.1 "
				    "to 3600\n", optarg);
				return 2;
			}
			sup.heartbeat_ms = (unsigned)(grace * 1000);
			break;
		case 'M':
			mcp_port = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || mcp_port < 0 ||
			    mcp_port > 65535) {
				fprintf(stderr, "orch-supervisor: --mcp-http %s: "
				    "not a port from 0 (off) to 65535\n", optarg);
				return 2;
			}
			break;
		case 'B':
			backend = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'D':
			dashboard = true;
			break;
		case 'j':
			sup.json = true;
			break;
		case 'R':
			report = optarg;
			break;
		case 'T':
			timeline = optarg;
			break;
		case 'v':
			sup.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("orch-supervisor %s\n", ORCH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "orch-supervisor: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if ((report != NULL || timeline != NULL) && wfile == NULL) {
		fprintf(stderr, "orch-supervisor: --%s needs -w\n", report !=
		    NULL ? "report" : "timeline");
		return 2;
	}
	if (backend != NULL && backend[0] != '\0' &&
	    config_default_backend(backend) != 0) {
		fprintf(stderr, "orch-supervisor: --backend %s: not pty, tmux "
		    "or iterm2\n", backend);
		return 2;
	}
	log_init("supervisor", sup.verbose ? LOGL_DEBUG : LOGL_INFO);
	log_set_json(sup.json);
	sup.instance = rundir_instance(opt_instance);

	if ((cfg = supervisor_config(file, &cause)) == NULL)
		goto fail;
	if (wfile != NULL) {
		wf = workflow_load_file(wfile, cfg, file == NULL ?
		    WF_BASE_FALLBACK : WF_BASE_EXTEND, &cause);
		if (wf == NULL)
			goto fail;
	}
	if (config_mcp_apply(wf != NULL ? wf->agents : cfg, wf != NULL ? cfg :
	    NULL, (int)mcp_port, &cause) != 0)
		goto fail;
	if (wf != NULL && check) {
		printf("%s: %zu stage%s, %zu task%s, %zu agent%s: workflow is "
		    "valid\n", wf->file, wf->nstages, wf->nstages == 1 ? "" :
		    "s", wf->ntasks, wf->ntasks == 1 ? "" : "s",
		    wf->agents->nagents, wf->agents->nagents == 1 ? "" : "s");
		if (sup.verbose)
			supervisor_print_perms(wf->agents);
		workflow_free(wf);
		config_free(cfg);
		return 0;
	}
	if (check) {
		printf("%s: %zu agent%s, configuration is valid\n", cfg->file,
		    cfg->nagents, cfg->nagents == 1 ? "" : "s");
		if (sup.verbose)
			supervisor_print_perms(cfg);
		config_free(cfg);
		return 0;
	}
	/* Not after the whole run: a report that cannot be written is known now. */
	if (report != NULL && (report_fd = open(report, O_WRONLY | O_CREAT |
	    O_CLOEXEC | O_NOCTTY, 0644)) == -1) {
		xasprintf(&cause, "--report %s: %s", report, strerror(errno));
		goto fail;
	}
	if (timeline != NULL && (timeline_fd = open(timeline, O_WRONLY |
	    O_CREAT | O_CLOEXEC | O_NOCTTY, 0644)) == -1) {
		xasprintf(&cause, "--timeline %s: %s", timeline,
		    strerror(errno));
		goto fail;
	}
	if (rundir_path(sup.instance, sup.rundir, sizeof sup.rundir,
	    &cause) != 0 || rundir_prepare(sup.rundir, &cause) != 0 ||
	    rundir_lock(sup.rundir, &lockfd, &cause) != 0)
		goto fail;
	if (spawn_actor_path(sup.actor_path, sizeof sup.actor_path,
	    &cause) != 0)
		goto fail;
	/* We hold the lock: whatever sockets are here, their owner is dead. */
	rundir_clean(sup.rundir);
	if (audit_open(sup.instance, "supervisor", &cause) != 0)
		goto fail;
	/* And what dead instances of ours left elsewhere goes too. */
	gc_stale(sup.instance, supervisor_gc_say, NULL);

	signal(SIGPIPE, SIG_IGN);
	/* What a dead actor leaves is ours (agent.c kills it), not init's. */
	if (proctree_subreaper() != 0) {
		if (errno == ENOSYS)
			log_warnx("this system has no child subreaper: what a "
			    "task leaves in a session of its own (setsid, a "
			    "double fork) may outlive the task");
		else
			log_warn("PR_SET_CHILD_SUBREAPER");
	}
	sup.started_ms = clock_wall_ms();
	if ((sup.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	ev_int = evsignal_new(sup.base, SIGINT, supervisor_signal_cb, &sup);
	ev_term = evsignal_new(sup.base, SIGTERM, supervisor_signal_cb, &sup);
	ev_chld = evsignal_new(sup.base, SIGCHLD, supervisor_sigchld_cb, &sup);
	/* The terminal went away: stop as cleanly as for Ctrl-C. */
	ev_hup = evsignal_new(sup.base, SIGHUP, supervisor_signal_cb, &sup);
	evsignal_add(ev_hup, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_chld, NULL);

	sup.hub = hub_new();
	hub_subscribe(sup.hub, HUB_ALL, supervisor_bus_cb, &sup);
	hub_subscribe(sup.hub, HUB_AGENT, supervisor_log_cb, &sup);
	hub_subscribe(sup.hub, HUB_AGENT, supervisor_done_cb, &sup);
	sup.door = door_new(&sup);
	sup.alert = alert_new(&sup);
	if (supervisor_region(&sup, &cause) != 0) {
		/*
		 * Agents still run without it (a container without /dev/shm,
		 * say): only the event bus and the memory bank are missing.
		 */
		log_warnx("no shared memory (%s): the event bus and the memory "
		    "bank are off", cause);
		free(cause);
		cause = NULL;
		supervisor_region_free(&sup);
	}
	if (rundir_file(sup.instance, RUNDIR_CONTROL, path, sizeof path,
	    &cause) != 0 ||
	    (sup.control = control_new(&sup, path, &cause)) == NULL) {
		supervisor_region_free(&sup);
		door_free(sup.door);
		hub_free(sup.hub);
		alert_free(sup.alert);
		rundir_remove(sup.rundir);
		goto fail;
	}
	log_info("instance %s: %zu agent%s from %s; control socket %s",
	    sup.instance, cfg->nagents, cfg->nagents == 1 ? "" : "s",
	    cfg->file, path);
	/*
	 * The live view on a terminal: actors' log lines come through us, to
	 * be written above it.
	 */
	progress = wf != NULL && isatty(STDOUT_FILENO) && !sup.json;
	if (progress || (dashboard && isatty(STDOUT_FILENO)))
		sup.logpipe = logpipe_new(sup.base, &sup.actor_err);
	{
		/* A workflow brings its own agents (and -c's). */
		const struct config	*run = wf != NULL ? wf->agents : cfg;

		for (i = 0; i < run->nagents; i++)
			agent_add(&sup, &run->agents[i]);
	}
	config_free(cfg);
	cfg = NULL;
	for (a = sup.agents; a != NULL; a = a->next)
		agent_start(a);
	ports_sched(&sup, &port);
	sup.sched = sched_new(&sup, &port, report, report_fd);
	report_fd = -1;
	if (timeline_fd != -1)
		sched_set_timeline(sup.sched, timeline, timeline_fd);
	timeline_fd = -1;
	if (wf != NULL) {
		sched_add(sup.sched, wf, SCHED_MAIN);
		wf = NULL;
	}
	if (dashboard && dash_start(&sup, progress, &cause) == NULL) {
		log_warnx("%s: the log as usual", cause);
		free(cause);
		cause = NULL;
	}
	if (progress && sup.dash == NULL)
		sched_progress(sup.sched, true);

	event_base_dispatch(sup.base);

	/* The terminal is the log's again before the last lines. */
	dash_free(sup.dash);
	sup.dash = NULL;
	/* What the actors wrote before they exited, before the table too. */
	logpipe_free(sup.logpipe);
	sup.logpipe = NULL;
	sup.actor_err = -1;

	/* The -w run's table comes last, where it does not scroll away. */
	if ((code = sched_finish(sup.sched, sup.signal)) >= 0)
		sup.exit_code = code;
	/* Held commands are answered while their tasks are still there. */
	door_free(sup.door);
	sup.door = NULL;
	sched_free(sup.sched);
	sup.sched = NULL;
	ports_free(&port);
	control_free(sup.control);
	while (sup.agents != NULL)
		agent_free(sup.agents);
	agent_watch_sweep_now(&sup);
	if (sup.sweep_ev != NULL)
		event_free(sup.sweep_ev);
	tmuxsrv_stop(&sup);
	supervisor_region_free(&sup);
	relay_free(sup.relay);
	hub_free(sup.hub);
	/* After the hub: it is one of its observers. */
	alert_free(sup.alert);
	event_free(sup.stop_ev);
	event_free(ev_int);
	event_free(ev_term);
	event_free(ev_chld);
	event_free(ev_hup);
	event_base_free(sup.base);
	rundir_remove(sup.rundir);
	audit_close();
	close(lockfd);
	/* After a -w run the summary table is the last thing shown. */
	log_msg(code >= 0 ? LOGL_DEBUG : LOGL_INFO, 0, __func__, "stopped");
	return sup.exit_code;
fail:
	log_print_error("orch-supervisor", cause);
	free(cause);
	if (report_fd != -1)
		close(report_fd);
	if (timeline_fd != -1)
		close(timeline_fd);
	config_free(cfg);
	workflow_free(wf);
	if (ev_int != NULL) {
		event_free(ev_int);
		event_free(ev_term);
		event_free(ev_chld);
		event_free(ev_hup);
	}
	if (sup.base != NULL)
		event_base_free(sup.base);
	return 2;
}
