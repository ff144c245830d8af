#!/usr/bin/env bash
# Crash-restart supervision: kill -9 restarts an actor; a crash loop ends in
# error without disturbing the others; a transient agent that exits 0 stays
# down; a missing actor binary is an error, not a crash loop.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: steady
  - id: loop
    session: {shell: /nonexistent/shell}
    restart: {policy: permanent, max: 3, within: 60}
  - id: once
    session: {shell: /bin/true}
    restart: transient
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 steady idle
wait_status 10 loop error
grep -q "agent loop: .*3 restarts in 60 s exceed the limit (3): giving up" "$T/sup.log" ||
    fail "no give-up message"
grep -q "session shell /nonexistent/shell: No such file" "$T/sup.log" ||
    fail "the cause of the crash loop is not shown"
[ "$(field_of loop 5)" = 3 ] || fail "loop restarts: $(field_of loop 5)"
wait_status 10 once terminated
[ "$(field_of once 5)" = 0 ] || fail "transient agent was restarted"

# kill -9: back to idle, restart counted, new pid; it still works.
old=$(field_of steady 4)
kill -9 "$old"
wait_until 10 sh -c "[ \"\$('$CTL' -L $INST status | awk '\$1 == \"steady\" { print \$3, \$5 }')\" = 'idle 1' ]" ||
    fail "steady not restarted: $(status_of steady) $(field_of steady 5)"
[ "$(field_of steady 4)" != "$old" ] || fail "same pid after restart"
out=$("$CTL" -L "$INST" exec steady -- echo still-here) || fail "exec after restart"
[ "$out" = still-here ] || fail "exec output: $out"
"$ATT" -L "$INST" -i steady | grep -q '^last_exit *killed by signal 9' ||
    fail "last exit reason not kept"

# An actor binary that cannot be executed: error at once, no loop.
kill -TERM "$SUP_PID"; wait_exit "$SUP_PID" 15

# kill -9 of an actor whose session shell left a job in a process group of
# its own, then an immediate shutdown: the job dies too, even though the
# sweep of the old session was not due yet.
job=$((800000 + $$ % 100000))
cat >"$T/jobshell" <<SH
#!/bin/sh
perl -e 'setpgrp(0, 0); exec("sleep", $job)' &
exec /bin/sh
SH
chmod +x "$T/jobshell"
printf 'agents:\n  - id: jobs\n    session: {shell: %s}\n' "$T/jobshell" >"$T/jobs.yaml"
start_sup -c "$T/jobs.yaml"
wait_status 10 jobs idle
wait_until 10 pgrep -f "^sleep $job\$" >/dev/null || fail "the session's job did not start"
jpid=$(pgrep -f "^sleep $job\$")
[ "$(ps -o sid= -p "$jpid")" -eq "$(session_ids)" ] || fail "the job is not in the session"
[ "$(ps -o pgid= -p "$jpid")" -ne "$(session_ids)" ] || fail "the job is in the shell's group"
kill -9 "$(field_of jobs 4)"
# Restarted (at once, the first time): the old session is due for a sweep.
restarted_once() { [ "$(field_of jobs 5)" = 1 ]; }
wait_until 10 restarted_once || fail "jobs not restarted"
kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 15
wait_until 2 sh -c "! pgrep -f '^sleep $job\$' >/dev/null" ||
    fail "a job was left behind: $(pgrep -af "^sleep $job\$")"
# A start that fails is a crash: retried with back-off, then error.
ORCH_ACTOR=/nonexistent/orch-actor start_sup
wait_status 10 worker-1 error
grep -q "worker-1: cannot start: /nonexistent/orch-actor: No such file or directory; retry 1 in 0 ms" "$T/sup.log" ||
    fail "start failure not retried: $(grep worker-1 "$T/sup.log")"
grep -q "worker-1: initializing -> error: /nonexistent/orch-actor: No such file.*exceed the limit (5): giving up" "$T/sup.log" ||
    fail "start failure not reported: $(grep worker-1 "$T/sup.log")"
[ "$(field_of worker-1 5)" = 5 ] || fail "start failures not counted as restarts: $(field_of worker-1 5)"
kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 15

# Descriptors exhausted during a restart: a passing shortage is not final.
command -v prlimit >/dev/null || fail "prlimit is not installed"
cat >"$T/fd.yaml" <<'YAML'
agents:
  - id: fd1
    restart: {policy: permanent, max: 50, within: 60}
YAML
start_sup -c "$T/fd.yaml"
wait_status 10 fd1 idle
pid=$(field_of fd1 4)
nfd=$(ls /proc/$SUP_PID/fd | wc -l)
hard=$(prlimit --pid "$SUP_PID" --nofile --output HARD --noheadings)
prlimit --pid "$SUP_PID" --nofile="$nfd:$hard" || fail "prlimit"
kill -9 "$pid"
wait_until 10 grep -q "fd1: cannot start: .*Too many open files; retry" "$T/sup.log" ||
    fail "no failed start under the limit: $(grep fd1 "$T/sup.log")"
prlimit --pid "$SUP_PID" --nofile="$hard:$hard" || fail "prlimit back"
wait_status 20 fd1 idle
"$CTL" -L "$INST" exec fd1 -- true || fail "fd1 does not work after the shortage"
exit 0
