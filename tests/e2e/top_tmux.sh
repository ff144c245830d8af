#!/usr/bin/env bash
# orch-ctl top driven like a person, inside a private tmux server at
# 80x24: it shows the agents, the held tasks and the exact command asked
# for; a approves and d denies (after y), / filters, ? shows the keys,
# enter attaches and detaching comes back to it, r restarts after y, q
# leaves the terminal as it was. Off a terminal it prints the plain
# listing.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: worker-1
    session: {shell: /bin/sh, env: {PS1: "w1$ "}}
  - id: worker-2
  - id: worker-3
YAML
start_sup -c "$T/orch.yaml"
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
"$CTL" -L "$INST" submit --approval --agent worker-2 --id yes -- "touch $T/approved" >/dev/null || fail "submit"
"$CTL" -L "$INST" submit --approval --agent worker-3 --id no -- "touch $T/denied" >/dev/null || fail "submit"
wait_status 10 worker-2 waiting
wait_status 10 worker-3 waiting

TM="tmux -L person-$INST -f /dev/null"
$TM new-session -d -s t -x 80 -y 24 "stty -g >$T/before; $CTL -L $INST top; echo \$? >$T/rc; stty -g >$T/after; exec sleep 600"
pane() { $TM capture-pane -p -t t; }
pane_has() { pane | grep -q -- "$1"; }
see() { wait_until 10 pane_has "$1" || fail "$2: $(pane)"; }

see 'AGENTS  3 of 3' "no agents"
for a in worker-1 worker-2 worker-3; do pane_has " $a " || fail "$a not shown: $(pane)"; done
see 'APPROVALS WAITING' "no approvals shown"
pane_has '^  1:yes  *waiting  *worker-2' || fail "held task not in the queue: $(pane)"
see '^> worker-1 ' "worker-1 not selected first"

# Approve worker-2's task: the exact command first, then y.
$TM send-keys -t t Down
see '^> worker-2 ' "down did not select worker-2"
$TM send-keys -t t a
see "approve 1:yes on worker-2: touch $T/approved" "the request not shown before approving"
$TM send-keys -t t y
wait_until 10 test -e "$T/approved" || fail "approved task did not run: $(pane)"
see '1:yes: done' "no word of the approval"

# Deny worker-3's: n first leaves it held, d and y deny it.
$TM send-keys -t t Down d
see "deny 2:no on worker-3: touch $T/denied" "the request not shown before denying"
$TM send-keys -t t n
see 'nothing done' "n did something"
[ "$(status_of worker-3)" = waiting ] || fail "n changed worker-3: $(status_of worker-3)"
$TM send-keys -t t d
see "deny 2:no on worker-3" "second deny prompt"
$TM send-keys -t t y
wait_status 10 worker-3 idle
[ -e "$T/denied" ] && fail "denied task ran"
"$CTL" -L "$INST" tasks --json | jq -e '.tasks[] | select(.task == "2:no") | .status == "failed"' >/dev/null ||
	fail "denied task: $("$CTL" -L "$INST" tasks)"

# Keys, and the filter.
$TM send-keys -t t '?'
see 'orch-ctl top: keys' "no help"
$TM send-keys -t t x
see 'AGENTS  3 of 3' "help did not go away"
$TM send-keys -t t / w o r k e r - 3 Enter
see 'AGENTS /worker-3  1 of 3' "filter"
pane_has ' worker-1 ' && fail "filtered out, still shown: $(pane)"
$TM send-keys -t t / Escape
see 'AGENTS  3 of 3' "filter not cleared"

# Enter attaches to the selected agent; Ctrl-\ comes back.
$TM send-keys -t t Up Up Up
see '^> worker-1 ' "up did not select worker-1"
$TM send-keys -t t Enter
see 'w1\$' "enter did not attach to worker-1"
$TM send-keys -t t 'echo at""tached' Enter
see '^attached' "typing in the attached session"
$TM send-keys -t t 'C-\'
see 'back from worker-1' "not back in top after detaching"
see 'AGENTS  3 of 3' "top not drawn again"

# r restarts the selected agent, after y: a new actor.
old=$(field_of worker-1 4)
$TM send-keys -t t r
see 'restart agent worker-1? \[y/N\]' "no restart question"
$TM send-keys -t t y
anew() { [ "$(status_of worker-1)" = idle ] && [ "$(field_of worker-1 4)" != "$old" ]; }
wait_until 15 anew || fail "worker-1 not restarted: $("$CTL" -L "$INST" status | head -6)"

# q: exit 0, the terminal as it was.
$TM send-keys -t t q
wait_until 10 test -s "$T/after" || fail "top did not exit: $(pane)"
[ "$(cat "$T/rc")" = 0 ] || fail "exit status $(cat "$T/rc")"
cmp -s "$T/before" "$T/after" || fail "terminal not restored"
[ "$($TM display -p -t t '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"

# Not a terminal: the plain listing, once.
"$CTL" -L "$INST" top </dev/null >"$T/plain.out" || fail "top off a terminal"
grep -q "^worker-1 " "$T/plain.out" && grep -q "^METRICS" "$T/plain.out" || fail "plain listing: $(cat "$T/plain.out")"
echo ok
