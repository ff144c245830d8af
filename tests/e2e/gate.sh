#!/usr/bin/env bash
# The command gate: a tier-2 agent's commands that invoke rm (however
# written: plain, absolute, quoted, in sh -c, through env or find -exec,
# from an expansion) wait for a person, the agent waiting with them, the
# reason shown; nothing is removed until approved, and an approved one
# runs once. Tier 3 holds everything; a denied task fails and its
# dependents are skipped. Tier 1 runs.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: t1, tier: 1}
  - {id: t2, tier: 2}
  - {id: t3, tier: 3}
  - {id: t2own, tier: 2, require_approval: [touch]}
YAML
start_sup -c "$T/orch.yaml"
for a in t1 t2 t3 t2own; do wait_status 10 $a idle; done

n=0
for form in "rm -v $T/v" "/bin/rm $T/v" "r''m $T/v" "sh -c 'rm $T/v'" \
    "env rm $T/v" "find $T -name v -exec rm {} +" "x=rm; \$x $T/v" \
    "ls; \\rm $T/v"; do
	n=$((n + 1))
	touch "$T/v"
	name=$("$CTL" -L "$INST" submit --agent t2 --id g$n -- "$form") || fail "submit $form"
	held() { "$CTL" -L "$INST" tasks | grep -q "^$name .* waiting .*tier 2: "; }
	wait_until 10 held || fail "not held: $form: $("$CTL" -L "$INST" tasks | grep "$name")"
	[ -e "$T/v" ] || fail "ran unapproved: $form"
	is_status t2 waiting || fail "t2 is $(status_of t2) while $form waits"
	"$CTL" -L "$INST" status | grep -q "^t2 .* waiting .*$name" || fail "status: $("$CTL" -L "$INST" status)"
	# Deny all but the first; approve that one and it runs, once.
	if [ $n = 1 ]; then
		"$CTL" -L "$INST" approve "$name" >/dev/null || fail "approve"
		gone() { [ ! -e "$T/v" ]; }
		wait_until 10 gone || fail "approved, not run: $form"
		wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$name .* ok '" || fail "approved task not ok"
	else
		"$CTL" -L "$INST" deny "$name" >/dev/null || fail "deny $form"
		wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$name .* failed .*denied'" || fail "denied: $form"
		[ -e "$T/v" ] || fail "a denied command ran: $form"
	fi
	wait_status 10 t2 idle || fail "t2 is $(status_of t2)"
done
# What it reads plainly runs at once.
"$CTL" -L "$INST" submit --agent t2 --wait -- "echo plain" | grep -q plain || fail "tier 2 plain command"
# exec through the gate too: held until approved.
touch "$T/w"
"$CTL" -L "$INST" exec t2 -- rm "$T/w" >"$T/exec.out" 2>&1 &
e=$!
PIDS="$PIDS $e"
waits() { "$CTL" -L "$INST" tasks | grep -q "^exec-[0-9]* .* waiting .*'rm' needs approval"; }
wait_until 10 waits || fail "exec not held: $("$CTL" -L "$INST" tasks | tail -3)"
[ -e "$T/w" ] || fail "exec ran unapproved"
ex=$("$CTL" -L "$INST" tasks | sed -n 's/^\(exec-[0-9]*\) .* waiting .*/\1/p')
"$CTL" -L "$INST" approve "$ex" >/dev/null || fail "approve exec"
wait $e || fail "exec after approval: $(cat "$T/exec.out")"
[ -e "$T/w" ] && fail "approved exec did not run"

# Tier 3: everything waits; denied, its dependents are skipped.
cat >"$T/wf.yaml" <<'YAML'
stages:
  - name: s
    tasks:
      - {id: first, agent: t3, command: "echo harmless"}
      - {id: second, agent: t3, command: "echo after"}
YAML
run=$("$CTL" -L "$INST" workflow run "$T/wf.yaml" | sed -n 's/^run \([0-9]*\).*/\1/p')
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$run:first .* waiting .*tier 3'" || fail "tier 3 not held"
"$CTL" -L "$INST" deny "$run:first" >/dev/null || fail "deny tier 3"
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$run:second .* skipped'" || fail "dependent not skipped: $("$CTL" -L "$INST" tasks)"
# An agent's own list replaces rm and sudo.
touch "$T/own"
"$CTL" -L "$INST" submit --agent t2own --wait -- "rm $T/own" >/dev/null || fail "own list: rm"
[ -e "$T/own" ] && fail "own list: rm did not run"
name=$("$CTL" -L "$INST" submit --agent t2own -- "touch $T/made") || fail "submit touch"
wait_until 10 sh -c "'$CTL' -L '$INST' tasks | grep -q '^$name .* waiting .*.touch. needs approval'" ||
    fail "own list: touch not held: $("$CTL" -L "$INST" tasks | grep "$name")"
[ -e "$T/made" ] && fail "own list: touch ran unapproved"
"$CTL" -L "$INST" deny "$name" >/dev/null || fail "deny touch"
# Tier 1 runs rm without asking.
touch "$T/x"
"$CTL" -L "$INST" submit --agent t1 --wait -- "rm $T/x" >/dev/null || fail "tier 1 rm"
[ -e "$T/x" ] && fail "tier 1 rm did not run"
# The audit log has every hold and the person's decisions.
"$CTL" -L "$INST" audit | grep -q "held .*agent t2 .*rm -v .*tier 2: 'rm' needs approval" || fail "no hold in audit: $("$CTL" -L "$INST" audit | tail -5)"
"$CTL" -L "$INST" audit | grep -q "approved .*agent t2" || fail "no approval in audit"
"$CTL" -L "$INST" audit | grep -q "refused .*agent t2" || fail "no refusal in audit"
echo ok
