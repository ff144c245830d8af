#!/usr/bin/env bash
# orch-ctl status --json is the seed's snapshot, its metrics counted from
# the tasks that ended: a workflow of known tasks (40 sleeping 0.1-0.5 s
# in a known pattern, five of them failing, two more waiting for
# approval) and the figures checked against what this script computes
# itself from orch-ctl tasks --json (the same recorded durations: exact;
# each against the sleep it was given: within 0.5 s above it), before
# and after, with the queue, the
# approvals and the agents, per agent too; every task's times, the
# sessions and the event tail; plain status shows the same; the MCP
# dashboard tool gives the same snapshot, and /metrics the same figures,
# read with Prometheus's own parser (python3-prometheus-client).
. "$(dirname "$0")/lib.bash"
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
	fail "python3-prometheus-client is not installed (make deps)"

# t8, t16, ... fail; ask1 is approved, ask2 denied (a failure too).
N=40
FAILED=$((N / 8 + 1))
ENDED=$((N + 2))
OK=$((ENDED - FAILED))
port=$(free_port)
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: mcp, type: gateway}
  - {id: worker-1}
  - {id: worker-2}
  - {id: worker-3}
mcp: {http: $port, token: m3trics}
YAML
start_sup -c "$T/orch.yaml"
for a in mcp worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
m() { "$CTL" -L "$INST" status --json | jq -r ".metrics.$1"; }
[ "$(m tasksEnded)" = 0 ] || fail "tasks ended before any ran: $(m tasksEnded)"
[ "$(m successRate)" = 0 ] && [ "$(m p95TaskDuration)" = 0 ] || fail "no tasks, yet figures"
[ "$(m totalAgents)" = 4 ] || fail "totalAgents $(m totalAgents)"

{
	echo "name: known"
	echo "stages:"
	echo "  - name: all"
	echo "    parallel: true"
	echo "    tasks:"
	for i in $(seq 1 $N); do
		# Each waits for the go first: the queue is seen as it is.
		gate="while [ ! -e $T/go ]; do sleep 0.02; done"
		cmd="$gate; sleep 0.$(( i % 5 + 1 ))"
		[ $((i % 8)) = 0 ] && cmd="$cmd; exit 2"
		echo "      - {id: t$i, command: \"$cmd\"}"
	done
	echo "      - {id: ask1, command: \"sleep 0.05\", requiresApproval: true}"
	echo "      - {id: ask2, command: \"sleep 0.05\", requiresApproval: true}"
} >"$T/wf.yaml"
"$CTL" -L "$INST" workflow run "$T/wf.yaml" >/dev/null || fail "workflow run"
# While it runs: agents at work, and the queue is what is ready and not started.
busy() { [ "$(m activeAgents)" = 3 ]; }
wait_until 10 busy || fail "activeAgents $(m activeAgents) while the workflow runs"
q=$(m queueDepth)
[ "$q" -ge 1 ] && [ "$q" -le $((N - 1)) ] || fail "queueDepth $q while $N tasks share 3 agents"
"$CTL" -L "$INST" status --json >"$T/running.json" || fail "status --json"
# The live tasks are all there, the running ones with a start and no end.
jq -e '[.tasks[] | select(.status == "running")] as $r |
	($r | length) == 3 and ($r | all(.started != null and .ended == null and
	.created <= .started)) and
	([.agents[] | select(.status == "working")] | all(.task_started != null
	and .task_elapsed_ms >= 0))' "$T/running.json" >/dev/null ||
    fail "running tasks: $(jq -c '[.tasks[] | {task, status, created, started, ended}]' "$T/running.json")"
go_ms=$(date +%s%3N)
touch "$T/go"
# The two that need approval are held once they reach an agent.
waits() { [ "$(m approvalsWaiting)" = 2 ]; }
wait_until 30 waits || fail "approvalsWaiting $(m approvalsWaiting), not 2"
"$CTL" -L "$INST" approve 1:ask1 >/dev/null || fail "approve"
"$CTL" -L "$INST" deny 1:ask2 >/dev/null || fail "deny"
done_all() { [ "$(m tasksEnded)" = $ENDED ]; }
wait_until 60 done_all || fail "tasksEnded $(m tasksEnded), not $ENDED"

"$CTL" -L "$INST" status --json >"$T/status.json" || fail "status --json"
"$CTL" -L "$INST" tasks --json >"$T/tasks.json" || fail "tasks --json"
# What the figures must be, from the tasks' own records.
jq -e --slurpfile s "$T/status.json" '
	[.tasks[] | select(.status == "ok" or .status == "failed")] as $t |
	($t | map(.duration_ns / 1e6) | sort) as $d |
	($t | length) as $n |
	$s[0].metrics as $m |
	($m.tasksEnded == $n) and
	($m.tasksOk == ($t | map(select(.status == "ok")) | length)) and
	($m.tasksFailed == $failed) and
	(($m.successRate - ($ok / $ended)) | fabs < 1e-9) and
	(($m.avgTaskDuration - ($d | add / $n)) | fabs < 1e-6) and
	(($m.p95TaskDuration - $d[((($n * 95 + 99) / 100) | floor) - 1]) | fabs < 1e-6) and
	$m.p95Exact and
	($m.tasksPerMinute == $n) and
	($m.queueDepth == 0) and ($m.activeAgents == 0) and ($m.totalAgents == 4) and
	($m.approvalsWaiting == 0) and
	# Per agent: its tasks and the time they took, to the nanosecond.
	($m.agents | length == 4) and
	($m.agents | all(. as $a | ($t | map(select(.agent == $a.agent))) as $mine |
		$a.tasksEnded == ($mine | length) and
		$a.tasksFailed == ($mine | map(select(.status == "failed")) | length) and
		(($a.busyMs - ($mine | map(.duration_ns) | add // 0) / 1e6) | fabs < 1e-6) and
		$a.utilization >= 0 and $a.utilization <= 1))
' --argjson ok $OK --argjson failed $FAILED --argjson ended $ENDED "$T/tasks.json" >/dev/null || fail "metrics $(jq -c .metrics "$T/status.json") against tasks $(jq -c "[.tasks[] | {agent, status, duration_ns}]" "$T/tasks.json")"

# Each duration is the sleep the task was given, to within 0.5 s above it
# (its shell, its actor's measuring), for those begun after the go (the
# first ones also waited for it).
jq -e --argjson go "$go_ms" --slurpfile s "$T/status.json" '
	[$s[0].tasks[] | select(.started != null and .started >= $go) | .task] as $late |
	[.tasks[] | select(.task | test("^1:t[0-9]+$")) | select(.task as $n | any($late[]; . == $n))] |
	length >= 30 and all((((.task | ltrimstr("1:t") | tonumber) % 5 + 1) / 10) as $want |
		.duration_ns / 1e9 | . >= $want and . < $want + 0.5)
' "$T/tasks.json" >/dev/null || fail "durations against the sleeps: $(jq -c "[.tasks[] | {task, duration_ns}]" "$T/tasks.json")"

# Every task's times: queued, then begun, then over, in the supervisor's
# life; begun to over (the supervisor's clock) holds the duration its
# actor measured, and exceeds it by less than 250 ms (the messages
# between them, the end's process sweep: tens of ms on a loaded machine).
jq -e '.started as $s0 | .now as $now | [.tasks[] | select(.task | startswith("1:"))] |
	length == $ended and all(.created >= $s0 and .ended <= $now and
	(.started == null or (.created <= .started and .started <= .ended)) and
	(.started == null or (((.ended - .started) - .duration_ns / 1e6) | . > -2 and . < 250)))' \
    --argjson ended $ENDED "$T/status.json" >/dev/null || fail "task times: $(jq -c '[.started, .now, (.tasks[] | [.task, .created, .started, .ended, .duration_ns])]' "$T/status.json")"
# ask2 was denied: it never began.
jq -e '.tasks[] | select(.task == "1:ask2") | .started == null and .ended != null' \
    "$T/status.json" >/dev/null || fail "denied task's times"
# Sessions: one per agent, where its terminal is.
jq -e '(.sessions | length == 4) and ([.agents[] | {agent: .id, pid: .session}] ==
	[.sessions[] | {agent, pid}]) and (.sessions | all(.backend == "pty"))' \
    "$T/status.json" >/dev/null || fail "sessions: $(jq -c .sessions "$T/status.json")"
# The event tail: the last 50 in order, the tasks' own among them, decoded.
jq -e '(.events | length == 50) and ([.events[].seq] | . == sort) and
	([.events[] | select(.type == "task.ok" or .type == "task.failed")] | length > 0) and
	(.events | map(select(.type == "task.failed"))[-1].payload.task | startswith("1:"))' \
    "$T/status.json" >/dev/null || fail "events: $(jq -c '[.events[] | {seq, type}]' "$T/status.json")"

# Plain status: the same snapshot as tables.
"$CTL" -L "$INST" status >"$T/status.txt" || fail "status"
grep -q "^worker-1 " "$T/status.txt" && grep -q "^1:t8 .* failed " "$T/status.txt" &&
	grep -q "tasks ended *$ENDED: $OK ok, $FAILED failed" "$T/status.txt" &&
	grep -q "^  - worker-1 " "$T/status.txt" && grep -q "^EVENTS (the last 50)" "$T/status.txt" ||
	fail "plain status: $(cat "$T/status.txt")"

# /metrics: the same figures, as Prometheus reads them.
scrape() { curl -s -H "Authorization: Bearer m3trics" "$@" "http://127.0.0.1:$port/metrics"; }
scrape -o "$T/metrics.txt" -D "$T/metrics.hdr" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/metrics.hdr" || fail "content type: $(cat "$T/metrics.hdr")"
/usr/bin/python3 "$(dirname "$0")/prom_parse.py" <"$T/metrics.txt" >"$T/metrics.json" ||
	fail "Prometheus cannot parse /metrics: $(cat "$T/metrics.txt")"
"$CTL" -L "$INST" status --json >"$T/after.json" || fail "status --json"
jq -e --slurpfile s "$T/after.json" --slurpfile k "$T/tasks.json" '
	. as $p |
	def v(n; l): [$p[] | select(.name == n and .labels == l) | .value] | if length == 1 then .[0] else error("\(n) \(l): \(length) samples") end;
	$s[0].metrics as $m |
	([$k[0].tasks[] | select(.status == "ok" or .status == "failed") | .duration_ns / 1e9]) as $d |
	v("orch_tasks_total"; {status: "ok"}) == $ok and
	v("orch_tasks_total"; {status: "failed"}) == $failed and
	v("orch_task_duration_seconds_count"; {}) == $ended and
	((v("orch_task_duration_seconds_sum"; {}) - ($d | add)) | fabs < 1e-6) and
	v("orch_task_duration_seconds_bucket"; {le: "+Inf"}) == $ended and
	([$p[] | select(.name == "orch_task_duration_seconds_bucket" and .labels.le != "+Inf")] |
	 length == 17 and all(.labels.le as $le | .value == ($d | map(select(. <= ($le | tonumber))) | length))) and
	v("orch_agents"; {status: "idle"}) == 4 and
	v("orch_agents"; {status: "working"}) == 0 and
	v("orch_queue_depth"; {}) == 0 and
	v("orch_approvals_waiting"; {}) == 0 and
	v("orch_bus_events_total"; {}) >= $m.busEvents and $m.busEvents > 0 and
	v("orch_bank_entries"; {}) == $m.bankEntries and
	([$m.agents[].agent] | all(. as $a | v("orch_agent_restarts_total"; {agent: $a}) == 0)) and
	([$m.agents[] | select(.agent == "worker-1")][0].tasksEnded ==
	 v("orch_agent_tasks_total"; {agent: "worker-1"}))
' --argjson ok $OK --argjson failed $FAILED --argjson ended $ENDED "$T/metrics.json" >/dev/null || fail "/metrics $(cat "$T/metrics.txt") against $(jq -c .metrics "$T/after.json")"
# Refusals: no token, another method, another path.
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" = 401 ] || fail "/metrics without the token"
[ "$(scrape -o /dev/null -w '%{http_code}' -X POST)" = 405 ] || fail "POST /metrics"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer m3trics" "http://127.0.0.1:$port/nope")" = 404 ] || fail "GET /nope"
# Scrapers gone before the answer: the gateway answers the next one.
gone=""
for i in $(seq 20); do scrape -o /dev/null --max-time 0.002 & gone="$gone $!"; done
for p in $gone; do wait "$p"; done
scrape -o /dev/null -w '%{http_code}' >"$T/code" && [ "$(cat "$T/code")" = 200 ] ||
	fail "/metrics after abandoned scrapes: $(cat "$T/code")"

# The MCP dashboard tool: the same snapshot's metrics.
{
	echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}'
	echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"dashboard","arguments":{}}}'
} | "$BIN/orch-mcp" -L "$INST" >"$T/mcp.json" || fail "orch-mcp"
jq -e --slurpfile s "$T/status.json" 'select(.id == 1) | .result.structuredContent as $r |
	$r.metrics as $d | $s[0].metrics as $m | ($d.tasksEnded == $m.tasksEnded) and
	($d.p95TaskDuration == $m.p95TaskDuration) and ($d.successRate == $m.successRate) and
	($d.avgTaskDuration == $m.avgTaskDuration) and
	([$r.tasks[] | {task, status, created, started, ended}] ==
	 [$s[0].tasks[] | {task, status, created, started, ended}]) and
	($r.sessions == $s[0].sessions) and ($r.counts.tasks.ok == $ok) and
	($r.events | length == 50)' --argjson ok $OK "$T/mcp.json" >/dev/null ||
    fail "dashboard: $(cat "$T/mcp.json")"
echo ok
