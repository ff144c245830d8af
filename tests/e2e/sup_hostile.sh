#!/usr/bin/env bash
# Malformed frames sent to the supervisor's control socket and to an
# actor's socket get an error answer naming the fault; both processes keep
# serving everyone else, and nothing restarts.
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
sup_pid=$SUP_PID
actor_pid=$(field_of worker-1 4)

hostile() {	# hostile SOCKET
	local out
	expect() {	# expect HEX PATTERN
		out=$("$DEMO" raw "$1" "$2") || fail "raw $2 to $1"
		echo "$out" | grep -q "$3" || fail "raw $2 to $1: got '$out', want '$3'"
	}
	expect "$1" "00000005 dd10000000" "op=error err=100 .*268435456 elements"
	expect "$1" "00000005 dbffffffff" "op=error err=100 .*claims 4294967295 bytes"
	expect "$1" "ffffffff"            "op=error err=103 .*exceeds the limit"
	expect "$1" "00000003 c1c1c1"     "op=error err=100 .*invalid type byte"
	expect "$1" "00000022 $(printf '91%.0s' $(seq 33))c0" "op=error err=100 .*nesting deeper than 32"
}
hostile "$RUNDIR/control.sock"
hostile "$RUNDIR/actors/worker-1.sock"

# Both still serve, as the same processes: nothing crashed or restarted.
kill -0 "$sup_pid" || fail "the supervisor died"
[ "$(field_of worker-1 4)" = "$actor_pid" ] || fail "worker-1's actor was replaced"
[ "$(field_of worker-1 5)" = 0 ] || fail "worker-1 restarted"
out=$("$CTL" -L "$INST" exec worker-1 -- echo still-serving) || fail "exec after hostile frames"
[ "$out" = still-serving ] || fail "exec output: $out"
"$CTL" -L "$INST" mem put k v >/dev/null || fail "mem after hostile frames"
exit 0
