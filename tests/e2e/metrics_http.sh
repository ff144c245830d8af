#!/usr/bin/env bash
# metrics: {http: PORT} with no gateway configured: an agent "metrics" of
# type gateway serves /metrics (Prometheus's parser reads it) and the
# dashboard at /, with MCP off: /mcp answers 404 saying so, no mcp.sock
# or mcp.url is made, and orch-mcp says there is no gateway. A port
# taken is said plainly and costs only that agent, which serves once the
# port is free and it is restarted. Two ports for one listener, and an
# agent "metrics" that is not a gateway, are refused by --check.
. "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || fail "curl is not installed"
portable && skip "the portable build cannot tell which process dials a TCP port (no /proc/net/tcp): an HTTP caller there is nobody without mcp.token"

# Refused before anything starts.
printf 'agents: [{id: w1}]\nmetrics: {http: 9100}\nmcp: {http: 9101}\n' >"$T/two.yaml"
"$SUP" --check -c "$T/two.yaml" 2>"$T/err.out" && fail "two ports accepted"
grep -q "metrics.http (9100) and mcp.http (9101) differ" "$T/err.out" || fail "two ports: $(cat "$T/err.out")"
printf 'agents: [{id: metrics}]\nmetrics: {http: 9100}\n' >"$T/name.yaml"
"$SUP" --check -c "$T/name.yaml" 2>"$T/err.out" && fail "a worker named metrics accepted"
grep -q "agent 'metrics' is not one: give it 'type: gateway'" "$T/err.out" || fail "the name: $(cat "$T/err.out")"

port=$(free_port)
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: w1}
  - {id: w2}
metrics: {http: $port}
YAML
"$SUP" --check -c "$T/orch.yaml" >"$T/check.out" 2>&1 || fail "--check: $(cat "$T/check.out")"
grep -q "3 agents, configuration is valid" "$T/check.out" || fail "--check: $(cat "$T/check.out")"

# The port is someone else's first: that agent fails, saying why; the
# others serve.
node -e 'require("net").createServer().listen(+process.argv[1], "127.0.0.1", () => console.log("up"))' "$port" >"$T/holder.out" &
holder=$!
PIDS="$PIDS $holder"
wait_until 10 grep -q up "$T/holder.out" || fail "the port holder did not start"
start_sup -c "$T/orch.yaml"
wait_status 10 w1 idle
wait_status 20 metrics error
grep -q "metrics.http: cannot listen on 127.0.0.1:$port: Address already in use" "$T/sup.log" ||
	fail "no clear cause for the taken port"
"$CTL" -L "$INST" exec w2 -- echo still-here 2>&1 | grep -q still-here || fail "w2 did not serve"
kill "$holder"
wait "$holder" 2>/dev/null
"$CTL" -L "$INST" agent restart metrics >/dev/null || fail "restart metrics"
wait_status 10 metrics idle

U=http://127.0.0.1:$port
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

# /metrics, as Prometheus reads it, with this instance's figures: two
# tasks ended ok (the exec above and t1), three agents, and the five
# restarts of the taken port (restart.max), which the one asked for
# does not wipe.
"$CTL" -L "$INST" submit --agent w1 --id t1 -- true >/dev/null || fail "submit"
task_ok() { "$CTL" -L "$INST" status --json | jq -e '.tasks[] | select((.task | endswith(":t1")) and .status == "ok")' >/dev/null; }
wait_until 10 task_ok || fail "t1 did not end ok: $("$CTL" -L "$INST" status --json | jq -c .tasks)"
[ "$(code "$U/metrics")" = 200 ] || fail "GET /metrics: $(cat "$T/body")"
/usr/bin/python3 "$(dirname "$0")/prom_parse.py" <"$T/body" >"$T/metrics.json" ||
	fail "Prometheus cannot parse /metrics: $(cat "$T/body")"
jq -e '
	([.[] | select(.name == "orch_tasks_total" and .labels.status == "ok")][0].value == 2) and
	([.[] | select(.name == "orch_agents")] | map(.value) | add == 3) and
	([.[] | select(.name == "orch_agent_restarts_total" and .labels.agent == "metrics")][0].value == 5)
' "$T/metrics.json" >/dev/null || fail "/metrics: $(cat "$T/body")"

# The page, with its own token.
[ "$(code "$U/")" = 200 ] || fail "GET /: $(cat "$T/body")"
page_token=$(grep -o 'name="orch-token" content="[0-9a-f]\{32\}"' "$T/body" | cut -d'"' -f4)
[ -n "$page_token" ] || fail "no page token in the page"

# No MCP: not over HTTP, not over the socket.
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
[ "$(code -H "Content-Type: application/json" --data-binary "$INIT" "$U/mcp")" = 404 ] || fail "POST /mcp answered"
grep -q "MCP is off: metrics.http serves /metrics and / (the dashboard) only" "$T/body" || fail "/mcp said: $(cat "$T/body")"
[ "$(code "$U/nowhere")" = 404 ] || fail "GET /nowhere"
grep -q "/mcp" "$T/body" && fail "the 404 offers /mcp: $(cat "$T/body")"
[ ! -e "$RUNDIR/mcp.sock" ] || fail "mcp.sock made with MCP off"
[ ! -e "$RUNDIR/mcp.url" ] || fail "mcp.url made with MCP off"
echo "$INIT" | "$BIN/orch-mcp" -L "$INST" >"$T/mcp.out" 2>"$T/mcp.err" && fail "orch-mcp succeeded"
jq -e '.error.message | test("no orch MCP gateway runs")' "$T/mcp.out" >/dev/null || fail "orch-mcp answered: $(cat "$T/mcp.out")"

# The page's buttons work as with the gateway's (who calls is the
# operator, told from the connection's process).
held=$("$CTL" -L "$INST" submit --approval --agent w2 --id held -- "touch $T/approved") || fail "submit held"
wait_status 10 w2 waiting
[ "$(code -X POST -H "Content-Type: application/json" -H "X-Orch-Token: $page_token" \
    -H "Origin: $U" --data-binary "{\"task\":\"$held\"}" "$U/api/approve")" = 200 ] ||
	fail "approve: $(cat "$T/body")"
wait_until 10 test -e "$T/approved" || fail "the approved task did not run"
exit 0
