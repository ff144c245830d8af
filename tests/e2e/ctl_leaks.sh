#!/usr/bin/env bash
# Each orch-ctl command, once as it succeeds and once as it fails, run as
# built: under ASan (make test's sanitized pass) with LeakSanitizer's check
# at exit, which the other scripts skip for the orch-ctl of their wait
# loops. A leak, a sanitizer report or a crash fails the command here; in
# the plain pass the same commands must simply work.
. "$(dirname "$0")/lib.bash"
ctl=$BIN/orch-ctl

# run WANT ARGS...: orch-ctl ARGS exits WANT and no sanitizer spoke.
run() {
	local want=$1 rc
	shift
	"$ctl" -L "$INST" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	grep -Eq 'Sanitizer|runtime error:' "$T/err" &&
	    fail "orch-ctl $*: $(head -40 "$T/err")"
	[ "$rc" = "$want" ] || fail "orch-ctl $* exited $rc, not $want: $(cat "$T/out" "$T/err")"
}

# Without a supervisor: usage errors and the failure to connect.
run 2 status
run 2 top
run 2 no-such-command
run 2 submit
run 2 mem put
run 0 gc

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: w1}
  - {id: w2, capabilities: [build]}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 w1 idle
wait_status 10 w2 idle

run 0 status
run 0 status --json
run 0 top
run 2 top extra
run 0 exec w1 -- echo hi
run 0 exec --json w1 -- echo hi
run 1 exec w1 -- false
run 124 exec -t 1 w1 -- sleep 5
run 1 exec nobody -- true
run 0 submit --agent w1 --id s1 -- echo one
s1=$(cat "$T/out")
run 0 submit --agent w1 --id s1b --wait -- echo one
run 0 submit --requires build --json --wait -- echo two
run 0 submit --agent w1 --id s2 --approval -- echo held
run 0 approve "$(cat "$T/out")"
run 0 submit --agent w1 --id s3 --approval -- echo denied
run 0 deny "$(cat "$T/out")"
run 0 submit --agent w2 --id s4 -- sleep 30
run 0 cancel "$(cat "$T/out")"
run 1 cancel no-such-task
run 0 tasks
run 0 tasks --json
run 0 logs "$s1"
run 1 logs no-such-task
run 0 audit
run 0 audit --json
printf 'name: w\nstages:\n  - name: a\n    tasks:\n      - {id: t, agent: w1, command: "echo wf"}\n' >"$T/wf.yaml"
run 0 workflow run "$T/wf.yaml" --wait
run 0 workflow run "$T/wf.yaml" --wait --json
printf 'name: [\n' >"$T/bad.yaml"
run 2 workflow run "$T/bad.yaml" --wait
run 0 mem put k v --access shared
run 0 mem get k
run 0 mem get k --json
run 0 mem ls
run 0 mem ls 'k*' --json
run 0 mem rm k
run 1 mem get k
run 0 events --count 3
run 0 events --json --since 0 --count 2
run 0 events publish agent.probe w1 hello
run 0 send w1 hello
run 1 send nobody hello
run 0 broadcast hi --capability build
run 0 agent deploy w3 --type worker
run 0 agent restart w3
run 0 agent terminate w3
run 1 agent terminate nobody
run 0 shutdown
wait_exit "$SUP_PID" 20 >/dev/null || fail "supervisor did not stop"
echo ok
