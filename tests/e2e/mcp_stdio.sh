#!/usr/bin/env bash
# The MCP gateway over stdio (orch-mcp), spoken to as JSON-RPC lines: the
# initialize handshake and its versions, every tool's happy path, the
# list_changed notification as agents come and go, the
# denied path from an agent's session (a tool result naming the
# permission), bad input with the right error codes, a client that hangs
# up mid-call (its task runs on), 10,000 hostile lines without the
# gateway growing, and orch-mcp without a supervisor.
. "$(dirname "$0")/lib.bash"
command -v jq >/dev/null || fail "jq is not installed (make deps)"
MCP=$BIN/orch-mcp

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: mcp, type: gateway}
  - {id: w1, capabilities: [test], session: {shell: /bin/sh}}
  - {id: w2, capabilities: [test], session: {shell: /bin/sh}}
  - {id: locked, permissions: []}
  - {id: t2, tier: 2, session: {shell: /bin/sh}}
YAML
start_sup -c "$T/orch.yaml"
for a in mcp w1 w2 locked t2; do wait_status 10 $a idle; done

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}'
# rpc LINE...: the gateway's answers to these lines, one a line.
rpc() { printf '%s\n' "$@" | "$MCP" -L "$INST"; }
# call TOOL ARGS: the result of one tools/call (after initialize).
call() {
	rpc "$INIT" "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}" |
	    jq -c 'select(.id == 1) | .result'
}
ok() {	# ok TOOL ARGS JQ-TEST: a result, not an error, passing the test
	local r
	r=$(call "$1" "$2")
	[ "$(echo "$r" | jq -r .isError)" = false ] || fail "$1 $2: $r"
	# The text is the same JSON as structuredContent.
	[ "$(echo "$r" | jq -cS '.content[0].text | fromjson')" = "$(echo "$r" | jq -cS .structuredContent)" ] ||
	    fail "$1: text and structuredContent differ: $r"
	echo "$r" | jq -e ".structuredContent | $3" >/dev/null || fail "$1 $2: $r"
}
# as AGENT TOOL ARGS: the result of a call from inside AGENT's session.
as() {
	printf '%s\n' "$INIT" "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$2\",\"arguments\":$3}}" >"$T/req"
	"$CTL" -L "$INST" exec "$1" -- sh -c "orch-mcp <$T/req" | jq -c 'select(.id == 1) | .result'
}
denied() {	# denied AGENT PERM TOOL ARGS
	local r
	r=$(as "$1" "$3" "$4")
	[ "$(echo "$r" | jq -r .isError)" = true ] || fail "$1 may $3: $r"
	echo "$r" | jq -r '.content[0].text' | grep -q "agent '$1' may not .*$2" ||
	    fail "$1 $3: not denied for $2: $r"
}

# The handshake: a known version is echoed, an unknown one gets ours.
v=$(rpc '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}' | jq -r .result.protocolVersion)
[ "$v" = 2025-06-18 ] || fail "version echo: $v"
v=$(rpc '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01"}}' | jq -r .result.protocolVersion)
[ "$v" = 2025-11-25 ] || fail "version fallback: $v"
rpc "$INIT" '{"jsonrpc":"2.0","method":"notifications/initialized"}' '{"jsonrpc":"2.0","id":1,"method":"ping"}' |
    jq -e 'select(.id == 1) | .result == {}' >/dev/null || fail "ping"

# tools/list: each tool with its schemas and annotations.
rpc "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' | jq -c 'select(.id == 1) | .result.tools' >"$T/tools.json"
for t in list_agents inspect_agent deploy_agent terminate_agent restart_agent submit_task task_status \
    list_tasks cancel_task approve deny send_message broadcast read_terminal_output memory_write \
    memory_read memory_list memory_delete publish_event read_events read_inbox write_to_terminal \
    send_control_character task_logs run_workflow validate_workflow dashboard; do
	jq -e --arg t "$t" '.[] | select(.name == $t) | .inputSchema.type == "object" and
	    .outputSchema.type == "object" and (.annotations.readOnlyHint | type) == "boolean" and
	    (.description | length) > 10' "$T/tools.json" >/dev/null || fail "tools/list: $t"
done

# Every tool, as the operator.
ok list_agents '{}' '.agents | map(.id) | index("w1") != null'
ok inspect_agent '{"agent":"w1"}' '.agent.id == "w1"'
ok submit_task '{"command":"echo hello-from-mcp","agent":"w1","wait":true}' \
    '.result.status == "ok" and .result.output == "hello-from-mcp\n" and .result.exit == 0'
task=$(call submit_task '{"command":"true","id":"later","agent":"w2"}' | jq -r .structuredContent.task)
[ -n "$task" ] && [ "$task" != null ] || fail "submit without wait: no task name"
ok task_status "{\"task\":\"$task\"}" ".task.task == \"$task\""
ok list_tasks '{}' '.tasks | length >= 2'
hello=$(call list_tasks '{}' | jq -r '.structuredContent.tasks | map(select(.status == "ok" and .agent == "w1")) | .[0].task')
ok task_logs "{\"task\":\"$hello\"}" '.log == "hello-from-mcp\n" and .attempt == 1 and .running == false'
r=$(call task_logs '{"task":"never-ran"}')
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "no log of a task 'never-ran'" || fail "task_logs: $r"
ok dashboard '{}' '.counts.agents.idle >= 3 and (.tasks | length) >= 2 and (.agents | length) == 5'
# Workflows: as YAML or as their JSON model, checked as --check does.
ok validate_workflow '{"workflow":{"name":"j","stages":[{"name":"s","tasks":[{"id":"a","command":"true"}]}]}}' \
    '.valid and .tasks == 1 and .errors == []'
bad='{"workflow":{"name":"j","stages":[{"name":"s","tasks":[{"id":"a","comand":"true"},{"id":"b","command":"true","timeout":"soon"}]}]}}'
ok validate_workflow "$bad" \
    '(.valid | not) and (.errors | length) == 2 and .errors[0].path == "stages[0].tasks[0]" and
    (.errors[0].message | contains("did you mean '"'"'command'"'"'")) and .errors[1].path == "stages[0].tasks[1].timeout" and
    .errors[0].line > 1'
ok validate_workflow '{"yaml":"name: y\nstages:\n  - name: s\n    tasks: [{id: a, command: \"true\"}]\n"}' '.valid'
ok run_workflow '{"wait":true,"workflow":{"name":"jw","stages":[{"name":"s","tasks":[{"id":"a","command":"echo wf-json","agent":"w2"}]}]}}' \
    '.exit == 0 and .tasks[0].output == "wf-json\n"'
r=$(call run_workflow '{"workflow":{"name":"bad","stages":[]}}')
[ "$(echo "$r" | jq -r .isError)" = true ] || fail "a bad workflow ran: $r"
[ "$(rpc "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_workflow","arguments":{"yaml":"x","workflow":{}}}}' |
    jq -r 'select(.id == 1) | .error.code')" = -32602 ] || fail "yaml and workflow both"
ok read_terminal_output '{"agent":"w1","linesOfOutput":50}' '.output | contains("hello-from-mcp")'
for n in 1 2 3; do
	held[$n]=$(call submit_task "{\"command\":\"true\",\"agent\":\"w2\",\"requiresApproval\":true,\"id\":\"h$n\"}" |
	    jq -r .structuredContent.task)
done
ok approve "{\"task\":\"${held[1]}\"}" '.done'
ok deny "{\"task\":\"${held[2]}\"}" '.done'
ok cancel_task "{\"task\":\"${held[3]}\"}" '.done'
ok send_message '{"to":"w1","content":"hi from mcp"}' 'type == "object"'
[ "$("$CTL" -L "$INST" exec w1 -- orch-ctl inbox | grep -c 'hi from mcp')" = 1 ] || fail "message not in w1's inbox"
ok broadcast '{"content":"all","filter":{"capability":"test"}}' '.matched == 2'
# Typing into a terminal: what it printed once quiet; a Ctrl-C stops what
# runs; the agent's tier decides a command first.
ok write_to_terminal '{"agent":"w1","command":"echo typed-by-mcp"}' \
    '.lines >= 1 and (.output | contains("typed-by-mcp"))'
ok write_to_terminal '{"agent":"w1","command":"sleep 30"}' '.agent == "w1"'
ok send_control_character '{"agent":"w1","letter":"c"}' '.agent == "w1"'
ok write_to_terminal '{"agent":"w1","command":"echo after-interrupt"}' '.output | contains("after-interrupt")'
touch "$T/victim"
r=$(call write_to_terminal "{\"agent\":\"t2\",\"command\":\"rm $T/victim\"}")
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "tier 2: 'rm' needs approval" ||
    fail "tier 2 typed rm: $r"
[ -e "$T/victim" ] || fail "a typed rm ran on a tier-2 agent"
ok write_to_terminal '{"agent":"t2","command":"echo plain-on-t2"}' '.output | contains("plain-on-t2")'
[ "$(rpc "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_control_character","arguments":{"agent":"w1","letter":"7"}}}' |
    jq -r 'select(.id == 1) | .error.code')" = -32602 ] || fail "a bad control letter"

# The bank, the bus, the inbox.
ok memory_write '{"key":"plan/step","value":"build"}' '.key == "plan/step" and .version == 1'
ok memory_read '{"key":"plan/step"}' '.value == "build" and .owner == "operator"'
ok memory_list '{"pattern":"plan/*"}' '.entries | map(.key) == ["plan/step"]'
ok publish_event '{"type":"coordination.request","target":"w1","payload":{"need":"review"}}' '.done'
ok read_events '{"since":0,"type":"coordination.*"}' \
    '.events | map(select(.target == "w1")) | .[0].payload | fromjson | .need == "review"'
ok memory_delete '{"key":"plan/step"}' '.done'
r=$(call memory_read '{"key":"plan/step"}')
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "no such key" || fail "deleted key: $r"
r=$(call read_inbox '{}')
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "the operator has no inbox" || fail "operator inbox: $r"
"$CTL" -L "$INST" send w2 "for w2 via mcp" >/dev/null || fail "send to w2"
r=$(as w2 read_inbox '{}')
echo "$r" | jq -e '.isError == false and (.structuredContent.messages | map(.content) | index("for w2 via mcp")) != null' \
    >/dev/null || fail "w2's inbox through the gateway: $r"
# An agent's private key is its own, through the gateway too.
r=$(as w1 memory_write '{"key":"w1/secret","value":"s","access":"private"}')
[ "$(echo "$r" | jq -r .isError)" = false ] || fail "w1 private write: $r"
"$CTL" -L "$INST" mem get w1/secret --json | grep -q '"owner": *"w1"' || fail "the key is not w1's"
r=$(as w2 memory_read '{"key":"w1/secret"}')
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "not readable by this agent" || fail "w2 read w1's secret: $r"
ok deploy_agent '{"id":"extra","capabilities":["x"]}' '.done'
wait_status 10 extra idle
ok restart_agent '{"agent":"extra"}' '.done'
wait_status 10 extra idle
ok terminate_agent '{"agent":"extra"}' '.done'
wait_status 10 extra terminated
# A tool that cannot do it says why, as a result.
r=$(call inspect_agent '{"agent":"nobody"}')
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "no agent 'nobody'" || fail "unknown agent: $r"
r=$(call task_status '{"task":"no-such"}')
[ "$(echo "$r" | jq -r .isError)" = true ] || fail "unknown task: $r"

# From an agent's session: that agent, with its permissions.
denied locked agent:coordinate submit_task '{"command":"true","agent":"w1"}'
denied locked command:execute submit_task '{"command":"true","agent":"locked"}'
denied locked session:create deploy_agent '{"id":"x2"}'
denied locked session:delete terminate_agent '{"agent":"w1"}'
denied locked agent:coordinate restart_agent '{"agent":"w1"}'
denied locked agent:coordinate approve '{"task":"x"}'
denied locked agent:coordinate deny '{"task":"x"}'
denied locked agent:coordinate cancel_task '{"task":"x"}'
denied locked agent:coordinate send_message '{"to":"w1","content":"x"}'
denied locked agent:coordinate broadcast '{"content":"x"}'
denied locked session:read inspect_agent '{"agent":"w1"}'
denied locked session:read read_terminal_output '{"agent":"w1"}'
denied locked session:write write_to_terminal '{"agent":"w1","command":"true"}'
denied locked session:write send_control_character '{"agent":"w1","letter":"c"}'
denied locked command:execute write_to_terminal '{"agent":"locked","command":"true"}'
r=$(as locked memory_write '{"key":"k","value":"v"}')
[ "$(echo "$r" | jq -r .isError)" = true ] && echo "$r" | grep -q "needs data:share" || fail "locked memory_write: $r"
denied locked data:share publish_event '{"type":"coordination.request"}'
denied locked agent:coordinate run_workflow '{"workflow":{"name":"n","stages":[{"name":"s","tasks":[{"id":"a","command":"true"}]}]}}'
denied locked session:read task_logs "{\"task\":\"$hello\"}"
r=$(as locked list_agents '{}')
[ "$(echo "$r" | jq -r .isError)" = false ] || fail "list_agents from locked: $r"
# ORCH_AGENT_ID narrows the operator down, never widens an agent.
printf '%s\n' "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"restart_agent","arguments":{"agent":"w1"}}}' |
    ORCH_AGENT_ID=locked "$MCP" -L "$INST" | jq -r 'select(.id == 1) | .result.content[0].text' | grep -q "agent 'locked' may not" ||
    fail "ORCH_AGENT_ID did not narrow the operator"
"$CTL" -L "$INST" audit | grep -q "denied .*agent locked .*task.submit .*about w1" || fail "MCP denial not audited"

# Bad input: the JSON-RPC codes, and the gateway serves on.
code() { rpc "$1" | jq -r .error.code; }
[ "$(code 'not json')" = -32700 ] || fail "parse error code"
[ "$(code '[{"jsonrpc":"2.0","id":1,"method":"ping"}]')" = -32600 ] || fail "batch"
[ "$(code '"a string"')" = -32600 ] || fail "non-object"
[ "$(code '{"jsonrpc":"2.0","id":1,"method":"no/such"}')" = -32601 ] || fail "unknown method"
[ "$(code '{"jsonrpc":"1.0","id":1,"method":"ping"}')" = -32600 ] || fail "jsonrpc 1.0"
[ "$(code '{"jsonrpc":"2.0","id":{},"method":"ping"}')" = -32600 ] || fail "object id"
r=$(rpc '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"submit_task","arguments":{}}}')
[ "$(echo "$r" | jq -r .error.code)" = -32602 ] && echo "$r" | grep -q "'command'" || fail "missing argument: $r"
[ "$(code '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"no_such_tool"}}')" = -32602 ] || fail "unknown tool"
deep=$(printf '%.0s[' $(seq 100))1$(printf '%.0s]' $(seq 100))
[ "$(code "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":$deep}}")" = -32600 ] || fail "deep nesting"
head -c $((5 << 20)) /dev/zero | tr '\0' 'x' >"$T/big"
r=$("$MCP" -L "$INST" <"$T/big")
echo "$r" | jq -e '.error.code == -32600' >/dev/null || fail "5 MiB line: $r"
gw=$(field_of mcp 4)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$gw/status"; }
before=$(rss)
for i in $(seq 2000); do
	echo 'not json'
	echo '[1,2]'
	echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"submit_task","arguments":{}}}'
	echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"ping\",\"params\":{\"x\":$deep}}"
	echo '{"jsonrpc":"2.0","id":"x","method":"no/such"}'
done | "$MCP" -L "$INST" | wc -l >"$T/hostile.count"
[ "$(cat "$T/hostile.count")" = 10000 ] || fail "10,000 hostile lines got $(cat "$T/hostile.count") answers"
after=$(rss)
# Under AddressSanitizer freed memory sits in quarantine: RSS says nothing.
[ -n "${ASAN_OPTIONS:-}" ] || [ $((after - before)) -lt 2048 ] ||
    fail "the gateway grew from $before to $after kB over 10,000 hostile lines"
ok list_agents '{}' '.agents | length >= 5'

# A client that hangs up mid-call: the task runs on and stays visible.
printf '%s\n' "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"submit_task","arguments":{"command":"sleep 1; echo survived","agent":"w1","id":"orphan","wait":true}}}' >"$T/orphan"
(sleep 5 | cat "$T/orphan" - | "$MCP" -L "$INST" >/dev/null) &
client=$!
running() { "$CTL" -L "$INST" tasks | grep -q "^[0-9]*:orphan .* running"; }
wait_until 10 running || fail "the orphan task did not start: $("$CTL" -L "$INST" tasks)"
pkill -f "^$MCP -L $INST$"
survived() { "$CTL" -L "$INST" tasks | grep -q "^[0-9]*:orphan .* ok "; }
wait_until 10 survived || fail "the task of a client that hung up: $("$CTL" -L "$INST" tasks)"
wait "$client" 2>/dev/null
ok list_agents '{}' '.agents | length >= 5'

# A client that initialized hears of agents coming and going (resources).
mkfifo "$T/in"
"$MCP" -L "$INST" <"$T/in" >"$T/notes.out" &
notes=$!
exec 7>"$T/in"
echo "$INIT" >&7
wait_until 10 grep -q '"id":0' "$T/notes.out" || fail "no answer to initialize"
grep -q '"tools":{"listChanged":true},"resources":{"listChanged":true}' "$T/notes.out" ||
    fail "listChanged not offered: $(cat "$T/notes.out")"
ok deploy_agent '{"id":"note1"}' '.done'
wait_until 10 grep -q '"method":"notifications/resources/list_changed"' "$T/notes.out" ||
    fail "no list_changed: $(cat "$T/notes.out")"
grep -q '"method":"notifications/tools/list_changed"' "$T/notes.out" || fail "no tools list_changed: $(cat "$T/notes.out")"
rpc "$INIT" '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' | jq -e 'select(.id == 1) | .result.tools[] |
    select(.name == "inspect_agent") | .description | contains("note1")' >/dev/null || fail "tools/list does not name note1"
exec 7>&-
wait "$notes"

# A client's pipes are handed to the gateway: nothing between them. The
# client's end of its input ends it (exit 0); the gateway going away
# ends it too (exit 1, saying so).
mkfifo "$T/hin"
{ "$MCP" -L "$INST" <"$T/hin" 2>"$T/herr"; echo "$?" >"$T/hrc"; } | cat >"$T/hout" &
exec 8>"$T/hin"
echo "$INIT" >&8
wait_until 10 grep -q '"id":0' "$T/hout" || fail "no answer through handed pipes"
gw=$(field_of mcp 4)
ls -l "/proc/$gw/fd" | grep -q "$T/hin" || fail "the gateway does not hold the client's input: $(ls -l "/proc/$gw/fd")"
echo '{"jsonrpc":"2.0","id":5,"method":"ping"}' >&8
wait_until 10 grep -q '"id":5' "$T/hout" || fail "no ping answer"
exec 8>&-
wait_until 10 test -s "$T/hrc" || fail "orch-mcp did not end with its client"
[ "$(cat "$T/hrc")" = 0 ] || fail "orch-mcp after its client: exit $(cat "$T/hrc"): $(cat "$T/herr")"
: >"$T/hrc"
{ "$MCP" -L "$INST" <"$T/hin" 2>"$T/herr"; echo "$?" >"$T/hrc"; } | cat >"$T/hout" &
exec 8>"$T/hin"
echo "$INIT" >&8
wait_until 10 grep -q '"id":0' "$T/hout" || fail "no answer through handed pipes, again"
"$CTL" -L "$INST" agent restart mcp >/dev/null || fail "restart the gateway"
wait_until 10 test -s "$T/hrc" || fail "orch-mcp did not end with its gateway"
[ "$(cat "$T/hrc")" = 1 ] && grep -q "the MCP gateway went away" "$T/herr" ||
    fail "orch-mcp after its gateway: exit $(cat "$T/hrc"): $(cat "$T/herr")"
exec 8>&-
wait_status 10 mcp idle
# A file is relayed: the same answers.
echo '{"jsonrpc":"2.0","id":6,"method":"ping"}' >"$T/req.json"
"$MCP" -L "$INST" <"$T/req.json" | jq -e '.id == 6 and .result == {}' >/dev/null || fail "a relayed file"

# No supervisor: an error for the first request, on stderr too, exit 1.
out=$(echo '{"jsonrpc":"2.0","id":42,"method":"initialize","params":{}}' | "$MCP" -L nobody-runs-this 2>"$T/err")
rc=$?
[ $rc = 1 ] || fail "orch-mcp without a supervisor: exit $rc"
echo "$out" | jq -e '.id == 42 and .error.code == -32000' >/dev/null || fail "no supervisor: $out"
grep -q "no orch MCP gateway runs for instance nobody-runs-this" "$T/err" || fail "stderr: $(cat "$T/err")"
echo ok
