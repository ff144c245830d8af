#!/usr/bin/env bash
# Large values reach the next task: an output of 3 MiB pasted with
# {{ tasks.ID.output }} (far past the kernel's 128 KiB for one argument)
# runs, and the task sees all of it; and the same through ORCH_INPUT.
. "$(dirname "$0")/lib.bash"

cat >"$T/wf.yaml" <<'YAML'
stages:
  - name: make
    tasks:
      - {id: up, command: "head -c 2359296 /dev/zero | base64 -w 0"}
  - name: use
    dependsOn: [make]
    tasks:
      - {id: down, command: "printf %s '{{ tasks.up.output }}' | wc -c; wc -c <\"$ORCH_INPUT\""}
  - name: side
    tasks:
      - {id: huge, command: "head -c 17000000 /dev/zero | tr '\\0' a"}
YAML
"$SUP" -L "$INST" -g 1 -w "$T/wf.yaml" --report "$T/r.json" >"$T/wf.out" 2>"$T/sup.log" ||
    fail "the workflow failed: $(cat "$T/wf.out")"
grep -B12 '"task": "down"' "$T/r.json" | grep -q '"output": "3145728\\n3145728\\n"' ||
    fail "down did not see it all: $(grep -B12 '"task": "down"' "$T/r.json" | head -c 600)"
# Past 16 MiB the output passed on is cut, and the report says so.
grep -A4 '"task": "huge"' "$T/r.json" | grep -q '"truncated": true' || fail "huge: not marked truncated"
grep -A4 '"task": "up"' "$T/r.json" | grep -q '"truncated": false' || fail "up: marked truncated"
# Its command file is gone with the run.
[ -z "$(ls "$RUNDIR/tasks" 2>/dev/null)" ] || fail "left in tasks/: $(ls "$RUNDIR/tasks")"
echo ok
