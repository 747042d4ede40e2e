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

# The UI tests need a display: a stale DISPLAY (left from a closed session)
# would make every window test skip, so it counts as none.
run=()
if [ -z "${WAYLAND_DISPLAY:-}" ] && ! python3 build-aux/display-usable.py; then
  [ -n "${DISPLAY:-}" ] && echo "DISPLAY=$DISPLAY does not answer: the tests get their own Xvfb"
  unset DISPLAY
  run=(xvfb-run -a -s "-screen 0 1920x1080x24")
fi

# The ui suite must run (not skip) whenever the selection includes it.
logbase=testlog
expect_ui=yes
suites=()
previous=
for arg in "$@"; do
  case "$arg" in --logbase=*) logbase=${arg#--logbase=} ;; esac
  case "$previous" in
    --suite) suites+=("$arg") ;;
    --no-suite) [ "$arg" = ui ] && expect_ui=no ;;
    --setup|--timeout-multiplier|-t|--num-processes|--repeat|--wrapper|--test-args|-C) ;;
    *)
      case "$arg" in
        --suite=*) suites+=("${arg#--suite=}") ;;
        --no-suite=ui) expect_ui=no ;;
        -*) ;;
        *) expect_ui=no ;;  # tests named one by one: the caller chose
      esac ;;
  esac
  previous=$arg
done
if [ ${#suites[@]} -gt 0 ] && ! printf '%s\n' "${suites[@]}" | grep -qx ui; then
  expect_ui=no
fi
expect=()
[ "$expect_ui" = yes ] && expect=(--expect-suite ui)

# A log left by an earlier run must not stand in for this one (Xvfb failing
# to start runs no test at all).
rm -f "$builddir/meson-logs/$logbase.junit.xml" "$builddir/meson-logs/$logbase.json"
"${run[@]}" meson test -C "$builddir" --print-errorlogs "$@"
status=$?

python3 build-aux/junit-summary.py "${expect[@]}" "$builddir/meson-logs/$logbase.junit.xml" || status=1
exit $status
