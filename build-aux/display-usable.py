#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Exits 0 when $DISPLAY names an X server that accepts a connection, 1 when
it is unset or stale (a display left over from a closed session): then the
tests must run under their own Xvfb instead of skipping every window."""
import os
import re
import socket
import sys

display = os.environ.get('DISPLAY', '')
m = re.match(r'^(?P<host>[^:]*):(?P<number>\d+)(\.\d+)?$', display)
if not m:
    sys.exit(1)
number = int(m.group('number'))
host = m.group('host')
try:
    if host in ('', 'unix'):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(3)
        s.connect('/tmp/.X11-unix/X%d' % number)
    else:
        s = socket.create_connection((host, 6000 + number), timeout=3)
    s.close()
except OSError:
    sys.exit(1)
sys.exit(0)
