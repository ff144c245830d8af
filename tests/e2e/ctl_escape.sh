#!/usr/bin/env bash
# Text an agent controls reaches a terminal escaped: keys in mem ls and
# mem watch, event types, sources and targets, inbox messages. OSC 52
# (clipboard), OSC 0 (title), CSI 2J and C1 controls never come out raw.
. "$(dirname "$0")/lib.bash"

# worker-1 sends a message: it needs agent:coordinate besides its tier's.
cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: worker-1
    permissions: [agent:coordinate, data:share, data:read, command:execute]
  - id: worker-2
YAML
start_sup -c "$T/orch.yaml"
for a in worker-1 worker-2; do wait_status 10 $a idle; done
ESC=$(printf '\033')
osc52="${ESC}]52;c;cHduZWQ=$(printf '\a')"
title="${ESC}]0;pwned$(printf '\a')"
clear="${ESC}[2J"
c1=$(printf '\302\233')2J

# raw FILE: any ESC, BEL or C1 CSI byte in it?
raw() { LC_ALL=C grep -q "$(printf '[\033\007\233]')" "$1"; }

"$CTL" -L "$INST" exec worker-1 -- orch-ctl mem put "k$osc52$clear" v >/dev/null || fail "put"
"$CTL" -L "$INST" exec worker-1 -- orch-ctl mem put "t$title$c1" v >/dev/null || fail "put 2"
"$CTL" -L "$INST" mem ls >"$T/ls.out" || fail "mem ls"
grep -q 'k\\x1b]52;c;cHduZWQ=\\x07\\x1b\[2J' "$T/ls.out" || fail "mem ls: key not shown escaped: $(cat -v "$T/ls.out")"
raw "$T/ls.out" && fail "mem ls printed escape sequences: $(cat -v "$T/ls.out")"

"$CTL" -L "$INST" exec worker-1 -- orch-ctl events publish "x$clear" "y$osc52" "$title" >/dev/null || fail "publish"
"$CTL" -L "$INST" events --since 0 >"$T/ev.out" || fail "events"
grep -q 'x\\x1b\[2J' "$T/ev.out" || fail "events: type not escaped: $(cat -v "$T/ev.out")"
raw "$T/ev.out" && fail "events printed escape sequences: $(cat -v "$T/ev.out")"

"$CTL" -L "$INST" exec worker-2 -- orch-ctl mem watch 'w*' --count 1 >"$T/watch.out" 2>&1 &
w=$!
watching() { "$ATT" -L "$INST" -i worker-2 | grep -q "watching"; }
wait_until 10 watching || fail "watch did not start"
"$CTL" -L "$INST" exec worker-1 -- orch-ctl mem put "w$osc52" v >/dev/null || fail "put w"
wait_exit $w 10 || fail "watch"
grep -q 'w\\x1b]52' "$T/watch.out" || fail "watch: $(cat -v "$T/watch.out")"
raw "$T/watch.out" && fail "mem watch printed escape sequences: $(cat -v "$T/watch.out")"

"$CTL" -L "$INST" exec worker-1 -- orch-ctl send worker-2 "hi $osc52 $clear $c1" >/dev/null || fail "send"
"$CTL" -L "$INST" exec worker-2 -- orch-ctl inbox >"$T/inbox.out" || fail "inbox"
grep -q 'hi \\x1b]52' "$T/inbox.out" || fail "inbox: $(cat -v "$T/inbox.out")"
raw "$T/inbox.out" && fail "inbox printed escape sequences: $(cat -v "$T/inbox.out")"
echo ok
