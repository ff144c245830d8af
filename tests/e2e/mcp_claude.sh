#!/usr/bin/env bash
# The real Claude Code CLI (tests/mcp, offline) drives orch: `claude mcp
# add orch -- orch-mcp` and `claude mcp add --transport http` then `claude
# mcp list` shows both connected (Claude Code probes server/discover and,
# answered, speaks the 2026-07-28 era: every request with its _meta); and
# a `claude -p`
# run against a scripted stand-in for the Anthropic API, whose model calls
# mcp__orch__submit_task with wait, then mcp__orch__read_terminal_output,
# then ends its turn: what Claude Code sent back carries the task's real
# output, both times.
. "$(dirname "$0")/lib.bash"
here=$(cd "$(dirname "$0")/../.." && pwd)
CLAUDE=$here/tests/mcp/node_modules/.bin/claude
[ -x "$CLAUDE" ] || fail "Claude Code is not installed (make deps)"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: mcp, type: gateway}
  - {id: w1, session: {shell: /bin/sh}}
YAML
port=$(free_port)
start_sup -c "$T/orch.yaml" --mcp-http "$port"
wait_status 10 mcp idle
wait_status 10 w1 idle

# A private home: nothing of a real user's configuration is read.
export HOME=$T/home
mkdir -p "$HOME/work"
cd "$HOME/work" || fail "cd"
# orch-mcp, with what Claude Code says to it kept.
cat >"$T/orch-mcp" <<SH
#!/bin/sh
tee -a "$T/said.jsonl" | "$BIN/orch-mcp" -L "$INST"
SH
chmod +x "$T/orch-mcp"
"$CLAUDE" mcp add -s user orch -- "$T/orch-mcp" >"$T/add.out" 2>&1 ||
    fail "claude mcp add: $(cat "$T/add.out")"
"$CLAUDE" mcp add -s user --transport http orch-http "http://127.0.0.1:$port/mcp" >>"$T/add.out" 2>&1 ||
    fail "claude mcp add --transport http: $(cat "$T/add.out")"
timeout 60 "$CLAUDE" mcp list >"$T/list.out" 2>&1 || fail "claude mcp list: $(cat "$T/list.out")"
grep -q "^orch: .*orch-mcp .*- ✔ Connected" "$T/list.out" || fail "not connected: $(cat "$T/list.out")"
grep -q "^orch-http: http://127.0.0.1:$port/mcp (HTTP) - ✔ Connected" "$T/list.out" ||
    fail "not connected over HTTP: $(cat "$T/list.out")"
head -n 1 "$T/said.jsonl" | jq -e '.method == "server/discover"' >/dev/null || fail "no discover first: $(head -c 300 "$T/said.jsonl")"
said() {	# said FILTER: some message Claude Code sent passes FILTER
	jq -Rne "[inputs | fromjson? | select($1)] | length > 0" "$T/said.jsonl" >/dev/null
}
said '.method == "tools/list" and .params._meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"' || fail "tools/list not in the 2026-07-28 era: $(cat "$T/said.jsonl" | head -c 600)"
"$CLAUDE" mcp remove -s user orch-http >/dev/null 2>&1 || fail "claude mcp remove"
mv "$T/said.jsonl" "$T/said-list.jsonl"

# A scripted model: run a task through orch, read the terminal, done.
cat >"$T/script.json" <<'JSON'
[
  {"tool": "mcp__orch__submit_task", "input": {"command": "echo claude-drove-this", "agent": "w1", "wait": true}},
  {"tool": "mcp__orch__read_terminal_output", "input": {"agent": "w1", "linesOfOutput": 20}},
  {"text": "The task ran and printed claude-drove-this."}
]
JSON
node "$here/tests/fakes/anthropic.mjs" "$T/script.json" "$T/requests.log" "$T/port" &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/port" || fail "the API stand-in did not start"
ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat "$T/port") ANTHROPIC_API_KEY=sk-test-orch \
    timeout 120 "$CLAUDE" -p "Run echo on w1 through orch, then read its terminal." \
    --output-format stream-json --verbose \
    --allowedTools mcp__orch__submit_task mcp__orch__read_terminal_output \
    >"$T/claude.out" 2>"$T/claude.err" || fail "claude -p: $(tail -5 "$T/claude.err") $(tail -3 "$T/claude.out")"
tail -n 1 "$T/claude.out" | jq -e '.type == "result" and .subtype == "success"' >/dev/null ||
    fail "claude -p did not succeed: $(tail -n 1 "$T/claude.out")"
# What Claude Code sent back to the model: the tool results, in order.
results=$(jq -c '.messages[-1].content | if type == "array" then map(select(.type == "tool_result")) else [] end |
    .[]' "$T/requests.log" | grep -v '^\[\]$')
echo "$results" | grep -q 'claude-drove-this' || fail "no tool result carries the task's output: $results"
[ "$(echo "$results" | grep -c 'claude-drove-this')" -ge 2 ] ||
    fail "submit_task and read_terminal_output did not both return the output: $results"
echo "$results" | grep -q '"is_error":true' && fail "a tool call failed: $results"
"$CTL" -L "$INST" tasks | grep -q " ok .*w1" || fail "no task ran on w1: $("$CTL" -L "$INST" tasks)"
said '.method == "tools/call" and .params.name == "submit_task" and
    .params._meta["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"' ||
    fail "submit_task not called in the 2026-07-28 era: $(cut -c1-200 "$T/said.jsonl")"
echo ok
