#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's test command: installs what is missing, builds, runs the whole
# suite (under Xvfb when there is no display) and ends with one line
# "N passed, N failed" counted per test case from meson's JUnit log.
set -uo pipefail

cd "$(dirname "$0")/.."
export LANG=C.UTF-8
builddir=${WANGGE_BUILDDIR:-_build}

build-aux/install-deps.sh || exit 1
build-aux/build.sh || { echo "0 passed, 1 failed"; exit 1; }

run=()
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  run=(xvfb-run -a -s "-screen 0 1920x1080x24")
fi

"${run[@]}" meson test -C "$builddir" --print-errorlogs "$@"
status=$?

python3 build-aux/junit-summary.py "$builddir/meson-logs/testlog.junit.xml" || status=1
exit $status
