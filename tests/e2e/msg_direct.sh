#!/usr/bin/env bash
# Direct messages between agents: 10,000 acknowledged messages arrive all
# and in order; high priority overtakes a backlog; an unknown agent is an
# immediate error; a full inbox pushes back; a receiver killed mid-flight
# fails the sender instead of hanging it; broadcasts reach exactly the
# agents their filter names.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: sender
    type: worker
    capabilities: [shell]
    permissions: [agent:coordinate, command:execute]
  - id: receiver
    type: specialist
    capabilities: [review]
    inbox: 20000
  - id: tiny
    type: worker
    capabilities: [shell]
    inbox: 3
  - id: sink
    type: primary
    capabilities: [plan, review]
    permissions: [agent:coordinate, command:execute]
  - id: typist
    session: {shell: /bin/sh, env: {PS1: "typist$ "}}
    deliver: type
YAML
start_sup -c "$T/orch.yaml"
for a in sender receiver tiny sink typist; do wait_status 10 $a idle; done

# deliver: type -- the message is also typed into the session, as text:
# the no-op ": '[from sender] ...'", which runs nothing of it.
"$CTL" -L "$INST" exec sender -- orch-ctl send typist "echo delivered-by-typing" ||
    fail "send to typist"
typed() { "$ATT" -L "$INST" -i typist | grep -q "^typist\$ : '\[from sender\] echo delivered-by-typing'"; }
wait_until 10 typed || fail "not typed: $("$ATT" -L "$INST" -i typist)"
# Hostile text: a command after ;, a substitution, a quote, a newline and
# a DEL (the terminal's erase) do nothing. Done when the shell has
# prompted again after the last of them.
for m in "hi; touch $T/PWNED" "\$(touch $T/PWNED)" "it's'; touch $T/PWNED; '" \
    "$(printf 'line\ntouch %s/PWNED' "$T")" "$(printf "x'\177\177; touch %s/PWNED" "$T")"; do
	"$CTL" -L "$INST" exec sender -- orch-ctl send typist "$m" >/dev/null || fail "send $m"
done
"$CTL" -L "$INST" exec sender -- orch-ctl send typist "last one" >/dev/null || fail "send last"
prompted() { "$ATT" -L "$INST" -i typist | grep -A1 "\[from sender\] last one'" | tail -n 1 | grep -q '^typist\$'; }
wait_until 10 prompted || fail "typist did not prompt again: $("$ATT" -L "$INST" -i typist)"
[ -e "$T/PWNED" ] && fail "a typed message ran: $("$ATT" -L "$INST" -i typist)"

# 10,000 messages with acks, sent from inside sender's session.
out=$("$CTL" -L "$INST" exec sender -- orch-ctl send receiver msg --count 10000) ||
    fail "bulk send: $out"
[ "$out" = "10000 messages delivered to receiver" ] || fail "bulk: $out"
# (exec returns only the end of a task's output: the task writes a file.)
"$CTL" -L "$INST" exec receiver -- sh -c \
    "for i in 1 2 3 4 5 6 7 8 9 10 11; do orch-ctl inbox; done >$T/inbox.out" ||
    fail "inbox read"
[ "$(grep -c ' sender notification medium: msg ' "$T/inbox.out")" = 10000 ] ||
    fail "received $(grep -c 'msg ' "$T/inbox.out") of 10000"
awk '{ split($0, f, "msg "); if (f[2] != NR - 1) { print "out of order at " NR ": " $0; exit 1 } }' \
    "$T/inbox.out" || fail "order not preserved"

# A low-priority backlog, then one high: the high one is read first.
"$CTL" -L "$INST" exec sender -- orch-ctl send receiver backlog --count 50 --priority low >/dev/null ||
    fail "backlog"
"$CTL" -L "$INST" exec sender -- orch-ctl send receiver urgent --priority high || fail "urgent"
first=$("$CTL" -L "$INST" exec receiver -- orch-ctl inbox | head -1)
case "$first" in *"high: urgent") ;; *) fail "high priority did not overtake: $first" ;; esac

# Unknown agent: an error at once.
"$CTL" -L "$INST" exec sender -- orch-ctl send nobody hi 2>"$T/err.log" >&2 &&
    fail "send to an unknown agent succeeded"
grep -q "no agent 'nobody' is running" "$T/err.log" || fail "unknown: $(cat "$T/err.log")"

# Full inbox: back-pressure, nothing lost silently.
"$CTL" -L "$INST" exec sender -- orch-ctl send tiny m --count 5 >"$T/full.out" 2>&1 &&
    fail "a full inbox accepted everything"
grep -q "2 of 5 failed: the inbox of tiny is full (3 messages)" "$T/full.out" ||
    fail "back-pressure: $(cat "$T/full.out")"

# Receiver dies with messages in flight: the sender fails, promptly.
kill -STOP "$(field_of sink 4)"
"$CTL" -L "$INST" send sink "are you there" >"$T/dead.out" 2>&1 &
s=$!
# Stopped, the receiver never answers: killed now or a moment later, the
# send fails (gone mid-flight, or refused at once), it never hangs.
kill -9 "$(field_of sink 4)"
wait_exit $s 10
rc=$?
[ "$rc" = 1 ] || fail "sender to a killed receiver: exit $rc"
grep -q "went away\|not running\|no agent 'sink' is running\|disconnected" "$T/dead.out" ||
    fail "dead receiver: $(cat "$T/dead.out")"
wait_status 10 sink idle

# Broadcast filters: type, capability, status, id pattern.
bc() { "$CTL" -L "$INST" broadcast "$@" | head -1; }
[ "$(bc hello --agent-type specialist)" = "matched 1, delivered 1: receiver" ] ||
    fail "by type: $(bc hello --agent-type specialist)"
r=$(bc hello --capability review)
case "$r" in "matched 2, delivered 2: "*receiver*) ;; *) fail "by capability: $r" ;; esac
case "$r" in *sink*) ;; *) fail "by capability (sink): $r" ;; esac
r=$(bc hello --id 'se*')
[ "$r" = "matched 1, delivered 1: sender" ] || fail "by id: $r"
"$CTL" -L "$INST" exec tiny -- orch-ctl inbox >/dev/null	# room again
r=$(bc hello --status idle)
case "$r" in "matched 5, delivered "*) ;; *) fail "by status: $r" ;; esac
# A filter that names no status or type there is: a usage error.
for bad in "--status sleepy" "--agent-type boss"; do
	"$CTL" -L "$INST" broadcast hello $bad >"$T/bad.out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "broadcast $bad: exit $rc: $(cat "$T/bad.out")"
	grep -q "unknown .* (one of: " "$T/bad.out" || fail "broadcast $bad: $(cat "$T/bad.out")"
done
r=$("$CTL" -L "$INST" exec sink -- orch-ctl broadcast hi --status sleepy 2>&1)
[ $? = 2 ] || fail "broadcast from a session with a bad filter: $r"
# A matched agent that misses it: said per agent, and exit 1.
"$CTL" -L "$INST" agent terminate tiny >/dev/null || fail "terminate tiny"
"$CTL" -L "$INST" broadcast bye >"$T/bye.out"
rc=$?
[ $rc = 1 ] || fail "broadcast with a terminated agent matched: exit $rc"
grep -q "^not delivered to tiny: " "$T/bye.out" || fail "no per-agent failure: $(cat "$T/bye.out")"
"$CTL" -L "$INST" broadcast bye --json >/dev/null
[ $? = 1 ] || fail "broadcast --json with a miss: not 1"
"$CTL" -L "$INST" broadcast bye --status idle >/dev/null || fail "live agents only: not 0"
# From inside a session: the sender is the agent, never itself.
r=$("$CTL" -L "$INST" exec sink -- orch-ctl broadcast hi --capability review | head -1)
[ "$r" = "matched 1, delivered 1: receiver" ] || fail "agent broadcast: $r"
"$CTL" -L "$INST" exec receiver -- orch-ctl inbox | grep -q " sink notification medium: hi$" ||
    fail "broadcast sender not named"
exit 0
