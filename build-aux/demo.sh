#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's demo command: installs what is missing, builds, and opens the
# console.  (The server with the Helong demo data and the simulator join the
# demo as their issues land.)
set -euo pipefail

cd "$(dirname "$0")/.."
export LANG=${LANG:-C.UTF-8}
[ "$LANG" = "C" ] && export LANG=C.UTF-8
builddir=${WANGGE_BUILDDIR:-_build}

build-aux/install-deps.sh
build-aux/build.sh

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "There is no display to open the console on. On a machine without one, run:" >&2
  echo "  xvfb-run -s '-screen 0 1920x1080x24' $0" >&2
  exit 1
fi

# Run from the build tree: compiled settings schemas and translations are there.
# The keyfile backend keeps the demo's settings without needing dconf.
export GSETTINGS_SCHEMA_DIR="$PWD/$builddir/data"
export GSETTINGS_BACKEND=${GSETTINGS_BACKEND:-keyfile}
export WANGGE_LOCALEDIR="$PWD/$builddir/po"

exec "$builddir/src/console/wangge" --profile demo
