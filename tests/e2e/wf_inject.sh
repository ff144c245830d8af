#!/usr/bin/env bash
# Pipeline values are data, never code: what an upstream task prints
# (quotes, $( ), backquotes, ;) reaches a downstream shell command as the
# same bytes, wherever {{ }} stands in it, and runs nothing; a reference
# inside `...`, where nothing can be quoted safely, fails its task with
# the reason.
. "$(dirname "$0")/lib.bash"

cat >"$T/wf.yaml" <<YAML
stages:
  - name: up
    tasks:
      - id: evil
        command: |
          printf '%s\n' '"; touch $T/PWNED; echo "' "\\\$(touch $T/PWNED)" "'; touch $T/PWNED; '" '\`touch $T/PWNED\`'
  - name: down
    dependsOn: [up]
    parallel: true
    tasks:
      - {id: bare, command: "printf '%s' {{ tasks.evil.output }} >$T/bare.out"}
      - {id: single, command: "printf '%s' '{{ tasks.evil.output }}' >$T/single.out"}
      - {id: double, command: "printf '%s' \"{{ tasks.evil.output }}\" >$T/double.out"}
      - {id: subst, command: "printf '%s' \"\$(printf '%s' {{ tasks.evil.output }})\" >$T/subst.out"}
      - {id: backq, command: "echo \`echo {{ tasks.evil.output }}\`"}
YAML
"$SUP" -L "$INST" -g 1 -w "$T/wf.yaml" >"$T/wf.out" 2>"$T/sup.log"
rc=$?
[ "$rc" = 1 ] || fail "exit $rc (backq should fail): $(cat "$T/wf.out")"
[ -e "$T/PWNED" ] && fail "an upstream output ran as code"
printf '%s\n' '"; touch '"$T"'/PWNED; echo "' "\$(touch $T/PWNED)" "'; touch $T/PWNED; '" "\`touch $T/PWNED\`" >"$T/want"
# Without the last newline, as {{ }} hands it over.
printf '%s' "$(cat "$T/want")" >"$T/want.trim"
for f in bare single double subst; do
	cmp -s "$T/$f.out" "$T/want.trim" || fail "$f: got $(cat -A "$T/$f.out") want $(cat -A "$T/want.trim")"
done
grep -q "^backq .* failed .*inside \`...\`, where no value can be quoted safely" "$T/wf.out" ||
    fail "backq: $(cat "$T/wf.out")"
echo ok
