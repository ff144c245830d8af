#!/usr/bin/env bash
# Test runner: runs each given test (a unit-test binary, an e2e script or a
# fuzz target to replay its corpus), prints "PASS (Ns)", "FAIL" or "SKIP"
# (a test that exits 77: what it needs is not here, and its last line
# says what) per test, keeps the log of failures only, and adds the counts
# to RESULTS/counts.
#
#   tests/run.sh [-j N] RESULTS SUITE TEST...
#                                        run tests (N at a time), exit 1 if
#                                        any failed
#   tests/run.sh --total RESULTS         print the grand total, exit 1 on failure
set -u

if [ "${1:-}" = "--total" ]; then
	results=$2
	pass=0 fail=0 skip=0
	if [ -f "$results/counts" ]; then
		while read -r p f s; do
			pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
		done <"$results/counts"
	fi
	echo
	if [ -s "$results/failed" ]; then
		echo "failed:"
		sed 's/^/  /' "$results/failed"
	fi
	echo "total: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit
fi

jobs=1
if [ "${1:-}" = "-j" ]; then
	jobs=$2
	shift 2
fi
results=$1 suite=$2
shift 2
mkdir -p "$results/logs"
top=$(cd "$(dirname "$0")/.." && pwd)

now() { date +%s.%N; }

# run_one TEST: run it, print its line (and a failure's log tail), leave
# "pass" or "fail" in its .rc file.
run_one() {
	local t=$1 name log start rc secs
	name=$(basename "$t" .sh)
	log="$results/logs/$suite-$name.log"
	start=$(now)
	case "$t" in
	*.sh)	bash "$t" >"$log" 2>&1 ;;
	*/fuzz_*)
		corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
		"$t" -runs=0 "$corpus"/* >"$log" 2>&1 ;;
	*)	"$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	secs=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	if [ "$rc" -eq 0 ]; then
		printf '%-12s %-32s PASS (%ss)\n' "$suite" "$name" "$secs"
		rm -f "$log"
		echo pass >"$log.rc"
	elif [ "$rc" -eq 77 ]; then
		printf '%-12s %-32s SKIP: %s\n' "$suite" "$name" "$(tail -n 1 "$log")"
		rm -f "$log"
		echo skip >"$log.rc"
	else
		{
			printf '%-12s %-32s FAIL (exit %d, %ss) log: %s\n' \
			    "$suite" "$name" "$rc" "$secs" "$log"
			tail -n 40 "$log" | sed 's/^/    | /'
		} >"$log.out"
		cat "$log.out"
		rm -f "$log.out"
		echo "$suite/$name" >>"$results/failed"
		echo fail >"$log.rc"
	fi
}

# With -j N, N tests at a time (each prints its lines whole, when done).
running=0
for t in "$@"; do
	[ -e "$t" ] || continue
	if [ "$jobs" -le 1 ]; then
		run_one "$t"
		continue
	fi
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
wait
pass=0 fail=0 skip=0
for rc in "$results/logs/$suite-"*.rc; do
	[ -e "$rc" ] || continue
	case $(cat "$rc") in
	pass)	pass=$((pass + 1)) ;;
	skip)	skip=$((skip + 1)) ;;
	*)	fail=$((fail + 1)) ;;
	esac
	rm -f "$rc"
done
echo "$pass $fail $skip" >>"$results/counts"
[ "$fail" -eq 0 ]
