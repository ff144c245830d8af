#!/usr/bin/env bash
# A server killed with requests in flight: the client learns at once,
# long before its 30 s deadline.
. "$(dirname "$0")/lib.bash"

start_server s
start=$(date +%s%N)
"$DEMO" call "$T/s.sock" -o hang -n 20 -t 30000 >"$T/client.out" 2>"$T/client.log" &
client=$!
PIDS="$PIDS $client"
wait_until 5 grep -q "connected" "$T/s.log" || fail "client never connected"
kill -9 "$SERVER_PID"
wait_until 5 sh -c "! kill -0 $client 2>/dev/null" || fail "client still waiting"
wait "$client"; rc=$?
secs=$(( ($(date +%s%N) - start) / 1000000000 ))
[ "$rc" -eq 1 ] || fail "client exit $rc, want 1"
[ "$secs" -lt 10 ] || fail "client took ${secs}s"
grep -q "20 failed" "$T/client.out" || fail "$(cat "$T/client.out")"
grep -q "peer disconnected" "$T/client.log" || fail "no 'peer disconnected'"
exit 0
