#!/usr/bin/env bash
# A follower of the bus that goes away (timeout, Ctrl-C, kill -9, a normal
# exit of events --follow --count or mem watch --count) leaves nothing
# spinning: after it has gone and 1,000 events are published, the
# supervisor and every actor use under 2% of a CPU over the next 2 s. Both
# where a follower is served: on the control socket (outside a session)
# and on an actor's socket (inside one).
. "$(dirname "$0")/lib.bash"

start_sup
for a in worker-1 worker-2 worker-3; do wait_status 10 $a idle; done
pids="$SUP_PID $(pgrep -f "orch-actor -L $INST " | tr '\n' ' ')"

# cpu_ticks PID: user + system time, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

publish_1000() {
	"$DEMO" call "$RUNDIR/control.sock" -n 1000 -o events.publish \
	    -m type=test.noise >/dev/null || fail "publishing 1000 events"
}

# quiet WHAT: after the follower has gone, nobody burns CPU.
quiet() {
	local p before after hz limit
	publish_1000
	hz=$(getconf CLK_TCK)
	limit=$((hz * 2 * 2 / 100))	# 2% of 2 s
	[ "$limit" -ge 1 ] || limit=1
	# The publishing itself is allowed its cost: measure from after it.
	sleep 0.2
	for p in $pids; do before[$p]=$(cpu_ticks "$p"); done
	sleep 2
	for p in $pids; do
		after=$(cpu_ticks "$p")
		[ $((after - before[p])) -le "$limit" ] ||
		    fail "$1: $(tr '\0' ' ' </proc/$p/cmdline) used $((after - before[p])) ticks in 2 s (limit $limit)"
	done
}
declare -a before

# leave_by HOW INSIDE: start a follower, see it follow, make it go.
leave_by() {
	local how=$1 inside=$2 pre=() f
	# Inside a session, orch-ctl talks to the agent's actor.
	pre=(env PATH="$BIN:$PATH" ORCH_INSTANCE="$INST")
	[ "$inside" = 1 ] && pre=("$CTL" -L "$INST" exec worker-1 --)
	: >"$T/follow.out"
	case $how in
	term|int|kill)
		# Job control: a background job of a script ignores SIGINT otherwise.
		set -m
		if [ "$inside" = 1 ]; then
			"${pre[@]}" orch-ctl events --follow --type 'agent.*' >"$T/follow.out" 2>&1 &
			infollower() { f=$(pgrep -fx "orch-ctl events --follow --type agent\\.\\*"); }
			wait_until 10 infollower || fail "$how: no follower"
		else
			# SIGINT ignored on entry (a make run in the background)
			# stays ignored in a script: the follower gets it back.
			env --default-signal=INT "$CTL" -L "$INST" events --follow --type 'agent.*' \
			    >"$T/follow.out" 2>&1 &
			f=$!
		fi
		set +m
		# Published after it started: seen only once its read is served.
		seen() {
			"$CTL" -L "$INST" events publish agent.probe >/dev/null
			if [ "$inside" = 1 ]; then
				"$ATT" -L "$INST" -i worker-1 | grep -q agent.probe
			else
				grep -q agent.probe "$T/follow.out"
			fi
		}
		wait_until 10 seen || fail "$how: the follower sees nothing"
		kill -"${how^^}" "$f" 2>/dev/null
		wait_until 10 sh -c "! kill -0 $f 2>/dev/null" || fail "$how: follower still there"
		;;
	count)
		"${pre[@]}" orch-ctl events --follow --type 'agent.*' --count 1 >"$T/follow.out" 2>&1 &
		f=$!
		wait_until 10 sh -c "'$CTL' -L '$INST' events publish agent.probe >/dev/null; ! kill -0 $f 2>/dev/null" ||
		    fail "count: the follower did not end"
		wait $f || fail "count: events --count 1 failed"
		;;
	watch)
		"${pre[@]}" orch-ctl mem watch 'y*' --count 1 >"$T/follow.out" 2>&1 &
		f=$!
		wait_until 10 sh -c "'$CTL' -L '$INST' mem put y\$RANDOM v >/dev/null; ! kill -0 $f 2>/dev/null" ||
		    fail "watch: mem watch --count 1 did not end"
		wait $f || fail "watch: mem watch failed"
		;;
	esac
}

for inside in 0 1; do
	for how in term int kill count watch; do
		leave_by "$how" "$inside"
		quiet "$how (inside=$inside)"
	done
done
echo ok
