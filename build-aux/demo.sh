#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's demo command: installs what is missing, builds, then brings the
# whole system up on this machine:
#   wangge-server --demo   the Helong street, a generated year of history and
#                          the demo accounts (password "demo"), on loopback;
#   wangge-sim             the field side at a lively speed;
#   wangge                 the console, logged in as the duty leader.
# Closing the console stops the rest.  The data stays in one folder (printed
# below): a second run goes on from where the first stopped.
set -euo pipefail

cd "$(dirname "$0")/.."
export LANG=${LANG:-C.UTF-8}
[ "$LANG" = "C" ] && export LANG=C.UTF-8
builddir=${WANGGE_BUILDDIR:-_build}
demo_dir=${WANGGE_DEMO_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/wangge-demo}
speed=${WANGGE_DEMO_SPEED:-10}
# Livelier than Helong's 7,989 a year (about one an hour): at x10 and 30 an hour, a
# new incident every dozen seconds, one in twenty an emergency, so that alarms come.
reports_per_hour=${WANGGE_DEMO_REPORTS_PER_HOUR:-30}

build-aux/install-deps.sh
build-aux/build.sh

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "There is no display to open the console on. On a machine without one, run:" >&2
  echo "  xvfb-run -s '-screen 0 1920x1080x24' $0" >&2
  exit 1
fi

mkdir -p "$demo_dir/server" "$demo_dir/logs"
logs="$demo_dir/logs"
echo "Demo data: $demo_dir/server"
echo "Logs:      $logs/server.log, $logs/sim.log, $logs/console.log"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Port 0: the server picks a free one and says which.
: > "$logs/server.log"
"$builddir/src/server/wangge-server" --demo --demo-password demo --address 127.0.0.1 --port 0 \
  --data-dir "$demo_dir/server" > "$logs/server.log" 2>&1 &
pids+=($!)

url=
for _ in $(seq 1 600); do
  url=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*' "$logs/server.log" || true)
  [ -n "$url" ] && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "The server did not start; see $logs/server.log:" >&2
    tail -n 20 "$logs/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
[ -n "$url" ] || { echo "The server did not answer in time; see $logs/server.log" >&2; exit 1; }
echo "Server:    $url (accounts: leader, dispatcher, worker-01 … ; password demo)"

"$builddir/src/sim/wangge-sim" --server "$url" --password demo --speed "$speed" \
  --reports-per-hour "$reports_per_hour" --emergency-share 0.05 > "$logs/sim.log" 2>&1 &
pids+=($!)

# The console runs from the build tree: compiled schemas and translations are
# there; the keyfile backend keeps its settings without dconf.
export GSETTINGS_SCHEMA_DIR="$PWD/$builddir/data"
export GSETTINGS_BACKEND=${GSETTINGS_BACKEND:-keyfile}
export WANGGE_LOCALEDIR="$PWD/$builddir/po"
export XDG_DATA_HOME="$demo_dir/console"
WANGGE_PASSWORD=demo "$builddir/src/console/wangge" --profile demo --server "$url" \
  --username leader 2>&1 | tee "$logs/console.log"
