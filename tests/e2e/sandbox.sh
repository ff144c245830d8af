#!/usr/bin/env bash
# session.sandbox: the agent's shell and its tasks run under bubblewrap.
# From inside, the run directory shows only the agent's own socket, the
# shared memory and the state directory (logs, audit) are not there, orch's
# processes cannot be seen or signalled; orch-ctl still works through the
# agent's socket, as that agent. A sandbox that cannot be made is an agent
# in error that says why.
. "$(dirname "$0")/lib.bash"
command -v bwrap >/dev/null || fail "bwrap is not installed (make deps)"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: box, session: {sandbox: true, shell: /bin/sh}}
  - {id: free}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 box idle
wait_status 10 free idle
shm=$(cat "$RUNDIR/shm.name")
STATE=$XDG_STATE_HOME/orch/$INST
[ -e "/dev/shm$shm" ] || fail "no shared memory outside"
[ -e "$STATE/audit.log" ] || fail "no audit log outside"

inside() { "$CTL" -L "$INST" exec box -- sh -c "$1" 2>&1; }
# The run directory: nothing but its own socket.
out=$(inside "find $XDG_RUNTIME_DIR/orch ! -type d") || fail "find: $out"
[ "$out" = "$RUNDIR/actors/box.sock" ] || fail "sockets seen inside: $out"
inside "test -e $RUNDIR/control.sock" && fail "the control socket is visible"
inside "test -e /dev/shm$shm" && fail "the shared memory is visible"
inside "test -e $STATE/audit.log" && fail "the audit log is visible"
inside "kill -0 $SUP_PID" && fail "the supervisor can be signalled"
out=$(inside "ps -e -o comm=") || fail "ps: $out"
echo "$out" | grep -q orch- && fail "orch's processes are visible: $out"

# orch-ctl works through its own socket, and it is still box.
out=$(inside "orch-ctl status") || fail "status inside: $out"
echo "$out" | grep -q "^free  *worker  *idle" || fail "status inside: $out"
out=$(inside "orch-ctl mem put boxed/k v && orch-ctl mem get boxed/k") || fail "mem inside: $out"
[ "$(echo "$out" | tail -n 1)" = v ] || fail "mem inside: $out"
"$CTL" -L "$INST" mem get boxed/k --json | grep -q '"owner": *"box"' || fail "the key is not box's"
out=$(inside "orch-ctl shutdown") && fail "shutdown from the sandbox: $out"
echo "$out" | grep -q "agent 'box' may not shutdown: operator only" || fail "shutdown: $out"
out=$(inside "orch-ctl exec free -- true") && fail "exec elsewhere: $out"
echo "$out" | grep -q "needs agent:coordinate" || fail "exec elsewhere: $out"
# Another agent's socket is not there to dial.
out=$(inside "ORCH_SOCKET=$RUNDIR/actors/free.sock orch-ctl mem ls") && fail "free's socket: $out"

# The session's shell is in the sandbox too: another pid namespace.
sid=$("$CTL" -L "$INST" status --json | tr -d '\n ' |
    sed -n 's/.*"id":"box"[^}]*"session":\([0-9]*\).*/\1/p')
[ -n "$sid" ] && [ "$sid" != 0 ] || fail "no session for box"
shell=$(pgrep -s "$sid" -x sh | head -n 1)
[ -n "$shell" ] || fail "no shell in session $sid"
[ "$(readlink "/proc/$shell/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] ||
    fail "the session shell is not sandboxed"
# Outside the sandbox, the other agent sees as before.
out=$("$CTL" -L "$INST" exec free -- sh -c "test -e $RUNDIR/control.sock && echo seen") || fail "free: $out"
"$CTL" -L "$INST" shutdown >/dev/null || fail "shutdown"
wait_exit "$SUP_PID" 15 || fail "no shutdown"

# A bwrap that cannot make the sandbox: the agent is in error, saying so.
mkdir "$T/nobwrap"
printf '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n' >"$T/nobwrap/bwrap"
chmod +x "$T/nobwrap/bwrap"
cat >"$T/one.yaml" <<'YAML'
agents:
  - {id: box, session: {sandbox: true}, restart: {max: 1}}
YAML
PATH=$T/nobwrap:$PATH start_sup -c "$T/one.yaml"
wait_status 10 box error
"$ATT" -L "$INST" -i box | grep -q "the sandbox cannot be made here (bwrap: bwrap: No permissions" ||
    fail "no reason: $("$ATT" -L "$INST" -i box)"
echo ok
