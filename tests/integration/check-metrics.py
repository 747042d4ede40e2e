#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parses a Prometheus text exposition on stdin with python3-prometheus-client's
parser (what a Prometheus server accepts) and prints the command counters as
"TYPE OUTCOME VALUE" lines, then "families N"."""
import sys

from prometheus_client.parser import text_string_to_metric_families

WANTED = {
    "wangge_http_requests": "counter",
    "wangge_commands": "counter",
    "wangge_login_failures": "counter",
    "wangge_commit_batch_size": "histogram",
    "wangge_commit_duration_seconds": "histogram",
    "wangge_stream_subscribers": "gauge",
    "wangge_journal_head": "gauge",
}

families = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = family
for name, kind in WANTED.items():
    if name not in families or families[name].type != kind:
        sys.exit(f"missing or mistyped: {name} ({kind})")
for sample in families["wangge_commands"].samples:
    if sample.name == "wangge_commands_total":
        print(sample.labels["type"], sample.labels["outcome"], int(sample.value))
print("families", len(families))
