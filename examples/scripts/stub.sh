#!/bin/sh
# Stands in for a real build, test or deploy step in the examples: says
# what it would do, takes a moment, succeeds.
echo "[$ORCH_AGENT_ID] $*"
sleep 0.2
