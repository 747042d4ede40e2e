#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Configures (once) and builds the tree in $WANGGE_BUILDDIR (default _build).
# Extra arguments go to `meson setup` on the first run.
set -euo pipefail

cd "$(dirname "$0")/.."
builddir=${WANGGE_BUILDDIR:-_build}

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$@"
fi
# WANGGE_BUILD_TARGETS: only these targets (CI's fuzz stage builds its five
# programs, not the whole tree a second time with clang).
# shellcheck disable=SC2086
meson compile -C "$builddir" ${WANGGE_BUILD_TARGETS:-}
