#!/usr/bin/env bash
# orch-supervisor --dashboard driven like a person in a private tmux server
# at 80x24: the supervisor's own terminal shows orch-ctl top while the log
# goes to a file (no log line on the screen meanwhile); the view acts as
# the operator (it approves a held task, enter attaches to an agent's
# session); an actor that dies does not take the view with it; q gives the
# terminal back to the log, the held lines first, and later lines follow
# on it; Ctrl-C stops the supervisor with the terminal as it was. With -w
# the view closes itself when the run is over and the table comes last; a
# view killed outright leaves a usable terminal and the run goes on; off a
# terminal --dashboard says so and the supervisor runs as usual.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: worker-1
    session: {shell: /bin/sh, env: {PS1: "w1$ "}}
  - id: worker-2
  - id: worker-3
YAML
HELD=$XDG_STATE_HOME/orch/$INST/supervisor.log

TM="tmux -L person-$INST -f /dev/null"
pane() { $TM capture-pane -p -t "$S"; }
scroll() { $TM capture-pane -p -S - -t "$S"; }
pane_has() { pane | grep -q -- "$1"; }
scroll_has() { scroll | grep -q -- "$1"; }
see() { wait_until 15 pane_has "$1" || fail "$2: $(pane)"; }
seen() { wait_until 15 scroll_has "$1" || fail "$2: $(scroll | tail -40)"; }
alt() { $TM display -p -t "$S" '#{alternate_on}'; }
# The terminal's text and the held log, where sup_cleanup looks for
# sanitizer reports.
keep_log() { { scroll; cat "$HELD" 2>/dev/null; } >>"$T/sup.log"; }
# run_in_pane CMD...: the supervisor in the pane, its status and the
# terminal's settings before and after kept in $T.
# Each in a session of its own (t1, t2, ...), the old ones left as they are.
N=0
run_in_pane() {
	rm -f "$T/before" "$T/after" "$T/rc"
	N=$((N + 1))
	S=t$N
	$TM new-session -d -s "$S" -x 80 -y 24 "stty -g >$T/before; $SUP -L $INST -g 1 $*; echo \$? >$T/rc; stty -g >$T/after; exec sleep 600"
}
ended() {
	wait_until 20 test -s "$T/after" || { keep_log; fail "the supervisor did not stop: $(pane)"; }
	keep_log
	cmp -s "$T/before" "$T/after" || fail "terminal not restored"
	[ "$(alt)" = 0 ] || fail "still on the alternate screen"
}

# --- The view up: the operator's, the log held -------------------------------
run_in_pane -c "$T/orch.yaml" --dashboard -v
see 'AGENTS  3 of 3' "no dashboard"
for a in worker-1 worker-2 worker-3; do wait_status 15 $a idle; done
[ "$(alt)" = 1 ] || fail "the view is not full screen"
"$CTL" -L "$INST" submit --approval --agent worker-2 --id yes -- "touch $T/approved" >/dev/null || fail "submit"
see '^  1:yes  *waiting  *worker-2' "held task not shown"
$TM send-keys -t "$S" Down
see '^> worker-2 ' "down did not select worker-2"
$TM send-keys -t "$S" a
see "approve 1:yes on worker-2: touch $T/approved" "the request not shown before approving"
$TM send-keys -t "$S" y
wait_until 15 test -e "$T/approved" || fail "the view's approval did nothing: $(pane)"
see '1:yes: done' "no word of the approval"
wait_until 15 grep -q 'task 1:yes: ok on worker-2' "$HELD" || fail "the log is not held: $(cat "$HELD")"
grep -q 'denied' "$HELD" && fail "the view was refused as nobody: $(grep denied "$HELD")"
pane | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' && fail "a log line on the view: $(pane)"

# Enter: orch-attach from the view is the operator's at the actor too.
$TM send-keys -t "$S" Up
see '^> worker-1 ' "up did not select worker-1"
$TM send-keys -t "$S" Enter
see 'w1\$' "enter did not attach to worker-1"
$TM send-keys -t "$S" 'echo at""tached' Enter
see '^attached' "typing in the attached session"
$TM send-keys -t "$S" 'C-\'
see 'back from worker-1' "not back in the view after detaching"
wait_until 15 grep -q 'worker-1.*client detached' "$HELD" || fail "attach not in the held log"

# An actor killed: what it left is swept, the view is not.
old=$(field_of worker-3 4)
kill -9 "$old"
anew() { is_status worker-3 idle && [ "$(field_of worker-3 4)" != "$old" ]; }
wait_until 15 anew || fail "worker-3 not restarted"
wait_until 15 grep -q 'agent worker-3: .* -> idle' "$HELD" || fail "restart not in the held log"
wait_until 15 grep -q 'swept 1 old session and the orphans' "$HELD" || fail "no sweep after the actor died"
grep -q 'killed .* left by actors that died' "$HELD" && fail "the sweep killed something: $(grep 'left by' "$HELD")"
see 'AGENTS  3 of 3' "the view is gone after an actor died"
[ "$(alt)" = 1 ] || fail "the view was swept with the dead actor's processes"

# An attach that fails is said on the view, not lost with the screen.
"$CTL" -L "$INST" agent terminate worker-3 >/dev/null || fail "terminate"
wait_status 15 worker-3 terminated
$TM send-keys -t "$S" Down Down
see '^> worker-3 ' "down did not select worker-3"
$TM send-keys -t "$S" Enter
see 'orch-attach worker-3 failed (exit' "a failed attach not said: $(pane)"

# q: the terminal is the log's again, what was held first.
$TM send-keys -t "$S" q
seen 'the dashboard is closed: what was logged meanwhile' "no word of the held log"
seen 'task 1:yes: ok on worker-2' "the held lines not shown"
seen 'the supervisor goes on: Ctrl-C stops it' "no word of what goes on"
[ "$(alt)" = 0 ] || fail "q left the alternate screen on"
"$CTL" -L "$INST" submit --agent worker-1 --id later -- true >/dev/null || fail "submit after q"
seen 'task 2:later: ok on worker-1' "a line logged after q not on the terminal"

# Ctrl-C: stopped as usual, exit 0, the terminal as it was.
$TM send-keys -t "$S" C-c
ended
[ "$(cat "$T/rc")" = 0 ] || fail "exit status $(cat "$T/rc") after Ctrl-C"
scroll_has 'supervisor: stopped' || fail "no stop in the log: $(scroll | tail)"

# --- With -w: the run's end closes the view; a killed view ------------------
cat >"$T/wf.yaml" <<YAML
name: dash
stages:
  - name: s
    parallel: true
    tasks:
      - id: gate
        command: while [ ! -e $T/go ]; do sleep 0.05; done; echo gated
      - id: quick
        command: echo quick
YAML
run_in_pane -c "$T/orch.yaml" --dashboard -w "$T/wf.yaml"
see '^  gate  *running' "the run not in the view"
see '^  quick  *ok' "quick not done in the view"
view() { pgrep -f "orch-ctl -L $INST top"; }
wait_until 10 view >/dev/null || fail "no view process"
kill -9 "$(view)"
seen 'the dashboard ended: ' "a killed view not told"
[ "$(alt)" = 0 ] || fail "a killed view left the alternate screen on"
see '1/2 done, 1 running' "no progress line after the view"
touch "$T/go"
ended
[ "$(cat "$T/rc")" = 0 ] || fail "-w exit status $(cat "$T/rc")"
pane_has '2 of 2 tasks succeeded' || fail "no table at the end: $(pane)"

# The run's end closes a view still up; the table is the last thing shown.
rm -f "$T/go"
run_in_pane -c "$T/orch.yaml" --dashboard -w "$T/wf.yaml"
see '^  gate  *running' "the run not in the view"
touch "$T/go"
ended
[ "$(cat "$T/rc")" = 0 ] || fail "-w exit status $(cat "$T/rc")"
pane | grep -v '^$' | tail -n 2 | grep -q '2 of 2 tasks succeeded' || fail "the table is not last: $(pane)"
scroll_has 'task gate: ok on' || fail "the held lines not shown: $(scroll | tail -30)"

# --- Off a terminal: said, and the supervisor runs as usual ------------------
start_sup -c "$T/orch.yaml" --dashboard </dev/null
grep -q -- '--dashboard needs a terminal' "$T/sup.log" || fail "no word off a terminal: $(cat "$T/sup.log")"
wait_status 15 worker-1 idle
"$CTL" -L "$INST" shutdown >/dev/null || fail "shutdown"
wait_until 15 eval '! kill -0 $SUP_PID 2>/dev/null' || fail "supervisor did not stop"
echo ok
