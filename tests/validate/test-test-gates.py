#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's test command must not pass when tests vanish: a ui suite
that skipped whole or registered nothing, an expected failure, a skip that is
not by design, a stale DISPLAY.  Drives build-aux/junit-summary.py and
build-aux/display-usable.py on made-up logs and displays.  Prints TAP."""
import json
import os
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUMMARY = os.path.join(ROOT, 'build-aux', 'junit-summary.py')
DISPLAY = os.path.join(ROOT, 'build-aux', 'display-usable.py')
results = []


def case(name, ok, detail=''):
    results.append((name, ok, detail))


def logs(tmp, suites, json_results=()):
    """suites: {"wangge:ui / test-x": [("1 /x/a", None|"skipped"|"failure")]}."""
    junit = os.path.join(tmp, 'log.junit.xml')
    with open(junit, 'w', encoding='utf-8') as f:
        f.write('<testsuites>')
        for name, cases in suites.items():
            f.write('<testsuite name="wangge.%s" tests="%d">' % (name, len(cases)))
            for case_name, outcome in cases:
                f.write('<testcase name="%s" classname="wangge.%s">' % (case_name, name))
                if outcome:
                    f.write('<%s/>' % outcome)
                f.write('</testcase>')
            f.write('</testsuite>')
        f.write('</testsuites>')
    with open(os.path.join(tmp, 'log.json'), 'w', encoding='utf-8') as f:
        for name, result in json_results:
            f.write(json.dumps({'name': name, 'result': result}) + '\n')
    return junit


def summary(junit, *extra):
    r = subprocess.run([sys.executable, SUMMARY, *extra, junit], capture_output=True, text=True)
    return r.returncode, r.stdout.strip(), r.stderr


with tempfile.TemporaryDirectory() as tmp:
    good = {'wangge:unit / test-a': [('1 /a/one', None)], 'wangge:ui / test-w': [('1 /w/one', None)]}
    code, line, _ = summary(logs(tmp, good), '--expect-suite', 'ui')
    case('a clean run passes', code == 0 and line == '2 passed, 0 failed', line)

    no_ui = {'wangge:unit / test-a': [('1 /a/one', None)]}
    code, line, err = summary(logs(tmp, no_ui), '--expect-suite', 'ui')
    case('a run without the ui suite fails when ui is expected', code == 1 and 'ui suite' in err, line)

    skipped_ui = {'wangge:unit / test-a': [('1 /a/one', None)],
                  'wangge:ui / test-w': [('1 /w/one', 'skipped'), ('2 /w/two', 'skipped')]}
    code, line, err = summary(logs(tmp, skipped_ui), '--expect-suite', 'ui')
    case('a ui suite that skipped whole (no display) fails', code == 1 and 'not a skip by design' in err, line)

    code, line, err = summary(logs(tmp, good, [('wangge:unit / test-b', 'EXPECTEDFAIL')]))
    case('an expected failure fails the run', code == 1 and 'EXPECTEDFAIL' in err, line)

    one_skip = dict(good, **{'wangge:unit / test-c': [('1 /c/one', 'skipped')]})
    code, line, err = summary(logs(tmp, one_skip))
    case('a skip not listed by design fails and is named',
         code == 1 and 'test-c /c/one' in err and line.endswith('1 skipped'), line)

    code, line, _ = summary(os.path.join(tmp, 'missing.junit.xml'))
    case('a missing log (the runner never started) fails', code == 1, line)

env = dict(os.environ)
env.pop('DISPLAY', None)
r = subprocess.run([sys.executable, DISPLAY], env=env)
case('no DISPLAY is no display', r.returncode == 1)

listener = socket.socket()
listener.bind(('127.0.0.1', 0))
listener.listen(1)
number = listener.getsockname()[1] - 6000
r = subprocess.run([sys.executable, DISPLAY], env=dict(env, DISPLAY='127.0.0.1:%d' % number))
case('a display that answers is usable', r.returncode == 0)
listener.close()
r = subprocess.run([sys.executable, DISPLAY], env=dict(env, DISPLAY='127.0.0.1:%d' % number))
case('a stale DISPLAY (nothing answers) is not usable', r.returncode == 1)
r = subprocess.run([sys.executable, DISPLAY], env=dict(env, DISPLAY=':%d' % 4999))
case('a stale local DISPLAY is not usable', r.returncode == 1)

print('1..%d' % len(results))
for i, (name, ok, detail) in enumerate(results, 1):
    print('%s %d - %s%s' % ('ok' if ok else 'not ok', i, name, '' if ok else ' # ' + detail))
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
