#!/usr/bin/env bash
# orch-ctl: exec with exit status, output and timeout; busy and unknown
# agents; runtime deploy, terminate and restart; bad requests get clear
# errors and the supervisor keeps serving.
. "$(dirname "$0")/lib.bash"

"$CTL" -L "$INST" status 2>"$T/err.log"
[ $? = 2 ] && grep -q "no supervisor running for instance $INST" "$T/err.log" ||
    fail "no supervisor: $(cat "$T/err.log")"

start_sup
wait_status 10 worker-1 idle

out=$("$CTL" -L "$INST" exec worker-1 -- sh -c 'echo out; echo err >&2; exit 3' 2>&1)
rc=$?
[ "$rc" = 3 ] || fail "exec exit $rc"
[ "$out" = "$(printf 'out\nerr')" ] || fail "exec output: $out"
"$CTL" -L "$INST" exec -t 0.3 worker-1 -- sleep 30 2>"$T/err.log"
rc=$?
[ "$rc" = 124 ] && grep -q "timed out" "$T/err.log" || fail "timeout: exit $rc"
"$CTL" -L "$INST" exec --json worker-1 -- true | grep -q '"exit": 0' || fail "exec --json"
# As a shell: 127 not found, 126 not executable, the reason as output.
"$CTL" -L "$INST" exec worker-1 -- /nonexistent/cmd >"$T/err.log" 2>&1
[ $? = 127 ] && grep -q "/nonexistent/cmd: No such file" "$T/err.log" || fail "exec of a missing command: $(cat "$T/err.log")"
"$CTL" -L "$INST" exec worker-1 -- nosuchcommand-orch >"$T/err.log" 2>&1
[ $? = 127 ] || fail "exec of a command not on PATH: $(cat "$T/err.log")"
"$CTL" -L "$INST" exec worker-1 -- /etc/passwd >"$T/err.log" 2>&1
[ $? = 126 ] && grep -q "Permission denied" "$T/err.log" || fail "exec of a non-executable: $(cat "$T/err.log")"
# --json prints the result and still exits with the task's status.
"$CTL" -L "$INST" exec --json worker-1 -- sh -c 'exit 3' >"$T/json.out"
[ $? = 3 ] || fail "exec --json: exit status not passed on"
grep -q '"exit": 3' "$T/json.out" || fail "exec --json: $(cat "$T/json.out")"
"$ATT" -L "$INST" -i nosuch >/dev/null 2>"$T/err.log"
[ $? = 2 ] || fail "orch-attach -i of an unknown agent: not 2: $(cat "$T/err.log")"

# Busy: a second task on a working agent is refused, not queued.
"$CTL" -L "$INST" exec worker-2 -- sleep 5 >/dev/null 2>&1 &
wait_status 10 worker-2 working
"$CTL" -L "$INST" exec worker-2 -- true 2>"$T/err.log"
[ $? = 1 ] && grep -q "agent is busy" "$T/err.log" || fail "busy: $(cat "$T/err.log")"
"$CTL" -L "$INST" status | grep -q '^worker-2 .* working .* sleep 5 ' || fail "current task not shown"

"$CTL" -L "$INST" exec ghost -- true 2>"$T/err.log"
[ $? = 1 ] && grep -q "no agent 'ghost'" "$T/err.log" || fail "unknown agent: $(cat "$T/err.log")"

# Deploy, with a bad request first.
"$CTL" -L "$INST" agent deploy x1 --type boss 2>"$T/err.log"
[ $? = 1 ] && grep -q "agent.type: 'boss' is not one of: primary, worker, specialist" "$T/err.log" ||
    fail "bad deploy: $(cat "$T/err.log")"
"$CTL" -L "$INST" agent deploy x1 --type specialist --cap react,webpack \
    --env GREETING=hi --cwd /tmp --restart transient >/dev/null || fail "deploy"
is_status x1 idle || fail "deployed agent not idle"
"$CTL" -L "$INST" status | grep -q '^x1 .*specialist .*idle .*react,webpack$' || fail "deployed row"
out=$("$CTL" -L "$INST" exec x1 -- sh -c 'echo $GREETING $ORCH_AGENT_ID; pwd')
[ "$out" = "$(printf 'hi x1\n/tmp')" ] || fail "deployed session env/cwd: $out"
"$CTL" -L "$INST" agent deploy x1 2>"$T/err.log"
[ $? = 1 ] && grep -q "already running" "$T/err.log" || fail "double deploy"

"$CTL" -L "$INST" agent terminate x1 >/dev/null || fail "terminate"
is_status x1 terminated || fail "x1 is $(status_of x1)"
[ ! -e "$RUNDIR/actors/x1.sock" ] || fail "socket left after terminate"
"$CTL" -L "$INST" agent restart x1 >/dev/null || fail "restart a terminated agent"
is_status x1 idle || fail "x1 not back"
old=$(field_of worker-3 4)
"$CTL" -L "$INST" agent restart worker-3 >/dev/null || fail "restart"
is_status worker-3 idle || fail "worker-3 is $(status_of worker-3)"
[ "$(field_of worker-3 4)" != "$old" ] || fail "restart kept the pid"
[ "$(field_of worker-3 5)" = 0 ] || fail "a requested restart counted as a crash"
"$CTL" -L "$INST" agent terminate ghost 2>/dev/null && fail "terminate of an unknown agent"

# Inspect shows the history and the session's output.
"$ATT" -L "$INST" -i worker-1 >"$T/inspect.out" || fail "inspect"
grep -q "failed .* sh -c echo out; echo err >&2; exit 3" "$T/inspect.out" || fail "history: $(cat "$T/inspect.out")"
grep -q "timeout .* sleep 30" "$T/inspect.out" || fail "timeout in history"
grep -q "^\[orch\] task exec-1 exited 3" "$T/inspect.out" || fail "scrollback: $(cat "$T/inspect.out")"
"$ATT" -L "$INST" -i worker-1 --json | grep -q '"scrollback": ".*\[orch\] task exec-1' || fail "inspect --json"
"$ATT" -L "$INST" -l | grep -q '^x1 ' || fail "attach -l"

"$CTL" -L "$INST" frobnicate 2>/dev/null; [ $? = 2 ] || fail "unknown command"
"$CTL" -L "$INST" shutdown || fail "shutdown"
wait_exit "$SUP_PID" 15 || fail "supervisor exit after shutdown"
exit 0
