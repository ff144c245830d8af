#!/usr/bin/env bash
# A session is ready when its shell is: the default shells start without
# the user's rc files (a slow ~/.bashrc no longer eats what is typed while
# the agent is shown idle); session: {rc: true} asks for them.
. "$(dirname "$0")/lib.bash"
command -v bash >/dev/null || fail "bash is not installed"
command -v tmux >/dev/null || fail "tmux is not installed"

mkdir -p "$T/home"
cat >"$T/home/.bashrc" <<'RC'
sleep 4
echo RC-WAS-READ
RC
cp "$T/home/.bashrc" "$T/home/.bash_profile"
cat >"$T/orch.yaml" <<'YAML'
agents:
  - id: plain
    session: {shell: /bin/bash, env: {PS1: "plain$ "}}
  - id: withrc
    session: {shell: /bin/bash, rc: true}
YAML
HOME=$T/home start_sup -c "$T/orch.yaml"
wait_status 10 plain idle
t0=$(date +%s%N)
TM="tmux -L person-$INST -f /dev/null"
$TM new-session -d -s t -x 100 -y 30 "$ATT -L $INST plain; exec sleep 600"
$TM send-keys -t t 'echo typed-""now' Enter
seen() { $TM capture-pane -p -t t | grep -q '^typed-now'; }
wait_until 10 seen || fail "typed input went nowhere: $($TM capture-pane -p -t t)"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 3500 ] || fail "typed input answered after $ms ms (the rc file ran?)"
$TM capture-pane -p -t t | grep -q RC-WAS-READ && fail "plain read the rc file"
# Asked for: the rc file runs.
wait_status 10 withrc idle
rcread() { "$ATT" -L "$INST" -i withrc | grep -q RC-WAS-READ; }
wait_until 15 rcread || fail "rc: true did not read ~/.bashrc: $("$ATT" -L "$INST" -i withrc | tail -5)"
$TM kill-server
echo ok
