#!/usr/bin/env bash
# The web dashboard in headless Chromium (Debian's chromium, driven by
# playwright-core pinned in tests/mcp): the page goes live, shows the
# agents, follows tasks submitted while it watches, approves and denies
# held tasks with its buttons, refuses another origin's POSTs and one
# without its token, and asks nothing of any other host
# (tests/mcp/browser.mjs).
. "$(dirname "$0")/lib.bash"
portable && skip "the portable build cannot tell which process dials a TCP port (no /proc/net/tcp)"
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$here/tests/mcp/node_modules/playwright-core" ] || fail "playwright-core is not installed (make deps)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "chromium is not installed (make deps)"

port=$(free_port)
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: mcp, type: gateway}
  - {id: w1}
  - {id: w2}
  - {id: w3}
mcp: {http: $port, token: s3cret}
YAML
start_sup -c "$T/orch.yaml"
for a in mcp w1 w2 w3; do wait_status 10 $a idle; done
# Chromium keeps its profile and crash dumps under HOME.
out=$(HOME="$T" timeout 120 node "$here/tests/mcp/browser.mjs" "http://127.0.0.1:$port" s3cret "$CTL" "$INST" "$T" 2>&1) ||
	fail "$out"
echo "$out" | grep -q '^browser: ok' || fail "$out"
"$CTL" -L "$INST" status >/dev/null || fail "the supervisor after the browser"
echo ok
