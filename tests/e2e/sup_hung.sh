#!/usr/bin/env bash
# A hung actor (kill -STOP) is noticed: the supervisor's heartbeat kills it
# and it is restarted by its policy; its task's timeout fires on time all
# the same (the supervisor keeps it too), and a task with no timeout is
# failed instead of hanging its workflow. The next task runs on the new
# actor.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: h1}
YAML
start_sup -c "$T/orch.yaml" --heartbeat 4
wait_status 10 h1 idle

# A task with a timeout, on an actor that stops.
t0=$(date +%s%N)
"$CTL" -L "$INST" submit --wait --agent h1 --timeout 1 -- "echo \$\$ >$T/t1.pid; exec sleep 60" >"$T/t1.out" 2>"$T/t1.err" &
w=$!
wait_until 10 test -s "$T/t1.pid" || fail "the task did not start"
actor=$(field_of h1 4)
kill -STOP "$actor"
# Killed on time by the supervisor, before the heartbeat gives up on it.
# Dead, or a zombie its stopped actor cannot reap.
dead() {
	local st
	st=$(ps -o stat= -p "$(cat "$T/t1.pid")" 2>/dev/null)
	[ -z "$st" ] || [ "${st#Z}" != "$st" ]
}
wait_until 10 dead || fail "the task's process survived"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 3500 ] || fail "the timeout fired after $ms ms"
wait_exit $w 20
rc=$?
[ $rc = 1 ] || fail "the timed-out task's client: exit $rc: $(cat "$T/t1.err")"
grep -q "timed out" "$T/t1.err" || fail "reason: $(cat "$T/t1.err")"
grep -q "agent h1: actor pid $actor did not answer a ping" "$T/sup.log" || fail "hung actor not noticed: $(cat "$T/sup.log")"
restarted() { [ "$(field_of h1 5)" = 1 ] && is_status h1 idle; }
wait_until 10 restarted || fail "h1 not restarted: $("$CTL" -L "$INST" status)"
kill -0 "$actor" 2>/dev/null && fail "the hung actor still exists"
[ "$("$CTL" -L "$INST" exec h1 -- echo back)" = back ] || fail "the new actor does not run tasks"

# No timeout: the workflow does not hang on a stopped actor either.
rm -f "$T/t1.pid"
"$CTL" -L "$INST" submit --wait --agent h1 -- "echo \$\$ >$T/t1.pid; exec sleep 60" >/dev/null 2>"$T/t2.err" &
w=$!
wait_until 10 test -s "$T/t1.pid" || fail "the second task did not start"
kill -STOP "$(field_of h1 4)"
wait_exit $w 20 && fail "a task on a hung actor succeeded"
grep -q "actor died\|timed out" "$T/t2.err" || fail "second reason: $(cat "$T/t2.err")"
wait_status 10 h1 idle
echo ok
