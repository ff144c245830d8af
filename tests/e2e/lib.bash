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
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
	done
	exit 1
}

# wait_until SECONDS COMMAND...: poll COMMAND until it succeeds or time runs out.
wait_until() {
	local limit=$1 end
	shift
	end=$(($(date +%s%N) + limit * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.02
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
