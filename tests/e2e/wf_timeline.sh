#!/usr/bin/env bash
# orch-supervisor -w --timeline F: the run's tasks as an SVG Gantt chart,
# a row per agent, a bar per task that began, from the start of its last
# attempt to its end: read back as XML and checked against the report
# (bars as long as the tasks took, a dependent after what it waits for,
# none for a task skipped). Without -w, or with a file that cannot be
# written, it is refused before anything runs.
. "$(dirname "$0")/lib.bash"

cat >"$T/orch.yaml" <<'YAML'
agents:
  - {id: w1}
  - {id: w2}
YAML
cat >"$T/wf.yaml" <<'YAML'
name: drawn
stages:
  - name: first
    parallel: true
    tasks:
      - {id: slow, agent: w1, command: "sleep 0.4"}
      - {id: bad, agent: w2, command: "sleep 0.1; exit 3"}
  - name: second
    tasks:
      - {id: after, agent: w2, command: "sleep 0.2", dependsOn: [slow]}
      - {id: never, command: "true", dependsOn: [bad]}
YAML
"$SUP" -L "$INST" -c "$T/orch.yaml" --timeline "$T/t.svg" >"$T/err" 2>&1 &&
	fail "--timeline without -w ran"
grep -q -- "--timeline needs -w" "$T/err" || fail "no word of -w: $(cat "$T/err")"
mkdir "$T/adir"
"$SUP" -L "$INST" -c "$T/orch.yaml" -w "$T/wf.yaml" --timeline "$T/adir" >"$T/err" 2>&1 &&
	fail "--timeline to a directory ran"
grep -q -- "--timeline $T/adir: Is a directory" "$T/err" || fail "unwritable timeline: $(cat "$T/err")"
grep -q "started on" "$T/err" && fail "tasks ran before the timeline was known unwritable"

"$SUP" -L "$INST" -g 1 -c "$T/orch.yaml" -w "$T/wf.yaml" --report "$T/r.json" \
    --timeline "$T/t.svg" >"$T/out" 2>&1 && fail "a failing run exited 0"
[ -s "$T/t.svg" ] || fail "no timeline: $(tail -5 "$T/out")"
/usr/bin/python3 - "$T/t.svg" "$T/r.json" <<'PY' || fail "timeline: $(cat "$T/t.svg")"
import json, sys
import xml.etree.ElementTree as ET

ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
report = {t["task"]: t for t in json.load(open(sys.argv[2]))["tasks"]}
bars = {g.get("data-task"): g for g in root.iter("{http://www.w3.org/2000/svg}g")}
def fail(why):
    sys.exit("timeline: " + why)
if set(bars) != {"slow", "bad", "after"}:
    fail("bars for %s" % sorted(bars))
if any(t.text == "w1" for t in root.iter("{http://www.w3.org/2000/svg}text")) is False:
    fail("no row for w1")
start = {k: int(g.get("data-start-ms")) for k, g in bars.items()}
end = {k: int(g.get("data-end-ms")) for k, g in bars.items()}
span = max(end.values()) - min(start.values())
for k, g in bars.items():
    r = g.find("s:rect", ns)
    want = (end[k] - start[k]) / span * 960
    if abs(float(r.get("width")) - max(want, 1)) > 0.05:
        fail("%s: width %s, not %.2f" % (k, r.get("width"), want))
    took = report[k]["duration_s"] * 1000
    if abs((end[k] - start[k]) - took) > 60:
        fail("%s: %d ms on the chart, %.0f ms in the report" % (k, end[k] - start[k], took))
    if g.get("data-agent") != report[k]["agent"] or g.get("data-status") != report[k]["status"]:
        fail("%s: %s/%s, report %s/%s" % (k, g.get("data-agent"), g.get("data-status"),
             report[k]["agent"], report[k]["status"]))
    if k not in g.find("s:title", ns).text:
        fail("%s: tooltip %r" % (k, g.find("s:title", ns).text))
if start["after"] < end["slow"]:
    fail("after began at %d, before slow ended at %d" % (start["after"], end["slow"]))
if report["never"]["status"] != "skipped":
    fail("never: %s" % report["never"]["status"])
PY
echo ok
