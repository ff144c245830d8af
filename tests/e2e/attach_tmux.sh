#!/usr/bin/env bash
# orch-attach driven like a person, inside a private tmux server: type into
# the session and see the output; a read-only client's keys never arrive;
# two clients see the same output; a resize reaches the session; Ctrl-\
# detaches; the terminal is restored on detach and when the actor dies.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: a1
    session: {shell: /bin/sh, env: {PS1: "a1$ "}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 a1 idle

TM="tmux -L person-$INST -f /dev/null"
# Each window records the terminal state before and after orch-attach.
client() {	# client NAME ARGS...
	local name=$1
	shift
	echo "stty -g >$T/$name.before; $ATT -L $INST $*; echo \$? >$T/$name.rc; stty -g >$T/$name.after; exec sleep 600"
}
pane() { $TM capture-pane -p -t "$1"; }
pane_has() { pane "$1" | grep -q -- "$2"; }
restored() {	# restored NAME: the client exited and the tty is as before
	wait_until 10 test -s "$T/$1.after" || fail "$1: orch-attach did not exit"
	cmp -s "$T/$1.before" "$T/$1.after" || fail "$1: terminal not restored"
}

$TM new-session -d -s t -n rw -x 100 -y 30 "$(client rw a1)"
$TM new-window -d -t t -n ro "$(client ro -r a1)"
wait_until 10 pane_has t:rw 'a1\$' || fail "no prompt in the rw client: $(pane t:rw)"
wait_until 10 pane_has t:ro 'a1\$' || fail "no prompt in the ro client: $(pane t:ro)"

$TM send-keys -t t:rw 'echo hel""lo' Enter
wait_until 10 pane_has t:rw '^hello' || fail "rw client did not see hello: $(pane t:rw)"
wait_until 10 pane_has t:ro '^hello' || fail "ro client did not see hello: $(pane t:ro)"

# Read-only keys go nowhere; keys typed after them do arrive.
$TM send-keys -t t:ro 'echo ro""typed' Enter
$TM send-keys -t t:rw 'echo mark""er' Enter
wait_until 10 pane_has t:rw '^marker' || fail "marker not seen"
pane t:rw | grep -q rotyped && fail "read-only input reached the session"
"$ATT" -L "$INST" -i a1 | grep -q rotyped && fail "read-only input in the scrollback"

# Resize: the session's terminal follows the rw client's window.
$TM resize-window -t t:rw -x 90 -y 25
sized() {
	$TM send-keys -t t:rw 'stty size' Enter
	sleep 0.1
	pane_has t:rw '^25 90'
}
wait_until 10 sized || fail "resize not seen: $(pane t:rw)"

# Detach with Ctrl-\: exit 0, terminal restored, the agent runs on.
$TM send-keys -t t:rw 'C-\'
restored rw
[ "$(cat "$T/rw.rc")" = 0 ] || fail "detach exit status $(cat "$T/rw.rc")"
pane_has t:rw '\[detached from a1\]' || fail "no detach message"
is_status a1 idle || fail "agent disturbed by detach"

# Attach again, then the actor dies under both clients.
$TM new-window -d -t t -n rw2 "$(client rw2 -e '^]' a1)"
wait_until 10 pane_has t:rw2 'a1\$' || fail "re-attach: $(pane t:rw2)"
$TM send-keys -t t:rw2 'C-\'	# not the detach key with -e ^]
$TM send-keys -t t:rw2 'echo still""attached' Enter
wait_until 10 pane_has t:rw2 '^stillattached' || fail "-e did not change the detach key"
kill -9 "$(field_of a1 4)"
restored rw2
restored ro
[ "$(cat "$T/rw2.rc")" = 1 ] || fail "actor death exit status $(cat "$T/rw2.rc")"
pane_has t:rw2 "the agent's actor went away" || fail "no message on actor death: $(pane t:rw2)"
wait_status 10 a1 idle

# A signal to orch-attach: it leaves, restoring the terminal.
$TM new-window -d -t t -n sig "$(client sig -e x a1)"
wait_until 10 pane_has t:sig 'a1\$' || fail "attach for the signal test: $(pane t:sig)"
pkill -TERM -f "^$ATT -L $INST -e x a1$" || fail "no orch-attach to signal"
restored sig
[ "$(cat "$T/sig.rc")" = 1 ] || fail "signal exit status $(cat "$T/sig.rc")"

# The supervisor shuts down under an attached client.
$TM new-window -d -t t -n rw3 "$(client rw3 a1)"
wait_until 10 pane_has t:rw3 'a1\$' || fail "attach after restart: $(pane t:rw3)"
"$CTL" -L "$INST" shutdown || fail "shutdown"
restored rw3
pane_has t:rw3 "asked by the supervisor from a1" || fail "no message on shutdown: $(pane t:rw3)"
wait_exit "$SUP_PID" 15 || fail "supervisor did not exit"
start_sup -c "$T/orch.yaml"
wait_status 10 a1 idle

# orch-attach without a terminal, or to an unknown agent: exit 2.
"$ATT" -L "$INST" a1 </dev/null 2>"$T/err.log"
[ $? = 2 ] && grep -q "not a terminal" "$T/err.log" || fail "no tty: $(cat "$T/err.log")"
$TM new-window -d -t t -n ghost "$(client ghost ghost)"
wait_until 10 test -s "$T/ghost.rc" || fail "ghost attach hung"
[ "$(cat "$T/ghost.rc")" = 2 ] || fail "unknown agent: exit $(cat "$T/ghost.rc")"
pane_has t:ghost "no agent 'ghost' in instance $INST (agents: a1)" ||
    fail "unknown agent message: $(pane t:ghost)"
# A known agent that is not running says what it is.
"$CTL" -L "$INST" agent terminate a1 >/dev/null || fail "terminate a1"
$TM new-window -d -t t -n down "$(client down a1)"
wait_until 10 test -s "$T/down.rc" || fail "attach to a terminated agent hung"
[ "$(cat "$T/down.rc")" = 2 ] || fail "terminated agent: exit $(cat "$T/down.rc")"
pane_has t:down "agent 'a1' is terminated" || fail "terminated agent message: $(pane t:down)"
exit 0
