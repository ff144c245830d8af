#!/usr/bin/env bash
# Claude Code in print mode (runner: claude's default), the real CLI
# offline: prompt tasks on one agent are one conversation (--resume of
# the session the last result named); its permission prompts come to
# orch on the stream-json pipe (--permission-prompt-tool stdio) and go
# through the same gate: on a tier-2 agent a Bash rm waits (agent and task
# waiting) until approved (it runs) or denied (the model is told, the file
# stays); each result's cost, turns and tokens are kept with the task
# (tasks --json, the bank, the -w report).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"

mkdir -p "$T/w"
claude_home "$T/w"
stand_in '[{"text": "FIRST"},
  {"when": "second question", "text": "SECOND"},
  {"when": "remove the victim", "tool": "Bash", "input": {"command": "rm victim", "description": "remove it"}},
  {"when": "denied by a person through orch", "text": "WAS-DENIED"},
  {"when": "completed with no output", "text": "WAS-REMOVED"}]'
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: hp, tier: 2, runner: claude, session: {cwd: $T/w, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 20 hp idle

out=$("$CTL" -L "$INST" submit --agent hp --id one --prompt --wait -- "first question") || fail "first: $out"
[ "$out" = FIRST ] || fail "first output: $out"
sid=$(cat "$XDG_STATE_HOME/orch/$INST/claude/hp.session") || fail "no session kept"
out=$("$CTL" -L "$INST" submit --agent hp --id two --prompt --wait -- "second question") || fail "second: $out"
[ "$out" = SECOND ] || fail "second output: $out"
[ "$(requests_with '(.tools | length > 0) and (tostring | test("second question")) and (tostring | test("first question")) and
    (tostring | test("FIRST"))')" -ge 1 ] || fail "the second prompt did not go on with the first's conversation"
[ -z "$(mine "claude -p")" ] || fail "claude -p still runs after its task"

task_status() { "$CTL" -L "$INST" tasks --json | jq -r --arg t "$1" '.tasks[] | select(.task == $t) | .status'; }
task_is() { [ "$(task_status "$1")" = "$2" ]; }
ask() {	# ask ID: the rm prompt in the background
	("$CTL" -L "$INST" submit --agent hp --id "$1" --prompt --wait -- "remove the victim" >"$T/$1.out" 2>&1
	    echo $? >"$T/$1.rc") &
}
touch "$T/w/victim"
ask deny-me
wait_until 30 task_is 3:deny-me waiting || fail "not held: $("$CTL" -L "$INST" tasks)"
is_status hp waiting || fail "hp is $(status_of hp)"
[ -e "$T/w/victim" ] || fail "removed before anyone decided"
"$CTL" -L "$INST" deny 3:deny-me >/dev/null || fail "deny"
wait_until 30 test -s "$T/deny-me.rc" || fail "denied task did not end"
[ "$(cat "$T/deny-me.out")" = WAS-DENIED ] || fail "after denial: $(cat "$T/deny-me.out")"
[ -e "$T/w/victim" ] || fail "denied, yet removed"

ask approve-me
wait_until 30 task_is 4:approve-me waiting || fail "second rm not held"
"$CTL" -L "$INST" approve 4:approve-me >/dev/null || fail "approve"
wait_until 30 test -s "$T/approve-me.rc" || fail "approved task did not end"
[ "$(cat "$T/approve-me.out")" = WAS-REMOVED ] || fail "after approval: $(cat "$T/approve-me.out")"
[ ! -e "$T/w/victim" ] || fail "approved, yet not removed"
"$CTL" -L "$INST" audit | grep -q "approved .*agent hp .*Bash: rm victim" || fail "no approval in the audit log"

# The cost of each, kept with the task.
"$CTL" -L "$INST" tasks --json | jq -e '.tasks[] | select(.task == "1:one") |
    .cost_usd > 0 and .turns >= 1 and .tokens_in > 0 and .tokens_out > 0' >/dev/null ||
    fail "no cost in tasks --json: $("$CTL" -L "$INST" tasks --json | jq -c '.tasks[0]')"
"$CTL" -L "$INST" mem get task/1:one/cost | jq -e '.total_cost_usd > 0 and .num_turns >= 1' >/dev/null ||
    fail "no cost in the bank: $("$CTL" -L "$INST" mem get task/1:one/cost)"
"$CTL" -L "$INST" shutdown >/dev/null; wait_exit "$SUP_PID" 20 >/dev/null

printf 'stages:\n  - {name: s, tasks: [{id: w, agent: hp, prompt: "first question"}]}\n' >"$T/wf.yaml"
"$SUP" -L "$INST" -g 1 -c "$T/orch.yaml" -w "$T/wf.yaml" --report "$T/r.json" >"$T/wf.out" 2>"$T/sup.log" ||
    fail "-w run: $(cat "$T/wf.out")"
jq -e '.tasks[0].claude.total_cost_usd > 0 and .tasks[0].claude.num_turns >= 1 and
    .tasks[0].claude.usage.output_tokens > 0' "$T/r.json" >/dev/null || fail "no cost in the report: $(cat "$T/r.json")"
exit 0
