#!/usr/bin/env bash
# 10,000 hostile requests over each transport (tests/mcp/hostile.mjs):
# every one answered with its error, the gateway still serving, and its
# resident memory no bigger at the end than after the first thousand.
. "$(dirname "$0")/lib.bash"
portable && skip "the portable build cannot tell which process dials a TCP port (no /proc/net/tcp): HTTP callers there are known by mcp.token only"
here=$(cd "$(dirname "$0")/../.." && pwd)

port=$(free_port)
cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: w1, session: {shell: /bin/sh}}
  - {id: mcp, type: gateway}
YAML
start_sup -c "$T/orch.yaml" --mcp-http "$port"
wait_status 10 mcp idle
gw=$(field_of mcp 4)
out=$(timeout 300 node "$here/tests/mcp/hostile.mjs" "http://127.0.0.1:$port/mcp" "$RUNDIR/mcp.sock" "$gw" 10000) ||
    fail "hostile: $out"
echo "$out"
set -- $out
warm=$2 end=$3
# Under AddressSanitizer freed memory sits in quarantine: RSS says nothing.
[ -n "${ASAN_OPTIONS:-}" ] || [ "$end" -le $((warm + 512)) ] || fail "the gateway grew from $warm to $end KiB"
[ "$(field_of mcp 4)" = "$gw" ] || fail "the gateway was restarted"
printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_agents"}}\n' |
    "$BIN/orch-mcp" -L "$INST" | jq -e '.result.structuredContent.agents | length == 2' >/dev/null ||
    fail "the gateway does not serve after it"
echo ok
