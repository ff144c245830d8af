#!/usr/bin/env bash
# Requests and answers between two real processes, small and compressed.
. "$(dirname "$0")/lib.bash"

"$DEMO" --help | grep -q "usage:" || fail "--help"
"$DEMO" --version | grep -q "orch-ipc-demo" || fail "--version"
"$DEMO" bogus 2>/dev/null; [ $? -eq 2 ] || fail "bad usage must exit 2"
"$DEMO" call "$T/none.sock" 2>"$T/none.log"; [ $? -eq 2 ] || fail "no server must exit 2"
grep -q "connect" "$T/none.log" || fail "no server: no clear error"

start_server s
mode=$(stat -c %a "$T/s.sock")
[ "$mode" = 600 ] || fail "socket mode is $mode, want 600"

out=$("$DEMO" call "$T/s.sock" -n 5000 -s 64) || fail "small echoes: $out"
echo "$out" | grep -q "5000 ok, 0 failed" || fail "small echoes: $out"
out=$("$DEMO" call "$T/s.sock" -n 40 -s 300000) || fail "large echoes: $out"
echo "$out" | grep -q "40 ok, 0 failed" || fail "large echoes: $out"
out=$("$DEMO" call "$T/s.sock" -o ping -n 3) || fail "ping: $out"
out=$("$DEMO" call "$T/s.sock" -o no.such 2>&1); [ $? -eq 1 ] || fail "unknown op must fail"
echo "$out" | grep -q "unknown operation" || fail "unknown op: $out"
exit 0
