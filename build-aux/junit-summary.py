#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints "N passed, N failed[, N skipped]" over one or more JUnit logs of meson
test (one <testcase> per GTest case with the TAP protocol) and exits 1 when
anything failed or a log is missing.

meson's JUnit log does not record a test program that passed all its cases
but then failed (a sanitizer's leak report, a crash at exit, a timeout): the
JSON log beside it does, and each such program counts as one more failure.

Tests must not vanish quietly:
- `--expect-suite NAME` (repeatable): the suite must have passed cases; a
  suite that was skipped whole (no display, Xvfb failing) or registered no
  case counts as a failure;
- an expected failure (meson's EXPECTEDFAIL) counts as a failure: a known
  bug is an open bug;
- a skipped case counts as a failure unless build-aux/expected-skips.txt
  names it (the skips by design); the skipped cases are listed by name."""
import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

BAD = {'FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS', 'EXPECTEDFAIL'}
HERE = os.path.dirname(os.path.abspath(__file__))

parser = argparse.ArgumentParser()
parser.add_argument('logs', nargs='+')
parser.add_argument('--expect-suite', action='append', default=[])
args = parser.parse_args()

by_design = set()
skips_file = os.path.join(HERE, 'expected-skips.txt')
if os.path.exists(skips_file):
    by_design = {l.strip() for l in open(skips_file, encoding='utf-8')
                 if l.strip() and not l.startswith('#')}


def suites_of(testsuite_name):
    """'wangge.wangge:unit+slow / test-x' -> ({'unit', 'slow'}, 'test-x')."""
    head, _, program = testsuite_name.partition(' / ')
    return set(head.rpartition(':')[2].split('+')), program


TAIL_LINES = 40
tails_printed = 0


def print_tail(log_name, entry):
    """The end of a failed program's output, so that CI's printout (often all
    that is kept of a run) says why: a "Bail out!" line, an assertion, a
    sanitizer's report.  At most five programs, 40 lines each."""
    global tails_printed
    if tails_printed >= 5:
        return
    tails_printed += 1
    text = (entry.get('stdout') or '') + (entry.get('stderr') or '')
    lines = text.rstrip('\n').split('\n')[-TAIL_LINES:]
    print('junit-summary: --- %s, %s (%s, exit %s), its last %d lines:'
          % (log_name, entry.get('name', ''), entry.get('result'), entry.get('returncode'), len(lines)),
          file=sys.stderr)
    for text_line in lines:
        print('junit-summary: | %s' % text_line[:300], file=sys.stderr)


passed = failed = skipped = 0
passed_in = {}
for path in args.logs:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        print('junit-summary: cannot read %s: %s' % (path, error), file=sys.stderr)
        failed += 1
        continue

    suites_with_failures = set()
    for suite in root.iter('testsuite'):
        names, program = suites_of(suite.get('name', ''))
        for case in suite.iter('testcase'):
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
                suites_with_failures.add(suite.get('name', ''))
            elif case.find('skipped') is not None:
                skipped += 1
                # "3 /xyz/name" -> "test-xyz /xyz/name"
                case_name = '%s %s' % (program, case.get('name', '').partition(' ')[2])
                if case_name.strip() in by_design:
                    print('junit-summary: skipped by design: %s' % case_name, file=sys.stderr)
                else:
                    print('junit-summary: skipped, and not a skip by design '
                          '(build-aux/expected-skips.txt): %s' % case_name, file=sys.stderr)
                    failed += 1
            else:
                passed += 1
                for name in names:
                    passed_in[name] = passed_in.get(name, 0) + 1

    json_path = path[:-len('.junit.xml')] + '.json' if path.endswith('.junit.xml') else None
    if json_path and os.path.exists(json_path):
        for line in open(json_path, encoding='utf-8'):
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get('result') not in BAD:
                continue
            name = entry.get('name', '')
            print_tail(os.path.basename(path), entry)
            if not any(s.endswith(name) for s in suites_with_failures):
                print('junit-summary: %s failed outside its cases (%s)' % (name, entry.get('result')),
                      file=sys.stderr)
                failed += 1

for suite in args.expect_suite:
    if not passed_in.get(suite):
        print('junit-summary: the %s suite ran no passing case (skipped whole, no display, '
              'or no case registered)' % suite, file=sys.stderr)
        failed += 1

line = '%d passed, %d failed' % (passed, failed)
if skipped:
    line += ', %d skipped' % skipped
print(line)
sys.exit(1 if failed or passed + failed == 0 else 0)
