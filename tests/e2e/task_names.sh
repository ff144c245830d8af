#!/usr/bin/env bash
# A task is known by one name everywhere (RUN:ID, or exec-N), with its
# command as its user wrote it, on one line: orch-ctl status, orch-attach
# -l and -i, the session's banner and every task event; and every outcome
# (started, completed, failed, skipped, cancelled, denied, waiting) is on
# the bus with the task's name, workflow, run, attempt and agent.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: a1}
  - {id: a2}
YAML
start_sup -c "$T/orch.yaml"
for a in a1 a2; do wait_status 10 $a idle; done
"$CTL" -L "$INST" events --follow --json >"$T/ev.json" 2>&1 &
PIDS="$PIDS $!"
cat >"$T/wf.yaml" <<YAML
name: naming
stages:
  - name: s
    parallel: true
    tasks:
      - id: hold
        agent: a1
        command: |
          echo first
          while [ ! -e $T/go ]; do sleep 0.02; done
      - {id: bad, agent: a2, command: "exit 4"}
      - {id: gate, command: "true", requiresApproval: true}
      - {id: gate2, command: "true", requiresApproval: true}
  - name: t
    dependsOn: [s]
    tasks:
      - {id: after, command: "echo never"}
YAML
out=$("$CTL" -L "$INST" workflow run "$T/wf.yaml") || fail "workflow run"
run=$(echo "$out" | sed -n 's/^run \([0-9]*\).*/\1/p')
[ -n "$run" ] || fail "no run number: $out"
holding() { "$CTL" -L "$INST" status | grep -q "^a1 .* working .*$run:hold echo first\\\\nwhile"; }
wait_until 10 holding || fail "status: $("$CTL" -L "$INST" status)"
"$CTL" -L "$INST" status | grep -q "ORCH_INPUT\|/bin/sh" && fail "status shows the wrapper: $("$CTL" -L "$INST" status)"
"$ATT" -L "$INST" -l | grep -q "^a1 .*$run:hold echo first" || fail "attach -l: $("$ATT" -L "$INST" -l)"
"$ATT" -L "$INST" -i a1 >"$T/i.out" || fail "inspect"
grep -q "^task  *$run:hold$" "$T/i.out" || fail "inspect task: $(cat "$T/i.out")"
grep -q "^\[orch\] task $run:hold: echo first" "$T/i.out" || fail "banner: $(cat "$T/i.out")"
grep -q "ORCH_INPUT" "$T/i.out" && fail "inspect shows the wrapper: $(cat "$T/i.out")"
"$CTL" -L "$INST" deny "$run:gate2" >/dev/null || fail "deny"
"$CTL" -L "$INST" approve "$run:gate" >/dev/null || fail "approve"
touch "$T/go"
over() { "$CTL" -L "$INST" tasks | grep -q "^$run:after .* skipped"; }
wait_until 10 over || fail "not over: $("$CTL" -L "$INST" tasks)"
"$ATT" -L "$INST" -i a1 | grep -q "^  $run:hold  *ok " || fail "history: $("$ATT" -L "$INST" -i a1)"

# event TYPE TASK: a line of that type for that task, with its context.
event() {
	grep "\"type\":\"$1\"" "$T/ev.json" | grep "\"task\":\"$run:$2\"" |
	    grep "\"workflow\":\"naming\"" | grep -q "\"run\":$run"
}
has() { wait_until 10 event "$@" || fail "no $1 for $2: $(grep "$run:$2" "$T/ev.json")"; }
has task.started hold
has task.completed hold
has task.failed bad
has task.waiting_approval gate
has task.denied gate2
has task.skipped after
grep '"type":"task.started"' "$T/ev.json" | grep "\"task\":\"$run:hold\"" | grep -q '"attempt":1' ||
    fail "started: no attempt"
grep '"type":"task.started"' "$T/ev.json" | grep "\"task\":\"$run:hold\"" | grep -q '"agent":"a1"' ||
    fail "started: no agent"
grep '"type":"task.waiting_approval"' "$T/ev.json" | grep -q '"source":""' && fail "waiting with no source"
# A queued task cancelled: published too.
cat >"$T/c.yaml" <<YAML
stages:
  - name: c
    tasks:
      - {id: queued, command: "true", requiresApproval: true}
YAML
run2=$("$CTL" -L "$INST" workflow run "$T/c.yaml" | sed -n 's/^run \([0-9]*\).*/\1/p')
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$run2:queued .* waiting'" || fail "queued"
"$CTL" -L "$INST" cancel "$run2:queued" >/dev/null || fail "cancel"
wait_until 10 sh -c "grep '\"type\":\"task.cancelled\"' '$T/ev.json' | grep -q '\"task\":\"$run2:queued\"'" ||
    fail "no task.cancelled: $(grep queued "$T/ev.json")"
# exec tasks are exec-N on the bus too.
"$CTL" -L "$INST" exec a2 -- true >/dev/null || fail "exec"
wait_until 10 sh -c "grep '\"type\":\"task.completed\"' '$T/ev.json' | grep -q '\"task\":\"exec-[0-9]*\"'" ||
    fail "exec task not named: $(grep exec "$T/ev.json")"
echo ok
