#!/usr/bin/env bash
# Every outcome of a task is on the bus, from the scheduler's state
# machine, naming the task (RUN:ID), its workflow and run: ok, failed,
# timed out, retried, skipped, cancelled while held for approval, denied;
# and an agent that holds a task for approval says it waits.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: a1}
  - {id: a2}
  - {id: a3}
YAML
start_sup -c "$T/orch.yaml"
for a in a1 a2 a3; do wait_status 10 $a idle; done
"$CTL" -L "$INST" events --follow --json >"$T/ev.json" 2>&1 &
PIDS="$PIDS $!"
cat >"$T/wf.yaml" <<YAML
name: outcomes
stages:
  - name: s
    parallel: true
    tasks:
      - {id: good, command: "echo fine"}
      - {id: bad, command: "exit 3"}
      - {id: slow, command: "sleep 30", timeout: 0.3}
      - {id: flaky, command: "[ -e $T/flaky ] || { touch $T/flaky; exit 1; }", retry: {max: 1, backoff: 0}}
      - {id: after, dependsOn: [bad], command: "echo never"}
      - {id: held, command: "echo never", requiresApproval: true, agent: a1}
      - {id: no, command: "echo never", requiresApproval: true, agent: a2}
YAML
out=$("$CTL" -L "$INST" workflow run "$T/wf.yaml") || fail "workflow run: $out"
run=$(echo "$out" | sed -n 's/^run \([0-9]*\).*/\1/p')
[ -n "$run" ] || fail "no run number: $out"

# event TYPE TASK [MORE]: a line of that type for that task of this run.
event() {
	grep "\"type\":\"$1\"" "$T/ev.json" | grep "\"task\":\"$run:$2\"" |
	    grep "\"workflow\":\"outcomes\"" | grep "\"run\":$run" |
	    grep -q "${3:-.}"
}
has() { wait_until 10 event "$@" || fail "no $1 for $2: $(grep "$run:$2" "$T/ev.json")"; }

has task.completed good '"exit":0'
has task.failed bad '"exit":3'
has task.failed slow '"timed_out":true'
has task.retrying flaky
has task.pending flaky
has task.completed flaky '"attempt":2'
has task.skipped after '"reason":"'"$run"':bad failed"'
has task.waiting_approval held
has task.waiting_approval no
# Held for approval: the agent waits with its task, and says so.
wait_status 10 a1 waiting || fail "a1 is $(status_of a1)"
"$CTL" -L "$INST" status | grep -q "^a1 .* waiting .*$run:held echo never" ||
    fail "the held task not shown: $("$CTL" -L "$INST" status)"
grep '"type":"agent.waiting"' "$T/ev.json" | grep -q '"source":"a1"' ||
    fail "no agent.waiting: $(grep agent.waiting "$T/ev.json")"
"$CTL" -L "$INST" cancel "$run:held" >/dev/null || fail "cancel held"
"$CTL" -L "$INST" deny "$run:no" >/dev/null || fail "deny"
has task.cancelled held '"status":"cancelled"'
has task.denied no '"status":"failed"'
# And the agents are free again.
wait_status 10 a1 idle || fail "a1 is $(status_of a1)"
wait_status 10 a2 idle || fail "a2 is $(status_of a2)"
# Every task event came from the supervisor's hub, none twice for one step.
n=$(grep '"type":"task.completed"' "$T/ev.json" | grep -c "\"task\":\"$run:good\"")
[ "$n" = 1 ] || fail "task.completed for good $n times"
echo ok
