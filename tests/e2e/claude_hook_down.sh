#!/usr/bin/env bash
# A hook that cannot reach orch does not wedge Claude Code, and fails as
# documented: the real CLI runs with the settings orch wrote for a tier-2
# agent and for a tier-1 one, but their socket gone. Stop and the other
# hooks fail without blocking (claude -p ends with its result); the
# gated agent's PreToolUse refuses the Bash call (the model is told why)
# and the tier-1 one lets it run.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"

mkdir -p "$T/w"
claude_home "$T/w"
stand_in '[{"tool": "Bash", "input": {"command": "touch made-by-claude", "description": "make a file"}}, {"text": "FINISHED"}]'
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: gated, tier: 2, runner: claude, claude: {mode: interactive}, session: {cwd: $T/w, env: $(claude_env)}}
  - {id: free, tier: 1, runner: claude, claude: {mode: interactive}, session: {cwd: $T/w, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 60 gated idle
wait_status 60 free idle
for a in gated free; do
	sed "s|$RUNDIR/actors/$a.sock|$T/nowhere.sock|g" "$RUNDIR/actors/$a.claude.json" >"$T/$a.json"
	grep -q nowhere.sock "$T/$a.json" || fail "no socket to replace in $a's settings"
done
"$CTL" -L "$INST" shutdown >/dev/null; wait_exit "$SUP_PID" 20 >/dev/null

run() {	# run AGENT: claude -p with that agent's settings, orch unreachable
	(cd "$T/w" && ANTHROPIC_BASE_URL=$API ANTHROPIC_API_KEY=$CLAUDE_KEY timeout 60 "$ORCH_CLAUDE" -p "make the file" \
	    --settings "$T/$1.json" --output-format stream-json --verbose --allowedTools Bash \
	    >"$T/$1.out" 2>"$T/$1.err") || fail "claude -p with $1's settings: $? $(tail -3 "$T/$1.err")"
	tail -n 1 "$T/$1.out" | jq -e '.type == "result" and .result == "FINISHED"' >/dev/null ||
	    fail "$1: no result: $(tail -n 2 "$T/$1.out")"
}
run gated
[ ! -e "$T/w/made-by-claude" ] || fail "a gated agent's Bash ran with orch unreachable"
[ "$(requests_with '[.messages[-1].content | arrays | .[] | select(.type == "tool_result" and .is_error == true and
    (.content | tostring | test("orch cannot be reached to decide this tool call, so it is refused")))] | length > 0')" -ge 1 ] ||
    fail "the model was not told why: $(tail -c 800 "$T/requests.jsonl")"
rm -f "$T/requests.jsonl"
run free
[ -e "$T/w/made-by-claude" ] || fail "tier 1 with orch unreachable did not run its Bash"
exit 0
