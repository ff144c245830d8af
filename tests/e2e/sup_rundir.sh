#!/usr/bin/env bash
# The run directory is refused when it is open to others or not ours, and
# a second supervisor of a live instance is refused; each with exit 2.
. "$(dirname "$0")/lib.bash"

mkdir -p "$RUNDIR"
chmod 700 "$XDG_RUNTIME_DIR/orch"
chmod 777 "$RUNDIR"
"$SUP" -L "$INST" 2>"$T/err.log"
rc=$?
[ "$rc" = 2 ] || fail "world-writable: exit $rc"
grep -q "$RUNDIR has mode 0777; it must not be open to group or others" "$T/err.log" ||
    fail "message: $(cat "$T/err.log")"

if [ "$(id -u)" = 0 ]; then
	chmod 700 "$RUNDIR"
	chown 65534:65534 "$RUNDIR"
	"$SUP" -L "$INST" 2>"$T/err.log"
	rc=$?
	[ "$rc" = 2 ] || fail "foreign owner: exit $rc"
	grep -q "$RUNDIR belongs to uid 65534, not to us" "$T/err.log" ||
	    fail "message: $(cat "$T/err.log")"
	chown 0:0 "$RUNDIR"
fi
rm -rf "$RUNDIR"
ln -s /tmp "$RUNDIR"
"$SUP" -L "$INST" 2>"$T/err.log"
[ $? = 2 ] && grep -q "symbolic link" "$T/err.log" || fail "symlink: $(cat "$T/err.log")"
rm "$RUNDIR"

start_sup
"$SUP" -L "$INST" 2>"$T/err.log"
rc=$?
[ "$rc" = 2 ] || fail "second supervisor: exit $rc"
grep -q "another supervisor (pid $SUP_PID) is running this instance" "$T/err.log" ||
    fail "message: $(cat "$T/err.log")"
"$CTL" -L "$INST" status >/dev/null || fail "the first supervisor was disturbed"
"$SUP" -L "bad/name" 2>"$T/err.log"
[ $? = 2 ] && grep -q "invalid instance name" "$T/err.log" || fail "bad instance name accepted"
exit 0
