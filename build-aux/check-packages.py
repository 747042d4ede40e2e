#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that build-aux/debian-packages.txt names every Debian package the
build, the tests and CI use, so that a bare Debian 12 gets it all from the
README's commands.  A package counts as named when it is listed or when a
listed package depends on it (Depends and Pre-Depends, recursively: what is
only recommended is not installed by install-deps.sh), or when it is
essential.  Prints TAP.

What is checked: the pkg-config files of every dependency meson found for
BUILD_DIR, the programs the tests and CI scripts run, and the sanitizer and
fuzzer runtimes of clang (libclang-rt-14-dev is only recommended by clang:
a bare machine lacked it and CI's fuzz stage failed to link).

Usage: check-packages.py BUILD_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Programs run by build-aux/*.sh, .ci/run, the tests and the benchmarks.
PROGRAMS = ['meson', 'ninja', 'cc', 'pkg-config', 'python3', 'msgfmt', 'xgettext',
            'xvfb-run', 'Xvfb', 'xauth', 'desktop-file-validate', 'appstream-util',
            'glib-compile-schemas', 'glib-compile-resources', 'xmllint', 'sqlite3',
            'pdfinfo', 'pdftotext', 'pdffonts', 'convert', 'import', 'openssl',
            'dbus-run-session', 'gnome-keyring-daemon', 'clang',
            'dpkg-buildpackage', 'dh', 'lintian', 'systemd-analyze']

results = []


def case(name, ok, diagnostics=()):
    results.append((name, ok, list(diagnostics)))


def listed_packages():
    path = os.path.join(HERE, 'debian-packages.txt')
    return {l.strip() for l in open(path, encoding='utf-8')
            if l.strip() and not l.lstrip().startswith('#')}


def installed():
    """Package -> (depends alternatives, essential, provides) of what dpkg has."""
    out = subprocess.run(['dpkg-query', '-W', '-f=${Package}\t${Status}\t${Essential}\t'
                          '${Pre-Depends}\t${Depends}\t${Provides}\n'],
                         capture_output=True, text=True, check=True).stdout
    packages, providers = {}, {}
    for line in out.splitlines():
        name, status, essential, pre, dep, provides = (line.split('\t') + [''] * 6)[:6]
        if not status.endswith('installed') or status.endswith('not-installed'):
            continue
        groups = []
        for clause in filter(None, (c.strip() for c in (pre + ',' + dep).split(','))):
            groups.append([re.split(r'[\s:(]', alt.strip())[0] for alt in clause.split('|')])
        packages[name] = (groups, essential == 'yes')
        for p in filter(None, (p.strip() for p in provides.split(','))):
            providers.setdefault(re.split(r'[\s:(]', p)[0], []).append(name)
    return packages, providers


def closure(roots, packages, providers):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for real in providers.get(name, []):
            todo.append(real)
        for group in packages.get(name, ([], False))[0]:
            present = [alt for alt in group if alt in packages or alt in providers]
            todo.extend(present[:1])
    return seen


def owners(paths):
    """Path -> the package that ships it (following links and usrmerge's
    /bin = /usr/bin), for every path dpkg knows; one dpkg-query call."""
    variants = {}
    for path in paths:
        for p in (path, os.path.realpath(path)):
            for q in (p, re.sub(r'^/usr(/s?bin/)', r'\1', p), re.sub(r'^/(s?bin/)', r'/usr/\1', p)):
                variants.setdefault(q, path)
    r = subprocess.run(['dpkg-query', '-S'] + sorted(variants), capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        package, _, shipped = line.partition(': ')
        if shipped in variants:
            found.setdefault(variants[shipped], package.split(',')[0].split(':')[0].strip())
    return found


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build_dir = sys.argv[1]
    if not shutil.which('dpkg-query'):
        print('1..0 # SKIP not a Debian system')
        return 0

    listed = listed_packages()
    packages, providers = installed()
    unknown = sorted(p for p in listed if p not in packages and p not in providers)
    case('every listed package is installed', not unknown, ['not installed: ' + p for p in unknown])

    covered = closure(listed, packages, providers)
    covered |= {name for name, (_, essential) in packages.items() if essential}
    covered |= closure({name for name, (_, essential) in packages.items() if essential},
                       packages, providers)

    def check(what, paths):
        missing = []
        shipped = owners([path for _, path in paths if path])
        for label, path in paths:
            package = shipped.get(path)
            if package is None:
                missing.append('%s: no Debian package ships %s' % (label, path or 'it'))
            elif package not in covered:
                missing.append('%s comes from %s, which debian-packages.txt does not bring'
                               % (label, package))
        case(what, not missing, missing)

    deps = json.loads(subprocess.run(['meson', 'introspect', '--dependencies', build_dir],
                                     capture_output=True, text=True, check=True).stdout)
    pc = []
    for dep in deps:
        name = dep.get('name')
        if not name or dep.get('type', 'pkgconfig') not in ('pkgconfig', 'unknown'):
            continue
        r = subprocess.run(['pkg-config', '--variable=pcfiledir', name], capture_output=True, text=True)
        if r.returncode == 0:
            pc.append((name, os.path.join(r.stdout.strip(), name + '.pc')))
    check('meson dependencies come from listed packages (%d)' % len(pc), pc)

    # Debian's own copies: a developer's PATH may put others first.
    programs = [(p, shutil.which(p, path='/usr/bin:/bin:/usr/sbin:/sbin')) for p in PROGRAMS]
    check('programs of the tests and CI come from listed packages (%d)' % len(programs), programs)

    runtimes = []
    if shutil.which('clang'):
        for lib in ('libclang_rt.fuzzer-x86_64.a', 'libclang_rt.asan-x86_64.a',
                    'libclang_rt.ubsan_standalone-x86_64.a'):
            path = subprocess.run(['clang', '-print-file-name=' + lib],
                                  capture_output=True, text=True).stdout.strip()
            runtimes.append((lib, path if os.path.isabs(path) and os.path.exists(path) else None))
    check('clang sanitizer and fuzzer runtimes come from listed packages', runtimes)

    print('1..%d' % len(results))
    failed = 0
    for i, (name, ok, diags) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        for d in ([] if ok else diags):
            print('# ' + d)
        failed += 0 if ok else 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
