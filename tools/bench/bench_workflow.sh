#!/usr/bin/env bash
# bench_workflow: 1,000 trivial tasks (`true`) on 4 workers, run by orch
# (a workflow on 4 agents), by xargs -P4 and by make -j4, in the same run.
# Prints the wall time of each and orch's ratio to xargs, and the
# scheduler's overhead per task beyond xargs.
set -eu
bin=${1:-build/bin}
n=${2:-1000}
dir=$(mktemp -d /tmp/orch-bench-wf.XXXXXX)
export XDG_RUNTIME_DIR=$dir XDG_STATE_HOME=$dir
trap 'rm -rf "$dir"' EXIT

{
	echo "agents:"
	for i in 1 2 3 4; do echo "  - {id: a$i, session: {shell: /bin/sh}}"; done
	echo "stages:"
	echo "  - name: many"
	echo "    parallel: true"
	echo "    tasks:"
	for i in $(seq "$n"); do echo "      - {command: \"true\"}"; done
} >"$dir/many.yaml"
{
	printf 'all:'
	for i in $(seq "$n"); do printf ' t%d' "$i"; done
	printf '\n'
	for i in $(seq "$n"); do printf 't%d:\n\t@true\n' "$i"; done
	printf '.PHONY: all'
	for i in $(seq "$n"); do printf ' t%d' "$i"; done
	printf '\n'
} >"$dir/Makefile"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Rounds interleave the three, so a slow moment of the machine hits all.
rounds=${ROUNDS:-5}
: >"$dir/orch.ms"; : >"$dir/xargs.ms"; : >"$dir/make.ms"
for r in $(seq "$rounds"); do
	t=$(date +%s%N)
	"$bin/orch-supervisor" -L bench -w "$dir/many.yaml" >/dev/null 2>&1
	ms "$t" >>"$dir/orch.ms"
	t=$(date +%s%N)
	seq "$n" | xargs -P4 -I{} sh -c true
	ms "$t" >>"$dir/xargs.ms"
	t=$(date +%s%N)
	make -s -j4 -f "$dir/Makefile" all
	ms "$t" >>"$dir/make.ms"
done
orch=$(median <"$dir/orch.ms")
xargs_ms=$(median <"$dir/xargs.ms")
make_ms=$(median <"$dir/make.ms")

ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
printf '%s trivial tasks on 4 workers, same run, median of %s rounds (wall ms;\n' "$n" "$rounds"
printf 'orch includes starting and stopping its 4 agents)\n'
printf '  %-34s %8d ms  %6.2fx\n' "xargs -P4 sh -c true" "$xargs_ms" 1
printf '  %-34s %8d ms  %6sx\n' "make -j4" "$make_ms" "$(ratio "$make_ms" "$xargs_ms")"
printf '  %-34s %8d ms  %6sx\n' "orch workflow, 4 agents" "$orch" "$(ratio "$orch" "$xargs_ms")"
printf '  scheduler overhead beyond xargs: %s us per task (target: orch <= 1.2x xargs)\n' \
    "$(echo "$orch $xargs_ms $n" | awk '{ printf "%.0f", ($1 - $2) * 1000 / $3 }')"
