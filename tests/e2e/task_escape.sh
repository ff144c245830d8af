#!/usr/bin/env bash
# Nothing a task started outlives it, whatever it did to get away: a
# double fork into a new session, a daemon in its own session that ignores
# SIGTERM, 500 children. Each way a task can end is tried: its timeout,
# orch-ctl cancel, a kill -9 of its actor, a supervisor shutdown, and
# ending by itself with all that left behind.
. "$(dirname "$0")/lib.bash"

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

# Its timeout.
"$CTL" -L "$INST" submit --wait --agent worker-1 --timeout 6 -- "sh $T/escape.sh 7710 $T/ready.7710 stay" >/dev/null 2>&1 &
ready 7710 timeout
[ "$(left 7710)" -ge 502 ] || fail "timeout: only $(left 7710) processes started"
gone 7710 timeout

# orch-ctl cancel.
id=$("$CTL" -L "$INST" submit --agent worker-2 -- "sh $T/escape.sh 7720 $T/ready.7720 stay") || fail "submit"
ready 7720 cancel
"$CTL" -L "$INST" cancel "$id" >/dev/null || fail "cancel $id"
gone 7720 cancel

# kill -9 of its actor.
"$CTL" -L "$INST" submit --agent worker-3 -- "sh $T/escape.sh 7730 $T/ready.7730 stay" >/dev/null || fail "submit"
ready 7730 "actor kill"
kill -9 "$(field_of worker-3 4)"
gone 7730 "actor kill -9"
wait_status 10 worker-3 idle

# Ending by itself, leaving all of it behind.
"$CTL" -L "$INST" exec worker-1 -- sh "$T/escape.sh" 7740 "$T/ready.7740" >/dev/null || fail "exec"
gone 7740 "normal end"

# A supervisor shutdown.
"$CTL" -L "$INST" submit --agent worker-2 -- "sh $T/escape.sh 7750 $T/ready.7750 stay" >/dev/null || fail "submit"
ready 7750 shutdown
kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 20 || fail "supervisor exit"
gone 7750 shutdown
echo ok
