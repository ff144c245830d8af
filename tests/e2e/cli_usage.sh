#!/usr/bin/env bash
# Every tool answers --help and --version on stdout with status 0, refuses
# an unknown option with status 2 and its usage on stderr; orch-ctl gives a
# command's own usage without needing a supervisor.
. "$(dirname "$0")/lib.bash"

for tool in orch-supervisor orch-ctl orch-attach orch-actor orch-mcp; do
	for h in --help -h; do
		"$BIN/$tool" $h >"$T/out" 2>"$T/err" ||
		    fail "$tool $h exited $?"
		grep -q "^usage: $tool" "$T/out" || fail "$tool $h: no usage on stdout"
		[ ! -s "$T/err" ] || fail "$tool $h wrote to stderr: $(cat "$T/err")"
	done
	"$BIN/$tool" --version >"$T/out" || fail "$tool --version exited $?"
	grep -Eq "^$tool [0-9]+\.[0-9]+\.[0-9]+$" "$T/out" ||
	    fail "$tool --version printed: $(cat "$T/out")"
	"$BIN/$tool" --no-such-option >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 2 ] || fail "$tool --no-such-option exited $rc"
	grep -q "no-such-option" "$T/err" || fail "$tool: the bad option is not named"
	grep -q "^usage: $tool" "$T/err" || fail "$tool: no usage on stderr"
	[ ! -s "$T/out" ] || fail "$tool: usage error wrote to stdout"
done

# orch-ctl COMMAND --help: that command's usage, no supervisor needed.
for cmd in status exec agent shutdown submit workflow tasks logs approve deny \
    cancel mem events send inbox broadcast; do
	"$CTL" -L "$INST" $cmd --help >"$T/out" 2>"$T/err" ||
	    fail "orch-ctl $cmd --help exited $?"
	grep -q "^usage: orch-ctl \[-L instance\] $cmd " "$T/out" ||
	    fail "orch-ctl $cmd --help: $(head -1 "$T/out")"
	grep -Eq "^  ([a-z]+ .*\| )?$cmd( |$)" "$T/out" ||
	    fail "orch-ctl $cmd --help does not describe $cmd"
	[ "$(grep -c '^  [a-z]' "$T/out")" -lt 5 ] ||
	    fail "orch-ctl $cmd --help printed every command"
done
# Two-word commands too, and -h; but not after "--" (that is the task's).
"$CTL" -L "$INST" mem put -h | grep -q "^  mem put" || fail "mem put -h"
"$CTL" -L "$INST" agent deploy --help | grep -q "^  agent deploy" ||
    fail "agent deploy --help"
"$CTL" -L "$INST" exec w -- ls --help >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 2 ] || fail "exec ... -- ls --help exited $rc (no supervisor: 2)"
grep -q "no supervisor running for instance $INST" "$T/err" ||
    fail "exec ... -- ls --help: $(cat "$T/err")"

# No command, an unknown command: status 2, a clear word on stderr.
"$CTL" -L "$INST" >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "^usage: orch-ctl" "$T/err" || fail "orch-ctl alone"
"$CTL" -L "$INST" frobnicate 2>"$T/err"
[ $? = 2 ] && grep -q "unknown command 'frobnicate'" "$T/err" ||
    fail "unknown command: $(head -1 "$T/err")"
"$CTL" -L "$INST" stauts 2>"$T/err"
[ $? = 2 ] && grep -q "unknown command 'stauts' (did you mean 'status'?)" "$T/err" ||
    fail "did you mean: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -le 2 ] || fail "an unknown command printed the whole usage"
# A command that cannot be right is said so before any supervisor is asked.
for cmd in mem agent exec send broadcast workflow approve cancel logs; do
	"$CTL" -L "$INST" $cmd >/dev/null 2>"$T/err"
	[ $? = 2 ] && grep -q "^usage: orch-ctl \[-L instance\] $cmd" "$T/err" ||
	    fail "orch-ctl $cmd alone: $(head -2 "$T/err")"
done
# Numbers are numbers; a near-miss option gets a hint.
start_sup
"$CTL" -L "$INST" events --since abc 2>"$T/err"
[ $? = 2 ] && grep -q -- "--since abc: not a number" "$T/err" || fail "--since abc: $(cat "$T/err")"
"$CTL" -L "$INST" events --count -3 2>"$T/err"
[ $? = 2 ] || fail "--count -3"
"$CTL" -L "$INST" events --folow 2>"$T/err"
[ $? = 2 ] && grep -q "did you mean '--follow'?" "$T/err" || fail "option hint: $(cat "$T/err")"
# A bad option to agent deploy: that command's usage, not all of them.
"$CTL" -L "$INST" agent deploy x --tpye worker 2>"$T/err"
[ $? = 2 ] && grep -q "did you mean '--type'?" "$T/err" || fail "deploy hint: $(cat "$T/err")"
grep -q "^  exec\|^  mem" "$T/err" && fail "agent deploy printed every command's usage"
# A session key under the agent says where it goes.
printf 'agents:\n  - id: a\n    cwd: /tmp\n' >"$T/c.yaml"
"$SUP" --check -c "$T/c.yaml" 2>"$T/err"
[ $? = 2 ] && grep -q "'cwd' belongs under 'session:'" "$T/err" || fail "cwd hint: $(cat "$T/err")"
exit 0
