#!/usr/bin/env bash
# A task whose agent's actor is killed mid-run is retried on another agent
# and the workflow still succeeds, with nothing of the first attempt left
# (neither its process group nor a job it put in a group of its own);
# 1,000 tasks on 4 agents finish with exact counts in the report.
. "$(dirname "$0")/lib.bash"

# Sleeps only this script runs: pgrep must not see another test's.
nap=$((700000 + $$ % 100000))
job=$((nap + 1))

cat >"$T/crash.yaml" <<YAML
agents:
  - {id: w1, capabilities: [shell]}
  - {id: w2, capabilities: [shell]}
stages:
  - name: s
    tasks:
      - id: survivor
        requires: [shell]
        command: "if [ -e $T/started ]; then echo finished on \$ORCH_AGENT_ID; else perl -e 'setpgrp(0, 0); exec(\"sleep\", $job)' & echo \$ORCH_AGENT_ID > $T/started; exec sleep $nap; fi"
        retry: {max: 1}
YAML
"$SUP" -L "$INST" -g 1 -w "$T/crash.yaml" --report "$T/crash.json" >"$T/wf.out" 2>"$T/sup.log" &
s=$!
PIDS="$PIDS $s"
wait_until 10 test -s "$T/started" || fail "the task did not start"
first=$(cat "$T/started")
wait_until 10 pgrep -f "^sleep $nap\$" >/dev/null || fail "the task did not exec sleep"
# The job is in a process group of its own, in the agent's session.
jpid=$(pgrep -f "^sleep $job\$") || fail "the task's job did not start"
npid=$(pgrep -f "^sleep $nap\$")
[ "$(ps -o pgid= -p "$jpid")" != "$(ps -o pgid= -p "$npid")" ] ||
    fail "the job shares the task's process group"
[ "$(ps -o sid= -p "$jpid")" = "$(ps -o sid= -p "$npid")" ] ||
    fail "the job left the session"
kill -9 "$(field_of "$first" 4)"
wait_exit $s 20
rc=$?
[ "$rc" = 0 ] || fail "workflow exit $rc: $(cat "$T/wf.out")"
other=w1
[ "$first" = w1 ] && other=w2
grep -q "^survivor  *s  *ok  *$other  *2 " "$T/wf.out" || fail "not retried on $other: $(cat "$T/wf.out")"
grep -q "task survivor: the agent's actor died during the task on $first; retry 1 of 1" "$T/sup.log" ||
    fail "crash not reported: $(grep survivor "$T/sup.log")"
# The supervisor is gone, so nothing can sweep later: SIGKILL must have
# been sent already; give it moments to land.
wait_until 2 sh -c "! pgrep -f '^sleep $nap\$' >/dev/null" ||
    fail "the crashed attempt's process survived"
wait_until 2 sh -c "! pgrep -f '^sleep $job\$' >/dev/null" ||
    fail "the crashed attempt's job survived"

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
