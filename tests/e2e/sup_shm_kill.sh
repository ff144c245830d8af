#!/usr/bin/env bash
# An actor killed with kill -9 while its agent writes the memory bank and
# publishes events: it is restarted, and the bank and the bus keep working
# for everyone (a lock it held is recovered by the next writer).
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
"$CTL" -L "$INST" exec worker-1 -- sh -c \
    'i=0; while [ $i -lt 100000 ]; do orch-ctl mem put hot/$((i % 10)) v$i >/dev/null; orch-ctl events publish load.tick; i=$((i + 1)); done' \
    >/dev/null 2>&1 &
PIDS="$PIDS $!"
busy() { "$CTL" -L "$INST" mem ls 'hot/*' | grep -q '^hot/.* [1-9][0-9]* '; }
wait_until 10 busy || fail "the writer did not start"
old=$(field_of worker-1 4)
kill -9 "$old"
wait_until 10 sh -c "[ \"\$('$CTL' -L $INST status | awk '\$1 == \"worker-1\" { print \$3, \$5 }')\" = 'idle 1' ]" ||
    fail "worker-1 not restarted"

# Everyone else carries on, on the same keys and the same bus.
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$CTL" -L "$INST" exec worker-2 -- orch-ctl mem put hot/$((i % 10)) after$i >/dev/null ||
	    fail "write after the kill"
done
[ "$("$CTL" -L "$INST" exec worker-3 -- orch-ctl mem get hot/3)" = after3 ] || fail "read after the kill"
"$CTL" -L "$INST" mem ls 'hot/*' | grep -c '^hot/' | grep -q '^10$' || fail "ls after the kill"
"$CTL" -L "$INST" exec worker-2 -- orch-ctl events publish after.kill || fail "publish after the kill"
"$CTL" -L "$INST" events --type 'after.kill' | grep -q ' after.kill  *worker-2' || fail "bus after the kill"
# The restarted agent writes too.
"$CTL" -L "$INST" exec worker-1 -- orch-ctl mem put hot/0 back >/dev/null || fail "restarted writer"
exit 0
