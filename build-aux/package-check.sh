#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# CI's package stage: builds the Debian packages wangge and wangge-server
# from the tree (dpkg-buildpackage -us -uc -b; the unit suite already ran in
# stage 1, so nocheck), runs lintian (no errors), checks the service unit
# (systemd-analyze verify, and security --offline below 3), installs both
# with `apt-get install ./*.deb` in a throwaway root and starts the installed
# server there the way the unit's ExecStart does, adds an admin with
# `wangge-server user add`, logs in and reads the journal.
#
# The throwaway root is an overlay of this machine's root on a tmpfs: apt
# and the maintainer scripts run for real in it (a few seconds), and nothing
# reaches the machine itself.  A debootstrap'ed root with the console's
# dependencies would cost more than the stage's budget of 5 minutes.  Needs
# root (CI runs as root).
#
# WANGGE_PKG_DIR: where to build (default _build-deb); --no-build checks the
# packages of the last run again.  Prints the stage's time at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
export LANG=C.UTF-8
started=$(date +%s)
out=$PWD/${WANGGE_PKG_DIR:-_build-deb}
server_pid=
root=

cleanup () {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [ -n "$root" ]; then
    for d in dev/pts dev sys proc; do umount "$root/$d" 2>/dev/null; done
    umount "$root" 2>/dev/null
    umount "$out/layer" 2>/dev/null
  fi
  return 0
}
trap cleanup EXIT

fail () {
  echo "package-check: $*" >&2
  exit 1
}

if [ "${1:-}" = --no-build ]; then
  # Checking again what the last run built.
  rm -rf "$out/root" "$out/layer"
else
  rm -rf "$out"
  mkdir -p "$out/src"
  # dpkg-buildpackage writes beside the source: build a copy of the tree
  # (tracked and new files, not the build directories).
  git ls-files --cached --others --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$out/src"

  echo "--- dpkg-buildpackage"
  (cd "$out/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
    > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; fail "dpkg-buildpackage failed (log: $out/build.log)"; }
fi
server_deb=$(ls "$out"/wangge-server_*.deb)
console_deb=$(ls "$out"/wangge_*.deb)
echo "built $(cd "$out" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')"

echo "--- lintian"
lintian --fail-on error --tag-display-limit 0 "$out"/*.changes || fail "lintian found errors"

echo "--- apt-get install ./*.deb in a throwaway root"
root=$out/root
mkdir -p "$root" "$out/layer"
mount -t tmpfs tmpfs "$out/layer"
mkdir -p "$out/layer/upper" "$out/layer/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$out/layer/upper,workdir=$out/layer/work" "$root" \
  || fail "cannot mount the throwaway root (overlay over /: needs root)"
for d in proc sys dev dev/pts; do mount --bind "/$d" "$root/$d"; done
mkdir -p "$root/tmp/debs"
cp "$server_deb" "$console_deb" "$root/tmp/debs/"
in_root () {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "/tmp/debs/$(basename "$server_deb")" "/tmp/debs/$(basename "$console_deb")" > "$out/install.log" 2>&1 \
  || { tail -20 "$out/install.log"; fail "apt-get install of the packages failed"; }
for f in usr/bin/wangge usr/bin/wangge-server usr/bin/wangge-sim \
         lib/systemd/system/wangge-server.service etc/wangge/server.conf \
         etc/wangge/console.gschema.override usr/share/wangge/demo/world.json \
         usr/share/applications/io.github.wangge.Console.desktop \
         usr/share/metainfo/io.github.wangge.Console.metainfo.xml \
         usr/share/glib-2.0/schemas/io.github.wangge.Console.gschema.xml \
         usr/share/icons/hicolor/scalable/apps/io.github.wangge.Console.svg \
         usr/share/locale/zh_CN/LC_MESSAGES/wangge.mo; do
  [ -e "$root/$f" ] || fail "not installed by the packages: /$f"
done
[ "$(readlink "$root/usr/share/glib-2.0/schemas/90_wangge-site.gschema.override")" = \
  /etc/wangge/console.gschema.override ] || fail "the site override is not linked into the schemas"
dpkg-deb --ctrl-tarfile "$server_deb" | tar -xOf - ./conffiles | grep -qx /etc/wangge/server.conf \
  || fail "/etc/wangge/server.conf is not a conffile"
in_root dpkg-query -W -f='${Status}\n' wangge wangge-server | grep -c 'install ok installed' | grep -qx 2 \
  || fail "dpkg does not list both packages as installed"

echo "--- the unit"
unit=$root/lib/systemd/system/wangge-server.service
in_root systemd-analyze verify /lib/systemd/system/wangge-server.service || fail "systemd-analyze verify refused the unit"
exposure=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
echo "exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e < 3) }' || fail "the unit's exposure $exposure is not below 3"

echo "--- the installed server, as ExecStart starts it"
# ExecStart's command line as installed; the state directory systemd would
# give it; --port 0 only because CI machines run other servers.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
mkdir -p "$root/var/lib/wangge-server"
printf '%s\n' package-check-password |
  in_root env STATE_DIRECTORY=/var/lib/wangge-server /usr/bin/wangge-server user add ci-admin --role admin
# chroot execs env, which execs the server: $! is the server.
# shellcheck disable=SC2086
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  STATE_DIRECTORY=/var/lib/wangge-server $exec_start --port 0 > "$out/server.out" 2> "$out/server.err" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$out/server.out" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.err"; fail "the installed server did not start"; }
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$out/server.out")
[ -n "$url" ] || fail "the installed server did not say where it listens"
python3 - "$url" <<'EOF' || fail "login or journal read failed"
import json, sys, urllib.request
url = sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
token = call("POST", "/api/v1/session", {"username": "ci-admin", "password": "package-check-password"})["token"]
journal = call("GET", "/api/v1/journal?after=0", token=token)
print("logged in; journal head", journal["head"], "events", len(journal["events"]))
EOF
grep -q 'route=/api/v1/journal status=200' "$out/server.err" \
  || fail "the packaged configuration does not log requests"
kill "$server_pid"
wait "$server_pid" || fail "the installed server did not stop cleanly"
server_pid=

echo "--- package stage done in $(( $(date +%s) - started )) s"
