#!/usr/bin/env bash
# The gateway's web dashboard from the outside with curl: / is one page
# that asks nothing of any other host, carrying its own token; /events
# streams the snapshot (the one of orch-ctl status) twice a second, as
# many watchers as come and go; a held task is approved and another
# denied by POSTing as the page does, and refused without the page's
# token, from another origin (even on this machine), or as anything but
# JSON; a POST from an agent's session is that agent's, with its
# permissions. With mcp.token the page is reached with ?token=.
. "$(dirname "$0")/lib.bash"
portable && skip "the portable build cannot tell which process dials a TCP port (no /proc/net/tcp): the agent's POST would be the operator's"
command -v curl >/dev/null || fail "curl is not installed"

port=$(free_port)
cat >"$T/orch.yaml" <<YAML
agents:
  - {id: mcp, type: gateway}
  - {id: w1}
  - {id: w2}
  - {id: w3}
mcp: {http: $port, token: pa55}
YAML
start_sup -c "$T/orch.yaml"
for a in mcp w1 w2 w3; do wait_status 10 $a idle; done
U=http://127.0.0.1:$port
Q="?token=pa55"
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }

# The page: behind the token, self-contained, with its own token.
[ "$(code "$U/")" = 401 ] || fail "the page without the token"
[ "$(code -D "$T/hdr" "$U/$Q")" = 200 ] || fail "GET /: $(cat "$T/body")"
grep -qi '^content-type: text/html' "$T/hdr" || fail "page type: $(cat "$T/hdr")"
page_token=$(grep -o 'name="orch-token" content="[0-9a-f]\{32\}"' "$T/body" | cut -d'"' -f4)
[ -n "$page_token" ] || fail "no page token in the page"
# Nothing fetched from elsewhere: the only URL in it is SVG's namespace.
urls=$(grep -Eo "(https?:)?//[A-Za-z0-9.-]+" "$T/body" | sort -u | grep -v '^http://www.w3.org$' || true)
[ -z "$urls" ] || fail "the page names other hosts: $urls"
grep -q "connect-src 'self'" "$T/body" || fail "no content security policy"

# Two held tasks, and the stream shows them.
"$CTL" -L "$INST" submit --approval --agent w1 --id yes -- "touch $T/approved" >/dev/null || fail "submit"
"$CTL" -L "$INST" submit --approval --agent w2 --id no -- "touch $T/denied" >/dev/null || fail "submit"
wait_status 10 w1 waiting
wait_status 10 w2 waiting
curl -s -N --max-time 1.3 "$U/events$Q" >"$T/sse" || true
n=$(grep -c '^event: snapshot$' "$T/sse")
[ "$n" -ge 2 ] || fail "$n snapshots in 1.3 s: $(head -c 300 "$T/sse")"
grep '^data: ' "$T/sse" | tail -1 | sed 's/^data: //' >"$T/snap.json"
jq -e '([.tasks[] | select(.status == "waiting")] | length == 2) and
	(.agents | length == 4) and (.metrics.approvalsWaiting == 2) and (.sessions | length == 4)' \
    "$T/snap.json" >/dev/null || fail "stream's snapshot: $(head -c 600 "$T/snap.json")"

# Watchers come and go, 60 in all, 20 at a time (32 may watch at once):
# each stream ends with its reader.
for round in 1 2 3; do
	watchers=""
	for i in $(seq 20); do curl -s -N --max-time 0.4 "$U/events$Q" >/dev/null & watchers="$watchers $!"; done
	for p in $watchers; do wait "$p"; done
done
curl -s -N --max-time 1 "$U/events$Q" >"$T/sse2" || true
grep -q '^event: snapshot$' "$T/sse2" || fail "no stream after 60 watchers left: $(head -c 200 "$T/sse2")"

post() {	# post VERB BODY [CURL ARGS]: status, body in $T/body
	local verb=$1 body=$2
	shift 2
	code -X POST -H "Content-Type: application/json" "$@" --data-binary "$body" "$U/api/$verb$Q"
}
OURS="Origin: http://127.0.0.1:$port"
[ "$(post approve '{"task":"1:yes"}' -H "$OURS")" = 403 ] || fail "approve without the page token: $(cat "$T/body")"
[ "$(post approve '{"task":"1:yes"}' -H "X-Orch-Token: $page_token" -H "Origin: http://localhost:1")" = 403 ] ||
	fail "approve from another origin on this machine"
[ "$(post approve '{"task":"1:yes"}' -H "X-Orch-Token: $page_token" -H "Origin: https://evil.example")" = 403 ] ||
	fail "approve from a foreign origin"
[ "$(post approve '{"task":"1:yes"}' -H "X-Orch-Token: 0$page_token" -H "$OURS")" = 403 ] || fail "a wrong page token"
[ "$(code -X POST -H "X-Orch-Token: $page_token" -H "$OURS" -H "Content-Type: text/plain" --data-binary '{"task":"1:yes"}' "$U/api/approve$Q")" = 400 ] ||
	fail "approve as text/plain"
[ "$(post approve '{"task":"1:yes","x":1}' -H "X-Orch-Token: $page_token" -H "$OURS")" = 400 ] || fail "extra keys"
[ "$(post approve 'not json' -H "X-Orch-Token: $page_token" -H "$OURS")" = 400 ] || fail "not JSON"
[ "$(code "$U/api/approve$Q")" = 405 ] || fail "GET /api/approve"
[ -e "$T/approved" ] && fail "a refused approval ran the task"
[ "$(status_of w1)" = waiting ] || fail "w1 no longer waits: $(status_of w1)"

# An agent's own process is that agent: it may not approve (no
# agent:control), whatever token it found.
"$CTL" -L "$INST" exec w3 -- curl -s -X POST -H "Content-Type: application/json" -H "X-Orch-Token: $page_token" \
    --data-binary '{"task":"1:yes"}' "$U/api/approve$Q" >"$T/agent.out" || true
grep -q '"ok":false' "$T/agent.out" || fail "an agent approved through the page: $(cat "$T/agent.out")"
[ -e "$T/approved" ] && fail "the agent's approval ran the task"

# As the page does it: approve one, deny the other.
[ "$(post approve '{"task":"1:yes"}' -H "X-Orch-Token: $page_token" -H "$OURS")" = 200 ] || fail "approve: $(cat "$T/body")"
jq -e '.ok == true' "$T/body" >/dev/null || fail "approve said $(cat "$T/body")"
wait_until 10 test -e "$T/approved" || fail "approved task did not run"
[ "$(post approve '{"task":"1:yes"}' -H "X-Orch-Token: $page_token" -H "$OURS")" = 409 ] || fail "approve twice"
jq -e '.ok == false and (.error | test("not waiting"))' "$T/body" >/dev/null || fail "second approve said $(cat "$T/body")"
[ "$(post deny '{"task":"2:no"}' -H "X-Orch-Token: $page_token" -H "$OURS")" = 200 ] || fail "deny: $(cat "$T/body")"
wait_status 10 w2 idle
[ -e "$T/denied" ] && fail "denied task ran"
"$CTL" -L "$INST" status >/dev/null || fail "the supervisor after all this"
echo ok
