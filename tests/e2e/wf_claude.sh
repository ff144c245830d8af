#!/usr/bin/env bash
# Prompt tasks: the claude runner (against tests/fakes/claude) gets its
# prompt on its stdin, a stream-json user message (no shell quoting),
# plus the configured extra
# arguments, its result text is the task's output and flows down a
# pipeline (also past the 4 KiB tail the actor sends), an error result
# fails the task, a slow one times out; a custom
# argv runner fills in {prompt}; a missing claude binary is refused at
# validation.
. "$(dirname "$0")/lib.bash"
fakes=$(cd "$(dirname "$0")/../fakes" && pwd)

cat >"$T/claude.yaml" <<'YAML'
agents:
  - id: coder
    capabilities: [code]
    runner: claude
    runner_args: [--permission-mode, acceptEdits]
  - id: echoer
    runner: {argv: [/bin/echo, "asked: {prompt}"]}
  - id: sh1
stages:
  - name: plan
    tasks:
      - {id: plan, agent: coder, prompt: "plan the 'thing' & \"more\"; $(rm -rf /)"}
      - {id: gen, agent: sh1, command: "head -c 300000 /dev/zero | tr '\\0' B"}
  - name: build
    dependsOn: plan
    parallel: true
    tasks:
      - {id: implement, requires: [code], prompt: "implement: {{ tasks.plan.output }}"}
      - {id: custom, agent: echoer, prompt: "hello"}
      - {id: long, agent: coder, prompt: "a LONG answer"}
      - {id: broken, agent: coder, prompt: "FAIL on purpose", continueOnError: true}
      - {id: stuck, agent: coder, prompt: "SLOW please", timeout: 0.5, continueOnError: true}
      - {id: bigprompt, agent: coder, prompt: "sum up: {{ tasks.gen.output }}"}
YAML
PATH="$fakes:$PATH" FAKE_CLAUDE_LOG="$T/args.log" \
    "$SUP" -L "$INST" -g 1 -w "$T/claude.yaml" --report "$T/r.json" >"$T/wf.out" 2>"$T/sup.log"
rc=$?
[ "$rc" = 0 ] || fail "exit $rc: $(cat "$T/wf.out")"
# The prompt arrives as one argument, untouched by any shell.
grep -qxF -- "PROMPT: plan the 'thing' & \"more\"; \$(rm -rf /)" "$T/args.log" || fail "prompt mangled: $(cat "$T/args.log")"
grep -qx -- "--output-format" "$T/args.log" && grep -qx -- "stream-json" "$T/args.log" &&
    grep -qx -- "--input-format" "$T/args.log" && grep -qx -- "--permission-prompt-tool" "$T/args.log" &&
    grep -qx -- "--verbose" "$T/args.log" && grep -qx -- "acceptEdits" "$T/args.log" ||
    fail "arguments: $(cat "$T/args.log")"
grep -q "task plan: claude succeeded, \$0.0034, 1 turns, 0/0 tokens, session fake-" "$T/sup.log" || fail "result event not read"
grep -qF "implement: done: plan the 'thing'" "$T/args.log" || fail "pipeline of results: $(cat "$T/args.log")"
grep -q "^custom .* ok " "$T/wf.out" || fail "custom runner: $(cat "$T/wf.out")"
grep -B10 '"task": "custom"' "$T/r.json" | grep -q '"output": "asked: hello\\n"' || fail "custom output"
# A result far past the actor's 4 KiB tail is read whole from the log.
grep -q "task long: claude succeeded" "$T/sup.log" || fail "long result: $(grep 'task long' "$T/sup.log")"
grep -q '"output": "done: a LONG answer 0001-long-answer .*1000-long-answer "' "$T/r.json" || fail "long output not whole"
# A prompt past what an argument holds reaches Claude Code on its stdin.
grep -q "^bigprompt .* ok " "$T/wf.out" || fail "big prompt: $(grep bigprompt "$T/wf.out")"
[ "$(grep -o 'done: sum up: B*' "$T/r.json" | head -1 | wc -c)" -gt 300000 ] || fail "big prompt not whole"
grep -q "^broken .* failed\* .* claude: could not do: FAIL on purpose" "$T/wf.out" || fail "error result: $(cat "$T/wf.out")"
grep -q "^stuck .* failed\* .* timed out after 0.5 s" "$T/wf.out" || fail "slow: $(cat "$T/wf.out")"

# No claude anywhere: refused before running, with the place.
env PATH=/usr/bin:/bin "$SUP" --check -w "$T/claude.yaml" 2>"$T/err.log"
[ $? = 2 ] || fail "missing claude accepted"
grep -q "claude.yaml:12:9: task 'plan': runner claude: no 'claude' on PATH" "$T/err.log" ||
    fail "missing claude: $(cat "$T/err.log")"
# A prompt with no agent able to take it.
printf 'stages:\n  - {name: s, tasks: [{prompt: hi}]}\n' >"$T/noprompt.yaml"
"$SUP" --check -w "$T/noprompt.yaml" 2>"$T/err.log"
grep -q "a prompt needs an agent with runner claude or argv" "$T/err.log" || fail "prompt without runner"
exit 0
