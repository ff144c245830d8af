#!/usr/bin/env bash
# Claude Code's first-run dialogs (folder trust, the API key) are not
# answered for the user: seen on the screen, they make the agent's error,
# with the fix, and no restart loop. With claude: {trust: true} orch
# answers them (the options picked by their text) and the agent works. A
# Claude Code that cannot start at all says so.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"

mkdir -p "$T/ask" "$T/trusted"
# Onboarding done, nothing else: the folder and the key are unknown.
echo '{"hasCompletedOnboarding": true}' >"$HOME/.claude.json"
stand_in '[{"text": "TRUSTED-ANSWER"}]'
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: asks, runner: claude, claude: {mode: interactive}, session: {cwd: $T/ask, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 60 asks error
why=$("$ATT" -L "$INST" -i asks | grep last_exit)
echo "$why" | grep -q "Claude Code asks whether to trust the folder: run claude once in $T/ask and accept the folder, or set claude: {trust: true}" ||
    fail "no reason with the fix: $why"
[ "$(field_of asks 5)" = 0 ] || fail "restarted $(field_of asks 5) times for a dialog only a person answers"
grep -q "hasTrustDialogAccepted\": true" "$HOME/.claude.json" && fail "the folder was trusted for the user"
"$CTL" -L "$INST" shutdown >/dev/null; wait_exit "$SUP_PID" 20 >/dev/null

# The project's MCP server too: a third question.
echo '{"mcpServers": {"thing": {"command": "true"}}}' >"$T/trusted/.mcp.json"
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: trusts, runner: claude, claude: {mode: interactive, trust: true}, session: {cwd: $T/trusted, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 60 trusts idle
grep -q "answered Claude Code's first-run question for the user (claude: {trust: true}): Yes, I trust this folder" "$T/sup.log" ||
    fail "the trust dialog was not answered: $(grep trusts "$T/sup.log" | tail -5)"
grep -q "answered Claude Code's first-run question for the user (claude: {trust: true}): Yes$" "$T/sup.log" ||
    fail "the API key dialog was not answered"
grep -q "answered Claude Code's first-run question for the user (claude: {trust: true}): Use this MCP server$" "$T/sup.log" ||
    fail "the MCP server dialog was not answered"
out=$("$CTL" -L "$INST" submit --agent trusts --prompt --wait -- "hello") || fail "prompt after trust: $out"
[ "$out" = TRUSTED-ANSWER ] || fail "output: $out"
"$CTL" -L "$INST" shutdown >/dev/null; wait_exit "$SUP_PID" 20 >/dev/null

# A claude that cannot start: the reason is its own words.
printf '#!/bin/sh\necho "claude: cannot start here" >&2\nexit 3\n' >"$T/broken-claude"
chmod +x "$T/broken-claude"
ORCH_CLAUDE=$T/broken-claude start_sup -c "$T/orch.yaml"
wait_status 30 trusts error
grep -q "Claude Code exited 3 before it started; its screen ends with: claude: cannot start here" "$T/sup.log" ||
    fail "no reason for the failed start: $(grep trusts "$T/sup.log" | tail -3)"
exit 0
