#!/usr/bin/env bash
# Clients that misbehave cannot take the supervisor's memory or lock the
# operator out: 20 clients that never read their answers are closed (and
# said so), half-sent large frames and a byte-a-second client are closed
# at the frame deadline and their memory given back, a connection's
# waiting reads are capped, and under a low descriptor limit idle
# connections make room for the operator's orch-ctl status.
. "$(dirname "$0")/lib.bash"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# Under AddressSanitizer freed memory sits in its quarantine: RSS says
# nothing there, so the bounds are checked on the plain build only.
# The heap is trimmed on the loop's next pass after a client is closed,
# which that client may see first: the bound must hold within 5 s.
rss_within() { [ $(($(rss_kb "$SUP_PID") - base)) -lt "$1" ]; }
rss_ok() {	# rss_ok KB WHAT: within KB of the start
	ldd "$SUP" 2>/dev/null | grep -q libasan && return 0
	wait_until 5 rss_within "$1" ||
		fail "$2: RSS $base -> $(rss_kb "$SUP_PID") kB"
}
start_sup
wait_status 10 worker-1 idle
CS=$RUNDIR/control.sock
base=$(rss_kb "$SUP_PID")

# 1. Requests whose answers are never read.
hold_pids=""
for i in $(seq 20); do
	"$DEMO" hold "$CS" flood 200000 >/dev/null 2>&1 &
	hold_pids="$hold_pids $!"
done
closed() { [ "$(grep -c "control client: closed: it does not read its answers" "$T/sup.log")" -ge "$1" ]; }
wait_until 60 closed 20 || fail "non-reading clients not closed: $(grep -c 'does not read' "$T/sup.log") of 20"
for p in $hold_pids; do wait_exit "$p" 20 >/dev/null || fail "a flooding client was not let go"; done
rss_ok 102400 "20 non-reading clients"
"$CTL" -L "$INST" status >/dev/null || fail "status after the flood"

# 2. Half-sent 8 MiB frames and a trickle: closed at the deadline (10 s).
hold_pids=""
for i in $(seq 30); do
	"$DEMO" hold "$CS" half 8388608 >/dev/null 2>&1 &
	hold_pids="$hold_pids $!"
done
"$DEMO" hold "$CS" trickle >/dev/null 2>&1 &
trickle=$!
"$CTL" -L "$INST" status >/dev/null || fail "status while frames are half sent"
for p in $hold_pids $trickle; do wait_exit "$p" 40 >/dev/null || fail "a half-sent frame was not closed"; done
grep -q "control client: closed: a frame did not complete within 10 s" "$T/sup.log" || fail "no frame deadline"
# 240 MiB were held; what is left must be far less than one frame.
rss_ok 4096 "memory not given back after the half frames"

# 3. Waiting reads on one connection are capped.
"$DEMO" call "$CS" -n 200 -o events.read -m wait_ms=30000 -t 1500 >"$T/waits.out" 2>&1
grep -q "too many waiting reads on this connection" "$T/waits.out" || fail "waits not capped: $(tail -3 "$T/waits.out")"
grep -q "events.read: 0 ok, 200 failed" "$T/waits.out" || fail "waits: $(tail -1 "$T/waits.out")"
kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 20 || fail "supervisor stop"

# 4. A low descriptor limit and idle connections: status still answers.
(ulimit -n 64; exec "$SUP" -L "$INST" -g 1 2>"$T/sup.log") &
SUP_PID=$!
PIDS="$PIDS $SUP_PID"
wait_until 20 "$CTL" -L "$INST" status >/dev/null 2>&1 || fail "supervisor under ulimit -n 64"
for i in $(seq 80); do
	"$DEMO" hold "$CS" idle >/dev/null 2>&1 &
	PIDS="$PIDS $!"
done
many_fds() { [ "$(ls /proc/$SUP_PID/fd | wc -l)" -ge 40 ]; }
wait_until 10 many_fds || true	# pacing only: status must answer either way
out=$(timeout 10 "$CTL" -L "$INST" status 2>&1) || fail "status with 80 idle connections: $out"
echo ok
