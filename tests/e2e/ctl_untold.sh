#!/usr/bin/env bash
# A caller whose processes cannot be read is not taken for the operator,
# nor told it belongs to no agent: it is told who it is could not be
# told, and the next call, once ps answers again, is served. Only the
# portable build reads ancestry through ps, which a test can break.
. "$(dirname "$0")/lib.bash"
portable || skip "this build reads callers' ancestry from /proc"

mkdir -p "$T/fakebin"
real_ps=$(command -v ps)
cat >"$T/fakebin/ps" <<SH
#!/bin/sh
[ -e "$T/ps.broken" ] && { echo "ps: broken for the test" >&2; exit 1; }
exec "$real_ps" "\$@"
SH
chmod +x "$T/fakebin/ps"
PATH=$T/fakebin:$PATH start_sup
wait_status 10 worker-1 idle

touch "$T/ps.broken"
out=$("$CTL" -L "$INST" status 2>&1) && fail "status served with no ancestry: $out"
echo "$out" | grep -q "who is calling could not be told" || fail "wrong refusal: $out"
echo "$out" | grep -q "belongs to no agent" && fail "called nobody: $out"

rm "$T/ps.broken"
"$CTL" -L "$INST" status >/dev/null || fail "status once ps answers again"
"$CTL" -L "$INST" audit >"$T/audit.out" || fail "audit"
grep -q "denied .*unknown .*status" "$T/audit.out" ||
	fail "refusal not audited: $(cat "$T/audit.out")"
echo ok
