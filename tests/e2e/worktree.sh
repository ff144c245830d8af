#!/usr/bin/env bash
# worktree: gives an agent its own git worktree of its cwd's repository:
# made before the session starts (default .orch/worktrees/AGENT on branch
# orch/AGENT from HEAD; an existing branch reused), the cwd of its session
# and tasks (an interactive Claude Code works there), kept across a
# restart, removed when the agent is terminated if it holds no change and
# kept, with a warning naming it, if it does. Not a repository, or a
# branch checked out elsewhere: that agent fails, with git's reason, and
# the others run.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/claude.bash"
command -v git >/dev/null || fail "git is not installed"

R=$T/repo
mkdir -p "$R" "$T/plain"
git -C "$R" init -q -b main && git -C "$R" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init ||
    fail "git init"
git -C "$R" branch feature-x
claude_home "$R/.orch/worktrees/cw"
stand_in '[{"text": "WORKING-IN-THE-TREE"}]'
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: wt1, worktree: true, session: {shell: /bin/sh, cwd: $R}}
  - {id: wt2, worktree: {branch: feature-x, path: $T/wt2}, session: {shell: /bin/sh, cwd: $R}}
  - {id: nogit, worktree: true, session: {shell: /bin/sh, cwd: $T/plain}}
  - {id: taken, worktree: {branch: main}, session: {shell: /bin/sh, cwd: $R}}
  - {id: cw, worktree: true, runner: claude, claude: {mode: interactive}, session: {cwd: $R, env: $(claude_env)}}
YAML
start_sup -c "$T/orch.yaml"
wait_status 20 wt1 idle
wait_status 20 wt2 idle
wait_status 60 cw idle
wait_status 20 nogit error
wait_status 20 taken error
"$ATT" -L "$INST" -i nogit | grep -q "worktree: $T/plain is not in a git repository" ||
    fail "nogit: $("$ATT" -L "$INST" -i nogit | grep last_exit)"
"$ATT" -L "$INST" -i taken | grep -q "worktree: cannot add $R/.orch/worktrees/taken (branch main): .*main" ||
    fail "taken: $("$ATT" -L "$INST" -i taken | grep last_exit)"

[ "$("$CTL" -L "$INST" exec wt1 -- pwd)" = "$R/.orch/worktrees/wt1" ] || fail "wt1's task is not in its worktree"
[ "$(git -C "$R/.orch/worktrees/wt1" rev-parse --abbrev-ref HEAD)" = orch/wt1 ] || fail "wt1's branch"
[ "$("$CTL" -L "$INST" exec wt2 -- pwd)" = "$T/wt2" ] || fail "wt2's path"
[ "$(git -C "$T/wt2" rev-parse --abbrev-ref HEAD)" = feature-x ] || fail "wt2 did not reuse feature-x"
out=$("$CTL" -L "$INST" submit --agent cw --prompt --wait -- "where are you") || fail "cw: $out"
[ "$(requests_with '(.tools | length > 0) and (tostring | test("Primary working directory: '"$R"'/.orch/worktrees/cw"))')" -ge 1 ] ||
    fail "Claude Code did not work in its worktree"

# A restart keeps it, with what it holds.
"$CTL" -L "$INST" exec wt1 -- sh -c 'echo kept >untracked' >/dev/null
"$CTL" -L "$INST" agent restart wt1 >/dev/null || fail "restart"
[ -e "$R/.orch/worktrees/wt1/untracked" ] || fail "a restart lost the worktree"
"$CTL" -L "$INST" exec wt1 -- rm untracked >/dev/null

# Terminated: clean goes, dirty stays (and says so).
"$CTL" -L "$INST" exec wt2 -- sh -c 'echo work >wip.txt' >/dev/null
"$CTL" -L "$INST" agent terminate wt1 >/dev/null || fail "terminate wt1"
"$CTL" -L "$INST" agent terminate wt2 >/dev/null || fail "terminate wt2"
[ ! -e "$R/.orch/worktrees/wt1" ] || fail "a clean worktree was kept"
git -C "$R" worktree list | grep -q "worktrees/wt1" && fail "git still lists wt1's worktree"
[ -e "$T/wt2/wip.txt" ] || fail "a worktree with changes was removed"
grep -q "worktree $T/wt2 has uncommitted changes: kept" "$T/sup.log" || fail "no warning naming the kept worktree"
git -C "$R" rev-parse --verify --quiet refs/heads/orch/wt1 >/dev/null || fail "the branch went with the worktree"
exit 0
