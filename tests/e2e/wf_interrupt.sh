#!/usr/bin/env bash
# A -w run stopped before it is over: Ctrl-C (typed into a tmux pane, as a
# person would) and SIGTERM each end with the summary table and the report,
# the running task marked cancelled and its dependents skipped, and the
# shell's exit status for the signal (130, 143). A report that cannot be
# written is refused before anything runs (exit 2); one whose writing
# fails at the end makes the run exit 1.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

cat >"$T/f.yaml" <<YAML
name: interrupted
stages:
  - name: first
    tasks:
      - {id: quick, command: "touch $T/quick-ran; echo quick"}
  - name: second
    dependsOn: [first]
    tasks:
      - {id: long, command: "echo \$\$ >$T/long.pid; exec sleep 60"}
  - name: third
    dependsOn: [second]
    tasks:
      - {id: after, command: "touch $T/after-ran"}
YAML

# check_report FILE SIGNAL CODE
check_report() {
	local r=$1
	[ -s "$r" ] || fail "$2: no report"
	grep -q "\"exit\": $3," "$r" || fail "$2: report exit: $(cat "$r")"
	grep -B12 '"task": "quick"' "$r" | grep -q '"status": "ok"' || fail "$2: quick: $(cat "$r")"
	grep -B12 '"task": "long"' "$r" | grep -q '"status": "cancelled"' || fail "$2: long: $(cat "$r")"
	grep -B12 '"task": "long"' "$r" | grep -q "\"reason\": \"interrupted by $2\"" || fail "$2: long reason: $(cat "$r")"
	grep -B12 '"task": "after"' "$r" | grep -q '"status": "skipped"' || fail "$2: after: $(cat "$r")"
	grep -B12 '"task": "after"' "$r" | grep -q '"output": ""' || fail "$2: a skipped task has no empty output"
	[ -e "$T/after-ran" ] && fail "$2: the dependent ran"
	kill -0 "$(cat "$T/long.pid")" 2>/dev/null && fail "$2: the cancelled task survived"
	return 0
}

# Ctrl-C on a terminal.
TM="tmux -L person-$INST -f /dev/null"
$TM new-session -d -s t -x 150 -y 40 \
    "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR $SUP -L $INST -g 1 -w $T/f.yaml --report $T/int.json; echo \"rc=\$?\" >$T/int.rc; exec sleep 600"
wait_until 20 test -s "$T/long.pid" || fail "SIGINT: the long task did not start"
$TM send-keys -t t C-c
wait_until 20 test -s "$T/int.rc" || fail "SIGINT: the supervisor did not exit"
[ "$(cat "$T/int.rc")" = rc=130 ] || fail "SIGINT: $(cat "$T/int.rc"), expected 130"
check_report "$T/int.json" SIGINT 130
$TM capture-pane -p -t t -S -50 >"$T/int.screen"
grep -q "^long .* cancelled .*interrupted by SIGINT" "$T/int.screen" || fail "SIGINT: table: $(cat "$T/int.screen")"
grep -q "^after .* skipped .*interrupted" "$T/int.screen" || fail "SIGINT: table: $(cat "$T/int.screen")"
# stderr is the terminal too: the table comes after the shutdown's lines.
grep -q "shutting down (SIGINT)" "$T/int.screen" || fail "SIGINT: no log on the screen: $(cat "$T/int.screen")"
last=$(grep -v '^rc=\|^$' "$T/int.screen" | tail -n 1)
case $last in
"1 of 3 tasks succeeded"*) ;;
*) fail "SIGINT: lines after the summary: $(tail -n 8 "$T/int.screen")" ;;
esac
$TM kill-server

# SIGTERM, not on a terminal.
rm -f "$T/long.pid"
"$SUP" -L "$INST" -g 1 -w "$T/f.yaml" --report "$T/term.json" >"$T/term.out" 2>"$T/sup.log" &
pid=$!
wait_until 20 test -s "$T/long.pid" || fail "SIGTERM: the long task did not start"
kill -TERM $pid
wait_exit $pid 20
rc=$?
[ $rc = 143 ] || fail "SIGTERM: exit $rc, expected 143"
check_report "$T/term.json" SIGTERM 143
grep -q "^long .* cancelled " "$T/term.out" || fail "SIGTERM: table: $(cat "$T/term.out")"

# A report that cannot be written: refused before anything runs.
rm -f "$T/quick-ran"
for bad in "$T/nodir/r.json" "$T"; do
	"$SUP" -L "$INST" -g 1 -w "$T/f.yaml" --report "$bad" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	[ $rc = 2 ] || fail "--report $bad: exit $rc, expected 2"
	grep -q "^orch-supervisor: --report $bad: " "$T/bad.err" || fail "--report $bad: $(cat "$T/bad.err")"
	[ -e "$T/quick-ran" ] && fail "--report $bad: a task ran"
done
"$SUP" -L "$INST" --report "$T/r.json" >/dev/null 2>"$T/bad.err" && fail "--report without -w"
grep -q "needs -w" "$T/bad.err" || fail "--report without -w: $(cat "$T/bad.err")"

# Writing fails at the end (/dev/full): exit 1, with the reason.
cat >"$T/ok.yaml" <<YAML
stages:
  - name: s
    tasks:
      - {id: t, command: "true"}
YAML
"$SUP" -L "$INST" -g 1 -w "$T/ok.yaml" --report /dev/full >/dev/null 2>"$T/full.err"
rc=$?
[ $rc = 1 ] || fail "--report /dev/full: exit $rc, expected 1"
grep -q "cannot write the report /dev/full: No space left" "$T/full.err" || fail "full: $(cat "$T/full.err")"
# And a good one after a longer one leaves no old bytes behind.
printf '%4096s' x >"$T/old.json"
"$SUP" -L "$INST" -g 1 -w "$T/ok.yaml" --report "$T/old.json" >/dev/null 2>&1 || fail "report over an old file"
tail -c 2 "$T/old.json" | od -c | grep -q '}  *\\n' || fail "old report bytes left: $(tail -c 20 "$T/old.json" | od -c)"
echo ok
