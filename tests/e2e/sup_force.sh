#!/usr/bin/env bash
# A second Ctrl-C (SIGINT) forces the shutdown at once, without waiting
# for a long grace period; nothing is left behind.
. "$(dirname "$0")/lib.bash"

"$SUP" -L "$INST" -g 60 2>"$T/sup.log" &
SUP_PID=$!
PIDS="$PIDS $SUP_PID"
wait_until 20 "$CTL" -L "$INST" status >/dev/null 2>&1 || fail "supervisor did not start"
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
sids=$(session_ids)
stuck=$(field_of worker-2 4)
kill -STOP "$stuck"	# will not stop by itself within 60 s

kill -INT "$SUP_PID"
wait_until 10 grep -q "shutting down (SIGINT)" "$T/sup.log" || fail "first SIGINT ignored"
kill -0 "$SUP_PID" 2>/dev/null || fail "exited before the stuck actor was dealt with"
kill -INT "$SUP_PID"
wait_exit "$SUP_PID" 10
rc=$?
[ "$rc" = 0 ] || fail "forced shutdown exit $rc"
grep -q "SIGINT again: killing every actor now" "$T/sup.log" || fail "not forced"
wait_until 5 nothing_left $sids || fail "processes left behind"
[ ! -e "$RUNDIR" ] || fail "run dir left behind"
exit 0
