#!/usr/bin/env bash
# Nothing a task started outlives it, whatever it did to get away: a
# double fork into a new session, a daemon in its own session that ignores
# SIGTERM, 500 children. Each way a task can end is tried: its timeout,
# orch-ctl cancel, a kill -9 of its actor, a supervisor shutdown, and
# ending by itself with all that left behind.
. "$(dirname "$0")/lib.bash"
portable && skip "the portable build has no child subreaper: what leaves the task's session escapes there"

# escape.sh M READY: leave sleeps M, M+1 (a loop) and 500 x M+2 behind.
cat >"$T/escape.sh" <<'SH'
M=$1
trap '' TERM
sh -c "(setsid sh -c 'trap \"\" TERM; exec sleep $M' &)"
setsid sh -c "trap '' TERM; while :; do sleep $((M + 1)); done" &
i=0
while [ $i -lt 500 ]; do sleep $((M + 2)) & i=$((i + 1)); done
# All 500 are running before the test goes on.
while [ "$(pgrep -cxf "sleep $((M + 2))")" -lt 500 ]; do sleep 0.05; done
while ! pgrep -xf "sleep $M" >/dev/null; do sleep 0.05; done
echo ready >"$2"
[ "$3" = stay ] && exec sleep 300
exit 0
SH

# left M: how many of the task's processes still live.
left() {
	local m=$1
	echo $(($(pgrep -cxf "sleep $m") + $(pgrep -cxf "sleep $((m + 1))") + $(pgrep -cxf "sleep $((m + 2))")))
}
none_left() { [ "$(left "$1")" = 0 ]; }
# gone M WHAT: everything of marker M dies within a deadline.
gone() {
	wait_until 20 none_left "$1" || fail "$2: $(left "$1") processes outlived the task"
}
ready() { wait_until 60 test -s "$T/ready.$1" || fail "$2: the task did not start its processes"; }

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
# Sleep lengths no other run uses: they name this run's processes.
B=$((200000 + $$ % 100000 * 100))

# Its timeout.
"$CTL" -L "$INST" submit --wait --agent worker-1 --timeout 15 -- "sh $T/escape.sh $((B + 10)) $T/ready.$((B + 10)) stay" >/dev/null 2>&1 &
ready $((B + 10)) timeout
[ "$(left $((B + 10)))" -ge 502 ] || fail "timeout: only $(left $((B + 10))) processes started"
gone $((B + 10)) timeout

# orch-ctl cancel.
id=$("$CTL" -L "$INST" submit --agent worker-2 -- "sh $T/escape.sh $((B + 20)) $T/ready.$((B + 20)) stay") || fail "submit"
ready $((B + 20)) cancel
"$CTL" -L "$INST" cancel "$id" >/dev/null || fail "cancel $id"
gone $((B + 20)) cancel

# kill -9 of its actor.
"$CTL" -L "$INST" submit --agent worker-3 -- "sh $T/escape.sh $((B + 30)) $T/ready.$((B + 30)) stay" >/dev/null || fail "submit"
ready $((B + 30)) "actor kill"
kill -9 "$(field_of worker-3 4)"
gone $((B + 30)) "actor kill -9"
wait_status 10 worker-3 idle

# Ending by itself, leaving all of it behind.
"$CTL" -L "$INST" exec worker-1 -- sh "$T/escape.sh" $((B + 40)) "$T/ready.$((B + 40))" >/dev/null || fail "exec"
gone $((B + 40)) "normal end"

# A supervisor shutdown.
"$CTL" -L "$INST" submit --agent worker-2 -- "sh $T/escape.sh $((B + 50)) $T/ready.$((B + 50)) stay" >/dev/null || fail "submit"
ready $((B + 50)) shutdown
kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 20 || fail "supervisor exit"
gone $((B + 50)) shutdown
echo ok
