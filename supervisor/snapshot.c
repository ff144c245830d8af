#include "supervisor/snapshot.h"

#include <unistd.h>

#include "common/clock.h"
#include "common/tmux.h"
#include "ipc/body.h"
#include "supervisor/agent.h"
#include "supervisor/sched.h"
#include "supervisor/supervisor.h"

static size_t
snapshot_count(const struct supervisor *sup)
{
	const struct agent	*a;
	size_t			 n = 0;

	for (a = sup->agents; a != NULL; a = a->next)
		n++;
	return n;
}

/*
 * Where each agent's terminal is: its backend, the session's process
 * (the pty or tmux pane's leader), and for tmux the server and session a
 * person attaches to with tmux -L SERVER attach -t SESSION.
 */
static void
snapshot_pack_sessions(const struct supervisor *sup, msgpack_packer *pk)
{
	const struct agent	*a;
	char			 server[128], session[128];

	tmux_server_name(sup->instance, server, sizeof server);
	msgpack_pack_array(pk, snapshot_count(sup));
	for (a = sup->agents; a != NULL; a = a->next) {
		bool	tmux = a->ac.backend == SESSION_TMUX;

		tmux_session_name(a->ac.id, session, sizeof session);
		msgpack_pack_map(pk, 5);
		body_pack_kv_str(pk, "agent", a->ac.id);
		body_pack_kv_str(pk, "backend",
		    session_backend_name(a->ac.backend));
		body_pack_kv_i64(pk, "pid", a->session);
		body_pack_kv_str(pk, "server", tmux ? server : "");
		body_pack_kv_str(pk, "session", tmux ? session : "");
	}
}

void
snapshot_pack(struct supervisor *sup, msgpack_packer *pk,
    const struct serve_caller *who)
{
	struct agent	*a;

	msgpack_pack_map(pk, 9);
	body_pack_kv_str(pk, "instance", sup->instance);
	body_pack_kv_i64(pk, "pid", getpid());
	body_pack_kv_u64(pk, "started", sup->started_ms);
	body_pack_kv_u64(pk, "now", clock_wall_ms());
	body_pack_str(pk, "agents");
	msgpack_pack_array(pk, snapshot_count(sup));
	for (a = sup->agents; a != NULL; a = a->next)
		agent_pack_row(pk, a, false);
	body_pack_str(pk, "sessions");
	snapshot_pack_sessions(sup, pk);
	body_pack_str(pk, "tasks");
	sched_pack_recent(sup->sched, pk, SNAPSHOT_FINISHED_MAX);
	sched_pack_metrics(sup->sched, pk);
	body_pack_str(pk, "events");
	if (sup->serve != NULL)
		serve_pack_recent(sup->serve, pk, who, SNAPSHOT_EVENTS_MAX);
	else
		msgpack_pack_array(pk, 0);
}
