#!/usr/bin/env bash
# Interactive Claude Code agents with the real CLI, offline: each agent's
# session runs the claude TUI (watched here through orch-attach in tmux,
# as a person would), a prompt task is pasted in and ends on Stop with
# Claude's answer as its output; two prompts on one agent are one
# conversation (the second request carries the first exchange); in a
# pipeline, agent A's answer reaches agent B's prompt; an API error fails
# its task with Claude Code's words (StopFailure). orch's hooks come
# in a settings file of the run directory; the user's settings are not
# touched.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

mkdir -p "$T/wa" "$T/wb"
claude_home "$T/wa" "$T/wb"
stand_in '[{"text": "ANSWER-ONE"}, {"text": "ANSWER-TWO"}, {"text": "ANSWER-THREE"},
  {"when": "typed by a person", "text": "PERSON-ANSWER", "delay_ms": 2000},
  {"when": "queued meanwhile", "text": "QUEUED-ANSWER"},
  {"when": "break it", "status": 400, "error": "the stand-in refuses this request"}]'

cat >"$T/orch.yaml" <<YAML
agents:
  - {id: ca, runner: claude, claude: {mode: interactive}, session: {cwd: $T/wa, env: $(claude_env)}}
  - {id: cb, runner: claude, claude: {mode: interactive}, session: {cwd: $T/wb, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 60 ca idle
wait_status 60 cb idle
grep -q "actor\[ca\]: Claude Code session [0-9a-f-]*$" "$T/sup.log" || fail "no SessionStart: $(grep 'actor\[ca\]' "$T/sup.log")"
settings=$RUNDIR/actors/ca.claude.json
jq -e '.hooks.Stop[0].hooks[0].command | test("orch-ctl. hook --socket .* Stop$")' "$settings" >/dev/null ||
    fail "no Stop hook in $settings: $(cat "$settings")"
for e in SessionStart UserPromptSubmit Stop StopFailure Notification PermissionRequest PreToolUse SessionEnd; do
	jq -e --arg e "$e" '.hooks[$e] | length == 1' "$settings" >/dev/null || fail "no $e hook"
done
pgrep -af "claude --settings $settings" >/dev/null || fail "claude not run with --settings: $(pgrep -af claude)"

# A person watches ca's TUI.
TM="tmux -L person-$INST -f /dev/null"
$TM new-session -d -s t -x 120 -y 40 "$ATT -L $INST -r ca; sleep 600"
pane_has() { $TM capture-pane -p -t t | grep -q -- "$1"; }

out=$("$CTL" -L "$INST" submit --agent ca --id q1 --prompt --wait -- "first question") ||
    fail "first prompt failed: $out $(tail -5 "$T/sup.log")"
[ "$out" = ANSWER-ONE ] || fail "output is not Stop's last_assistant_message: '$out'"
wait_until 10 pane_has ANSWER-ONE || fail "the TUI did not show the answer: $($TM capture-pane -p -t t)"
wait_until 10 pane_has "first question" || fail "the TUI did not show the prompt"

out=$("$CTL" -L "$INST" submit --agent ca --id q2 --prompt --wait -- "second question") || fail "second prompt failed: $out"
[ "$out" = ANSWER-TWO ] || fail "second output: '$out'"
# One conversation: what Claude Code sent for the second carries the first.
[ "$(requests_with '(.tools | length > 0) and (tostring | test("second question")) and
    (tostring | test("first question")) and (tostring | test("ANSWER-ONE"))')" -ge 1 ] ||
    fail "the second prompt's request does not carry the first exchange"
"$CTL" -L "$INST" tasks | grep -q "^2:q2 .* ok .*ca" || fail "task rows: $("$CTL" -L "$INST" tasks)"
sid=$(cat "$XDG_STATE_HOME/orch/$INST/claude/ca.session") || fail "no session id kept in the state directory"
echo "$sid" | grep -Eq '^[0-9a-f-]{36}$' || fail "session id kept: '$sid'"
grep -q "Claude Code session $sid" "$T/sup.log" || fail "the kept session is not SessionStart's"

# An API error ends the turn with StopFailure: the task fails, saying so.
out=$("$CTL" -L "$INST" submit --agent ca --id broken --prompt --wait -- "break it") && fail "an API error succeeded: $out"
"$CTL" -L "$INST" tasks | grep "3:broken" | grep -q "failed .*Claude Code stopped on an error: .*the stand-in refuses this request" ||
    fail "StopFailure: $("$CTL" -L "$INST" tasks | grep broken)"
wait_status 10 ca idle

# A pipeline: ca's answer is cb's prompt.
cat >"$T/wf.yaml" <<'YAML'
name: relay
stages:
  - name: ask
    tasks:
      - {id: a, agent: ca, prompt: "give me a word"}
  - name: pass
    dependsOn: ask
    tasks:
      - {id: b, agent: cb, prompt: "continue from: {{ tasks.a.output }}"}
YAML
"$CTL" -L "$INST" workflow run "$T/wf.yaml" --wait >"$T/wf.out" 2>&1 || fail "pipeline: $(cat "$T/wf.out")"
[ "$(requests_with '(.tools | length > 0) and (tostring | test("continue from: ANSWER-THREE")) and
    (.system | tostring | test("wb"))')" -ge 1 ] || fail "cb's request does not carry ca's answer"

# A person types into cb's TUI: cb works on it (status working, no task of
# orch's), and a prompt task sent meanwhile waits for cb to be idle rather
# than being typed into a busy Claude Code.
$TM new-window -d -t t -n rw "$ATT -L $INST cb; sleep 600"
rw_has() { $TM capture-pane -p -t t:rw | grep -q -- "$1"; }
wait_until 20 rw_has "ANSWER-ONE" || fail "cb's TUI not shown: $($TM capture-pane -p -t t:rw)"
$TM send-keys -t t:rw -l "typed by a person"
wait_until 10 rw_has "typed by a person" || fail "the typing is not shown"
$TM send-keys -t t:rw Enter
wait_status 10 cb working
("$CTL" -L "$INST" submit --agent cb --id queued --prompt --wait -- "queued meanwhile" >"$T/queued.out" 2>&1
    echo $? >"$T/queued.rc") &
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q ':queued .* pending'" ||
    fail "the task did not wait for the person's prompt: $("$CTL" -L "$INST" tasks)"
wait_until 20 rw_has PERSON-ANSWER || fail "the person's prompt got no answer"
wait_until 30 test -s "$T/queued.rc" || fail "the queued task never ran"
[ "$(cat "$T/queued.out")" = QUEUED-ANSWER ] || fail "queued task: $(cat "$T/queued.out")"

# The example of the README is valid.
"$SUP" --check -w "$here/examples/claude-interactive.yaml" >"$T/check.out" 2>&1 ||
    fail "examples/claude-interactive.yaml: $(cat "$T/check.out")"

# Nothing of orch in the user's own settings.
[ ! -e "$HOME/.claude/settings.json" ] || ! grep -q orch-ctl "$HOME/.claude/settings.json" ||
    fail "orch's hooks went into the user's settings"
grep -q orch-ctl "$HOME/.claude.json" && fail "orch's hooks went into ~/.claude.json"

"$CTL" -L "$INST" shutdown >/dev/null || fail "shutdown"
wait_exit "$SUP_PID" 20 >/dev/null || fail "supervisor did not stop"
[ ! -e "$settings" ] || fail "the settings file outlived its agent"
exit 0
