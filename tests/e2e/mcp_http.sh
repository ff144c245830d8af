#!/usr/bin/env bash
# MCP over Streamable HTTP, from the outside with curl: only loopback
# names (Host, Origin) get in, the bearer token is asked for, a body over
# the cap is refused before it is read (1 GB claimed: 413 at once, the
# gateway no bigger), sessions begin at initialize, are the caller's,
# end at DELETE or when idle, headers of the 2026-07-28 era must agree
# with the body, and who calls is the process at the other end: a curl
# in an agent's session is that agent. A client gone mid-call leaves its
# task running, and the gateway serving.
. "$(dirname "$0")/lib.bash"
portable && skip "the portable build cannot tell which process dials a TCP port (no /proc/net/tcp): HTTP callers there are known by mcp.token only"
command -v curl >/dev/null || fail "curl is not installed"

port=$(free_port)
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: w1, session: {shell: /bin/sh}}
  - {id: mcp, type: gateway}
mcp: {http: $port, token: s3cret-t0ken, max_body: 65536, session_idle: 1}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 mcp idle
wait_status 10 w1 idle
URL=http://127.0.0.1:$port/mcp
AUTH="Authorization: Bearer s3cret-t0ken"
JSON="Content-Type: application/json"

post() {	# post BODY [CURL ARGS]: "STATUS BODY" of a POST to /mcp
	local body=$1
	shift
	curl -s -o "$T/body" -w '%{http_code}' -H "$JSON" -H "${TOKEN-$AUTH}" "$@" --data-binary "$body" "$URL" || true
	printf ' '
	cat "$T/body" 2>/dev/null
}
status_is() {	# status_is WANT "STATUS BODY" WHAT
	[ "${2%% *}" = "$1" ] || fail "$3: expected HTTP $1, got: $2"
}
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
LIST='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'

# Loopback names only, and the token.
status_is 403 "$(post "$INIT" -H 'Origin: http://evil.example.com')" "a foreign Origin"
status_is 403 "$(post "$INIT" -H 'Host: evil.example.com')" "a foreign Host"
status_is 403 "$(post "$INIT" -H 'Origin: null')" "Origin null"
status_is 200 "$(post "$INIT" -H "Origin: http://localhost:$port")" "a loopback Origin"
out=$(curl -s -i -H "$JSON" --data-binary "$INIT" "$URL")
echo "$out" | head -1 | grep -q ' 401 ' || fail "no token: $out"
echo "$out" | grep -qi '^WWW-Authenticate: Bearer' || fail "no WWW-Authenticate: $out"
status_is 401 "$(TOKEN='Authorization: Bearer s3cret-t0keX' post "$INIT")" "a wrong token"
status_is 401 "$(TOKEN='Authorization: Bearer s3cret-t0ke' post "$INIT")" "a token's prefix"
status_is 401 "$(TOKEN='Authorization: Basic czNjcmV0LXQwa2Vu' post "$INIT")" "another scheme"

# The body's cap: over it, refused; a gigabyte claimed, refused unread.
big=$(head -c 70000 /dev/zero | tr '\0' x)
status_is 413 "$(post "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"$big\"}}")" "a 70 KB body"
gw=$(field_of mcp 4)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$gw/status"; }
before=$(rss)
start=$(date +%s%N)
out=$(node -e '
const s = require("net").connect(+process.argv[1], "127.0.0.1", () => {
	s.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
	    "Authorization: Bearer s3cret-t0ken\r\nContent-Length: 1073741824\r\n\r\n{\"jsonrpc\":");
});
let got = ""; s.on("data", (d) => { got += d; if (got.includes("\r\n\r\n")) { console.log(got.split("\r\n")[0]); process.exit(0); } });
s.on("error", () => {}); setTimeout(() => { console.log("timeout"); process.exit(1); }, 5000);' "$port")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$out" | grep -q '^HTTP/1.1 413' || fail "1 GB claimed: $out"
after=$(rss)
echo "1 GB claimed: 413 in $ms ms; gateway RSS $before -> $after KiB"
[ -n "${ASAN_OPTIONS:-}" ] || [ "$after" -lt $((before + 1024)) ] || fail "the gateway grew: $before -> $after KiB"

# Sessions of the initialize era.
status_is 400 "$(post "$LIST")" "no session"
curl -s -D "$T/hdr" -o /dev/null -H "$JSON" -H "$AUTH" --data-binary "$INIT" "$URL"
sid=$(awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }' "$T/hdr" | tr -d '\r')
echo "$sid" | grep -Eq '^[0-9a-f]{32}$' || fail "session id: '$sid' ($(cat "$T/hdr"))"
S="Mcp-Session-Id: $sid"
out=$(post "$LIST" -H "$S" -H 'MCP-Protocol-Version: 2025-11-25')
status_is 200 "$out" "tools/list in a session"
echo "${out#* }" | jq -e '.result.tools | length > 20' >/dev/null || fail "tools/list: $out"
status_is 400 "$(post "$LIST" -H "$S" -H 'MCP-Protocol-Version: 1999-01-01')" "an unknown MCP-Protocol-Version"
status_is 404 "$(post "$LIST" -H "Mcp-Session-Id: 0123456789abcdef0123456789abcdef")" "a session never made"
out=$(post '{"jsonrpc":"2.0","method":"notifications/initialized"}' -H "$S")
status_is 202 "$out" "a notification"
[ "$out" = "202 " ] || fail "a notification's answer has a body: $out"
out=$(curl -s -i -H "$AUTH" "$URL")
echo "$out" | head -1 | grep -q ' 405 ' || fail "GET: $out"
echo "$out" | grep -qi '^Allow: POST, DELETE' || fail "GET: no Allow: $out"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "$AUTH" -H "$S" "$URL")
[ "$code" = 200 ] || fail "DELETE: $code"
status_is 404 "$(post "$LIST" -H "$S")" "after DELETE"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "$AUTH" -H "$S" "$URL")
[ "$code" = 404 ] || fail "DELETE again: $code"
# Idle for longer than session_idle (1 s): gone.
curl -s -D "$T/hdr" -o /dev/null -H "$JSON" -H "$AUTH" --data-binary "$INIT" "$URL"
sid=$(awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }' "$T/hdr" | tr -d '\r')
status_is 200 "$(post "$LIST" -H "Mcp-Session-Id: $sid")" "a fresh session"
t0=$(date +%s%N)
# Asking would keep it alive: the clock passes its idle life untouched.
idle_past() { [ $(( $(date +%s%N) - t0 )) -gt 1300000000 ]; }
wait_until 5 idle_past || fail "the clock"
status_is 404 "$(post "$LIST" -H "Mcp-Session-Id: $sid")" "an idle session"

# The 2026-07-28 era: no session; the headers repeat the body.
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
DISC="{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"server/discover\",\"params\":{$META}}"
V='MCP-Protocol-Version: 2026-07-28'
out=$(post "$DISC" -H "$V" -H 'Mcp-Method: server/discover')
status_is 200 "$out" "server/discover"
echo "${out#* }" | jq -e '.result.supportedVersions == ["2026-07-28"] and .result.resultType == "complete"' >/dev/null ||
    fail "server/discover: $out"
out=$(post "$DISC" -H 'Mcp-Method: server/discover')
status_is 400 "$out" "no MCP-Protocol-Version"
echo "${out#* }" | jq -e '.error.code == -32020 and .id == 7' >/dev/null || fail "no header: $out"
out=$(post "$DISC" -H "$V" -H 'Mcp-Method: tools/list')
echo "${out#* }" | jq -e '.error.code == -32020' >/dev/null || fail "Mcp-Method mismatch: $out"
out=$(post "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"initialize\",\"params\":{$META}}" -H "$V" -H 'Mcp-Method: initialize')
status_is 404 "$out" "initialize in the 2026-07-28 era"
out=$(post "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"server/discover\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2027-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}" \
    -H 'MCP-Protocol-Version: 2027-01-01' -H 'Mcp-Method: server/discover')
status_is 400 "$out" "an unknown version"
echo "${out#* }" | jq -e '.error.code == -32022 and .error.data.supported == ["2026-07-28"] and .error.data.requested == "2027-01-01"' \
    >/dev/null || fail "unknown version: $out"
CALL() { echo "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2,$META}}"; }
out=$(post "$(CALL list_agents '{}')" -H "$V" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: list_agents')
status_is 200 "$out" "list_agents, 2026-07-28"
echo "${out#* }" | jq -e '.result.structuredContent.agents | map(.id) | index("w1") != null' >/dev/null || fail "list_agents: $out"

# Who calls: the operator here; in w1's session, w1 (which may not terminate).
cat >"$T/as-agent.sh" <<SH
#!/bin/sh
curl -s -H '$JSON' -H '$AUTH' -H '$V' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: restart_agent' \
    --data-binary '$(CALL restart_agent '{"agent":"mcp"}')' '$URL'
SH
chmod +x "$T/as-agent.sh"
out=$("$CTL" -L "$INST" exec w1 -- "$T/as-agent.sh") || fail "curl in w1: $out"
echo "$out" | jq -e '.result.isError == true' >/dev/null || fail "w1 restarted the gateway: $out"
echo "$out" | grep -q "agent 'w1' may not agent.restart .*agent:coordinate" || fail "w1's refusal: $out"

# Gone mid-call: the task runs on and is seen; the gateway serves others.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 0.5 -H "$JSON" -H "$AUTH" -H "$V" -H 'Mcp-Method: tools/call' \
    -H 'Mcp-Name: submit_task' \
    --data-binary "$(CALL submit_task '{"command":"sleep 1; echo late","agent":"w1","id":"orphan","wait":true}')" "$URL") || true
[ "$code" = 000 ] || fail "the call answered before its task ended: $code"
task_ok() { "$CTL" -L "$INST" tasks | grep -q "orphan .* ok "; }
wait_until 10 task_ok || fail "the task was lost: $("$CTL" -L "$INST" tasks)"
status_is 200 "$(post "$(CALL list_agents '{}')" -H "$V" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: list_agents')" "after a client left"

# Elsewhere and otherwise.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "http://127.0.0.1:$port/other")
[ "$code" = 404 ] || fail "another path: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/plain' --data-binary "$INIT" "$URL")
[ "$code" = 415 ] || fail "a text body: $code"
status_is 400 "$(post '{"jsonrpc":')" "malformed JSON"
"$CTL" -L "$INST" shutdown >/dev/null
wait_exit "$SUP_PID" 15 || fail "no shutdown"
echo ok
