#!/usr/bin/env bash
# The official MCP SDK client (@modelcontextprotocol/sdk, pinned in
# tests/mcp) drives orch's gateway over stdio through orch-mcp: it
# connects, lists the tools, calls one of each family and checks every
# structured result against the tool's outputSchema.
. "$(dirname "$0")/lib.bash"
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$here/tests/mcp/node_modules/@modelcontextprotocol/sdk" ] ||
    fail "the MCP SDK is not installed (make deps)"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: mcp, type: gateway}
  - {id: w1, session: {shell: /bin/sh}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 mcp idle
wait_status 10 w1 idle
out=$(timeout 60 node "$here/tests/mcp/sdk_client.mjs" "$BIN/orch-mcp" "$INST" w1 2>&1) ||
    fail "the SDK client: $out"
echo "$out" | grep -q "^sdk_client: [0-9]* tools, 7 calls validated$" || fail "the SDK client said: $out"
[ "$("$CTL" -L "$INST" exec w1 -- orch-ctl inbox | grep -c 'from the SDK')" = 1 ] ||
    fail "the SDK's message did not arrive"
echo "$out"
