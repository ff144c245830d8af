#!/bin/sh
# Layers point one way: a file may include headers of its own layer and of
# the layers below it, never above:
#
#	tools -> supervisor -> actors -> shm -> ipc -> common
#
# and the supervisor's modules (a .c file with its header; agent_watch.c
# belongs to agent) include each other without a cycle.
#
# usage: tools/check-layers.sh [ROOT]     (exit 1 and a line per violation)
root=${1:-.}
cd "$root" || exit 2

rank() {
	case $1 in
	common) echo 0 ;; ipc) echo 1 ;; shm) echo 2 ;; actors) echo 3 ;;
	supervisor) echo 4 ;; tools) echo 5 ;; *) echo -1 ;;
	esac
}

bad=0
files=$(find common ipc shm actors supervisor tools -name '*.[ch]' | sort)
for f in $files; do
	layer=${f%%/*}
	mine=$(rank "$layer")
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	    sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/' |
	    while read -r line inc; do
		dir=${inc%%/*}
		[ "$dir" = "$inc" ] && continue		# "local.h": same dir
		theirs=$(rank "$dir")
		[ "$theirs" -lt 0 ] && continue		# tests/, ...
		if [ "$theirs" -gt "$mine" ]; then
			echo "$f:$line: $layer/ includes $inc, a layer above it"
			echo x >>"${TMPDIR:-/tmp}/check-layers.$$"
		fi
	done
done
[ -s "${TMPDIR:-/tmp}/check-layers.$$" ] && bad=1
rm -f "${TMPDIR:-/tmp}/check-layers.$$"

# The supervisor's module graph: "from to" for each include between two
# different modules. A module is a header's name (without _int), and a .c
# file belongs to the module whose header it includes first when that
# name starts its own (agent_watch.c includes agent.h first: agent).
module_of_c() {
	base=$(basename "$1" .c)
	first=$(grep -m1 '^#include "supervisor/' "$1" |
	    sed 's|.*"supervisor/\([^"]*\)\.h".*|\1|')
	case $base in
	"$first"|"$first"_*) echo "$first" ;;
	*) echo "$base" ;;
	esac
}
edges=$(for f in supervisor/*.c supervisor/*.h; do
	case $f in
	*.c) from=$(module_of_c "$f") ;;
	*) from=$(basename "$f" .h); from=${from%_int} ;;
	esac
	grep '^#include "supervisor/' "$f" |
	    sed 's|.*"supervisor/\([^"]*\)\.h".*|\1|' |
	    while read -r to; do
		to=${to%_int}
		[ "$to" != "$from" ] && echo "$from $to"
	done
done | sort -u)

# Depth-first search for a cycle; prints each one found once.
cycles=$(echo "$edges" | awk '
	NF == 2 { out[$1] = out[$1] " " $2; node[$1]; node[$2] }
	function visit(n, path,    i, k, m, list) {
		state[n] = 1
		stack[++sp] = n
		k = split(out[n], list, " ")
		for (i = 1; i <= k; i++) {
			m = list[i]
			if (state[m] == 1) {
				line = m
				for (j = sp; j >= 1 && stack[j] != m; j--)
					line = stack[j] " -> " line
				print m " -> " line
			} else if (state[m] == 0)
				visit(m)
		}
		sp--
		state[n] = 2
	}
	END { for (n in node) if (state[n] == 0) visit(n) }')
if [ -n "$cycles" ]; then
	echo "$cycles" | sed 's/^/supervisor: include cycle: /'
	bad=1
fi
[ "$bad" = 0 ] && echo "check-layers: $(echo "$files" | wc -l) files, layers point one way; supervisor modules form no cycle"
exit $bad
