#!/usr/bin/env bash
# Hostile YAML is refused quickly with FILE:LINE:COLUMN: a self-referencing
# anchor, a billion-laughs file, 100,000 levels of nesting and a 100 MB
# scalar. Also: a bad value names its key and place; --check passes a good
# file.
. "$(dirname "$0")/lib.bash"

printf 'agents: &x [*x]\n' >"$T/selfref.yaml"
{
	echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	prev=a
	for n in b c d e f g h i; do
		echo "$n: &$n [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
		prev=$n
	done
} >"$T/laughs.yaml"
{ printf 'agents: '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$T/deep.yaml"
{ printf 'agents: '; head -c 100000000 /dev/zero | tr '\0' 'a'; echo; } >"$T/huge.yaml"

check_refused() {
	local file=$1 says=$2 start end ms rc
	start=$(date +%s%N)
	"$SUP" --check -c "$file" 2>"$T/err.log"
	rc=$?
	end=$(date +%s%N)
	ms=$(( (end - start) / 1000000 ))
	echo "$(basename "$file"): exit $rc in $ms ms: $(cat "$T/err.log")"
	[ "$rc" = 2 ] || fail "$file: exit $rc"
	grep -Eq "^orch-supervisor: $file:[0-9]+:[0-9]+: .*$says" "$T/err.log" ||
	    fail "$file: $(cat "$T/err.log")"
	# A generous bound that only an unbounded expansion could cross.
	[ "$ms" -lt 3000 ] || fail "$file took $ms ms"
}

check_refused "$T/selfref.yaml" "alias \*x refers to a node that contains it"
check_refused "$T/laughs.yaml" "more than 100000 nodes"
check_refused "$T/deep.yaml" "nested deeper than 64 levels"
check_refused "$T/huge.yaml" "input larger than 4194304 bytes"

printf 'agents:\n  - id: a\n    restart: {policy: sometimes}\n' >"$T/bad.yaml"
"$SUP" --check -c "$T/bad.yaml" 2>"$T/err.log"
[ $? = 2 ] || fail "bad value accepted"
grep -q "$T/bad.yaml:3:23: agents\[0\].restart.policy: 'sometimes' is not one of: permanent, transient, temporary" \
    "$T/err.log" || fail "bad value: $(cat "$T/err.log")"

"$SUP" --check -c /nonexistent.yaml 2>"$T/err.log"
[ $? = 2 ] && grep -q "/nonexistent.yaml: No such file" "$T/err.log" || fail "missing file"

printf 'agents:\n  - id: a\n    capabilities: [x]\n' >"$T/good.yaml"
out=$("$SUP" --check -c "$T/good.yaml") || fail "good file refused"
[ "$out" = "$T/good.yaml: 1 agent, configuration is valid" ] || fail "check said: $out"

# Workflows: the seed's example is accepted as written; a cycle is named.
out=$("$SUP" --check -w "$(dirname "$0")/../../examples/deploy-application.yaml") ||
    fail "seed workflow refused"
case "$out" in *": 3 stages, 4 tasks, 4 agents: workflow is valid") ;; *) fail "check -w: $out" ;; esac
printf 'stages:\n  - {name: a, dependsOn: b, tasks: [{command: x}]}\n  - {name: b, dependsOn: a, tasks: [{command: y}]}\n' >"$T/cycle.yaml"
"$SUP" --check -w "$T/cycle.yaml" 2>"$T/err.log"
[ $? = 2 ] || fail "cycle accepted"
grep -q "$T/cycle.yaml:2:5: dependency cycle between stages: a -> b -> a" "$T/err.log" ||
    fail "cycle: $(cat "$T/err.log")"
"$SUP" -w "$T/cycle.yaml" 2>/dev/null && fail "an invalid workflow ran"

# Every example shipped is valid.
for f in "$(dirname "$0")"/../../examples/*.yaml; do
	if grep -q '^stages:' "$f"; then
		# (claude-pipeline.yaml needs a claude: the fake serves)
		PATH="$(dirname "$0")/../fakes:$PATH" "$SUP" --check -w "$f" >/dev/null ||
		    fail "example workflow $f is invalid"
	else
		"$SUP" --check -c "$f" >/dev/null || fail "example $f is invalid"
	fi
done
exit 0
