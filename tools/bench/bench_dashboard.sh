#!/usr/bin/env bash
# bench_dashboard: what watching orch costs.
#  1. 1,000 trivial tasks on 4 workers, alone and watched, in the same
#     run: watched is orch-ctl top attached (in tmux), the web page's event
#     stream open, the snapshot read every 100 ms (orch-ctl status --json)
#     and /metrics scraped every 100 ms; wall time and orch's CPU (the
#     supervisor and its actors), and the ratio.
#  2. orch-ctl top's own CPU over 10 s at 50 agents, beside a loop of
#     orch-ctl status every 0.5 s (what `watch` would do).
set -eu
bin=$(cd "${1:-build/bin}" && pwd)
n=${2:-1000}
dir=$(mktemp -d /tmp/orch-bench-dash.XXXXXX)
export XDG_RUNTIME_DIR=$dir XDG_STATE_HOME=$dir
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
watchers=""
cleanup() {
	for p in $watchers; do kill "$p" 2>/dev/null || true; done
	tmux -L "bench-dash-$$" kill-server 2>/dev/null || true
	"$bin/orch-ctl" -L dash50 shutdown >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

{
	echo "agents:"
	echo "  - {id: mcp, type: gateway}"
	for i in 1 2 3 4; do echo "  - {id: a$i, session: {shell: /bin/sh}}"; done
	echo "mcp: {http: $port}"
	echo "stages:"
	echo "  - name: many"
	echo "    parallel: true"
	echo "    tasks:"
	for i in $(seq "$n"); do echo "      - {command: \"true\"}"; done
} >"$dir/many.yaml"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run WATCHED: one -w run; "wall_ms cpu_ms" of it (CPU: the supervisor and
# every actor it waited for, from /usr/bin/time).
run() {
	local t wall
	watchers=""
	if [ "$1" = 1 ]; then
		( while :; do "$bin/orch-ctl" -L dash status --json >/dev/null 2>&1 || true; sleep 0.1; done ) &
		watchers="$watchers $!"
		( while :; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true; sleep 0.1; done ) &
		watchers="$watchers $!"
		# The page's stream and top, each dialing again until the
		# supervisor is up (and after it is gone, until killed).
		( while :; do curl -s -N -o /dev/null "http://127.0.0.1:$port/events" || true; sleep 0.05; done ) &
		watchers="$watchers $!"
		tmux -L "bench-dash-$$" -f /dev/null new-session -d -x 120 -y 40 \
		    "while :; do '$bin/orch-ctl' -L dash top; sleep 0.05; done"
	fi
	t=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$dir/time" "$bin/orch-supervisor" -L dash -w "$dir/many.yaml" >/dev/null 2>&1
	wall=$(( ($(date +%s%N) - t) / 1000000 ))
	for p in $watchers; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	watchers=""
	tmux -L "bench-dash-$$" kill-server 2>/dev/null || true
	echo "$wall $(awk '{ printf "%d", ($1 + $2) * 1000 }' "$dir/time")"
}

rounds=${ROUNDS:-5}
: >"$dir/quiet"; : >"$dir/watched"
for r in $(seq "$rounds"); do
	run 0 >>"$dir/quiet"
	run 1 >>"$dir/watched"
done
qw=$(cut -d' ' -f1 "$dir/quiet" | median); qc=$(cut -d' ' -f2 "$dir/quiet" | median)
ww=$(cut -d' ' -f1 "$dir/watched" | median); wc_=$(cut -d' ' -f2 "$dir/watched" | median)
# (A bare > in awk's printf list is a redirection: hence the if.)
ratio() { echo "$1 $2" | awk '{ r = 0; if ($2 != 0) r = $1 / $2; printf "%.2f", r }'; }
printf '%s trivial tasks on 4 workers, median of %s rounds, same run\n' "$n" "$rounds"
printf '  %-52s %7s %9s\n' "" "wall ms" "orch CPU ms"
printf '  %-52s %7d %9d\n' "alone" "$qw" "$qc"
printf '  %-52s %7d %9d\n' "top, the page, status --json and /metrics (100 ms)" "$ww" "$wc_"
printf '  watched / alone: wall %sx, CPU %sx\n' "$(ratio "$ww" "$qw")" "$(ratio "$wc_" "$qc")"

# 2. top at 50 agents.
{
	echo "agents:"
	for i in $(seq 50); do echo "  - {id: w$i, session: {shell: /bin/sh}}"; done
} >"$dir/fifty.yaml"
"$bin/orch-supervisor" -L dash50 -c "$dir/fifty.yaml" >/dev/null 2>&1 &
sup=$!
for i in $(seq 100); do
	[ "$("$bin/orch-ctl" -L dash50 status --json 2>/dev/null | jq '[.agents[] | select(.status == "idle")] | length' 2>/dev/null)" = 50 ] && break
	sleep 0.1
done
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
tmux -L "bench-dash-$$" -f /dev/null new-session -d -x 120 -y 40 "$bin/orch-ctl -L dash50 top"
sleep 1
top_pid=$(pgrep -f "orch-ctl -L dash50 top" | head -1)
sup0=$(ticks "$sup"); t0=$(ticks "$top_pid")
sleep 10
top_cpu=$(( $(ticks "$top_pid") - t0 )); sup_top=$(( $(ticks "$sup") - sup0 ))
tmux -L "bench-dash-$$" kill-server
# The peer: orch-ctl status every 0.5 s, its processes' CPU from time.
sup0=$(ticks "$sup")
/usr/bin/time -f '%U %S' -o "$dir/loop" bash -c "for i in \$(seq 20); do '$bin/orch-ctl' -L dash50 status >/dev/null; sleep 0.5; done"
loop_ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$dir/loop")
sup_loop=$(( $(ticks "$sup") - sup0 ))
"$bin/orch-ctl" -L dash50 shutdown >/dev/null 2>&1 || true
wait "$sup" 2>/dev/null || true
echo
printf '50 agents, 10 s, CPU ms (clock ticks of %s ms)\n' "$((1000 / hz))"
printf '  %-52s %8s %12s\n' "" "viewer" "supervisor"
printf '  %-52s %8d %12d\n' "orch-ctl top (2 snapshots a second)" "$((top_cpu * 1000 / hz))" "$((sup_top * 1000 / hz))"
printf '  %-52s %8d %12d\n' "orch-ctl status every 0.5 s (a watch loop)" "$loop_ms" "$((sup_loop * 1000 / hz))"
