# Shared by the scripts that run the real Claude Code CLI (tests/mcp, from
# npm) in orch agents, offline: a private HOME seeded so that no first-run
# dialog shows (unless a test wants one), and the scripted stand-in for
# the Anthropic API (tests/fakes/anthropic.mjs).
here=$(cd "$(dirname "$0")/../.." && pwd)
export ORCH_CLAUDE=$here/tests/mcp/node_modules/.bin/claude
[ -x "$ORCH_CLAUDE" ] || fail "Claude Code is not installed (make deps)"
CLAUDE_KEY=sk-test-orch-0123456789abcdef
export HOME=$T/home
mkdir -p "$HOME"

# claude_home DIR...: Claude Code's onboarding done, the key approved and
# each DIR trusted, as a user who ran claude there once would have it.
claude_home() {
	local projects="" d
	for d in "$@"; do
		projects="$projects${projects:+,}\"$d\": {\"hasTrustDialogAccepted\": true}"
	done
	cat >"$HOME/.claude.json" <<JSON
{"hasCompletedOnboarding": true,
 "customApiKeyResponses": {"approved": ["${CLAUDE_KEY: -20}"], "rejected": []},
 "projects": {$projects}}
JSON
}

# stand_in SCRIPT-JSON: start the API stand-in on that script; its port in
# $API, every request it got in $T/requests.jsonl.
stand_in() {
	printf '%s\n' "$1" >"$T/script.json"
	rm -f "$T/port"
	node "$here/tests/fakes/anthropic.mjs" "$T/script.json" "$T/requests.jsonl" "$T/port" &
	PIDS="$PIDS $!"
	wait_until 10 test -s "$T/port" || fail "the API stand-in did not start"
	API=http://127.0.0.1:$(cat "$T/port")
}

# claude_env: the session env of an agent that talks to the stand-in.
claude_env() {
	echo "{HOME: $HOME, ANTHROPIC_BASE_URL: \"$API\", ANTHROPIC_API_KEY: $CLAUDE_KEY}"
}

# requests_with FILTER: how many requests the stand-in got pass the jq FILTER.
requests_with() {
	[ -s "$T/requests.jsonl" ] || { echo 0; return; }
	jq -Rn "[inputs | fromjson? | select($1)] | length" "$T/requests.jsonl"
}

# mine PATTERN: the pids of this script's processes (their HOME is ours)
# whose command line matches PATTERN (pgrep -f), one a line; other
# scripts may run Claude Code at the same time.
mine() {
	local p
	for p in $(pgrep -f "$1"); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "HOME=$HOME" && echo "$p"
	done
}
