#!/usr/bin/env bash
# orch-ctl status --json carries the seed's metrics, counted from the
# tasks that ended: a workflow of known tasks (sleeps of 0.05-0.3 s, three
# of them failing) and the figures checked against what this script
# computes itself from orch-ctl tasks --json (the same recorded
# durations: exact), before and after, with the queue and the agents; the
# MCP dashboard tool gives the same figures.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: mcp, type: gateway}
  - {id: worker-1}
  - {id: worker-2}
  - {id: worker-3}
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
	for i in $(seq 1 15); do
		# Each waits for the go first: the queue is seen as it is.
		gate="while [ ! -e $T/go ]; do sleep 0.02; done"
		if [ $((i % 5)) = 0 ]; then cmd="$gate; sleep 0.0$i; exit 2"; else cmd="$gate; sleep 0.$(( (i % 3) + 1 ))"; fi
		echo "      - {id: t$i, command: \"$cmd\"}"
	done
} >"$T/wf.yaml"
"$CTL" -L "$INST" workflow run "$T/wf.yaml" >/dev/null || fail "workflow run"
# While it runs: agents at work, and the queue is what is ready and not started.
busy() { [ "$(m activeAgents)" = 3 ]; }
wait_until 10 busy || fail "activeAgents $(m activeAgents) while the workflow runs"
q=$(m queueDepth)
[ "$q" -ge 1 ] && [ "$q" -le 14 ] || fail "queueDepth $q while 15 tasks share 3 agents"
touch "$T/go"
done_all() { [ "$(m tasksEnded)" = 15 ]; }
wait_until 30 done_all || fail "tasksEnded $(m tasksEnded), not 15"

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
	($m.tasksFailed == 3) and
	(($m.successRate - (12 / 15)) | fabs < 1e-9) and
	(($m.avgTaskDuration - ($d | add / $n)) | fabs < 1e-6) and
	(($m.p95TaskDuration - $d[((($n * 95 + 99) / 100) | floor) - 1]) | fabs < 1e-6) and
	$m.p95Exact and
	($m.tasksPerMinute == $n) and
	($m.queueDepth == 0) and ($m.activeAgents == 0) and ($m.totalAgents == 4)
' "$T/tasks.json" >/dev/null || fail "metrics $(jq -c .metrics "$T/status.json") against tasks $(jq -c "[.tasks[] | {status, duration_ns}]" "$T/tasks.json")"

# The MCP dashboard tool: the same snapshot's metrics.
{
	echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}'
	echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"dashboard","arguments":{}}}'
} | "$BIN/orch-mcp" -L "$INST" >"$T/mcp.json" || fail "orch-mcp"
jq -e --slurpfile s "$T/status.json" 'select(.id == 1) | .result.structuredContent.metrics as $d |
	$s[0].metrics as $m | ($d.tasksEnded == $m.tasksEnded) and
	($d.p95TaskDuration == $m.p95TaskDuration) and ($d.successRate == $m.successRate) and
	($d.avgTaskDuration == $m.avgTaskDuration)' "$T/mcp.json" >/dev/null ||
    fail "dashboard: $(cat "$T/mcp.json")"
echo ok
