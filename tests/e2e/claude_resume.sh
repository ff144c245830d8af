#!/usr/bin/env bash
# An interactive Claude Code agent keeps its conversation: kill -9 of the
# claude process in the middle of a task ends the actor, supervision
# restarts it with --resume of the same session id, and the task is
# retried by its policy (the retry's request carries the conversation);
# `orch-ctl agent restart --fresh` starts a new one. A task's timeout
# interrupts Claude (Escape) and fails the task, and the agent goes on.
# A conversation that cannot be resumed falls back to a new one.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"

mkdir -p "$T/w"
claude_home "$T/w"
stand_in '[{"text": "FIRST"},
  {"when": "the crash question", "text": "AFTER-THE-CRASH", "delay_ms": 60000, "once": true},
  {"when": "take your time", "text": "TOO-LATE", "delay_ms": 60000},
  {"when": "still there", "text": "STILL-HERE"}]'
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: cc, runner: claude, claude: {mode: interactive}, session: {cwd: $T/w, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 60 cc idle
claude_pid() { pgrep -f "claude --settings $RUNDIR/actors/cc.claude.json" | head -1; }

out=$("$CTL" -L "$INST" submit --agent cc --id one --prompt --wait -- "remember me") || fail "first: $out"
[ "$out" = FIRST ] || fail "first output: $out"
sid=$(cat "$XDG_STATE_HOME/orch/$INST/claude/cc.session") || fail "no session kept"

# Mid-task (the stand-in holds its answer), Claude Code is killed.
("$CTL" -L "$INST" submit --agent cc --id two --retry 1 --prompt --wait -- "the crash question" >"$T/two.out" 2>&1
    echo $? >"$T/two.rc") &
wait_until 30 sh -c "[ \$(grep -c 'the crash question' '$T/requests.jsonl' 2>/dev/null) -ge 1 ]" ||
    fail "the prompt never reached the API"
old=$(claude_pid)
kill -9 "$old"
wait_until 60 test -s "$T/two.rc" || fail "the task did not end after the crash"
[ "$(cat "$T/two.rc")" = 0 ] || fail "not retried to success: $(cat "$T/two.out") $(grep -i 'task 2:two' "$T/sup.log")"
[ "$(cat "$T/two.out")" = AFTER-THE-CRASH ] || fail "retry output: $(cat "$T/two.out")"
grep -q "resuming Claude Code session $sid" "$T/sup.log" || fail "not resumed with --resume $sid: $(grep -i resum "$T/sup.log")"
[ "$(claude_pid)" != "$old" ] || fail "the same claude still runs"
"$CTL" -L "$INST" tasks --json | jq -e '.tasks[] | select(.task == "2:two") | .attempts == 2 and .status == "ok"' >/dev/null ||
    fail "task row: $("$CTL" -L "$INST" tasks)"
[ "$(field_of cc 5)" -ge 1 ] || fail "no restart counted"
# The retry went on with the conversation: its request carries the first.
[ "$(requests_with '(.tools | length > 0) and (tostring | test("remember me")) and (tostring | test("the crash question"))')" -ge 2 ] ||
    fail "the retried prompt is not in the resumed conversation"
[ "$(cat "$XDG_STATE_HOME/orch/$INST/claude/cc.session")" = "$sid" ] || fail "the session changed on resume"

# A timeout interrupts Claude; the agent stays up, the same claude.
pid=$(claude_pid)
out=$("$CTL" -L "$INST" submit --agent cc --id slow --timeout 3 --prompt --wait -- "take your time") && fail "a timed-out task succeeded: $out"
"$CTL" -L "$INST" tasks | grep "3:slow" | grep -q "timed out after 3 s" || fail "timeout reason: $("$CTL" -L "$INST" tasks)"
grep -q "task 3:slow: timed out; interrupting Claude (Escape)" "$T/sup.log" || fail "no Escape"
wait_status 20 cc idle
[ "$(claude_pid)" = "$pid" ] || fail "claude was restarted for a timeout that Escape ended"
out=$("$CTL" -L "$INST" submit --agent cc --id after --prompt --wait -- "still there?") || fail "after the timeout: $out"
[ "$out" = STILL-HERE ] || fail "after the timeout: $out"

# A fresh conversation on request.
"$CTL" -L "$INST" agent restart --fresh cc >/dev/null || fail "restart --fresh"
wait_status 60 cc idle
out=$("$CTL" -L "$INST" submit --agent cc --id new --prompt --wait -- "who am I") || fail "fresh: $out"
[ "$out" = FIRST ] || fail "not a new conversation: $out"
new=$(cat "$XDG_STATE_HOME/orch/$INST/claude/cc.session")
[ -n "$new" ] && [ "$new" != "$sid" ] || fail "--fresh kept the session $sid"

# A session id that is no conversation: the start says so, the next is new.
"$CTL" -L "$INST" shutdown >/dev/null; wait_exit "$SUP_PID" 20 >/dev/null
echo 00000000-0000-0000-0000-000000000000 >"$XDG_STATE_HOME/orch/$INST/claude/cc.session"
start_sup -c "$T/orch.yaml"
wait_status 60 cc idle
grep -q "Claude Code exited .* before it started (resuming its conversation: the next start is a new one)" "$T/sup.log" ||
    fail "no word of the failed resume: $(grep -i claude "$T/sup.log" | tail -5)"
exit 0
