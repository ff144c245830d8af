#!/usr/bin/env bash
# An agent's session env reaches every task it runs (exec, submit,
# workflow), PATH included: orch's own bin directory goes in front of the
# agent's PATH, not instead of it. The session shell sees the same.
. "$(dirname "$0")/lib.bash"

mkdir -p "$T/tools"
printf '#!/bin/sh\necho tool-ran\n' >"$T/tools/orch-test-tool"
chmod +x "$T/tools/orch-test-tool"
cat >"$T/orch.yaml" <<YAML
agents:
  - id: e1
    session:
      shell: /bin/sh
      env: {PATH: "$T/tools:/usr/bin:/bin", GREETING: "hello there", EMPTY: "", ORCH_TEST_X: "x=y"}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 e1 idle

want="$BIN:$T/tools:/usr/bin:/bin|hello there||x=y"
probe='echo "$PATH|$GREETING|$EMPTY|$ORCH_TEST_X"'
out=$("$CTL" -L "$INST" exec e1 -- sh -c "$probe") || fail "exec"
[ "$out" = "$want" ] || fail "exec: '$out', expected '$want'"
out=$("$CTL" -L "$INST" exec e1 -- orch-test-tool) || fail "exec of a tool on the agent's PATH"
[ "$out" = tool-ran ] || fail "exec tool: $out"
out=$("$CTL" -L "$INST" submit --wait --agent e1 -- "$probe") || fail "submit"
[ "$out" = "$want" ] || fail "submit: '$out', expected '$want'"
cat >"$T/wf.yaml" <<YAML
stages:
  - name: s
    tasks:
      - {id: probe, agent: e1, command: 'echo "\$PATH|\$GREETING|\$EMPTY|\$ORCH_TEST_X"; orch-test-tool'}
YAML
"$CTL" -L "$INST" workflow run "$T/wf.yaml" --wait --json >"$T/wf.json" || fail "workflow: $(cat "$T/wf.json")"
grep -q "$want\\\\ntool-ran" "$T/wf.json" || fail "workflow: $(cat "$T/wf.json")"
echo ok
