#!/usr/bin/env bash
# bench_mcp: orch's MCP gateway beside the official TypeScript SDK's own
# server, through the same SDK client (tests/mcp/bench_mcp.mjs), in one run.
# usage: tools/bench/bench_mcp.sh BINDIR
set -u
bin=${1:-build/bin}
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$here/tests/mcp/node_modules/@modelcontextprotocol/sdk" ] || {
	echo "bench_mcp: the MCP SDK is not installed (make deps)" >&2; exit 1; }
dir=$(mktemp -d /tmp/orch-bench-mcp.XXXXXX)
trap 'kill "$sup" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
export XDG_RUNTIME_DIR=$dir XDG_STATE_HOME=$dir/state
printf 'agents:\n  - {id: mcp, type: gateway}\n  - {id: w0}\n  - {id: w1}\n' >"$dir/orch.yaml"
port() { node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'; }
oport=$(port) pport=$(port)
"$bin/orch-supervisor" -L bmcp -c "$dir/orch.yaml" --mcp-http "$oport" 2>/dev/null &
sup=$!
for _ in $(seq 500); do [ -S "$dir/orch/bmcp/mcp.sock" ] && break; sleep 0.01; done
"$bin/orch-ctl" -L bmcp mem put bench/key value >/dev/null || exit 1
gw=$("$bin/orch-ctl" -L bmcp status | awk '$1 == "mcp" { print $4 }')
node "$here/tests/mcp/bench_mcp.mjs" "$bin/orch-mcp" bmcp "$gw" "$sup" "http://127.0.0.1:$oport/mcp" "$pport" "${2:-2000}"
