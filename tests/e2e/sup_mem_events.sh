#!/usr/bin/env bash
# The event bus and memory bank in a running instance: every agent's
# agent.ready is on the bus, a kill -9 shows as agent.restarted, an agent
# writes a shared key from its session and another agent reads it and sees
# the change with mem watch, a private key is denied to the other agent
# (and the denial logged) and never named to it in events or a watch, a
# change is announced as its maker's, agents cannot forge orch's events,
# the operator sees everything, and the shared memory is gone after
# shutdown.
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
shm=$(cat "$RUNDIR/shm.name")
[ -e "/dev/shm${shm}" ] || fail "no shared memory object $shm"
[ "$(stat -c %a "/dev/shm${shm}")" = 600 ] || fail "shm mode $(stat -c %a "/dev/shm${shm}")"

"$CTL" -L "$INST" events >"$T/events.out" || fail "events"
for a in worker-1 worker-2 worker-3; do
	grep -q " agent.ready  *$a " "$T/events.out" || fail "no agent.ready for $a: $(cat "$T/events.out")"
done

"$CTL" -L "$INST" events --follow --type 'agent.*' --json >"$T/follow.out" 2>&1 &
PIDS="$PIDS $!"
wait_until 10 grep -q '"type":"agent.ready"' "$T/follow.out" || fail "follow shows nothing"
kill -9 "$(field_of worker-2 4)"
restarted() { grep -q '"source":"worker-2",.*"type":"agent.restarted"' "$T/follow.out"; }
wait_until 10 restarted || fail "no agent.restarted: $(cat "$T/follow.out")"
wait_status 10 worker-2 idle

# worker-3 watches; worker-1 writes from inside its session.
"$CTL" -L "$INST" exec worker-3 -- orch-ctl mem watch 'shared/*' --count 1 >"$T/watch.out" 2>&1 &
watcher=$!
# A task's output shows live on its session's terminal.
watching() { "$ATT" -L "$INST" -i worker-3 | grep -q "watching shared/\* from event"; }
wait_until 10 watching || fail "watch did not start: $("$ATT" -L "$INST" -i worker-3)"
out=$("$CTL" -L "$INST" exec worker-1 -- sh -c 'echo 42 | orch-ctl mem put shared/answer -') ||
    fail "put from a session: $out"
wait_exit $watcher 10 || fail "watch did not see the change"
grep -q "^shared/answer 1 write by worker-1$" "$T/watch.out" || fail "watch: $(cat "$T/watch.out")"
out=$("$CTL" -L "$INST" exec worker-2 -- orch-ctl mem get shared/answer) || fail "get shared"
[ "$out" = 42 ] || fail "shared value: $out"

# Private: the owner reads it, another agent is denied, the operator is not.
# Its name is not announced to another agent: worker-2's watch sees the
# shared key written after it, never the private one.
"$CTL" -L "$INST" exec worker-2 -- orch-ctl mem watch 'notes/*' --count 1 >"$T/watch2.out" 2>&1 &
watcher=$!
watching() { "$ATT" -L "$INST" -i worker-2 | grep -q "watching notes/\* from event"; }
wait_until 10 watching || fail "watch did not start: $("$ATT" -L "$INST" -i worker-2)"
"$CTL" -L "$INST" mem watch 'notes/*' --count 3 >"$T/watchop.out" 2>&1 &
opwatch=$!
"$CTL" -L "$INST" exec worker-1 -- orch-ctl mem put notes/mine secret --access private >/dev/null ||
    fail "private put"
"$CTL" -L "$INST" exec worker-1 -- orch-ctl mem put notes/open hello >/dev/null || fail "shared put"
wait_exit $watcher 10 || fail "watch of notes/* did not see the shared key"
[ "$(grep -v '^watching' "$T/watch2.out")" = "notes/open 1 write by worker-1" ] ||
    fail "another agent's watch: $(cat "$T/watch2.out")"
# A change is announced as its maker's: the operator's delete of
# worker-1's key is the operator's.
"$CTL" -L "$INST" mem rm notes/open || fail "operator rm"
wait_exit $opwatch 10 || fail "operator's watch"
[ "$(grep -v '^watching' "$T/watchop.out")" = "notes/mine 1 write by worker-1
notes/open 1 write by worker-1
notes/open 1 delete by operator" ] || fail "operator's watch: $(cat "$T/watchop.out")"
"$CTL" -L "$INST" exec worker-2 -- orch-ctl events --type data.shared >"$T/ev2.out" || fail "events"
grep -q "notes/mine" "$T/ev2.out" && fail "private key named to another agent: $(cat "$T/ev2.out")"
grep -q "notes/open" "$T/ev2.out" || fail "shared key not in events: $(cat "$T/ev2.out")"
# Nor may an agent forge orch's own events.
"$CTL" -L "$INST" exec worker-2 -- orch-ctl events publish task.completed >"$T/forge.out" 2>&1 &&
    fail "an agent published task.completed"
grep -q "orch's own event type" "$T/forge.out" || fail "forge: $(cat "$T/forge.out")"
[ "$("$CTL" -L "$INST" exec worker-1 -- orch-ctl mem get notes/mine)" = secret ] || fail "owner read"
"$CTL" -L "$INST" exec worker-2 -- orch-ctl mem get notes/mine >"$T/denied.out" 2>&1 &&
    fail "private key readable by another agent"
grep -q "not readable by this agent" "$T/denied.out" || fail "denial: $(cat "$T/denied.out")"
grep -q "actor\[worker-2\]: warning: denied: 'notes/mine'" "$T/sup.log" || fail "denial not logged"
"$CTL" -L "$INST" exec worker-2 -- orch-ctl mem ls | grep -q notes/mine && fail "listed to another agent"
"$CTL" -L "$INST" exec worker-2 -- orch-ctl mem rm notes/mine 2>/dev/null && fail "removed by another agent"
[ "$("$CTL" -L "$INST" mem get notes/mine)" = secret ] || fail "operator read"
"$CTL" -L "$INST" mem ls | grep -q "^notes/mine  *worker-1  *private" || fail "operator ls"

# Operator writes, compare-and-set style errors, removal.
"$CTL" -L "$INST" mem put plan/step v1 >/dev/null || fail "operator put"
"$CTL" -L "$INST" mem get missing/key 2>"$T/err.log" && fail "missing key read"
grep -q "no such key" "$T/err.log" || fail "missing: $(cat "$T/err.log")"
"$CTL" -L "$INST" mem rm plan/step || fail "rm"
"$CTL" -L "$INST" mem get plan/step 2>/dev/null && fail "removed key still there"

# coordination.request from one agent, seen by the others.
"$CTL" -L "$INST" exec worker-1 -- orch-ctl events publish coordination.request worker-3 "need a review" ||
    fail "publish"
"$CTL" -L "$INST" exec worker-3 -- orch-ctl events --type coordination.request >"$T/coord.out" ||
    fail "events in a session"
grep -q 'coordination.request  *worker-1 -> worker-3 "need a review"' "$T/coord.out" ||
    fail "coordination: $(cat "$T/coord.out")"

kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 15 || fail "shutdown"
[ ! -e "/dev/shm${shm}" ] || fail "shared memory left after shutdown"
exit 0
