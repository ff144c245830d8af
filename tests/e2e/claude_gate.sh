#!/usr/bin/env bash
# Tool calls of an interactive Claude Code go through orch's gate (the
# real CLI, offline; its default permission mode runs a Bash rm with no
# PermissionRequest, so PreToolUse must hold it). On a tier-2 agent the
# scripted Bash `rm victim` holds: the agent and its task wait (status,
# orch-attach -l, the bus), nothing is removed; approve lets it run (the
# file is gone); deny makes Claude Code send the denial back to the model
# (the stand-in sees it in the tool_result) and the file stays. Every
# decision is in the audit log, and the operator is told (notify-send). A
# tier-1 agent runs it with no hold; on
# tier 3 even `ls` waits, and a call no task asked for (a person typed
# the prompt into the TUI through orch-attach) is approved by the
# agent's name.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

mkdir -p "$T/w2" "$T/w1" "$T/w3"
claude_home "$T/w2" "$T/w1" "$T/w3"
# Step by the conversation's assistant messages: a tool call, then text.
stand_in '[{"tool": "Bash", "input": {"command": "rm victim", "description": "remove the victim"}},
  {"text": "DONE-AFTER-TOOL"}, {"tool": "Bash", "input": {"command": "rm victim", "description": "again"}},
  {"text": "DONE-AGAIN"},
  {"when": "remove it as orch stops", "tool": "Bash", "input": {"command": "rm victim", "description": "at the end"}}]'
API2=$API
# Tier 3's own script: harmless commands only.
stand_in '[{"tool": "Bash", "input": {"command": "ls", "description": "list"}}, {"text": "LISTED"},
  {"tool": "Bash", "input": {"command": "ls -a", "description": "list all"}}, {"text": "LISTED-FOR-A-PERSON"}]'
API3=$API
API=$API2
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: t2, tier: 2, runner: claude, claude: {mode: interactive}, session: {cwd: $T/w2, env: $(claude_env)}}
  - {id: t1, tier: 1, runner: claude, claude: {mode: interactive}, session: {cwd: $T/w1, env: $(claude_env)}}
  - {id: t3, tier: 3, permissions: [command:execute], runner: claude, claude: {mode: interactive}, session: {cwd: $T/w3, env: $(API=$API3 claude_env)}}
YAML
# A desktop to notify: notify-send, as the operator's machine has it.
mkdir -p "$T/desk"
printf '#!/bin/sh\nprintf "%%s|%%s\\n" "$1" "$2" >>"%s/notified"\n' "$T" >"$T/desk/notify-send"
chmod +x "$T/desk/notify-send"
PATH=$T/desk:$PATH start_sup -c "$T/orch.yaml"
for a in t2 t1 t3; do wait_status 60 $a idle; done
"$CTL" -L "$INST" events --follow --type 'agent.*' --json >"$T/bus.jsonl" 2>/dev/null &
PIDS="$PIDS $!"

submit() {	# submit AGENT ID: the prompt, in the background, output in $T/ID.out
	("$CTL" -L "$INST" submit --agent "$1" --id "$2" --prompt --wait -- "please remove the victim" >"$T/$2.out" 2>&1
	    echo $? >"$T/$2.rc") &
}
task_status() { "$CTL" -L "$INST" tasks --json | jq -r --arg t "$1" '.tasks[] | select(.task == $t) | .status'; }
task_is() { [ "$(task_status "$1")" = "$2" ]; }

# Tier 2: held, then approved.
touch "$T/w2/victim"
submit t2 approve-me
wait_status 30 t2 waiting
wait_until 10 task_is 1:approve-me waiting || fail "task not waiting: $("$CTL" -L "$INST" tasks)"
"$CTL" -L "$INST" tasks | grep "1:approve-me" | grep -q "Bash: rm victim held for approval (tier 2: 'rm' needs approval)" ||
    fail "no reason shown: $("$CTL" -L "$INST" tasks)"
"$ATT" -L "$INST" -l | grep -q "^t2 .*waiting" || fail "orch-attach -l: $("$ATT" -L "$INST" -l)"
[ -e "$T/w2/victim" ] || fail "removed before anyone approved"
wait_until 10 grep -q '"agent.waiting"' "$T/bus.jsonl" || fail "no agent.waiting on the bus: $(cat "$T/bus.jsonl")"
wait_until 10 grep -q "^orch: agent t2 waits|Bash: rm victim held for approval" "$T/notified" ||
    fail "the operator was not notified: $(cat "$T/notified" 2>&1)"
"$CTL" -L "$INST" approve 1:approve-me >/dev/null || fail "approve"
wait_until 30 test -s "$T/approve-me.rc" || fail "the task did not end after approval"
[ "$(cat "$T/approve-me.rc")" = 0 ] || fail "approved task failed: $(cat "$T/approve-me.out")"
[ "$(cat "$T/approve-me.out")" = DONE-AFTER-TOOL ] || fail "output: $(cat "$T/approve-me.out")"
[ ! -e "$T/w2/victim" ] || fail "approved, yet the file is still there"
is_status t2 idle || fail "t2 is $(status_of t2) after its task"

# Tier 2 again: denied; Claude Code tells the model.
touch "$T/w2/victim"
submit t2 deny-me
wait_until 30 task_is 2:deny-me waiting || fail "second task not waiting"
"$CTL" -L "$INST" deny 2:deny-me >/dev/null || fail "deny"
wait_until 30 test -s "$T/deny-me.rc" || fail "the task did not end after denial"
[ "$(cat "$T/deny-me.out")" = DONE-AGAIN ] || fail "output after denial: $(cat "$T/deny-me.out")"
[ -e "$T/w2/victim" ] || fail "denied, yet the file is gone"
[ "$(requests_with '[.messages[-1].content | arrays | .[] | select(.type == "tool_result" and .is_error == true and
    (.content | tostring | test("denied by a person through orch")))] | length > 0')" -ge 1 ] ||
    fail "the model was not told of the denial: $(tail -c 1500 "$T/requests.log")"
"$CTL" -L "$INST" audit >"$T/audit.out" || fail "audit"
for d in held approved refused; do
	grep -q "^[^ ]* *$d *agent t2 .*Bash: rm victim" "$T/audit.out" || fail "no '$d' in the audit log: $(cat "$T/audit.out")"
done

# Tier 1: it just runs.
touch "$T/w1/victim"
out=$("$CTL" -L "$INST" submit --agent t1 --id free --prompt --wait -- "remove it") || fail "tier 1: $out"
[ "$out" = DONE-AFTER-TOOL ] && [ ! -e "$T/w1/victim" ] || fail "tier 1 did not run it: $out"
grep -q "held .*agent t1" "$T/audit.out" && fail "tier 1 was held"

# Tier 3: even ls waits.
submit t3 ls-me
wait_until 30 task_is 4:ls-me waiting || fail "tier 3 ls not held: $("$CTL" -L "$INST" tasks)"
"$CTL" -L "$INST" tasks | grep "4:ls-me" | grep -q "Bash: ls held for approval (tier 3: every tool call needs approval)" ||
    fail "tier 3 reason: $("$CTL" -L "$INST" tasks)"
"$CTL" -L "$INST" approve 4:ls-me >/dev/null || fail "approve tier 3"
wait_until 30 test -s "$T/ls-me.rc" || fail "tier 3 task did not end"
[ "$(cat "$T/ls-me.out")" = LISTED ] || fail "tier 3 output: $(cat "$T/ls-me.out")"
"$CTL" -L "$INST" approve t3 2>&1 | grep -q "no such task" || fail "an agent holding nothing was approved"

# A person types into t3's TUI: its tool call waits on orch all the same.
TM="tmux -L person-$INST -f /dev/null"
$TM new-session -d -s p -x 120 -y 40 "$ATT -L $INST t3; sleep 600"
pane_has() { $TM capture-pane -p -t p | grep -q -- "$1"; }
wait_until 20 pane_has LISTED || fail "the TUI is not shown: $($TM capture-pane -p -t p)"
$TM send-keys -t p -l "list everything please"
# Enter once the text is seen in the input box, as a person would.
wait_until 10 pane_has "list everything please" || fail "the typing is not shown"
$TM send-keys -t p Enter
wait_status 30 t3 waiting
"$CTL" -L "$INST" status | grep "^t3 " >/dev/null || fail "status"
"$CTL" -L "$INST" approve t3 >/dev/null || fail "approve by the agent's name"
wait_until 30 pane_has LISTED-FOR-A-PERSON || fail "the person's prompt did not go on: $($TM capture-pane -p -t p)"
wait_status 10 t3 idle

# A call still held when the supervisor stops is refused, not let through.
touch "$T/w2/victim"
("$CTL" -L "$INST" submit --agent t2 --id at-shutdown --prompt --wait -- "remove it as orch stops" >/dev/null 2>&1 &)
wait_until 30 task_is 5:at-shutdown waiting || fail "not held before the shutdown: $("$CTL" -L "$INST" tasks)"
"$CTL" -L "$INST" shutdown >/dev/null || fail "shutdown"
wait_exit "$SUP_PID" 30 >/dev/null
[ -e "$T/w2/victim" ] || fail "a call held at shutdown was let through"
exit 0
