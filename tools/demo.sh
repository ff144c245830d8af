#!/usr/bin/env bash
# `make tour`: a five-minute tour of orch on the embedded default config
# (three shell workers, each on its own PTY), in a private instance.
set -eu
bin=${1:-build/bin}
export XDG_RUNTIME_DIR
XDG_RUNTIME_DIR=$(mktemp -d /tmp/orch-run.XXXXXX)
inst=tour
sup=""
trap '[ -n "$sup" ] && kill "$sup" 2>/dev/null; wait 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"' EXIT

step() { printf '\n== %s\n' "$*"; }
# Show a command as one would type it: arguments with spaces quoted.
shown() {
	local a out=""
	for a in "$@"; do
		case "$a" in *[[:space:]\"\|\$]*) a="'$a'" ;; esac
		out="$out $a"
	done
	echo "\$$out"
}
ctl() { shown orch-ctl "$@"; "$bin/orch-ctl" -L "$inst" "$@"; }
idle() { "$bin/orch-ctl" -L "$inst" status 2>/dev/null | awk -v a="$1" '$1 == a && $3 == "idle" { ok = 1 } END { exit !ok }'; }
wait_idle() {
	for _ in $(seq 500); do idle "$1" && return 0; sleep 0.02; done
	echo "$1 did not become idle" >&2; exit 1
}

step "start orch-supervisor (the log goes to $XDG_RUNTIME_DIR/supervisor.log)"
"$bin/orch-supervisor" -L "$inst" 2>"$XDG_RUNTIME_DIR/supervisor.log" &
sup=$!
for a in worker-1 worker-2 worker-3; do wait_idle $a; done
ctl status

step "run a command as a task in worker-1's session"
ctl exec worker-1 -- sh -c 'echo "hello from $ORCH_AGENT_ID"; uname -sr'

step "a task that outlives its timeout is stopped (exit 124)"
ctl exec -t 0.5 worker-2 -- sleep 30 || echo "exit status $?"

step "kill -9 worker-3's actor: the supervisor restarts it at once"
pid_of() { "$bin/orch-ctl" -L "$inst" status | awk -v a="$1" '$1 == a { print $4 }'; }
pid=$(pid_of worker-3)
kill -9 "$pid"
for _ in $(seq 500); do
	[ "$(pid_of worker-3)" != "$pid" ] && idle worker-3 && break
	sleep 0.02
done
ctl status

step "agents share memory and message each other, from inside their sessions"
ctl exec worker-1 -- sh -c 'echo "use ./build" | orch-ctl mem put notes/build -'
ctl exec worker-2 -- orch-ctl mem get notes/build
ctl exec worker-1 -- orch-ctl send worker-2 "please review" --priority high
ctl exec worker-2 -- orch-ctl inbox

step "everything above is on the event bus"
ctl events --type 'task.*' | tail -n 4

step "deploy a new agent at runtime"
ctl agent deploy reviewer --type specialist --cap review,lint
ctl status

step "queue work on the running supervisor: a command, then a whole workflow"
ctl submit --requires review --wait -- 'echo reviewed by $ORCH_AGENT_ID'
ctl workflow run examples/parallel-tests.yaml --wait
ctl tasks

step "inspect worker-1: history and the end of its terminal"
echo "\$ orch-attach -i worker-1"
"$bin/orch-attach" -L "$inst" -i worker-1

step "what the supervisor logged"
cat "$XDG_RUNTIME_DIR/supervisor.log"

step "shut down: every actor, session and socket goes away"
ctl shutdown
wait "$sup"
sup=""
ls -A "$XDG_RUNTIME_DIR/orch" 2>/dev/null | grep -q . && echo "left behind!" || echo "nothing left behind"
echo
echo "Try it yourself: $bin/orch-supervisor, then in another terminal"
echo "$bin/orch-attach -l and $bin/orch-attach worker-1 (detach with Ctrl-\\)."
