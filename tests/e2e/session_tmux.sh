#!/usr/bin/env bash
# session.backend: tmux on real tmux. Each agent is a tmux session on the
# instance's own server (tmux -L orch-INSTANCE): tasks are shown live (in
# orch-attach -r and in the pane itself), a person types through tmux
# directly and through orch-attach, what runs in a pane is its agent (not
# the operator), a kill -9 of the actor makes the session anew, a
# kill-session from outside is a lost session that is restarted, ids and
# text with tmux's special characters inject nothing, and the instance
# leaves no tmux server behind.
. "$(dirname "$0")/lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed"

OT="tmux -L orch-$INST"		# orch's server
TM="tmux -L person-$INST -f /dev/null"	# the person's terminals
mkdir "$T/work"
# A cwd and environment tmux would expand or split, if they reached its parser.
HOSTILE_DIR="$T/work/#(touch $T/pwned-cwd);x"
mkdir -p "$HOSTILE_DIR"
cat >"$T/orch.yaml" <<YAML
agents:
  - id: t1
    session: {backend: tmux, shell: /bin/sh, env: {PS1: "t1\$ "}}
  - id: t.2
    deliver: type
    session:
      backend: tmux
      shell: /bin/bash
      cwd: "$HOSTILE_DIR"
      env: {PS1: "t2\$ ", SEMI: "end;", "FMT": "#{session_name}#(touch $T/pwned-env)"}
    restart: {policy: permanent, max: 5, within: 60}
YAML
start_sup -c "$T/orch.yaml"
wait_status 10 t1 idle
wait_status 10 t.2 idle

# One session per agent, named after it ('.' made '_', as tmux does).
sessions=$($OT list-sessions -F '#{session_name}' | sort | tr '\n' ' ')
[ "$sessions" = "t1 t_2 " ] || fail "tmux sessions: '$sessions'"
screen() { $OT capture-pane -p -J -t "=$1:"; }
screen_has() { screen "$1" | grep -q -- "$2"; }
wait_until 10 screen_has t1 't1\$' || fail "no prompt in t1's pane: $(screen t1)"

# A task's output, live in the pane (tmux's own rendering of it).
out=$("$CTL" -L "$INST" submit --agent t1 --wait -- 'echo task""-out; printf "%s\n" "$ORCH_AGENT_ID"')
[ "$out" = "$(printf 'task-out\nt1')" ] || fail "task output: '$out'"
wait_until 10 screen_has t1 '^task-out' || fail "task not shown in the pane: $(screen t1)"

# The agent's environment and cwd, literally: nothing of them ran or split.
$OT send-keys -t =t_2: 'echo "[$SEMI][$FMT][$PWD][$ORCH_AGENT_ID]"' Enter
want="[end;][#{session_name}#(touch $T/pwned-env)][$HOSTILE_DIR][t.2]"
wait_until 10 screen_has t_2 "^$(printf '%s' "$want" | sed 's/[][\.*^$]/\\&/g')\$" ||
	fail "t.2's environment: $(screen t_2)"
[ -e "$T/pwned-cwd" ] || [ -e "$T/pwned-env" ] && fail "a format was run by tmux"

# Typed text with tmux's separators and formats: it arrives as typed.
# (deliver: type types a message into the session.)
"$CTL" -L "$INST" send t.2 'echo "a;b \; kill-server #{pane_id} #(touch '"$T"'/pwned-msg)"' >/dev/null ||
	fail "send to t.2"
typed() { screen t_2 | grep -qF "[from operator] echo \"a;b \\; kill-server #{pane_id} #(touch $T/pwned-msg)\"'"; }
wait_until 10 typed || fail "typed message not as typed: $(screen t_2)"
[ -e "$T/pwned-msg" ] && fail "typed text was run by tmux"
$OT has-session -t =t1 || fail "the server was killed by typed text"

# A person attaches through orch-attach, and another through tmux itself.
$TM new-session -d -s p -x 100 -y 30 "$ATT -L $INST t1; exec sleep 600"
$TM new-window -d -t p -n direct "$ATT -L $INST --tmux t1; exec sleep 600"
$TM new-window -d -t p -n ro "$ATT -L $INST -r t1; exec sleep 600"
pane() { $TM capture-pane -p -t "$1"; }
pane_has() { pane "$1" | grep -q -- "$2"; }
wait_until 10 pane_has p:0 't1\$' || fail "orch-attach shows no prompt: $(pane p:0)"
wait_until 10 pane_has p:direct 't1\$' || fail "tmux attach shows no prompt: $(pane p:direct)"
$TM send-keys -t p:0 'echo via-orch""-attach' Enter
wait_until 10 pane_has p:ro '^via-orch-attach' || fail "ro client: $(pane p:ro)"
wait_until 10 screen_has t1 '^via-orch-attach' || fail "pane: $(screen t1)"
$TM send-keys -t p:direct 'echo via-tmux""-attach' Enter
wait_until 10 pane_has p:0 '^via-tmux-attach' || fail "orch-attach did not see tmux's client: $(pane p:0)"
"$ATT" -L "$INST" -l | grep -q '^t1 ' || fail "orch-attach -l: $("$ATT" -L "$INST" -l)"

# What runs in a pane is that agent: no operator's powers.
$OT send-keys -t =t1: "orch-ctl shutdown >$T/from-pane.out 2>&1; echo rc=\$? >>$T/from-pane.out" Enter
wait_until 10 grep -q '^rc=' "$T/from-pane.out" || fail "orch-ctl in the pane did not run"
grep -q '^rc=0' "$T/from-pane.out" && fail "a pane's process shut orch down: $(cat "$T/from-pane.out")"
"$CTL" -L "$INST" status >/dev/null || fail "the supervisor is gone"

# A session killed from outside is lost, and restarted by the policy.
$OT kill-session -t =t_2
lost() { grep -q "actor\[t.2\]: stopping: session shell lost" "$T/sup.log"; }
wait_until 10 lost || fail "kill-session not reported as a lost session"
restarted() { [ "$(field_of t.2 5)" = 1 ] && is_status t.2 idle; }
wait_until 15 restarted || fail "t.2 not restarted: $("$CTL" -L "$INST" status)"
$OT has-session -t =t_2 || fail "t.2 has no session after its restart"

# kill -9 of the actor: the session is made anew (a new pane, the old
# program gone), as a pty agent's shell dies with its actor.
old_pane=$($OT display -p -t =t_2: '#{pane_pid}')
kill -9 "$(field_of t.2 4)"
anew() { [ "$(field_of t.2 5)" = 2 ] && is_status t.2 idle; }
wait_until 15 anew || fail "t.2 not restarted after kill -9: $("$CTL" -L "$INST" status)"
new_pane=$($OT display -p -t =t_2: '#{pane_pid}')
[ "$new_pane" != "$old_pane" ] || fail "the old session was adopted"
wait_until 5 sh -c "! kill -0 $old_pane 2>/dev/null" || fail "the old pane's program lives on"
[ "$($OT list-sessions | wc -l)" = 2 ] || fail "sessions: $($OT list-sessions)"

# The exit status of the session's program is the session's.
r1=$(field_of t1 5)
$OT send-keys -t =t1: 'exit 3' Enter
exited() { grep -q "actor\[t1\]: stopping: session shell exited 3" "$T/sup.log"; }
wait_until 10 exited || fail "exit status not seen: $(grep 't1' "$T/sup.log" | tail -5)"
# Restarted (by the default policy): a new session, idle again.
again() { [ "$(field_of t1 5)" -gt "$r1" ] && is_status t1 idle; }
wait_until 10 again || fail "t1 after exit 3: $("$CTL" -L "$INST" status)"

# iTerm2's view: tmux -CC attached to a session holding every agent's
# window (the same windows: what is typed in one shows in the other).
$TM new-window -d -t p -n iterm "$ATT -L $INST --iterm; exec sleep 600"
viewed() { [ "$($OT list-windows -t '=orch+all' -F '#{window_id}' 2>/dev/null | wc -l)" = 2 ]; }
wait_until 10 viewed || fail "iTerm2 view: $($OT list-windows -a)"
cc() { $OT list-clients -F '#{client_session} #{client_control_mode}' | grep -q '^orch+all 1$'; }
wait_until 10 cc || fail "no control-mode client on the view: $($OT list-clients)"
[ "$(field_of t1 5)" = $((r1 + 1)) ] || fail "the view cost t1 its session: $(grep t1 "$T/sup.log" | tail -3)"
"$ATT" -L "$INST" --iterm nosuch 2>"$T/iterm.err" && fail "--iterm of no agent worked"
# orch-ctl windows is the same view.
$TM new-window -d -t p -n windows "$CTL -L $INST windows; exec sleep 600"
cc2() { $OT list-clients -F '#{client_session} #{client_control_mode}' | grep -q '^orch+all 1$' &&
	viewed; }
wait_until 10 cc2 || fail "orch-ctl windows: $($OT list-clients)"
grep -q "no tmux session 'nosuch'" "$T/iterm.err" || fail "--iterm nosuch: $(cat "$T/iterm.err")"

# The whole server killed from outside: every agent's session is lost,
# the supervisor starts a server anew, both agents come back.
r1=$(field_of t1 5) r2=$(field_of t.2 5)
$OT kill-server
back() { [ "$(field_of t1 5)" -gt "$r1" ] && [ "$(field_of t.2 5)" -gt "$r2" ] &&
	is_status t1 idle && is_status t.2 idle; }
wait_until 15 back || fail "after kill-server: $("$CTL" -L "$INST" status)"
[ "$($OT list-sessions -F '#{session_name}' | sort | tr '\n' ' ')" = "t1 t_2 " ] ||
	fail "sessions after kill-server: $($OT list-sessions)"

# The instance's end takes its tmux server with it.
"$CTL" -L "$INST" shutdown >/dev/null
wait_exit "$SUP_PID" 20 >/dev/null || fail "supervisor did not stop"
$OT list-sessions >/dev/null 2>&1 && fail "a tmux server is left: $($OT list-sessions)"
[ -S "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/orch-$INST" ] && fail "the server's socket is left"
echo "ok"
