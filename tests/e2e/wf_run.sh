#!/usr/bin/env bash
# Running workflows: the patterns (parallel, pipeline, routing by
# capability, retry then success, continueOnError, a failure skipping its
# dependents), timeouts that leave no process behind, approval and denial,
# exit statuses and the JSON report.
. "$(dirname "$0")/lib.bash"

run_wf() {	# run_wf FILE [ARGS...]: foreground, output in $T/wf.out
	local f=$1
	shift
	"$SUP" -L "$INST" -g 1 -w "$f" --report "$T/report.json" "$@" >"$T/wf.out" 2>"$T/sup.log"
}
row() { grep "^$1 " "$T/wf.out"; }

cat >"$T/patterns.yaml" <<YAML
agents:
  - {id: w1, capabilities: [shell]}
  - {id: w2, capabilities: [shell, special]}
stages:
  - name: fan
    parallel: true
    tasks:
      - {id: a, command: "echo alpha"}
      - {id: b, command: "echo beta"}
      - {id: routed, requires: [special], command: "echo \$ORCH_AGENT_ID"}
  - name: pipe
    dependsOn: fan
    tasks:
      - {id: join, command: "echo '{{ tasks.a.output }}+{{ tasks.b.output }}'; wc -l < \$ORCH_INPUT"}
      - {id: stagewide, command: "echo '{{ stages.fan.output }}' | tr '\\\\n' ,"}
  - name: rough
    dependsOn: pipe
    parallel: true
    tasks:
      - id: flaky
        command: "if [ -e $T/flag ]; then echo recovered; else touch $T/flag; echo first try; exit 7; fi"
        retry: {max: 2, backoff: 0.05}
      - {id: allowed, command: "exit 5", continueOnError: true}
      - {id: big, command: "seq 10000"}
      - {id: nul, command: 'printf "nul:\\000:after \\377"'}
      - {id: slow, command: "echo \$\$ > $T/slow.pid; exec sleep 30", timeout: 0.5}
  - name: after
    dependsOn: rough
    tasks:
      - {id: never, command: "echo should not run"}
YAML
run_wf "$T/patterns.yaml"
rc=$?
[ "$rc" = 1 ] || fail "a failed task must make the exit 1, got $rc: $(cat "$T/wf.out")"
row a | grep -q " ok " || fail "a: $(row a)"
grep -q "task routed: ok on w2 .*: w2$" "$T/sup.log" || fail "routing by capability"
grep -q "task join: ok on .*: alpha+beta$" "$T/sup.log" || fail "pipeline: $(grep join "$T/sup.log")"
# (keys are sorted: "output" comes before "task" in each report object)
grep -B10 '"task": "join"' "$T/report.json" | grep -q '"output": "alpha+beta\\n3\\n"' ||
    fail "ORCH_INPUT: join should see 3 input lines (a, b, routed): $(grep -B10 '"task": "join"' "$T/report.json")"
grep -B10 '"task": "stagewide"' "$T/report.json" | grep -q '"output": "alpha,beta,w2,' ||
    fail "stage output: $(grep -B10 '"task": "stagewide"' "$T/report.json")"
row flaky | grep -q " ok  *[^ ]*  *2 " || fail "retry: $(row flaky)"
row allowed | grep -q " failed\* .* exited 5" || fail "continueOnError: $(row allowed)"
row slow | grep -q " failed .* timed out after 0.5 s" || fail "timeout: $(row slow)"
pid=$(cat "$T/slow.pid")
kill -0 "$pid" 2>/dev/null && fail "the timed-out task's process $pid survived"
row never | grep -q " skipped .* slow failed" || fail "skip: $(row never)"
grep -q '"exit": 1' "$T/report.json" || fail "report exit"
[ "$(grep -c '"task":' "$T/report.json")" = 11 ] || fail "report rows"
# Full logs outlive the supervisor, LZ4-compressed, complete past the tail.
[ "$("$CTL" -L "$INST" logs big | wc -l)" = 10000 ] || fail "logs big: $("$CTL" -L "$INST" logs big | wc -l)"
[ "$("$CTL" -L "$INST" logs a)" = alpha ] || fail "logs a"
"$CTL" -L "$INST" logs nosuch 2>"$T/err.log" && fail "logs of an unknown task"
grep -q "logs nosuch: no log of a task of that name" "$T/err.log" || fail "logs error: $(cat "$T/err.log")"
# Every attempt of a retried task is kept: all, with headers, or one.
"$CTL" -L "$INST" logs flaky >"$T/flaky.log" || fail "logs flaky"
[ "$(cat "$T/flaky.log")" = "$(printf '== flaky, attempt 1 ==\nfirst try\n== flaky, attempt 2 ==\nrecovered')" ] ||
    fail "logs flaky: $(cat "$T/flaky.log")"
[ "$("$CTL" -L "$INST" logs flaky --attempt 1)" = "first try" ] || fail "logs --attempt 1"
[ "$("$CTL" -L "$INST" logs flaky --attempt 2)" = recovered ] || fail "logs --attempt 2"
"$CTL" -L "$INST" logs flaky --attempt 3 2>"$T/err.log" && fail "logs of an attempt that never was"
grep -q "no attempt 3" "$T/err.log" || fail "attempt 3: $(cat "$T/err.log")"
"$CTL" -L "$INST" logs flaky --attempt x 2>/dev/null; [ $? = 2 ] || fail "logs --attempt x"
# The report holds what a task printed exactly, NULs and all, and says
# when it was cut; a task that never ran has an empty output all the same.
grep -B12 '"task": "never"' "$T/report.json" | grep -q '"output": ""' || fail "skipped task's output"
grep -A4 '"task": "big"' "$T/report.json" | grep -q '"truncated": false' || fail "truncated flag"
grep -B12 '"task": "nul"' "$T/report.json" | grep -q "\"output\": \"nul:\\\\u0000:after $(printf '\357\277\275')\"" ||
    fail "NUL and non-UTF-8 output: $(grep -B12 '"task": "nul"' "$T/report.json")"

# All good: exit 0. Output longer than the actor's 4 KiB tail reaches the
# dependents whole (ORCH_INPUT and {{ }}), and the bank.
cat >"$T/ok.yaml" <<'YAML'
stages:
  - name: s
    tasks:
      - {command: "true"}
      - {id: big, command: "seq 10000"}
      - {id: count, dependsOn: [big], command: "wc -l < $ORCH_INPUT; echo '{{ tasks.big.output }}' | sed -n '1p;$p'"}
YAML
run_wf "$T/ok.yaml" || fail "a good workflow exited $?: $(cat "$T/wf.out")"
grep -q "3 of 3 tasks succeeded" "$T/wf.out" || fail "summary: $(cat "$T/wf.out")"
# The same workflow again: the first run's logs are kept, not overwritten.
run_wf "$T/ok.yaml" || fail "the second run"
ls "$XDG_STATE_HOME/orch/$INST/logs" | grep -q '^count@1\.[0-9]\{8\}-[0-9]\{6\}\.lz4$' ||
    fail "first run's log not kept: $(ls "$XDG_STATE_HOME/orch/$INST/logs")"
grep -B10 '"task": "count"' "$T/report.json" | grep -q '"output": "10000\\n1\\n10000\\n"' ||
    fail "long output passed on: $(grep -B10 '"task": "count"' "$T/report.json")"

# Approval: the task waits; approve runs it; deny fails it.
cat >"$T/gate.yaml" <<'YAML'
stages:
  - name: s
    parallel: true
    tasks:
      - {id: yes-gate, command: "echo let through", requiresApproval: true}
      - {id: no-gate, command: "echo never", requiresApproval: true}
YAML
"$SUP" -L "$INST" -g 1 -w "$T/gate.yaml" >"$T/wf.out" 2>"$T/sup.log" &
s=$!
PIDS="$PIDS $s"
wait_until 10 grep -q "task no-gate waits for approval: run 'orch-ctl -L $INST approve no-gate'" "$T/sup.log" ||
    fail "no approval prompt: $(cat "$T/sup.log")"
"$CTL" -L "$INST" events --type task.waiting_approval | grep -q '"task":"yes-gate"' ||
    fail "no task.waiting_approval event"
"$CTL" -L "$INST" approve nothing 2>/dev/null && fail "approved an unknown task"
"$CTL" -L "$INST" approve yes-gate >/dev/null || fail "approve"
"$CTL" -L "$INST" deny no-gate >/dev/null || fail "deny"
wait_exit $s 15
rc=$?
[ "$rc" = 1 ] || fail "denied task: exit $rc"
grep -q "^yes-gate .* ok " "$T/wf.out" || fail "approved: $(cat "$T/wf.out")"
grep -q "^no-gate .* failed .* denied" "$T/wf.out" || fail "denied: $(cat "$T/wf.out")"

# The seed's example with stub steps runs from its own directory.
ex=$(cd "$(dirname "$0")/../../examples" && pwd)
"$SUP" -L "$INST" -g 1 -w "$ex/deploy-stub.yaml" >"$T/wf.out" 2>"$T/sup.log" &
s=$!
PIDS="$PIDS $s"
wait_until 10 grep -q "task deploy-1 waits for approval" "$T/sup.log" || fail "deploy-stub: $(tail "$T/sup.log")"
"$CTL" -L "$INST" tasks | grep -q "^deploy-1  *deploy  *waiting " || fail "tasks: $("$CTL" -L "$INST" tasks)"
"$CTL" -L "$INST" tasks | grep -q "^test-1  *test  *ok  *tester " || fail "tasks (ok row)"
"$CTL" -L "$INST" tasks --json | grep -q '"status": "waiting"' || fail "tasks --json"
"$CTL" -L "$INST" approve deploy-1 >/dev/null || fail "approve deploy-1"
wait_exit $s 15 || fail "deploy-stub exit: $(cat "$T/wf.out")"
grep -q "^4 of 4 tasks succeeded" "$T/wf.out" || fail "deploy-stub: $(cat "$T/wf.out")"
grep -q "task deploy-1: ok on deployer .*: \[deployer\] deploy" "$T/sup.log" ||
    fail "deploy-stub output: $(grep deploy-1 "$T/sup.log")"

# An agent that can never start (its shell is missing) ends in error: its
# task fails with the reason instead of waiting for ever.
cat >"$T/dead.yaml" <<'YAML'
agents:
  - {id: broken, session: {shell: /nonexistent/sh}}
  - {id: fine}
stages:
  - name: s
    parallel: true
    tasks:
      - {id: on-broken, agent: broken, command: "echo never"}
      - {id: on-fine, agent: fine, command: "echo fine"}
YAML
run_wf "$T/dead.yaml"
[ $? = 1 ] || fail "dead agent: exit $?: $(cat "$T/wf.out")"
row on-broken | grep -q " failed .* agent broken is error" || fail "dead agent: $(row on-broken)"
row on-fine | grep -q " ok " || fail "the other agent's task: $(row on-fine)"

# A bad workflow is refused before anything starts: exit 2.
printf 'stages:\n  - {name: s, tasks: [{agent: ghost, command: x}]}\n' >"$T/bad.yaml"
"$SUP" -L "$INST" -w "$T/bad.yaml" 2>"$T/err.log"
[ $? = 2 ] && grep -q "no agent 'ghost'" "$T/err.log" || fail "bad workflow: $(cat "$T/err.log")"

# Several mistakes: each is told, a line each, in one run.
cat >"$T/typos.yaml" <<'YAML'
stages:
  - name: s
    paralel: true
    tasks:
      - comand: x
      - command: y
        timeout: -1
  - nme: t
    tasks: [{command: q}]
YAML
"$SUP" -L "$INST" --check -w "$T/typos.yaml" 2>"$T/err.log"
[ $? = 2 ] || fail "typos: exit status"
cat >"$T/want" <<WANT
orch-supervisor: $T/typos.yaml:3:5: stages[0]: unknown key 'paralel' (did you mean 'parallel'?)
orch-supervisor: $T/typos.yaml:5:9: stages[0].tasks[0]: unknown key 'comand' (did you mean 'command'?)
orch-supervisor: $T/typos.yaml:7:18: stages[0].tasks[1].timeout: a timeout must be more than 0 seconds
orch-supervisor: $T/typos.yaml:8:5: stages[1]: unknown key 'nme' (did you mean 'name'?)
WANT
diff "$T/want" "$T/err.log" >&2 || fail "typos: every error, a line each"
exit 0
