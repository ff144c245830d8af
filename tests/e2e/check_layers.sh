#!/usr/bin/env bash
# tools/check-layers.sh passes on the tree and fails, naming the file and
# line, on a copy with a planted violation: an include from a layer above,
# and a cycle between two supervisor modules.
. "$(dirname "$0")/lib.bash"
top=$(cd "$(dirname "$0")/../.." && pwd)
check=$top/tools/check-layers.sh

"$check" "$top" >"$T/ok.out" || fail "the tree: $(cat "$T/ok.out")"
grep -q "layers point one way" "$T/ok.out" || fail "no summary: $(cat "$T/ok.out")"

copy() { rm -rf "$T/tree"; mkdir "$T/tree"; (cd "$top" && cp -r common ipc shm actors supervisor tools "$T/tree/"); }

# A lower layer reaching up.
copy
sed -i '1a #include "supervisor/sched.h"' "$T/tree/ipc/frame.c"
"$check" "$T/tree" >"$T/up.out" && fail "an upward include passed: $(cat "$T/up.out")"
grep -q '^ipc/frame.c:2: ipc/ includes supervisor/sched.h, a layer above it$' "$T/up.out" ||
    fail "upward include not named: $(cat "$T/up.out")"

# Two supervisor modules including each other.
copy
sed -i '1a #include "supervisor/sched.h"' "$T/tree/supervisor/hub.c"
"$check" "$T/tree" >"$T/cycle.out" && fail "a cycle passed: $(cat "$T/cycle.out")"
grep -q "include cycle: .*hub -> .*sched" "$T/cycle.out" ||
    fail "cycle not named: $(cat "$T/cycle.out")"
echo ok
