#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints "N passed, N failed[, N skipped]" over one or more JUnit logs of meson
test (one <testcase> per GTest case with the TAP protocol) and exits 1 when
anything failed or a log is missing.

meson's JUnit log does not record a test program that passed all its cases
but then failed (a sanitizer's leak report, a crash at exit, a timeout): the
JSON log beside it does, and each such program counts as one more failure."""
import json
import os
import sys
import xml.etree.ElementTree as ET

BAD = {'FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS'}

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        print('junit-summary: cannot read %s: %s' % (path, error), file=sys.stderr)
        failed += 1
        continue

    suites_with_failures = set()
    for suite in root.iter('testsuite'):
        for case in suite.iter('testcase'):
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
                suites_with_failures.add(suite.get('name', ''))
            elif case.find('skipped') is not None:
                skipped += 1
            else:
                passed += 1

    json_path = path[:-len('.junit.xml')] + '.json' if path.endswith('.junit.xml') else None
    if json_path and os.path.exists(json_path):
        for line in open(json_path, encoding='utf-8'):
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get('result') not in BAD:
                continue
            name = entry.get('name', '')
            if not any(s.endswith(name) for s in suites_with_failures):
                print('junit-summary: %s failed outside its cases (%s)' % (name, entry.get('result')),
                      file=sys.stderr)
                failed += 1

line = '%d passed, %d failed' % (passed, failed)
if skipped:
    line += ', %d skipped' % skipped
print(line)
sys.exit(1 if failed or passed + failed == 0 else 0)
