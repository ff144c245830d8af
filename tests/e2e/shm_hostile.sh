#!/usr/bin/env bash
# A task writes over the shared region (it can: the region is mapped by
# every agent): the bank's header, then random bytes across the bank and
# the bus. The supervisor and the actors keep serving: bank and bus
# operations answer (with an error for what was destroyed), nothing
# crashes, nothing hangs, and agents still run tasks.
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2; do wait_status 10 $a idle; done
"$CTL" -L "$INST" mem put before v1 >/dev/null || fail "put"
shm=/dev/shm$(cat "$RUNDIR/shm.name")
size=$(stat -c %s "$shm")

# answers WHAT CMD...: the command ends (0 or 1, never a crash or a hang).
answers() {
	local what=$1 rc
	shift
	timeout 20 "$@" >"$T/out" 2>&1
	rc=$?
	[ $rc -le 1 ] || fail "$what: exit $rc: $(cat "$T/out")"
}
alive() {
	kill -0 "$SUP_PID" 2>/dev/null || fail "$1: the supervisor died"
	"$CTL" -L "$INST" status >/dev/null || fail "$1: status does not answer"
}

# 1. 512 bytes over the bank's header, from inside a session.
off=$((16785408 / 512))
"$CTL" -L "$INST" exec worker-1 -- sh -c "head -c 512 /dev/urandom | dd of=$shm bs=512 count=1 seek=$off conv=notrunc 2>/dev/null" ||
    fail "the scribbling task"
for op in "mem get before" "mem put after v2" "mem ls" "mem rm before" "events"; do
	answers "header: $op" "$CTL" -L "$INST" $op
	answers "header, in a session: $op" "$CTL" -L "$INST" exec worker-2 -- orch-ctl $op
done
alive "header"

# 2. Random 8-byte words anywhere in the region, while it is used.
"$CTL" -L "$INST" exec worker-1 -- sh -c "
	i=0
	while [ \$i -lt 300 ]; do
		o=\$(( (\$(od -An -N4 -tu4 /dev/urandom) % ($size / 8)) ))
		head -c 8 /dev/urandom | dd of=$shm bs=8 count=1 seek=\$o conv=notrunc 2>/dev/null
		i=\$((i + 1))
	done" & scribbler=$!
for i in $(seq 30); do
	answers "words: put $i" "$CTL" -L "$INST" mem put "k$i" "v$i"
	answers "words: get $i" "$CTL" -L "$INST" mem get "k$i"
	answers "words: ls" "$CTL" -L "$INST" mem ls
	answers "words: publish" "$CTL" -L "$INST" events publish t.x
done
wait_exit $scribbler 120 || fail "the scribbling task failed"
for op in "mem ls" "events" "mem get k1"; do
	answers "after: $op" "$CTL" -L "$INST" $op
	answers "after, in a session: $op" "$CTL" -L "$INST" exec worker-2 -- orch-ctl $op
done
alive "words"
# Agents still work, and none was restarted for it.
[ "$("$CTL" -L "$INST" exec worker-2 -- echo still)" = still ] || fail "worker-2 no longer runs tasks"
[ "$(field_of worker-1 5)" = 0 ] && [ "$(field_of worker-2 5)" = 0 ] || fail "an actor crashed: $("$CTL" -L "$INST" status)"
kill -TERM "$SUP_PID"
wait_exit "$SUP_PID" 20 || fail "the supervisor did not stop cleanly"
echo ok
