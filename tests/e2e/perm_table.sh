#!/usr/bin/env bash
# The permission table, row by row: every operation, allowed to an agent
# that has what it needs, refused (naming the permission) to one that has
# not, and allowed to the operator. Sessions are reached across agents as
# a person would: attached in tmux, typing orch-attach into an agent's own
# shell. Every row of ipc/permtab.c must be named here.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: locked, permissions: [], session: {shell: /bin/sh, env: {PS1: "locked$ "}}}
  - {id: plain, session: {shell: /bin/sh, env: {PS1: "plain$ "}}}
  - {id: writer, permissions: [session:read, session:write, command:execute], session: {shell: /bin/sh, env: {PS1: "writer$ "}}}
  - {id: boss, permissions: [agent:coordinate, session:create, session:delete, session:read, session:write, command:execute, data:share, data:read], session: {shell: /bin/sh, env: {PS1: "boss$ "}}}
  - {id: mcp, type: gateway}
YAML
start_sup -c "$T/orch.yaml"
for a in locked plain writer boss mcp; do wait_status 10 $a idle; done
SOCKS=$RUNDIR/actors

# Rows this script has exercised; checked against the table at the end.
ROWS=" "
row() { ROWS="$ROWS$1 "; }

as() {	# as AGENT CMD...: CMD run in AGENT's session, output and status
	local agent=$1
	shift
	"$CTL" -L "$INST" exec "$agent" -- sh -c '"$@" 2>&1' sh "$@"
}
refused() {	# refused AGENT TEXT CMD...: fails, saying TEXT
	local agent=$1 text=$2 out
	shift 2
	out=$(as "$agent" "$@") && fail "$agent may $*: $out"
	echo "$out" | grep -q -- "$text" || fail "$agent $*: not refused with '$text': $out"
}
denied() {	# denied AGENT PERM CMD...: refused, naming the permission
	local agent=$1 perm=$2
	shift 2
	refused "$agent" "agent '$agent' may not .*$perm" "$@"
}
allowed() {	# allowed AGENT CMD...
	local agent=$1 out
	shift
	out=$(as "$agent" "$@") || fail "$agent may not $*: $out"
	echo "$out"
}
operator() { "$CTL" -L "$INST" "$@" >/dev/null 2>&1 || fail "operator may not $*"; }
call() {	# call TOOL ARGS: the line of a tools/call request
	printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2"
}
mcp_as() {	# mcp_as AGENT TOOL ARGS: the tool's result, called as AGENT
	as "$1" sh -c 'printf "%s\n" "$1" | orch-mcp' sh "$(call "$2" "$3")"
}
mcp_op() {	# mcp_op TOOL ARGS: the tool's result, called as the operator
	call "$1" "$2" | "$BIN/orch-mcp" -L "$INST"
}
mcp_ok() {	# mcp_ok RESULT: a result that is no error
	[ -n "$1" ] && echo "$1" | jq -e '.result.isError == false' >/dev/null ||
	    fail "not done: $1"
}

# Anyone: status, tasks, events.read, ping (on its own actor and another's).
row status; allowed locked orch-ctl status >/dev/null; operator status
row tasks; allowed locked orch-ctl tasks >/dev/null; operator tasks
row events.read; allowed locked orch-ctl events >/dev/null; operator events
row ping
allowed locked orch-ipc-demo call "$SOCKS/locked.sock" -o ping >/dev/null
allowed locked orch-ipc-demo call "$SOCKS/boss.sock" -o ping >/dev/null
"$DEMO" call "$SOCKS/boss.sock" -o ping >/dev/null || fail "operator ping"

# The bank: data:share to share, data:read to read; one's own key is one's own.
row mem.put; row mem.get; row mem.ls; row mem.rm
refused locked "sharing 'shared/l' needs data:share" orch-ctl mem put shared/l v
allowed plain orch-ctl mem put shared/p v >/dev/null
[ "$(allowed plain orch-ctl mem get shared/p)" = v ] || fail "plain get"
allowed plain orch-ctl mem ls | grep -q shared/p || fail "plain ls"
refused locked "'shared/p' (owner plain) is not readable by this agent" orch-ctl mem get shared/p
as locked orch-ctl mem ls | grep -q shared/p && fail "listed to locked"
refused locked "it may not be removed by this agent" orch-ctl mem rm shared/p
allowed plain orch-ctl mem rm shared/p >/dev/null
operator mem put op/k v; operator mem get op/k; operator mem ls; operator mem rm op/k

row events.publish
denied locked data:share orch-ctl events publish note.locked
allowed plain orch-ctl events publish note.plain >/dev/null
operator events publish note.operator

# One's own inbox; another agent's is not to be emptied by an agent.
row inbox.read
allowed locked orch-ctl inbox >/dev/null
refused boss "agent 'boss' may not inbox.read on agent 'plain''s socket" \
    env ORCH_SOCKET="$SOCKS/plain.sock" orch-ctl inbox
ORCH_SOCKET=$SOCKS/plain.sock "$CTL" inbox >/dev/null || fail "operator inbox"

# Claude Code's hooks: from the agent's own session, about itself only.
row claude.hook
refused plain "does not run an interactive Claude Code" sh -c 'echo "{}" | orch-ctl hook Stop'
refused boss "agent 'boss' may not claude.hook on agent 'plain''s socket" \
    sh -c 'echo "{}" | orch-ctl hook --socket "$1" Stop' sh "$SOCKS/plain.sock"
out=$(echo '{}' | "$CTL" hook --socket "$SOCKS/plain.sock" Stop 2>&1) && fail "the operator sent a hook: $out"
echo "$out" | grep -q "only a process of the agent's own session" || fail "operator's hook: $out"

# Seeing another agent's session: session:read (inspect, its scrollback).
row agent.inspect; row session.tail
allowed boss sh -c 'echo BOSS""MARK' >/dev/null
denied locked session:read orch-attach -i plain
allowed locked orch-attach -i locked >/dev/null
allowed plain orch-attach -i boss | grep -q '^BOSSMARK' || fail "plain's inspect of boss shows no scrollback"
denied locked "session.tail over agent 'plain': it needs session:read" \
    orch-ipc-demo call "$SOCKS/plain.sock" -o session.tail
allowed plain orch-ipc-demo call "$SOCKS/boss.sock" -o session.tail >/dev/null
"$ATT" -L "$INST" -i boss | grep -q '^BOSSMARK' || fail "operator inspect"

# Attaching from inside a session: -r needs session:read, read-write
# needs session:write. Refusals come before the terminal is touched.
row attach.open; row attach.input; row attach.resize; row task.exec
denied locked "attach.open over agent 'plain': it needs session:read" \
    script -qec "orch-attach -r plain" /dev/null
denied plain "attach.input over agent 'boss': it needs session:write" \
    script -qec "orch-attach boss" /dev/null

TM="tmux -L person-$INST -f /dev/null"
pane() { $TM capture-pane -p -t "$1"; }
pane_has() { pane "$1" | grep -q -- "$2"; }
# prompt WINDOW NAME: a fresh prompt at the bottom (the replayed screen
# ends with whatever the last task printed).
prompt() {
	$TM send-keys -t "$1" Enter
	sleep 0.05
	pane "$1" | grep -v '^$' | tail -n 1 | grep -q "^$2\\\$ *\$"
}
# The operator attaches to plain; in plain's shell, plain attaches to boss.
$TM new-session -d -s t -n p -x 120 -y 30 "$ATT -L $INST plain"
wait_until 10 prompt t:p plain || fail "no plain prompt: $(pane t:p)"
$TM send-keys -t t:p "orch-attach -r -e ^B boss" Enter
wait_until 10 pane_has t:p 'BOSSMARK' || fail "plain does not see boss's screen: $(pane t:p)"
as boss sh -c 'echo LIVE""BOSS' >/dev/null
wait_until 10 pane_has t:p '^LIVEBOSS' || fail "plain does not see boss live: $(pane t:p)"
$TM send-keys -t t:p 'echo ro""typed' Enter
$TM send-keys -t t:p C-b
wait_until 10 pane_has t:p '\[detached from boss\]' || fail "inner detach: $(pane t:p)"
"$ATT" -L "$INST" -i boss | grep -q rotyped && fail "a read-only attach typed into boss"
# An exec into its own session is typed at its shell: a task of its own
# would find it busy.
wait_until 10 prompt t:p plain || fail "no plain prompt after detach: $(pane t:p)"
$TM send-keys -t t:p 'orch-ctl exec plain -- echo SELF""EXEC; echo rc=$?' Enter
wait_until 10 pane_has t:p '^rc=0' || fail "plain's exec in its own session: $(pane t:p)"
pane_has t:p '^SELFEXEC' || fail "plain's own exec printed nothing: $(pane t:p)"
# writer (session:write) attaches read-write and types into boss.
$TM new-window -d -t t -n w "$ATT -L $INST writer"
wait_until 10 prompt t:w writer || fail "no writer prompt: $(pane t:w)"
$TM send-keys -t t:w "orch-attach -e ^B boss" Enter
wait_until 10 prompt t:w boss || fail "writer's attach to boss: $(pane t:w)"
$TM send-keys -t t:w "echo typed-by-writer >$T/typed" Enter
wait_until 10 test -s "$T/typed" || fail "writer's keys did not reach boss: $(pane t:w)"
$TM send-keys -t t:w C-b
wait_until 10 pane_has t:w '\[detached from boss\]' || fail "writer detach: $(pane t:w)"
$TM kill-server

# Typing into a session: one's own is command:execute, another's
# session:write (what MCP's write_to_terminal asks for).
row session.type
CSOCK=$RUNDIR/control.sock
denied locked command:execute orch-ipc-demo call "$CSOCK" -o session.type -m agent=locked -m text=true
denied plain session:write orch-ipc-demo call "$CSOCK" -o session.type -m agent=boss -m text=true
allowed writer orch-ipc-demo call "$CSOCK" -t 5000 -o session.type -m agent=boss \
    -m text="echo typed-by-writer-2 >$T/typed2" >/dev/null
wait_until 10 test -s "$T/typed2" || fail "writer's typing did not reach boss"
"$DEMO" call "$RUNDIR/control.sock" -o session.type -m agent=plain -m text=true >/dev/null || fail "operator typing"

# Agents: deploy needs session:create, terminate session:delete.
row agent.deploy; row agent.terminate
denied plain session:create orch-ctl agent deploy extra
allowed boss orch-ctl agent deploy extra >/dev/null
wait_status 10 extra idle
denied plain session:delete orch-ctl agent terminate extra
allowed boss orch-ctl agent terminate extra >/dev/null
operator agent deploy extra2; operator agent terminate extra2

# Work: one's own needs command:execute, anyone else's agent:coordinate.
row task.exec; row task.submit
denied locked command:execute orch-ctl exec locked -- true
denied plain agent:coordinate orch-ctl exec boss -- true
allowed boss orch-ctl exec plain -- true >/dev/null
denied locked command:execute orch-ctl submit --agent locked -- true
name=$(allowed plain orch-ctl submit --agent plain -- true)
# That task runs on plain as soon as the exec that queued it ends: the next
# exec there waits for it.
ran() { "$CTL" -L "$INST" tasks | awk -v t="$name" '$1 == t { print $3 }' | grep -qx ok; }
wait_until 10 ran || fail "plain's own task: $("$CTL" -L "$INST" tasks | grep "^$name ")"
denied plain agent:coordinate orch-ctl submit -- true
allowed boss orch-ctl submit --wait -- true >/dev/null
operator exec plain -- true; operator submit --wait -- true

# Through the MCP gateway, as each agent (orch-mcp run in its session).
row dashboard; row workflow.check; row task.logs
mcp_ok "$(mcp_as locked dashboard '{}')"; mcp_ok "$(mcp_op dashboard '{}')"
v='{"workflow":{"name":"v","stages":[{"name":"s","tasks":[{"id":"t","command":"true"}]}]}}'
mcp_ok "$(mcp_as locked validate_workflow "$v")"; mcp_ok "$(mcp_op validate_workflow "$v")"
out=$(mcp_op submit_task '{"command":"echo logged","wait":true}')
task=$(echo "$out" | jq -r .result.structuredContent.task)
[ "$task" != null ] || fail "no task: $out"
out=$(mcp_as locked task_logs "{\"task\":\"$task\"}")
echo "$out" | jq -r '.result.content[0].text' | grep -q "agent 'locked' may not task.logs: it needs session:read" ||
    fail "locked read a task's log: $out"
out=$(mcp_as plain task_logs "{\"task\":\"$task\"}")
[ "$(echo "$out" | jq -r .result.structuredContent.log)" = logged ] || fail "plain task_logs: $out"
mcp_ok "$(mcp_op task_logs "{\"task\":\"$task\"}")"

row workflow.run
cat >"$T/wf.yaml" <<'YAML'
name: tiny
stages:
  - name: one
    tasks: [{id: t, command: "true"}]
YAML
denied plain agent:coordinate orch-ctl workflow run "$T/wf.yaml"
allowed boss orch-ctl workflow run --wait "$T/wf.yaml" >/dev/null
operator workflow run --wait "$T/wf.yaml"

# Approvals and cancels are coordination.
row task.approve; row task.deny; row task.cancel
declare -a held
for n in 1 2 3 4 5 6; do
	held[$n]=$("$CTL" -L "$INST" submit --approval --agent locked --id held-$n -- true) ||
	    fail "submit held-$n"
done
denied plain agent:coordinate orch-ctl approve "${held[1]}"
denied plain agent:coordinate orch-ctl deny "${held[2]}"
denied plain agent:coordinate orch-ctl cancel "${held[3]}"
allowed boss orch-ctl approve "${held[1]}" >/dev/null
allowed boss orch-ctl deny "${held[2]}" >/dev/null
allowed boss orch-ctl cancel "${held[3]}" >/dev/null
operator approve "${held[4]}"; operator deny "${held[5]}"; operator cancel "${held[6]}"
ran() { "$CTL" -L "$INST" tasks | grep -q "^ *$1 .* ok "; }
for n in 1 4; do wait_until 10 ran "${held[$n]}" || fail "${held[$n]} did not run: $("$CTL" -L "$INST" tasks)"; done
wait_status 10 locked idle

row agent.restart
denied plain agent:coordinate orch-ctl agent restart locked
allowed boss orch-ctl agent restart locked >/dev/null
wait_status 10 locked idle
operator agent restart locked
wait_status 10 locked idle

row msg.send; row broadcast
denied plain agent:coordinate orch-ctl send boss hi
allowed boss orch-ctl send plain hi >/dev/null
denied plain agent:coordinate orch-ctl broadcast hi
allowed boss orch-ctl broadcast hi --status idle >/dev/null
operator send plain hi; operator broadcast hi --status idle

# Refusals are audited with the permission they lacked.
"$CTL" -L "$INST" audit >"$T/audit.out" || fail "audit"
for want in "agent plain .*attach.input .*session:write" "agent locked .*session.tail .*session:read" \
    "agent plain .*agent.deploy .*session:create" "agent locked .*task.exec .*command:execute"; do
	grep -q "denied .*$want" "$T/audit.out" || fail "not audited: $want: $(cat "$T/audit.out")"
done
grep -q "allowed .*agent writer .*attach.input .*about boss" "$T/audit.out" ||
    fail "writer's attach not audited: $(cat "$T/audit.out")"

row shutdown
denied boss "operator only" orch-ctl shutdown
"$CTL" -L "$INST" shutdown || fail "operator shutdown"
wait_exit "$SUP_PID" 15 || fail "no shutdown"

# Every row of the table was exercised above.
here=$(cd "$(dirname "$0")/../.." && pwd)
for name in $(sed -n 's/^\t{ \(IPC_OP_[A-Z_]*\),.*/\1/p' "$here/ipc/permtab.c"); do
	op=$(sed -n "s/^#define $name[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$here/ipc/proto.h")
	[ -n "$op" ] || fail "no op string for $name"
	case "$ROWS" in *" $op "*) ;; *) fail "row $op of the permission table is not tested" ;; esac
done
echo ok
