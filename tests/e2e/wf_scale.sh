#!/usr/bin/env bash
# A task whose agent's actor is killed mid-run is retried on another agent
# and the workflow still succeeds; 1,000 tasks on 4 agents finish with
# exact counts in the report.
. "$(dirname "$0")/lib.bash"

cat >"$T/crash.yaml" <<YAML
agents:
  - {id: w1, capabilities: [shell]}
  - {id: w2, capabilities: [shell]}
stages:
  - name: s
    tasks:
      - id: survivor
        requires: [shell]
        command: "if [ -e $T/started ]; then echo finished on \$ORCH_AGENT_ID; else echo \$ORCH_AGENT_ID > $T/started; exec sleep 60; fi"
        retry: {max: 1}
YAML
"$SUP" -L "$INST" -g 1 -w "$T/crash.yaml" --report "$T/crash.json" >"$T/wf.out" 2>"$T/sup.log" &
s=$!
PIDS="$PIDS $s"
wait_until 10 test -s "$T/started" || fail "the task did not start"
first=$(cat "$T/started")
kill -9 "$(field_of "$first" 4)"
wait_exit $s 20
rc=$?
[ "$rc" = 0 ] || fail "workflow exit $rc: $(cat "$T/wf.out")"
other=w1
[ "$first" = w1 ] && other=w2
grep -q "^survivor  *s  *ok  *$other  *2 " "$T/wf.out" || fail "not retried on $other: $(cat "$T/wf.out")"
grep -q "task survivor: the agent's actor died during the task on $first; retry 1 of 1" "$T/sup.log" ||
    fail "crash not reported: $(grep survivor "$T/sup.log")"
pgrep -f "^sleep 60$" >/dev/null && fail "the crashed attempt's process survived"

# 1,000 trivial tasks on 4 agents.
{
	echo "agents:"
	for i in 1 2 3 4; do echo "  - {id: a$i, capabilities: [shell]}"; done
	echo "stages:"
	echo "  - name: many"
	echo "    parallel: true"
	echo "    tasks:"
	for i in $(seq 1000); do echo "      - {command: \"true\"}"; done
} >"$T/many.yaml"
"$SUP" -L "$INST" -g 1 -w "$T/many.yaml" --report "$T/many.json" >"$T/wf.out" 2>"$T/sup.log"
rc=$?
[ "$rc" = 0 ] || fail "1,000 tasks: exit $rc: $(tail -3 "$T/wf.out")"
grep -q "^1000 of 1000 tasks succeeded" "$T/wf.out" || fail "summary: $(tail -1 "$T/wf.out")"
[ "$(grep -c '"status": "ok"' "$T/many.json")" = 1000 ] || fail "report: not 1000 ok"
[ "$(grep -c '"attempts": 1' "$T/many.json")" = 1000 ] || fail "report: attempts"
for i in 1 2 3 4; do
	n=$(grep -c "^many-[0-9]*  *many  *ok  *a$i " "$T/wf.out")
	[ "$n" -gt 0 ] || fail "agent a$i ran nothing"
done
exit 0
