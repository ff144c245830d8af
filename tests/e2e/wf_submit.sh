#!/usr/bin/env bash
# Work sent to a running supervisor: orch-ctl submit (output and exit
# status with --wait, routing, priorities, timeouts, approval, cancel, bad
# requests) and orch-ctl workflow run (its agents added, the summary and
# exit status with --wait, a bad file refused), all while it keeps
# serving; orch-ctl tasks lists everything.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: solo, capabilities: [shell]}
  - {id: gpu-box, capabilities: [shell, gpu]}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 solo idle
wait_status 10 gpu-box idle

# A name at once; the result lands in the memory bank.
name=$("$CTL" -L "$INST" submit -- echo hello there) || fail "submit"
[ "$name" = "1:echo" ] || fail "submit printed '$name'"
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^1:echo .* ok '" || fail "1:echo did not finish: $("$CTL" -L "$INST" tasks)"
[ "$("$CTL" -L "$INST" mem get task/1:echo/result)" = "hello there" ] || fail "bank: $("$CTL" -L "$INST" mem get task/1:echo/result)"

# --wait: the output, and the task's own exit status.
out=$("$CTL" -L "$INST" submit --wait -- 'echo out; echo err >&2; exit 3')
[ $? = 3 ] || fail "submit --wait should exit 3"
[ "$out" = "$(printf 'out\nerr')" ] || fail "output: '$out'"
# Several words are one argv, quoted for the shell exactly.
out=$("$CTL" -L "$INST" submit --wait --id quoting -- printf '%s|' "a b" "it's" '$HOME') || fail "quoting"
[ "$out" = 'a b|it'"'"'s|$HOME|' ] || fail "argv quoting: '$out'"

# Routing: by capability, or to a named agent.
out=$("$CTL" -L "$INST" submit --wait --requires gpu -- 'echo $ORCH_AGENT_ID') || fail "requires"
[ "$out" = gpu-box ] || fail "--requires gpu ran on '$out'"
out=$("$CTL" -L "$INST" submit --wait --agent solo -- 'echo $ORCH_AGENT_ID') || fail "agent"
[ "$out" = solo ] || fail "--agent solo ran on '$out'"

# A timeout kills the task's process group: 124, and nothing left.
"$CTL" -L "$INST" submit --wait --timeout 0.5 --id slow -- "echo \$\$ > $T/slow.pid; exec sleep 30"
[ $? = 124 ] || fail "timeout should exit 124"
pid=$(cat "$T/slow.pid")
kill -0 "$pid" 2>/dev/null && fail "the timed-out task's process $pid survived"
"$CTL" -L "$INST" tasks | grep -q "^[0-9]*:slow .* failed .*timed out after 0.5 s" || fail "tasks: timeout row"

# Priorities: with solo busy, a later high-priority task overtakes.
"$CTL" -L "$INST" submit --agent solo --id blocker -- "while [ ! -e $T/go ]; do sleep 0.02; done" >/dev/null
wait_until 10 is_status solo working || fail "blocker did not start"
"$CTL" -L "$INST" submit --agent solo --priority low --id low -- "echo low >> $T/order" >/dev/null
"$CTL" -L "$INST" submit --agent solo --priority 50 --id high -- "echo high >> $T/order" >/dev/null
"$CTL" -L "$INST" tasks | grep -q "^[0-9]*:low .* pending " || fail "low is not pending: $("$CTL" -L "$INST" tasks)"
touch "$T/go"
wait_until 10 sh -c "[ \"\$(cat '$T/order' 2>/dev/null | wc -l)\" = 2 ]" || fail "queued tasks did not run"
[ "$(cat "$T/order" | tr '\n' ' ')" = "high low " ] || fail "priority order: $(cat "$T/order")"

# Approval: the task waits until approved.
name=$("$CTL" -L "$INST" submit --approval --id gated -- echo approved) || fail "submit --approval"
wait_until 10 grep -q "task $name waits for approval" "$T/sup.log" || fail "no approval prompt"
"$CTL" -L "$INST" tasks | grep -q "^$name .* waiting " || fail "not waiting"
"$CTL" -L "$INST" approve "$name" >/dev/null || fail "approve $name"
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$name .* ok '" || fail "approved task did not run"

# Cancel: a running task is stopped with its process group and not
# retried; a queued one never runs.
"$CTL" -L "$INST" submit --wait --agent solo --retry 3 --id victim -- "echo \$\$ > $T/victim.pid; exec sleep 30" 2>"$T/cancel.err" &
w=$!
wait_until 10 test -s "$T/victim.pid" || fail "victim did not start"
"$CTL" -L "$INST" submit --agent solo --id queued -- "touch $T/queued-ran" >/dev/null
victim=$("$CTL" -L "$INST" tasks | awk '$1 ~ /:victim$/ { print $1 }')
queued=$("$CTL" -L "$INST" tasks | awk '$1 ~ /:queued$/ { print $1 }')
"$CTL" -L "$INST" cancel "$queued" "$victim" >/dev/null || fail "cancel"
wait_exit $w 10
[ $? = 1 ] || fail "the cancelled task's client should exit 1"
grep -q "task cancelled" "$T/cancel.err" || fail "cancel message: $(cat "$T/cancel.err")"
kill -0 "$(cat "$T/victim.pid")" 2>/dev/null && fail "the cancelled task's process survived"
"$CTL" -L "$INST" tasks | grep -q "^$victim .* cancelled .* 1 .*cancelled" || fail "victim row: $("$CTL" -L "$INST" tasks | grep victim)"
"$CTL" -L "$INST" tasks | grep -q "^$queued .* cancelled .*cancelled" || fail "queued row"
[ -e "$T/queued-ran" ] && fail "a cancelled queued task ran"
"$CTL" -L "$INST" cancel "$victim" 2>"$T/err.log" && fail "cancelled twice"
grep -q "the task is over" "$T/err.log" || fail "second cancel: $(cat "$T/err.log")"

# Bad requests: a clear error, and the supervisor serves on.
"$CTL" -L "$INST" submit --agent ghost -- true 2>"$T/err.log"
[ $? = 1 ] && grep -q "no agent 'ghost'" "$T/err.log" || fail "unknown agent: $(cat "$T/err.log")"
"$CTL" -L "$INST" submit --requires quantum -- true 2>"$T/err.log"
[ $? = 1 ] && grep -q "no agent has every capability" "$T/err.log" || fail "no capable agent: $(cat "$T/err.log")"
"$CTL" -L "$INST" submit --agent solo --requires gpu -- true 2>/dev/null
[ $? = 2 ] || fail "--agent with --requires"
"$CTL" -L "$INST" submit --priority urgent -- true 2>/dev/null
[ $? = 2 ] || fail "bad priority"
"$CTL" -L "$INST" submit 2>/dev/null
[ $? = 2 ] || fail "no command"
"$CTL" -L "$INST" submit --id 'no/slash' -- true 2>/dev/null
[ $? = 2 ] || fail "bad id"
"$CTL" -L "$INST" approve 99:none 2>"$T/err.log" && fail "approved a task that does not exist"
grep -q "no such task" "$T/err.log" || fail "approve error: $(cat "$T/err.log")"

# A client that stops waiting loses nothing for the others.
"$CTL" -L "$INST" submit --wait --id abandoned -- "while [ ! -e $T/abandon-go ]; do sleep 0.02; done; echo done" >/dev/null &
w=$!
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^[0-9]*:abandoned .* running '" || fail "abandoned did not start"
kill -9 $w
wait $w 2>/dev/null
touch "$T/abandon-go"
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^[0-9]*:abandoned .* ok '" || fail "abandoned task did not finish"

# A workflow file: its own agent is started, a running one is reused.
cat >"$T/flow.yaml" <<'YAML'
name: flow
agents:
  - {id: solo, capabilities: [shell]}
  - {id: helper, capabilities: [docs]}
stages:
  - name: make
    parallel: true
    tasks:
      - {id: part-a, command: "echo A"}
      - {id: part-b, requires: [docs], command: "echo B from $ORCH_AGENT_ID"}
  - name: join
    dependsOn: make
    tasks:
      - {id: both, command: "cat $ORCH_INPUT | sort | tr '\\n' ' '"}
YAML
"$CTL" -L "$INST" workflow run "$T/flow.yaml" --wait >"$T/flow.out" || fail "workflow run: $(cat "$T/flow.out")"
grep -q "^3 of 3 tasks succeeded" "$T/flow.out" || fail "summary: $(cat "$T/flow.out")"
grep -q "^[0-9]*:part-b  *make  *ok  *helper " "$T/flow.out" || fail "routing to the new agent: $(cat "$T/flow.out")"
run=$(sed -n 's/^\([0-9]*\):both .*/\1/p' "$T/flow.out")
[ "$("$CTL" -L "$INST" mem get "task/$run:both/result")" = "A B from helper " ] || fail "pipeline: $("$CTL" -L "$INST" mem get "task/$run:both/result")"
is_status helper idle || fail "helper is $(status_of helper)"
[ "$("$CTL" -L "$INST" status | grep -c '^solo ')" = 1 ] || fail "solo deployed twice"

# From standard input; a relative agent cwd is the file's directory (here
# the caller's, for stdin).
mkdir "$T/sub"
printf 'agents: [{id: here, session: {cwd: sub}}]\nstages:\n  - {name: s, tasks: [{agent: here, command: pwd}]}\n' >"$T/cwd.yaml"
(cd "$T" && "$CTL" -L "$INST" workflow run - --wait --json <cwd.yaml) >"$T/cwd.json" || fail "workflow from stdin"
grep -q "\"output\": \"$T/sub\\\\n\"" "$T/cwd.json" || fail "cwd relative to the caller: $(grep output "$T/cwd.json")"

# Without --wait: queued at once; a failing workflow exits 1 with --wait.
"$CTL" -L "$INST" workflow run "$T/flow.yaml" | grep -q "^run [0-9]*: 3 tasks queued" || fail "workflow run without --wait"
printf 'stages:\n  - {name: s, parallel: true, tasks: [{command: "exit 4"}, {command: "true"}]}\n' >"$T/bad-exit.yaml"
"$CTL" -L "$INST" workflow run "$T/bad-exit.yaml" --wait >"$T/flow.out"
[ $? = 1 ] || fail "a failed task: exit $?"
grep -q "^1 of 2 tasks succeeded" "$T/flow.out" || fail "summary: $(cat "$T/flow.out")"

# A bad workflow is refused whole (exit 2, FILE:LINE:COL); nothing runs.
n=$("$CTL" -L "$INST" tasks | wc -l)
printf 'stages:\n  - name: s\n    tasks:\n      - {agent: ghost, command: x}\n' >"$T/bad.yaml"
"$CTL" -L "$INST" workflow run "$T/bad.yaml" 2>"$T/err.log"
[ $? = 2 ] || fail "bad workflow exit"
grep -q "bad.yaml:4:.*no agent 'ghost'" "$T/err.log" || fail "bad workflow: $(cat "$T/err.log")"
# Every mistake comes back, a line each; a long list is cut at a line.
{
	echo "stages:"
	echo "  - name: s"
	echo "    tasks:"
	for i in $(seq 1 30); do echo "      - {comand: x$i}"; done
} >"$T/typos.yaml"
"$CTL" -L "$INST" workflow run "$T/typos.yaml" 2>"$T/err.log"
[ $? = 2 ] || fail "typos: exit status"
grep -q "^orch-ctl: .*typos.yaml:4:10: stages\[0\].tasks\[0\]: unknown key 'comand'" "$T/err.log" ||
    fail "typos, first: $(cat "$T/err.log")"
grep -q "^orch-ctl: .*typos.yaml:5:10: stages\[0\].tasks\[1\]: unknown key 'comand'" "$T/err.log" ||
    fail "typos, second: $(cat "$T/err.log")"
[ "$(tail -n 1 "$T/err.log")" = "orch-ctl: (more errors not shown)" ] ||
    fail "typos, the cut: $(tail -n 2 "$T/err.log")"
[ "$(grep -vc "^orch-ctl: .*typos.yaml:[0-9]*:10: stages\[0\]\.tasks\[[0-9]*\]: unknown key 'comand' (did you mean 'command'?)$" "$T/err.log")" = 1 ] ||
    fail "typos: a line cut in the middle: $(cat "$T/err.log")"
printf 'stages: [{name: a, dependsOn: b, tasks: [{command: x}]}, {name: b, dependsOn: a, tasks: [{command: y}]}]\n' >"$T/cycle.yaml"
"$CTL" -L "$INST" workflow run "$T/cycle.yaml" 2>"$T/err.log"
[ $? = 2 ] && grep -q "cycle" "$T/err.log" || fail "cycle: $(cat "$T/err.log")"
"$CTL" -L "$INST" workflow run "$T/missing.yaml" 2>/dev/null
[ $? = 2 ] || fail "missing file"
printf 'a: &a [*a]\nstages: []\n' >"$T/selfref.yaml"
"$CTL" -L "$INST" workflow run "$T/selfref.yaml" 2>"$T/err.log"
[ $? = 2 ] && grep -q "selfref.yaml:1:" "$T/err.log" || fail "self-referencing anchor: $(cat "$T/err.log")"
[ "$("$CTL" -L "$INST" tasks | wc -l)" = "$n" ] || fail "a refused workflow queued tasks"

# Everything is listed, and the supervisor still serves.
"$CTL" -L "$INST" tasks --json | grep -q '"task": "1:echo"' || fail "tasks --json"
"$CTL" -L "$INST" status >/dev/null || fail "status after bad input"
sids=$(session_ids)
"$CTL" -L "$INST" shutdown || fail "shutdown"
wait_exit "$SUP_PID" 15 || fail "supervisor exit $?"
wait_until 10 nothing_left $sids || fail "processes left behind"

# With -w: work sent meanwhile is finished before the supervisor exits,
# and no more is taken once the workflow is over.
cat >"$T/main.yaml" <<YAML
agents: [{id: m1}, {id: m2}]
stages:
  - name: s
    tasks: [{id: hold, command: "while [ ! -e $T/main-go ]; do sleep 0.02; done"}]
YAML
"$SUP" -L "$INST" -g 1 -w "$T/main.yaml" >"$T/main.out" 2>"$T/sup.log" &
s=$!
PIDS="$PIDS $s"
wait_until 10 grep -q "task hold: started" "$T/sup.log" || fail "main workflow did not start"
"$CTL" -L "$INST" submit --wait --id extra -- "while [ ! -e $T/extra-go ]; do sleep 0.02; done; echo extra done" >"$T/extra.out" &
w=$!
wait_until 10 grep -q "task 2:extra: started" "$T/sup.log" || fail "extra did not start"
touch "$T/main-go"
wait_until 10 grep -q "waiting for 1 run sent with orch-ctl" "$T/sup.log" || fail "supervisor did not wait: $(tail -5 "$T/sup.log")"
"$CTL" -L "$INST" submit -- true 2>"$T/err.log" && fail "work taken after the workflow ended"
grep -q "stopping" "$T/err.log" || fail "refusal: $(cat "$T/err.log")"
touch "$T/extra-go"
wait_exit $w 10 || fail "the extra task's client: $?"
[ "$(cat "$T/extra.out")" = "extra done" ] || fail "extra output: $(cat "$T/extra.out")"
wait_exit $s 15 || fail "supervisor exit: $?"
# The summary comes at the very end, after the stop's log lines.
grep -q "^1 of 1 tasks succeeded" "$T/main.out" || fail "main summary: $(cat "$T/main.out")"
exit 0
