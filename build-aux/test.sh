#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's test command: installs what is missing, builds, runs the whole
# suite (under Xvfb when there is no display) and ends with one line
# "N passed, N failed" counted per test case from meson's JUnit log.
# Arguments go to `meson test`.  WANGGE_BUILDDIR picks the build directory;
# WANGGE_SETUP_ARGS adds `meson setup` options for a new one.
set -uo pipefail

cd "$(dirname "$0")/.."
export LANG=C.UTF-8
builddir=${WANGGE_BUILDDIR:-_build}

build-aux/install-deps.sh || exit 1
# shellcheck disable=SC2086
build-aux/build.sh ${WANGGE_SETUP_ARGS:-} || { echo "0 passed, 1 failed"; exit 1; }

run=()
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  run=(xvfb-run -a -s "-screen 0 1920x1080x24")
fi

logbase=testlog
for arg in "$@"; do
  case "$arg" in --logbase=*) logbase=${arg#--logbase=} ;; esac
done

"${run[@]}" meson test -C "$builddir" --print-errorlogs "$@"
status=$?

python3 build-aux/junit-summary.py "$builddir/meson-logs/$logbase.junit.xml" || status=1
exit $status
