#!/usr/bin/env bash
# `make run`: a guided tour of the orch ipc layer with two real processes.
set -eu
bin=${1:-build/bin}
dir=$(mktemp -d /tmp/orch-demo.XXXXXX)
sock=$dir/demo.sock
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "start a server on $sock"
"$bin/orch-ipc-demo" serve "$sock" &
server=$!
# Ready means answering, not merely having created its socket file.
ready=""
for _ in $(seq 250); do
	"$bin/orch-ipc-demo" call "$sock" -o ping >/dev/null 2>&1 && { ready=1; break; }
	sleep 0.02
done
[ -n "$ready" ] || { echo "server did not start" >&2; exit 1; }

step "10,000 echo requests with 64-byte bodies, 64 in flight"
"$bin/orch-ipc-demo" call "$sock" -n 10000 -s 64

step "100 echo requests with 256 KiB bodies (LZ4-compressed on the wire)"
"$bin/orch-ipc-demo" call "$sock" -n 100 -s 262144

step "a hostile frame: an array header claiming 2^28 elements in 5 bytes"
"$bin/orch-ipc-demo" raw "$sock" "00000005 dd10000000"

step "a request the server never answers, with a 200 ms deadline"
"$bin/orch-ipc-demo" call "$sock" -o hang -t 200 || true

step "the server is still serving everyone else"
"$bin/orch-ipc-demo" call "$sock" -o ping -n 3

step "stop the server (SIGTERM): it removes its socket"
kill "$server"
wait "$server" || true
server=""
[ -e "$sock" ] && echo "socket left behind" || echo "socket removed"
