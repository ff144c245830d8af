#!/usr/bin/env bash
# A supervisor killed with -9 leaves its run directory and its shared
# memory: the next supervisor of any instance of this user removes them
# (saying so), and orch-ctl gc does it on demand; nothing of a live
# instance is touched.
. "$(dirname "$0")/lib.bash"

# dead NAME: start instance NAME, kill -9 its supervisor; echo its region.
# Any supervisor of this user that starts meanwhile sweeps the regions of
# dead ones (make test runs scripts side by side), so a region may be
# gone before this script's own sweep: then that sweep has nothing to
# say of it, and only its absence is checked.
dead() {
	local name=$1 pid dir=$XDG_RUNTIME_DIR/orch/$1
	"$SUP" -L "$name" -g 1 2>"$T/$name.log" &
	pid=$!
	wait_until 20 "$CTL" -L "$name" status >/dev/null 2>&1 || fail "$name did not start"
	shm=$(cat "$dir/shm.name")
	kill -9 $pid
	wait $pid 2>/dev/null
	gone() { ! pgrep -f "orch-actor -L $name " >/dev/null; }
	wait_until 10 gone || fail "$name's actors outlived it"
	[ -d "$dir" ] || fail "$name left nothing to clean"
	echo "$shm"
}

a=$(dead "${INST}a") || fail "${INST}a"
[ -e "/dev/shm$a" ] && swept_a=no || swept_a=yes
start_sup
[ $swept_a = yes ] || grep -q "instance ${INST}a: removed its shared memory $a" "$T/sup.log" ||
	fail "region not removed: $(cat "$T/sup.log")"
grep -q "instance ${INST}a: removed its run directory" "$T/sup.log" || fail "run directory not removed"
[ ! -e "/dev/shm$a" ] && [ ! -d "$XDG_RUNTIME_DIR/orch/${INST}a" ] || fail "still there"
mine=$(cat "$RUNDIR/shm.name")

# On demand, with a live instance beside the dead one.
b=$(dead "${INST}b") || fail "${INST}b"
[ -e "/dev/shm$b" ] && swept_b=no || swept_b=yes
"$CTL" gc >"$T/gc.out" || fail "gc"
grep -q "instance ${INST}b: removed its run directory" "$T/gc.out" || fail "gc: $(cat "$T/gc.out")"
[ $swept_b = yes ] || grep -q "instance ${INST}b: removed its shared memory $b" "$T/gc.out" ||
	fail "gc: $(cat "$T/gc.out")"
[ ! -e "/dev/shm$b" ] || fail "gc left the region"
[ -e "/dev/shm$mine" ] && [ -d "$RUNDIR" ] || fail "gc touched a live instance"
"$CTL" -L "$INST" status >/dev/null || fail "the live instance no longer answers"
grep -q "$INST:" "$T/gc.out" && fail "gc spoke of the live instance: $(cat "$T/gc.out")"
[ "$("$CTL" gc)" = "nothing to remove" ] || fail "second gc"
"$CTL" gc extra 2>/dev/null; [ $? = 2 ] || fail "gc with an argument"
echo ok
