#!/usr/bin/env bash
# Who may do what: a caller is known by its process's ancestry (a process
# of an agent's session is that agent, whatever socket it dials and
# whatever its environment says; double-forked and setsid too), and each
# operation needs what the permission table says; denials are errors that
# name the permission, and every decision is in the audit log.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: locked, permissions: []}
  - {id: reader, permissions: [data:read]}
  - {id: boss, permissions: [agent:coordinate, session:create, session:delete, session:read, command:execute, data:share, data:read]}
  - {id: plain}
YAML
start_sup -c "$T/orch.yaml"
for a in locked reader boss plain; do wait_status 10 $a idle; done

# as AGENT CMD...: run orch-ctl CMD... inside AGENT's session; its output
# and exit status are those of that orch-ctl.
as() {
	local agent=$1
	shift
	"$CTL" -L "$INST" exec "$agent" -- sh -c 'orch-ctl "$@" 2>&1' sh "$@"
}
# denied AGENT PERM CMD...: refused, naming the permission it lacks.
denied() {
	local agent=$1 perm=$2 out
	shift 2
	out=$(as "$agent" "$@") && fail "$agent may $*: $out"
	echo "$out" | grep -q "agent '$agent' may not .*$perm" ||
	    fail "$agent $*: not denied for $perm: $out"
}
allowed() {
	local agent=$1 out
	shift
	out=$(as "$agent" "$@") || fail "$agent may not $*: $out"
}

# The reproductions: an agent with no permissions stops nothing,
# restarts nobody, runs nothing elsewhere, reads no other screen.
denied locked "operator only" shutdown
"$CTL" -L "$INST" status >/dev/null || fail "the supervisor stopped"
denied locked agent:coordinate agent restart plain
denied locked agent:coordinate exec plain -- true
denied locked agent:coordinate submit -- true
denied locked agent:coordinate send plain hi
# Another agent's socket is not its own.
out=$("$CTL" -L "$INST" exec locked -- sh -c "ORCH_SOCKET=$XDG_RUNTIME_DIR/orch/$INST/actors/plain.sock orch-ctl mem ls 2>&1") &&
    fail "used another agent's socket: $out"
echo "$out" | grep -q "agent 'locked' may not mem.ls on agent 'plain''s socket: it asks its own actor" ||
    fail "other socket: $out"

# Without its actor's socket it is still itself: data:share is needed.
out=$("$CTL" -L "$INST" exec locked -- sh -c 'env -u ORCH_SOCKET orch-ctl mem put k v 2>&1') &&
    fail "wrote without data:share: $out"
echo "$out" | grep -q "data:share" || fail "mem put: $out"
"$CTL" -L "$INST" mem get k >/dev/null 2>&1 && fail "the key was written"
# permissions: [] is none: not even data:read.
"$CTL" -L "$INST" mem put shared/k v >/dev/null || fail "operator put"
out=$("$CTL" -L "$INST" exec locked -- sh -c 'orch-ctl mem get shared/k 2>&1') &&
    fail "read without data:read: $out"
allowed reader mem get shared/k
out=$(as reader mem put shared/x y) && fail "reader shared a key: $out"
echo "$out" | grep -q "needs data:share" || fail "reader put: $out"

# Double-forked and setsid: still the agent (the task waits for it, at
# most 10 s: what a task started does not outlive it).
"$CTL" -L "$INST" exec locked -- sh -c "setsid sh -c 'env -u ORCH_SOCKET orch-ctl shutdown >$T/fork.out 2>&1; echo \$? >$T/fork.rc' </dev/null >/dev/null 2>&1 & i=0; while [ ! -s $T/fork.rc ] && [ \$i -lt 500 ]; do sleep 0.02; i=\$((i + 1)); done" ||
    fail "fork"
wait_until 10 test -s "$T/fork.rc" || fail "the forked process did not run"
[ "$(cat "$T/fork.rc")" = 1 ] && grep -q "agent 'locked' may not shutdown: operator only" "$T/fork.out" ||
    fail "forked: $(cat "$T/fork.out")"
"$CTL" -L "$INST" status >/dev/null || fail "the supervisor stopped"

# The table row by row is perm_table.sh; here, one allowed restart.
allowed boss agent restart plain
wait_status 10 plain idle
denied boss "operator only" shutdown

# Every decision is in the audit log, refusals with their rule.
"$CTL" -L "$INST" audit >"$T/audit.out" || fail "audit"
grep -q "denied .*agent locked .*shutdown .*(operator only)" "$T/audit.out" ||
    fail "no denial in the audit log: $(cat "$T/audit.out")"
grep -q "allowed .*agent boss .*agent.restart .*about plain" "$T/audit.out" ||
    fail "no allowed restart: $(cat "$T/audit.out")"
"$CTL" -L "$INST" audit --json | head -1 | grep -q '"decision":' || fail "audit --json"
echo ok
