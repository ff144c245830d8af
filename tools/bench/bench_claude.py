#!/usr/bin/env python3
"""bench_claude: how fast orch knows what an interactive Claude Code does.

The real Claude Code TUI runs in an orch agent against the API stand-in
(tests/fakes/anthropic.mjs). For N prompts it measures, in one run:
  Stop -> done:       from Claude Code firing its Stop hook to orch's bus
                      saying the task completed;
  held -> waiting:    from Claude Code firing PreToolUse for a Bash rm (a
                      tier-2 agent) to orch's bus saying the agent waits;
beside a screen-polling detector as claude-squad has it: capture the
session's screen every 500 ms (tmux capture-pane of an orch-attach -r
window), hash it, call the task done once the answer shows and the hash
did not change, and waiting once the hook shows on the screen.
The hook times come from a wrapper of orch-ctl that notes when Claude Code
ran it; every time is the same clock (CLOCK_REALTIME, ns).
usage: bench_claude.py BINDIR [N]
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile, threading, time

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.normpath(os.path.join(here, "..", ".."))
bindir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
claude = os.path.join(top, "tests/mcp/node_modules/.bin/claude")
if not os.access(claude, os.X_OK):
	sys.exit("bench_claude: Claude Code is not installed (make deps)")

tmp = tempfile.mkdtemp(prefix="orch-bench-claude.")
procs = []
def cleanup():
	for p in procs:
		p.kill()
	subprocess.run(["tmux", "-L", "orch-bclaude", "kill-server"], stderr=subprocess.DEVNULL)
	shutil.rmtree(tmp, ignore_errors=True)

try:
	bin2 = os.path.join(tmp, "bin")
	os.mkdir(bin2)
	for b in ("orch-supervisor", "orch-actor", "orch-attach"):
		shutil.copy2(os.path.join(bindir, b), bin2)
	hooks = os.path.join(tmp, "hooks.log")
	with open(os.path.join(bin2, "orch-ctl"), "w") as f:
		f.write('#!/bin/sh\n[ "$1" = hook ] && echo "$(date +%%s%%N) $*" >>%s\nexec %s "$@"\n' %
		    (hooks, os.path.join(bindir, "orch-ctl")))
	os.chmod(os.path.join(bin2, "orch-ctl"), 0o755)
	env = dict(os.environ, XDG_RUNTIME_DIR=tmp, XDG_STATE_HOME=os.path.join(tmp, "state"),
	    ORCH_CLAUDE=claude, HOME=os.path.join(tmp, "home"))
	work = os.path.join(tmp, "w")
	os.makedirs(work)
	os.makedirs(env["HOME"])
	key = "sk-test-orch-0123456789abcdef"
	with open(os.path.join(env["HOME"], ".claude.json"), "w") as f:
		json.dump({"hasCompletedOnboarding": True, "customApiKeyResponses":
		    {"approved": [key[-20:]], "rejected": []},
		    "projects": {work: {"hasTrustDialogAccepted": True}}}, f)
	script = [{"text": "ready"},
	    {"when": "\\brm\\d+$", "tool": "Bash", "input": {"command": "rm victim", "description": "x"}},
	    {"when": "denied by", "text": "refused"},
	    {"when": "\\bq\\d+$", "text": "answer to ", "echo": True}]
	with open(os.path.join(tmp, "script.json"), "w") as f:
		json.dump(script, f)
	api = subprocess.Popen(["node", os.path.join(top, "tests/fakes/anthropic.mjs"),
	    os.path.join(tmp, "script.json"), os.path.join(tmp, "requests.jsonl"),
	    os.path.join(tmp, "port")])
	procs.append(api)
	while not os.path.exists(os.path.join(tmp, "port")) or not open(os.path.join(tmp, "port")).read():
		time.sleep(0.01)
	port = open(os.path.join(tmp, "port")).read()
	with open(os.path.join(tmp, "orch.yaml"), "w") as f:
		f.write("agents:\n  - {id: cc, tier: 2, runner: claude, claude: {mode: interactive}, "
		    "session: {cwd: %s, env: {HOME: %s, ANTHROPIC_BASE_URL: 'http://127.0.0.1:%s', "
		    "ANTHROPIC_API_KEY: %s}}}\n" % (work, env["HOME"], port, key))
	ctl = [os.path.join(bindir, "orch-ctl"), "-L", "bclaude"]
	sup = subprocess.Popen([os.path.join(bin2, "orch-supervisor"), "-L", "bclaude", "-c",
	    os.path.join(tmp, "orch.yaml")], env=env, stderr=open(os.path.join(tmp, "sup.log"), "w"))
	procs.append(sup)
	def idle():
		out = subprocess.run(ctl + ["status"], env=env, capture_output=True, text=True).stdout
		return any(l.split()[:1] == ["cc"] and l.split()[2] == "idle" for l in out.splitlines())
	deadline = time.time() + 90
	while not idle():
		if time.time() > deadline:
			sys.exit("bench_claude: the agent did not come up: " + open(os.path.join(tmp, "sup.log")).read()[-800:])
		time.sleep(0.05)

	# orch's view: the bus, as it happens.
	bus = {"done": {}, "waiting": []}
	ev = subprocess.Popen(ctl + ["events", "--follow", "--json"], env=env,
	    stdout=subprocess.PIPE, text=True)
	procs.append(ev)
	def follow():
		for line in ev.stdout:
			t = time.time_ns()
			try:
				e = json.loads(line)
			except ValueError:
				continue
			if e.get("type") == "task.completed":
				bus["done"][e.get("payload", {}).get("task", "")] = t
			elif e.get("type") == "agent.waiting":
				bus["waiting"].append(t)
	threading.Thread(target=follow, daemon=True).start()

	# The screen poller's view: orch-attach -r in tmux, every 500 ms.
	tm = ["tmux", "-L", "orch-bclaude", "-f", "/dev/null"]
	subprocess.run(tm + ["new-session", "-d", "-s", "p", "-x", "120", "-y", "40",
	    "%s -L bclaude -r cc; sleep 3600" % os.path.join(bin2, "orch-attach")], env=env, check=True)
	poll = {"want": None, "seen": None, "last": None}
	def poller():
		while True:
			time.sleep(0.5)
			shot = subprocess.run(tm + ["capture-pane", "-p", "-t", "p"], capture_output=True,
			    text=True).stdout
			h = hashlib.sha1(shot.encode()).hexdigest()
			want = poll["want"]
			if want is not None and poll["seen"] is None:
				kind, text = want
				if kind == "done" and text in shot and h == poll["last"]:
					poll["seen"] = time.time_ns()
				elif kind == "waiting" and text in shot:
					poll["seen"] = time.time_ns()
			poll["last"] = h
	threading.Thread(target=poller, daemon=True).start()

	def hook_time(event, after):
		"""The first time Claude Code ran hook EVENT after ns `after`."""
		if not os.path.exists(hooks):
			return None
		for line in open(hooks):
			parts = line.split()
			if len(parts) >= 2 and parts[-1] == event and int(parts[0]) > after:
				return int(parts[0])
		return None

	def wait_for(cond, limit=30):
		end = time.time() + limit
		while not cond():
			if time.time() > end:
				return False
			time.sleep(0.005)
		return True

	stop_orch, stop_poll, wait_orch, wait_poll = [], [], [], []
	for i in range(1, n + 1):
		# A prompt to its answer.
		t0 = time.time_ns()
		poll["want"], poll["seen"] = ("done", "answer to q%d" % i), None
		r = subprocess.run(ctl + ["submit", "--agent", "cc", "--id", "q%d" % i, "--prompt", "--wait",
		    "--", "q%d" % i], env=env, capture_output=True, text=True)
		if r.returncode != 0:
			sys.exit("bench_claude: prompt %d: %s" % (i, r.stderr))
		wait_for(lambda: any(k.endswith(":q%d" % i) for k in bus["done"]), 5)
		wait_for(lambda: poll["seen"] is not None, 10)
		stop = hook_time("Stop", t0)
		done = next((v for k, v in bus["done"].items() if k.endswith(":q%d" % i)), None)
		if stop and done and poll["seen"]:
			stop_orch.append(done - stop)
			stop_poll.append(poll["seen"] - stop)
		# A Bash rm held for a person.
		t0 = time.time_ns()
		nwait = len(bus["waiting"])
		poll["want"], poll["seen"] = ("waiting", "running PreToolUse hook"), None
		sub = subprocess.Popen(ctl + ["submit", "--agent", "cc", "--id", "rm%d" % i, "--prompt", "--wait",
		    "--", "rm%d" % i], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		wait_for(lambda: len(bus["waiting"]) > nwait, 20)
		wait_for(lambda: poll["seen"] is not None, 10)
		held = hook_time("PreToolUse", t0)
		if held and len(bus["waiting"]) > nwait and poll["seen"]:
			wait_orch.append(bus["waiting"][nwait] - held)
			wait_poll.append(poll["seen"] - held)
		tasks = subprocess.run(ctl + ["tasks", "--json"], env=env, capture_output=True, text=True).stdout
		name = next(t["task"] for t in json.loads(tasks)["tasks"] if t["task"].endswith(":rm%d" % i))
		subprocess.run(ctl + ["deny", name], env=env, stdout=subprocess.DEVNULL)
		sub.wait(timeout=30)

	def pct(v, p):
		v = sorted(v)
		return v[min(len(v) - 1, int(len(v) * p))] / 1e6 if v else float("nan")
	print("bench_claude: %d prompts and %d held tool calls, the real Claude Code %s" %
	    (len(stop_orch), len(wait_orch), subprocess.run([claude, "--version"], capture_output=True,
	    text=True).stdout.split()[0]))
	print("%-22s %12s %12s %12s %12s %8s" % ("", "orch p50", "orch p99", "poll p50", "poll p99", "ratio"))
	for name, o, p in (("Stop -> done", stop_orch, stop_poll), ("held -> waiting", wait_orch, wait_poll)):
		print("%-22s %9.1f ms %9.1f ms %9.1f ms %9.1f ms %7.1fx" % (name, pct(o, 0.5), pct(o, 0.99),
		    pct(p, 0.5), pct(p, 0.99), pct(p, 0.5) / pct(o, 0.5)))
finally:
	cleanup()
