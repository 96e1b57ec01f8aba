#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""syslog_sink.py SOCKET OUT - collect syslog datagrams sent to a unix
socket (bind-mounted over /dev/log by the test) into OUT, one per line,
until killed."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    f.write(b"")
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
