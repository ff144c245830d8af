#!/usr/bin/env bash
# session.backend: iterm2 against a fake osascript on PATH (tests/fakes/
# osascript plays a small iTerm2 and records every script and argv): no
# script holds agent-supplied text (all of it is argv), sessions are
# created, written, read and closed by their unique id and in that order,
# typed text goes in pieces of at most 1,024 characters, a session closed
# from outside is lost and restarted, and the -1743 refusal is the
# agent's error, with the fix. No real iTerm2 runs here.
. "$(dirname "$0")/lib.bash"
command -v node >/dev/null || fail "node is not installed"

FAKES=$(cd "$(dirname "$0")/../fakes" && pwd)
export PATH="$FAKES:$PATH" ORCH_FAKE_ITERM=$T/iterm
TM="tmux -L person-$INST -f /dev/null"
CALLS=$T/iterm/calls.jsonl
# iTerm2 here has no terminal: the session's program only has to live.
printf '#!/bin/sh\nexec sleep 100000\n' >"$T/idle.sh"
chmod +x "$T/idle.sh"
PROFILE='Orch Dev; "x" #{y} $(touch '"$T"'/pwned)'
cat >"$T/orch.yaml" <<YAML
agents:
  - id: i1
    deliver: type
    session: {backend: iterm2, shell: $T/idle.sh}
  - id: i2
    session: {backend: iterm2, shell: $T/idle.sh}
    iterm2: {window: shared, profile: '$(printf '%s' "$PROFILE" | sed "s/'/''/g")'}
  - id: i3
    session: {backend: iterm2, shell: $T/idle.sh}
    iterm2: {window: shared}
    restart: {policy: permanent}
YAML
# Closing a session runs osascript: a stop may take more than the 1 s
# grace the other scripts give.
start_sup -g 10 -c "$T/orch.yaml"
for a in i1 i2 i3; do wait_status 10 "$a" idle; done

# jq over the recorded calls: the script's name and argv of each.
calls() { jq -r '[(.script[0] | sub("^-- orch iterm2: "; "") | sub(" .*"; ""))] + .argv | @tsv' "$CALLS"; }
[ "$(calls | grep -c '^create')" = 3 ] || fail "creates: $(calls)"
# A new window for i1; i2 and i3 share one (the second create names it).
calls | awk -F'\t' -v p="$PROFILE" '$1 == "create" && $2 == p' | grep -q . ||
	fail "the profile was not an argument: $(calls)"
[ "$(calls | awk -F'\t' '$1 == "create" && $3 != "" { n++ } END { print n + 0 }')" = 1 ] ||
	fail "the shared window: $(calls | grep ^create)"

# Typed text: 2,500 characters in pieces of at most 1,024, all of it.
long=$(head -c 2500 /dev/zero | tr '\0' 'k')
"$CTL" -L "$INST" send i1 "echo $long; echo \"a;b\" #{pane} \$(touch $T/pwned)" >/dev/null ||
	fail "send to i1"
sid1=$(jq -r 'select(.script[0] | startswith("-- orch iterm2: write")) | .argv[0]' "$CALLS" | head -1)
[ -n "$sid1" ] || fail "no write: $(calls)"
written() { jq -r --arg s "$sid1" 'select((.script[0] | startswith("-- orch iterm2: write")) and .argv[0] == $s) | .argv[1]' "$CALLS"; }
wait_until 10 sh -c "jq -r 'select(.script[0] | startswith(\"-- orch iterm2: write\")) | .argv[1]' '$CALLS' | tr -d '\n' | grep -q 'pwned'" ||
	fail "typing did not finish: $(calls | tail -3)"
max=$(jq -r 'select(.script[0] | startswith("-- orch iterm2: write")) | .argv[1] | length' "$CALLS" | sort -n | tail -1)
[ "$max" -le 1024 ] || fail "a write of $max characters"
[ "$(written | grep -c .)" -ge 3 ] || fail "2,500 characters in fewer than 3 writes"
written | tr -d '\n' | grep -qF "echo $long; echo \"a;b\" #{pane} \$(touch $T/pwned)" ||
	fail "the typed text is not whole: $(written | tr -d '\n' | head -c 300)"

# Watching reads the screen (only then): orch-attach -r shows it.
reads_before=$(calls | grep -c '^read')
[ "$reads_before" = 0 ] || fail "read $reads_before times with nobody watching"
$TM new-session -d -s p -x 150 -y 40 "$ATT -L $INST -r i1; exec sleep 600"
pane_has() { $TM capture-pane -p -J -t p | grep -qF -- "$1"; }
wait_until 10 pane_has 'echo "a;b" #{pane}' || fail "the screen: $($TM capture-pane -p -t p)"
calls | grep -q "^read	$sid1\$" || fail "no read by id: $(calls | grep ^read | head -3)"

# No script holds anything an agent or its config supplied.
jq -r '.script[]' "$CALLS" | grep -E 'kkkk|pwned|Orch Dev|i1|i2|i3|idle\.sh|orch-e2e' &&
	fail "agent-supplied text in a script"
[ -e "$T/pwned" ] && fail "typed or configured text was run"

# Closed from outside (a person closes the tab): lost, restarted.
# i3's session: the one whose command is its launcher, still open.
sid3=$(jq -r '.sessions | to_entries[] | select((.value.launcher | endswith("/i3.iterm2.sh")) and (.value.closed | not)) | .key' "$T/iterm/state.json")
[ -n "$sid3" ] || fail "no session of i3: $(cat "$T/iterm/state.json")"
r3=$(field_of i3 5)
osascript --close "$sid3"
back() { [ "$(field_of i3 5)" -gt "$r3" ] && is_status i3 idle; }
wait_until 15 back || fail "i3 after its session was closed: $("$CTL" -L "$INST" status)"
grep -q "actor\[i3\]: stopping: session shell lost (its iTerm2 session" "$T/sup.log" ||
	fail "not reported lost: $(grep 'i3' "$T/sup.log" | tail -4)"

# The end closes every session, each after its create (and writes).
"$CTL" -L "$INST" shutdown >/dev/null
wait_exit "$SUP_PID" 20 >/dev/null || fail "supervisor did not stop"
for s in $(jq -r '.sessions | keys[]' "$T/iterm/state.json"); do
	jq -e --arg s "$s" '.sessions[$s].closed' "$T/iterm/state.json" >/dev/null ||
		fail "session $s was not closed"
done
seq=$(calls | awk -F'\t' -v s="$sid1" '$2 == s { print $1 }' | uniq | tr '\n' ' ')
[ "$seq" = "write read close " ] || fail "i1's calls after its create: '$seq'"

# Not authorized: the agent's error says what to do.
echo -1743 >"$T/iterm/fail"
cat >"$T/one.yaml" <<YAML
agents:
  - id: n1
    session: {backend: iterm2, shell: $T/idle.sh}
    restart: {policy: temporary}
YAML
start_sup -c "$T/one.yaml"
wait_status 10 n1 terminated
grep -q "allow orch to control iTerm2 in System Settings > Privacy > Automation" "$T/sup.log" ||
	fail "no fix in the error: $(grep n1 "$T/sup.log" | tail -3)"
"$ATT" -L "$INST" -i n1 | grep -q "Not authorized to send Apple events" ||
	fail "orch-attach -i: $("$ATT" -L "$INST" -i n1 | head -12)"
echo ok
