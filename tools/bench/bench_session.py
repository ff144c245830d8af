#!/usr/bin/env python3
"""bench_session: a pty agent and a tmux agent side by side, in one run.

For each it measures, through orch-attach on a pseudo-terminal of ours (a
person's terminal):
  keystroke -> screen:  a key typed into orch-attach until the agent's
                        shell's echo of it is back on our terminal;
  throughput:           a program in the session printing a file of SIZE
                        MB, until its end mark reaches our terminal;
  CPU:                  the actor's and the tmux server's CPU time while
                        that runs.
Beside them, the screen-scraping way: a poller running `tmux capture-pane`
every 100 ms on the tmux agent's pane (its keystroke -> screen latency,
typed with send-keys, and its CPU over the same printing).
usage: bench_session.py BINDIR [KEYS] [SIZE_MB]
"""
import os, pty, select, shutil, subprocess, sys, tempfile, time

bindir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin")
keys = int(sys.argv[2]) if len(sys.argv) > 2 else 200
size_mb = int(sys.argv[3]) if len(sys.argv) > 3 else 32
inst = "bsession%d" % os.getpid()
tmp = tempfile.mkdtemp(prefix="orch-bench-session.")
env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(tmp, "run"),
	   XDG_STATE_HOME=os.path.join(tmp, "state"))
os.mkdir(env["XDG_RUNTIME_DIR"], 0o700)
tmux = ["tmux", "-L", "orch-" + inst]
procs = []

def ctl(*args):
	return subprocess.run([os.path.join(bindir, "orch-ctl"), "-L", inst] +
	    list(args), env=env, capture_output=True, text=True).stdout

def pct(v, p):
	v = sorted(v)
	return v[min(len(v) - 1, int(len(v) * p / 100))]

def cpu(pid):
	"""utime + stime of pid, seconds."""
	with open("/proc/%d/stat" % pid) as f:
		st = f.read().rsplit(")", 1)[1].split()
	return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")

class Term:
	"""orch-attach on a pty of ours: what a person's terminal sees."""
	def __init__(self, agent):
		pid, self.fd = pty.fork()
		if pid == 0:
			os.execve(os.path.join(bindir, "orch-attach"),
			    ["orch-attach", "-L", inst, agent], env)
		self.pid = pid
		procs.append(pid)
		self.seen = b""
	def wait_for(self, mark, limit=60):
		end = time.monotonic() + limit
		while mark not in self.seen:
			left = end - time.monotonic()
			if left <= 0:
				sys.exit("bench_session: %r never shown" % mark)
			r, _, _ = select.select([self.fd], [], [], left)
			if r:
				data = os.read(self.fd, 1 << 16)
				# Keep the tail: a mark may straddle reads.
				self.seen = self.seen[-256:] + data
	def type(self, s):
		os.write(self.fd, s)

def status_pid(agent):
	for line in ctl("status").splitlines():
		f = line.split()
		if f and f[0] == agent and len(f) > 3 and f[2] == "idle":
			return int(f[3])
	return 0

def measure(agent, big):
	t = Term(agent)
	t.wait_for(b"$ ")
	lat = []
	for i in range(keys):
		c = bytes([ord("a") + i % 26])
		t.seen = b""
		t0 = time.monotonic()
		t.type(c)
		t.wait_for(c)
		lat.append((time.monotonic() - t0) * 1e3)
	t.type(b"\x15")		# the line typed away
	actor = status_pid(agent)
	server = int(subprocess.run(tmux + ["display", "-p", "#{pid}"],
	    capture_output=True, text=True).stdout.strip() or 0) \
	    if agent == "tm" else 0
	a0, s0 = cpu(actor), cpu(server) if server else 0
	t.seen = b""
	t0 = time.monotonic()
	t.type(b"cat %s; echo EN''D-MARK\r" % big.encode())
	t.wait_for(b"END-MARK", 300)
	secs = time.monotonic() - t0
	used = (cpu(actor) - a0, (cpu(server) - s0) if server else 0)
	t.type(b"\x1c")		# detach
	return lat, size_mb / secs, used, secs

def poller(big, secs):
	"""capture-pane every 100 ms: its latency and CPU while printing."""
	lat = []
	for i in range(min(keys, 40)):
		c = "q%dz" % i
		t0 = time.monotonic()
		subprocess.run(tmux + ["send-keys", "-t", "=tm:", "-l", c])
		while True:
			time.sleep(0.1)
			out = subprocess.run(tmux + ["capture-pane", "-p", "-t",
			    "=tm:"], capture_output=True, text=True).stdout
			if c in out:
				break
		lat.append((time.monotonic() - t0) * 1e3)
	subprocess.run(tmux + ["send-keys", "-t", "=tm:", "C-u"])
	before = os.times()
	end = time.monotonic() + secs
	while time.monotonic() < end:
		subprocess.run(tmux + ["capture-pane", "-p", "-t", "=tm:"],
		    capture_output=True)
		time.sleep(0.1)
	after = os.times()
	used = (after.children_user - before.children_user +
	    after.children_system - before.children_system)
	return lat, used

try:
	big = os.path.join(tmp, "big.txt")
	with open(big, "wb") as f:
		line = b"x" * 79 + b"\n"
		f.write(line * (size_mb * (1 << 20) // 80))
	cfg = os.path.join(tmp, "orch.yaml")
	with open(cfg, "w") as f:
		f.write("agents:\n"
		    "  - id: pt\n    session: {backend: pty, shell: /bin/sh, "
		    "env: {PS1: '$ '}}\n"
		    "  - id: tm\n    session: {backend: tmux, shell: /bin/sh, "
		    "env: {PS1: '$ '}}\n")
	sup = subprocess.Popen([os.path.join(bindir, "orch-supervisor"), "-L",
	    inst, "-c", cfg], env=env, stderr=subprocess.DEVNULL)
	procs.append(sup.pid)
	end = time.monotonic() + 20
	while not (status_pid("pt") and status_pid("tm")):
		if time.monotonic() > end:
			sys.exit("bench_session: the agents did not start")
		time.sleep(0.05)
	res = {a: measure(a, big) for a in ("pt", "tm")}
	plat, pcpu = poller(big, res["tm"][3])
	print("bench_session: keystroke -> screen (ms, %d keys), printing %d MB "
	    "(MB/s, CPU s)" % (keys, size_mb))
	print("  %-34s %8s %8s %8s %8s %8s" % ("", "p50", "p99", "MB/s",
	    "actor s", "tmux s"))
	for a, name in (("pt", "pty agent (orch-attach)"),
	    ("tm", "tmux agent (orch-attach, -C)")):
		lat, mbs, used, _ = res[a]
		print("  %-34s %8.2f %8.2f %8.1f %8.2f %8.2f" % (name,
		    pct(lat, 50), pct(lat, 99), mbs, used[0], used[1]))
	print("  %-34s %8.2f %8.2f %8s %8.2f %8s" % ("capture-pane every 100 ms",
	    pct(plat, 50), pct(plat, 99), "-", pcpu, "-"))
	print("  ratios: tmux/pty p50 %.2fx, poller/tmux p50 %.1fx; CPU of the "
	    "tmux agent (actor + server) %.2f s for %d MB, of the poller %.2f s "
	    "over the same time" % (pct(res["tm"][0], 50) / pct(res["pt"][0], 50),
	    pct(plat, 50) / pct(res["tm"][0], 50), sum(res["tm"][2]), size_mb,
	    pcpu))
finally:
	for p in procs:
		try:
			os.kill(p, 15)
		except ProcessLookupError:
			pass
	time.sleep(0.5)
	subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)
	shutil.rmtree(tmp, ignore_errors=True)
