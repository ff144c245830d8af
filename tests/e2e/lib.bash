# Shared by the end-to-end scripts: each runs the real binaries in a private
# directory and cleans every process and file it made, whatever happens.
set -u

BIN=${ORCH_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
DEMO=$BIN/orch-ipc-demo
T=$(mktemp -d /tmp/orch-e2e.XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 60 "$f"; } >&2
	done
	exit 1
}

# skip WHY: this script cannot run here (tests/run.sh prints SKIP: WHY).
skip() {
	echo "$*"
	exit 77
}

# portable: is this the build with every Linux-only path switched off
# (make test-portable's ORCH_PORTABLE=1)?
portable() { [ -n "${ORCH_PORTABLE:-}" ]; }

# wait_until SECONDS COMMAND...: poll COMMAND until it succeeds or time runs
# out. The pause grows from 10 ms to 200 ms: a condition met at once is seen
# at once, and a long wait does not spend a core on starting COMMAND (a
# sanitized orch-ctl costs tens of ms of CPU a run).
wait_until() {
	local limit=$1 end nap=10
	shift
	end=$(($(date +%s%N) + limit * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep "0.$(printf %03d $nap)"
		nap=$((nap * 2 > 200 ? 200 : nap * 2))
	done
}

# start_server NAME: background server on $T/NAME.sock, logging to $T/NAME.log.
start_server() {
	"$DEMO" -v serve "$T/$1.sock" 2>"$T/$1.log" &
	PIDS="$PIDS $!"
	SERVER_PID=$!
	# Not the socket file: a stale one from a killed server may be there.
	wait_until 10 grep -q "listening on" "$T/$1.log" || fail "server $1 did not start"
}

# Supervisor helpers: a private instance and run directory per script.
SUP=$BIN/orch-supervisor
CTL=$BIN/orch-ctl
# Under ASan the orch-ctl a script runs (hundreds of times, in its wait
# loops too) skips LeakSanitizer's check at exit: 40 ms of CPU a run, most
# of it spent scanning the UBSan runtime's data. ctl_leaks.sh runs each
# command with the check; every other program keeps it.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	mkdir -p "$T/bin"
	printf '#!/bin/sh\nASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" exec "%s" "$@"\n' \
	    "$BIN/orch-ctl" >"$T/bin/orch-ctl"
	chmod +x "$T/bin/orch-ctl"
	CTL=$T/bin/orch-ctl
fi
ATT=$BIN/orch-attach
INST=test$$
export XDG_RUNTIME_DIR=$T/run XDG_STATE_HOME=$T/state
mkdir -m 700 "$XDG_RUNTIME_DIR"
RUNDIR=$XDG_RUNTIME_DIR/orch/$INST

sup_cleanup() {
	local rc=$?
	# A sanitizer's report from any of our processes fails the test.
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/sup.log" 2>/dev/null; then
		echo "FAIL: a sanitizer report in the supervisor's log:" >&2
		grep -E -A30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/sup.log" | head -60 >&2
		rc=1
	fi
	# A supervisor killed here cannot remove its shared memory: we do.
	[ -f "$RUNDIR/shm.name" ] && rm -f "/dev/shm$(cat "$RUNDIR/shm.name")"
	pkill -9 -f "orch-actor -L $INST " 2>/dev/null
	# The person's terminals, and orch's own tmux server (session.backend).
	tmux -L "person-$INST" kill-server 2>/dev/null
	tmux -L "orch-$INST" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/person-$INST" \
	    "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/orch-$INST"
	cleanup
	exit "$rc"
}
trap sup_cleanup EXIT

# start_sup [ARGS...]: run a supervisor in the background, logging to
# $T/sup.log, and wait until its control socket serves.
start_sup() {
	"$SUP" -L "$INST" -g 1 "$@" 2>"$T/sup.log" &
	SUP_PID=$!
	PIDS="$PIDS $SUP_PID"
	wait_until 20 "$CTL" -L "$INST" status >/dev/null 2>&1 ||
	    fail "supervisor did not start"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# status_of AGENT: the agent's status column.
status_of() {
	"$CTL" -L "$INST" status 2>/dev/null | awk -v a="$1" '$1 == a { print $3 }'
}

# field_of AGENT COLUMN: a column of the agent's status row (4 pid, 5 restarts).
field_of() {
	"$CTL" -L "$INST" status 2>/dev/null | awk -v a="$1" -v c="$2" '$1 == a { print $c }'
}

is_status() { [ "$(status_of "$1")" = "$2" ]; }

# wait_status SECONDS AGENT STATUS
wait_status() {
	wait_until "$1" is_status "$2" "$3" ||
	    fail "agent $2 is '$(status_of "$2")', expected '$3'"
}

# session_ids: the session id of every running agent.
session_ids() {
	"$CTL" -L "$INST" status --json | sed -n 's/.*"session": \([0-9][0-9]*\).*/\1/p' |
	    grep -v '^0$'
}

# nothing_left SIDS...: no actor of this instance, no process in those sessions.
nothing_left() {
	pgrep -f "orch-actor -L $INST " >/dev/null && return 1
	for s in "$@"; do
		# Zombies waiting for a reaper run nothing: they do not count.
		[ -n "$(ps -o stat= -s "$s" 2>/dev/null | grep -v '^Z')" ] && return 1
	done
	return 0
}

# wait_exit PID SECONDS: wait for a background process, return its status.
wait_exit() {
	local pid=$1
	wait_until "$2" sh -c "! kill -0 $pid 2>/dev/null" || return 255
	wait "$pid"
}
