#!/usr/bin/env bash
# The official MCP SDK client (@modelcontextprotocol/sdk, pinned in
# tests/mcp) drives orch's gateway over stdio through orch-mcp and over
# Streamable HTTP: it connects, lists the tools, calls one of each family
# and checks every structured result against the tool's outputSchema,
# then lists the resources and reads an agent's screen.
. "$(dirname "$0")/lib.bash"
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$here/tests/mcp/node_modules/@modelcontextprotocol/sdk" ] ||
    fail "the MCP SDK is not installed (make deps)"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: mcp, type: gateway}
  - {id: w1, session: {shell: /bin/sh}}
YAML
port=$(free_port)
start_sup -c "$T/orch.yaml" --mcp-http "$port"
wait_status 10 mcp idle
wait_status 10 w1 idle
hows="stdio http"
# The portable build cannot tell who dials a TCP port: HTTP needs a token there.
portable && hows=stdio
for how in $hows; do
	if [ $how = stdio ]; then
		out=$(timeout 60 node "$here/tests/mcp/sdk_client.mjs" stdio "$BIN/orch-mcp" "$INST" w1 2>&1)
	else
		out=$(timeout 60 node "$here/tests/mcp/sdk_client.mjs" http "http://127.0.0.1:$port/mcp" w1 2>&1)
	fi || fail "the SDK client over $how: $out"
	echo "$out" | grep -q "^sdk_client: [0-9]* tools, 12 calls validated, [2-9] resources$" ||
	    fail "the SDK client over $how said: $out"
	echo "$how: $out"
done
inbox=$("$CTL" -L "$INST" exec w1 -- orch-ctl inbox)
for how in $hows; do
	[ "$(echo "$inbox" | grep -c "from the SDK over $how")" = 1 ] ||
	    fail "the SDK's message over $how did not arrive: $inbox"
done
