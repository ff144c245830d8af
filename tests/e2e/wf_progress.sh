#!/usr/bin/env bash
# The live progress view: on a terminal, a bottom line with tasks done,
# running and failed, elapsed time and each agent's task, redrawn below
# the log lines (which then leave out what the view shows: each task's
# start and its agent's idle/working flips) and gone before the summary;
# without a terminal, plain lines only, all of them.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

cat >"$T/wf.yaml" <<YAML
agents:
  - {id: w1}
  - {id: w2}
  - {id: w3}
stages:
  - name: s
    parallel: true
    tasks:
      - {id: quick, command: "echo quick"}
      - {id: hold-a, command: "while [ ! -e $T/go ]; do sleep 0.02; done"}
      - {id: hold-b, command: "while [ ! -e $T/go ]; do sleep 0.02; done"}
      - {id: broken, command: "exit 9", continueOnError: true}
      - {id: gate, command: "true", requiresApproval: true}
YAML

TM="tmux -L person-$INST -f /dev/null"
$TM new-session -d -s t -x 150 -y 40 "$SUP -L $INST -g 1 -w $T/wf.yaml; echo EXIT=\$? >$T/rc; exec sleep 600"
pane() { $TM capture-pane -p -t t; }
last() { pane | grep -v '^$' | tail -n 1; }
# Both holders running: the last line has the counts and each agent's task.
wait_until 10 sh -c "$TM capture-pane -p -t t | grep -v '^\$' | tail -n 1 | grep -q '^\[2/5 done, 2 running, 1 awaiting approval, 1 failed (allowed)\] [0-9.]*s  w1:[a-z-]* w2:[a-z-]* w3:[a-z-]*\$'" ||
    fail "no progress line: $(pane)"
last | grep -q " w[123]:hold-a " || last | grep -q " w[123]:hold-a\$" || fail "hold-a not shown: $(last)"
last | grep -q " w[123]:hold-b" || fail "hold-b not shown: $(last)"
# The gate holds the third agent: it waits with its task for the approval.
last | grep -q " w[123]:waiting" || fail "the waiting agent not shown: $(last)"
# It stays the last line while the elapsed time moves on.
a=$(last | sed 's/.*\] \([0-9.]*\)s.*/\1/')
wait_until 10 sh -c "[ \"\$($TM capture-pane -p -t t | grep -v '^\$' | tail -n 1 | sed 's/.*\] \([0-9.]*\)s.*/\1/')\" != '$a' ]" ||
    fail "elapsed time did not move: $(last)"
# Log lines went above it, none glued to it.
pane | grep -q "task quick: ok on" || fail "log lines missing: $(pane)"
pane | grep -q "task broken: failed on" || fail "failure line missing: $(pane)"
pane | grep -q "started on\|idle -> working\|working -> idle" &&
    fail "the view's own news in the log: $(pane)"
pane | grep -q "\].*[0-9][0-9]:[0-9][0-9]:" && fail "a log line was written onto the progress line: $(pane)"
touch "$T/go"
"$CTL" -L "$INST" approve gate >/dev/null || fail "approve"
wait_until 10 test -s "$T/rc" || fail "workflow did not end: $(pane)"
grep -q "EXIT=0" "$T/rc" || fail "exit: $(cat "$T/rc")"
pane | grep -q "^4 of 5 tasks succeeded" || fail "no summary: $(pane)"
# An allowed failure does not look like a real one.
pane | grep -q "^broken .* failed\* " || fail "allowed failure row: $(pane)"
pane | grep -q "^\* failed, allowed by continueOnError" || fail "no footnote: $(pane)"
pane | grep -q "done, .* running" && fail "the progress line was left on screen: $(pane)"
$TM kill-server

# Not a terminal: no escape sequences at all.
grep -v "id: gate" "$T/wf.yaml" >"$T/plain.yaml"
"$SUP" -L "$INST" -g 1 -w "$T/plain.yaml" >"$T/plain.out" 2>"$T/sup.log" || fail "plain run"
grep -q "^3 of 4 tasks succeeded" "$T/plain.out" || fail "plain summary: $(cat "$T/plain.out")"
grep -q "$(printf '\033')" "$T/plain.out" && fail "escape sequences without a terminal"
grep -q "task quick: started on" "$T/sup.log" || fail "plain: no start lines"
grep -q "idle -> working" "$T/sup.log" || fail "plain: no status flips"
exit 0
