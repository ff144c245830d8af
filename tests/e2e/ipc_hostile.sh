#!/usr/bin/env bash
# Hostile frames are refused with a reason; the server keeps serving.
. "$(dirname "$0")/lib.bash"

start_server s
expect() {	# expect HEX PATTERN
	local out
	out=$("$DEMO" raw "$T/s.sock" "$1") || fail "raw $1"
	echo "$out" | grep -q "$2" || fail "raw $1: got '$out', want '$2'"
}
expect "00000005 dd10000000" "op=error err=100 .*268435456 elements"
expect "00000005 ddffffffff" "op=error err=100"
expect "00000005 dbffffffff" "op=error err=100 .*claims 4294967295 bytes"
expect "00000005 c6ffffffff" "op=error err=100"
expect "ffffffff"            "op=error err=103 .*exceeds the limit"
expect "00000000"            "op=error err=103 .*empty frame"
expect "00000003 c1c1c1"     "op=error err=100 .*invalid type byte"
# nesting 33 deep
expect "00000022 $(printf '91%.0s' $(seq 33))c0" "op=error err=100 .*nesting deeper than 32"
# well framed, missing "op": answered, not dropped
expect "00000010 83a17601a26964cd0101a16ba3726571" "res id=257 .*err=101 .*\"op\""
# wrong protocol version
expect "00000010 83a17602a26964cd0101a16ba3726573" "err=102"

kill -0 "$SERVER_PID" || fail "server died"
out=$("$DEMO" call "$T/s.sock" -n 100) || fail "after hostile input: $out"
echo "$out" | grep -q "100 ok" || fail "after hostile input: $out"
grep -q "dropped: malformed message" "$T/s.log" || fail "no log line for the dropped peer"
exit 0
