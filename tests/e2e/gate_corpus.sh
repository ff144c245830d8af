#!/usr/bin/env bash
# Every form the gate must hold (tests/gate_forms.txt), given to a tier-2
# agent whose PATH starts with a fake rm and sudo that record each call:
# as a task, as an exec, as a typed message and as MCP's write_to_terminal.
# Nothing runs unapproved
# (the fakes record nothing, the victim file in its directory stays);
# approved, a task runs once.
. "$(dirname "$0")/lib.bash"

here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$T/fake" "$T/work"
for f in rm sudo; do
	printf '#!/bin/sh\necho "%s $*" >>%s/calls\n' "$f" "$T" >"$T/fake/$f"
	chmod +x "$T/fake/$f"
done
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: mcp, type: gateway}
  - id: t2
    tier: 2
    deliver: type
    session: {cwd: $T/work, env: {PATH: "$T/fake:/usr/bin:/bin"}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 t2 idle
wait_status 10 mcp idle

# The forms to hold, one per array item (a "+ " line continues one).
forms=()
while IFS= read -r line; do
	case "$line" in
	"hold "*) forms+=("${line#hold }") ;;
	"+ "*) [ ${#forms[@]} -gt 0 ] && forms[-1]+=$'\n'"${line#+ }" ;;
	esac
done <"$here/tests/gate_forms.txt"
[ ${#forms[@]} -ge 60 ] || fail "only ${#forms[@]} forms to hold"

untouched() {	# untouched WHAT: nothing ran
	[ ! -e "$T/calls" ] || fail "$1: ran unapproved: $(cat "$T/calls")"
	[ -e "$T/work/victim" ] || fail "$1: the victim is gone"
}
touch "$T/work/victim"
state_of() { "$CTL" -L "$INST" tasks | awk -v t="$1" '$1 == t { print $3 }'; }
is_held() { [ "$(state_of "$1")" = waiting ]; }
is_failed() { [ "$(state_of "$1")" = failed ]; }

# As tasks: each is held, then denied.
n=0
for form in "${forms[@]}"; do
	n=$((n + 1))
	name=$("$CTL" -L "$INST" submit --agent t2 --id f$n -- "$form") || fail "submit [$form]"
	wait_until 10 is_held "$name" || fail "task not held: [$form]: $("$CTL" -L "$INST" tasks | grep "^$name ")"
	untouched "task [$form]"
	"$CTL" -L "$INST" deny "$name" >/dev/null || fail "deny [$form]"
	wait_until 10 is_failed "$name" || fail "denied task: [$form]"
	untouched "denied task [$form]"
done
wait_status 10 t2 idle

# As execs (sh -c FORM): held the same way; denied, the exec fails.
for form in "${forms[@]}"; do
	"$CTL" -L "$INST" exec t2 -- sh -c "$form" >"$T/exec.out" 2>&1 &
	e=$!
	PIDS="$PIDS $e"
	held_exec() {
		ex=$("$CTL" -L "$INST" tasks | awk '$1 ~ /^exec-/ && $3 == "waiting" { print $1 }')
		[ -n "$ex" ]
	}
	wait_until 10 held_exec || fail "exec not held: [$form]"
	untouched "exec [$form]"
	"$CTL" -L "$INST" deny "$ex" >/dev/null || fail "deny exec [$form]"
	wait "$e" && fail "a denied exec succeeded: [$form]"
	untouched "denied exec [$form]"
done

# As typed messages: text, never a command.
for form in "${forms[@]}"; do
	"$CTL" -L "$INST" send t2 "$form" >/dev/null || fail "send [$form]"
done
"$CTL" -L "$INST" send t2 "typed-end" >/dev/null || fail "send the last"
typed_all() { "$ATT" -L "$INST" -i t2 | grep -q "from operator\] typed-end"; }
wait_until 10 typed_all || fail "the messages were not typed: $("$ATT" -L "$INST" -i t2 | tail -5)"
untouched "typed messages"

# Typed by MCP's write_to_terminal: refused, the reason given.
{
	echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}'
	n=0
	for form in "${forms[@]}"; do
		n=$((n + 1))
		jq -cn --arg c "$form" --argjson id $n \
		    '{jsonrpc: "2.0", id: $id, method: "tools/call", params: {name: "write_to_terminal", arguments: {agent: "t2", command: $c}}}'
	done
} | "$BIN/orch-mcp" -L "$INST" >"$T/typed.json" || fail "orch-mcp"
[ "$(jq -c 'select(.id > 0) | .result | select(.isError == true and (.content[0].text | test("needs approval|cannot")))' \
    "$T/typed.json" | wc -l)" = ${#forms[@]} ] || fail "write_to_terminal let a form through: $(jq -c 'select(.result.isError != true)' "$T/typed.json" | head -3)"
untouched "write_to_terminal"

# Approved, the first form runs, once.
name=$("$CTL" -L "$INST" submit --agent t2 --id approved -- "${forms[0]}") || fail "submit"
wait_until 10 is_held "$name" || fail "not held: ${forms[0]}"
"$CTL" -L "$INST" approve "$name" >/dev/null || fail "approve"
ok() { [ "$(state_of "$name")" = ok ]; }
wait_until 10 ok || fail "approved task: $("$CTL" -L "$INST" tasks | grep "^$name ")"
[ "$(wc -l <"$T/calls")" = 1 ] || fail "approved form ran $(wc -l <"$T/calls") times: $(cat "$T/calls")"
echo "${#forms[@]} forms held as tasks, execs and messages"
