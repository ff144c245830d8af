#!/usr/bin/env bash
# One server per socket; a stale socket is reclaimed; a clean stop removes it.
. "$(dirname "$0")/lib.bash"

start_server s
first=$SERVER_PID
"$DEMO" serve "$T/s.sock" 2>"$T/second.log"; rc=$?
[ "$rc" -eq 2 ] || fail "second server on a live socket: exit $rc, want 2"
grep -q "in use" "$T/second.log" || fail "no 'in use' message"

kill -9 "$first"
wait "$first" 2>/dev/null
[ -S "$T/s.sock" ] || fail "expected a stale socket after kill -9"
start_server s
"$DEMO" call "$T/s.sock" -n 10 >/dev/null || fail "server on reclaimed socket"

kill -TERM "$SERVER_PID"
wait_until 5 sh -c "! kill -0 $SERVER_PID 2>/dev/null" || fail "no exit on SIGTERM"
[ ! -e "$T/s.sock" ] || fail "socket left after SIGTERM"

: >"$T/file"
"$DEMO" serve "$T/file" 2>"$T/file.log"; [ $? -eq 2 ] || fail "serve on a regular file"
[ -f "$T/file" ] || fail "a regular file in the way was removed"
exit 0
