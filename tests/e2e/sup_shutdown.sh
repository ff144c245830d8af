#!/usr/bin/env bash
# SIGTERM with tasks running (one of them ignoring SIGTERM) and an actor
# that does not answer (stopped): everything is gone within the grace
# period plus the kill, the client waiting on a task hears about it, and
# the run directory is removed.
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
sids=$(session_ids)
"$CTL" -L "$INST" exec worker-1 -- sleep 987 >"$T/exec1.out" 2>&1 &
e1=$!
"$CTL" -L "$INST" exec worker-2 -- sh -c "trap '' TERM; sleep 986; :" >"$T/exec2.out" 2>&1 &
e2=$!
wait_status 10 worker-1 working
wait_status 10 worker-2 working
wait_until 5 pgrep -f "^sleep 987$" >/dev/null || fail "task 1 not running"
wait_until 5 pgrep -f "^sleep 986$" >/dev/null || fail "task 2 not running"
# worker-3's actor stops answering entirely.
kill -STOP "$(field_of worker-3 4)"

kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 15
rc=$?
[ "$rc" = 0 ] || fail "supervisor exited $rc"
grep -q "agent worker-3: actor pid [0-9]* did not stop in time: killing it" "$T/sup.log" ||
    fail "stuck actor was not killed after the grace period"
wait_until 5 nothing_left $sids || fail "processes left: $(ps -s "${sids// /,}" -o pid,args)"
# A SIGKILL is on its way to each (PDEATHSIG at the latest): moments.
wait_until 5 sh -c '! pgrep -f "^sleep 98[67]$" >/dev/null' ||
    fail "a task survived: $(pgrep -af "^sleep 98[67]$")"
[ ! -e "$RUNDIR" ] || fail "run dir left behind"
wait_exit $e1 5; rc1=$?
wait_exit $e2 5; rc2=$?
[ "$rc1" != 0 ] && [ "$rc2" != 0 ] || fail "exec clients did not see a failure ($rc1, $rc2)"
grep -q "^orch-ctl: " "$T/exec1.out" || fail "exec 1: $(cat "$T/exec1.out")"
grep -q "^orch-ctl: " "$T/exec2.out" || fail "exec 2: $(cat "$T/exec2.out")"
exit 0
