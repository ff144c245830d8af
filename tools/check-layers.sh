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

bad=0
files=$(find common ipc shm actors supervisor tools -name '*.[ch]' | sort)
# One pass over every file: an include "dir/x.h" of a layer above the file's.
up=$(awk '
	BEGIN {
		n = split("common ipc shm actors supervisor tools", names, " ")
		for (i = 1; i <= n; i++)
			rank[names[i]] = i
	}
	FNR == 1 { layer = FILENAME; sub(/\/.*/, "", layer); mine = rank[layer] }
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		if (index(inc, "/") == 0)
			next			# "local.h": same dir
		dir = inc; sub(/\/.*/, "", dir)
		if (!(dir in rank))
			next			# tests/, ...
		if (rank[dir] > mine)
			printf "%s:%d: %s/ includes %s, a layer above it\n",
			    FILENAME, FNR, layer, inc
	}' $files)
if [ -n "$up" ]; then
	echo "$up"
	bad=1
fi

# The supervisor's module graph: "from to" for each include between two
# different modules. A module is a header's name (without _int), and a .c
# file belongs to the module whose header it includes first when that
# name starts its own (agent_watch.c includes agent.h first: agent).
edges=$(awk '
	function flush(    base, from, i) {
		if (file == "")
			return
		base = file; sub(/^.*\//, "", base)
		if (base ~ /\.c$/) {
			sub(/\.c$/, "", base)
			from = base
			if (n > 0 && (base == inc[1] || index(base, inc[1] "_") == 1))
				from = inc[1]
		} else {
			sub(/\.h$/, "", base); sub(/_int$/, "", base)
			from = base
		}
		for (i = 1; i <= n; i++) {
			to = inc[i]; sub(/_int$/, "", to)
			if (to != from)
				print from, to
		}
	}
	FNR == 1 { flush(); file = FILENAME; n = 0 }
	/^#include "supervisor\// {
		x = $0; sub(/^[^"]*"supervisor\//, "", x); sub(/\.h".*/, "", x)
		inc[++n] = x
	}
	END { flush() }' supervisor/*.c supervisor/*.h | sort -u)

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
