#!/usr/bin/env bash
# The default config starts three idle workers on PTYs, each actor named
# in ps; SIGTERM stops everything, leaving no process, socket or directory.
. "$(dirname "$0")/lib.bash"

start_sup --json
for a in worker-1 worker-2 worker-3; do
	wait_status 10 $a idle
	pgrep -f "orch-actor -L $INST .*$a\$" >/dev/null || fail "no actor process named $a"
	[ -S "$RUNDIR/actors/$a.sock" ] || fail "no socket for $a"
done
[ "$(stat -c %a "$RUNDIR")" = 700 ] || fail "run dir mode is $(stat -c %a "$RUNDIR")"
[ "$(stat -c %a "$RUNDIR/control.sock")" = 600 ] || fail "control socket not 0600"
sids=$(session_ids)
[ "$(echo $sids | wc -w)" = 3 ] || fail "expected 3 sessions, got: $sids"
shm=/dev/shm$(cat "$RUNDIR/shm.name")
[ -f "$shm" ] || fail "no shared memory"

# --json: every supervisor line is one JSON object.
grep -q '"msg":"agent worker-1: initializing -> idle' "$T/sup.log" || fail "no status change logged"
bad=$(grep -v '^{"time":"[^"]*","proc":"[^"]*","level":"[a-z]*","msg":".*"}$' "$T/sup.log" | head -3)
[ -z "$bad" ] || fail "non-JSON log lines: $bad"

kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 15
rc=$?
[ "$rc" = 0 ] || fail "supervisor exited $rc"
wait_until 5 nothing_left $sids || fail "processes left behind"
[ ! -e "$RUNDIR" ] || fail "run dir left: $(ls -R "$RUNDIR")"
[ ! -e "$shm" ] || fail "shared memory left: $shm"
grep -q '"msg":"stopped"' "$T/sup.log" || fail "no final log line"

# SIGHUP (the terminal went away) is a clean shutdown too.
start_sup
wait_status 10 worker-1 idle
sids=$(session_ids)
kill -HUP "$SUP_PID"
wait_exit "$SUP_PID" 15
rc=$?
[ "$rc" = 0 ] || fail "SIGHUP: supervisor exited $rc"
grep -q "shutting down (SIGHUP)" "$T/sup.log" || fail "SIGHUP not handled"
wait_until 5 nothing_left $sids || fail "processes left behind after SIGHUP"
[ ! -e "$RUNDIR" ] || fail "run dir left after SIGHUP"
exit 0
