#!/usr/bin/env bash
# SIGKILL of the supervisor: its actors and every process in their
# sessions (a running task included) go away on their own, and the next
# supervisor of the instance starts cleanly over the stale run directory.
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
sids=$(session_ids)
old_shm=/dev/shm$(cat "$RUNDIR/shm.name")
"$CTL" -L "$INST" exec worker-1 -- sleep 985 >/dev/null 2>&1 &
wait_status 10 worker-1 working
wait_until 5 pgrep -f "^sleep 985$" >/dev/null || fail "task not running"
kill -9 "$SUP_PID"
wait "$SUP_PID" 2>/dev/null
wait_until 10 nothing_left $sids || fail "orphans: $(pgrep -af "orch-actor -L $INST ")"
wait_until 5 sh -c '! pgrep -f "^sleep 985$" >/dev/null' || fail "the task was orphaned"
[ -S "$RUNDIR/control.sock" ] || fail "expected a stale control socket to clean"

[ -f "$old_shm" ] || fail "expected the killed supervisor's shared memory"
start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
grep -q "another supervisor" "$T/sup.log" && fail "stale lock refused"
# The next supervisor removed the dead one's shared memory.
[ ! -e "$old_shm" ] || fail "stale shared memory kept: $old_shm"
grep -q "removed the shared memory of a previous supervisor" "$T/sup.log" ||
    fail "stale shm not reported"
exit 0
