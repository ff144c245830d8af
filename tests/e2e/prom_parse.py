#!/usr/bin/python3
"""Parse the Prometheus text on stdin with prometheus_client's own parser
(Debian's python3-prometheus-client) and print its samples as JSON:
[{"name", "labels", "value", "type"}]. A text it cannot parse exits 1."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

out = []
try:
    for fam in text_string_to_metric_families(sys.stdin.read()):
        for s in fam.samples:
            out.append({"family": fam.name, "type": fam.type, "name": s.name,
                        "labels": s.labels, "value": s.value})
except Exception as e:  # the parser's own complaint is the finding
    print("unparsable: %s" % e, file=sys.stderr)
    sys.exit(1)
json.dump(out, sys.stdout)
