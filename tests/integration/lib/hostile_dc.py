#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""hostile_dc.py -- a hostile LDAP "domain controller" for ad2relay's tests.

Speaks just enough LDAPv3 over plain ldap:// (hand-made BER, Python 3
standard library only) to take ad2relay's anonymous or simple bind and
its paged search, and then answers the way one scenario says.  Listens
on 127.0.0.1 (--port, default any free port), writes the port to
--port-file (atomically) and prints it on stdout, serves until killed
(SIGTERM).  One thread per connection; one line per event in --log.

The directory it serves: --users N (default 100) users under
--base (default dc=corp,dc=example,dc=com), user I with
    mail: user.I@corp.example.com
    proxyAddresses: SMTP:user.I@corp.example.com, smtp:uI@example.org
so a complete result is 2 * N addresses.  Paging (RFC 2696) honours the
client's page size; the cookie is the index of the next user.

Scenarios (--scenario):
  good          the directory above, correctly
  junk-attrs    user 50's attribute list is preceded by a stray OCTET
                STRING "junk" (the entry cannot be decoded)
  junk-between  user 50: a valid mail, a garbage element, then
                proxyAddresses
  same-cookie   every page is empty and carries the same cookie, forever
  empty-pages   every page is empty and carries a new cookie, forever
  new-per-page  every page holds one new user and a new cookie, forever
  slow          one entry every 1.5 s (--delay), never finishing
  range-forever proxyAddresses comes as ";range=0-1"; every range request
                is answered with the next two values, never with "*"
  range-junk    proxyAddresses comes as ";range=0-1"; the range request is
                answered with ";range=2-*" whose value set cannot be decoded
  truncated     half of the first entry, then the connection is closed
  wrong-msgid   the search is answered under another message ID
  huge-length   a message whose length prefix says 2 GiB, then silence
  huge-dn       an entry whose DN is 16 MiB long
  duplicates    every entry is sent twice and the result done twice
  disconnect    a few entries, then an unsolicited Notice of
                Disconnection (RFC 4511 4.4.1) and the connection closed
"""

import argparse
import os
import socket
import sys
import threading
import time

_log_lock = threading.Lock()
_log_file = sys.stderr

PAGED_OID = b"1.2.840.113556.1.4.319"
NOTICE_OF_DISCONNECTION = b"1.3.6.1.4.1.1466.20036"


def log(fmt, *args):
    with _log_lock:
        _log_file.write("hostile_dc[%d] %s %s\n" % (os.getpid(), time.strftime("%H:%M:%S"),
                                                    fmt % args if args else fmt))
        _log_file.flush()


# --- BER encoding -----------------------------------------------------------

def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def ber_int(v, tag=0x02):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(tag, v.to_bytes(n, "big", signed=True))


def octets(s):
    return tlv(0x04, s if isinstance(s, bytes) else s.encode())


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def attr(name, values):
    return seq(octets(name), tlv(0x31, b"".join(octets(v) for v in values)))


def message(msgid, op, controls=b""):
    return seq(ber_int(msgid), op, tlv(0xA0, controls) if controls else b"")


def entry(msgid, dn, attrs_ber):
    """SearchResultEntry; ATTRS_BER is the already encoded attribute list
    (normally a SEQUENCE OF, hostile scenarios put other things there)"""
    return message(msgid, tlv(0x64, octets(dn) + attrs_ber))


def result(msgid, tag, code=0, diag=b"", controls=b""):
    return message(msgid, tlv(tag, ber_int(code, 0x0A) + octets(b"") + octets(diag)), controls)


def paged_control(cookie):
    value = seq(ber_int(0), octets(cookie))
    return seq(octets(PAGED_OID), octets(value))


# --- BER decoding (requests) -------------------------------------------------

def read_tlv(buf, pos):
    """(tag, content start, content end) of the element at POS"""
    tag = buf[pos]
    first = buf[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    n = first & 0x7F
    length = int.from_bytes(buf[pos + 2:pos + 2 + n], "big")
    return tag, pos + 2 + n, pos + 2 + n + length


def children(buf, start, end):
    out = []
    while start < end:
        t, s, e = read_tlv(buf, start)
        out.append((t, s, e))
        start = e
    return out


def parse_message(buf):
    """(message id, op tag, op start, op end, controls [(oid, value)])"""
    _, s, e = read_tlv(buf, 0)
    parts = children(buf, s, e)
    msgid = int.from_bytes(buf[parts[0][1]:parts[0][2]], "big", signed=True)
    op, os_, oe = parts[1]
    controls = []
    for t, cs, ce in parts[2:]:
        if t != 0xA0:
            continue
        for _, ss, se in children(buf, cs, ce):
            c = children(buf, ss, se)
            oid = bytes(buf[c[0][1]:c[0][2]])
            val = bytes(buf[c[-1][1]:c[-1][2]]) if len(c) > 1 and c[-1][0] == 0x04 else b""
            controls.append((oid, val))
    return msgid, op, os_, oe, controls


def parse_search(buf, s, e):
    """(base, scope, [requested attributes]) of a SearchRequest"""
    parts = children(buf, s, e)
    base = bytes(buf[parts[0][1]:parts[0][2]]).decode()
    scope = int.from_bytes(buf[parts[1][1]:parts[1][2]], "big")
    attrs = [bytes(buf[a[1]:a[2]]).decode() for a in children(buf, parts[7][1], parts[7][2])]
    return base, scope, attrs


def paging(controls):
    """(page size, cookie) of the paged results control, or (None, b"")"""
    for oid, val in controls:
        if oid == PAGED_OID:
            _, s, e = read_tlv(val, 0)
            c = children(val, s, e)
            size = int.from_bytes(val[c[0][1]:c[0][2]], "big")
            return size, bytes(val[c[1][1]:c[1][2]])
    return None, b""


# --- the directory -----------------------------------------------------------

class Directory:
    def __init__(self, o):
        self.o = o

    def dn(self, i):
        return "CN=User %d,OU=Staff,%s" % (i, self.o.base)

    def attrs(self, i):
        mail = "user.%d@corp.example.com" % i
        return [("mail", [mail]),
                ("proxyAddresses", ["SMTP:" + mail, "smtp:u%d@example.org" % i])]

    def attr_list(self, i):
        return seq(*(attr(n, v) for n, v in self.attrs(i)))


JUNK = octets(b"junk")


class Connection(threading.Thread):
    def __init__(self, sock, o):
        super().__init__(daemon=True)
        self.sock, self.o, self.d = sock, o, Directory(o)
        self.buf = bytearray()
        self.ranges = 0

    def send(self, data):
        self.sock.sendall(data)

    def read_message(self):
        while True:
            if len(self.buf) >= 2:
                try:
                    _, _, end = read_tlv(self.buf, 0)
                except IndexError:
                    end = None
                if end is not None and end <= len(self.buf):
                    msg = bytes(self.buf[:end])
                    del self.buf[:end]
                    return msg
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data

    def run(self):
        try:
            while True:
                msg = self.read_message()
                if msg is None:
                    break
                msgid, op, s, e, controls = parse_message(msg)
                if op == 0x60:      # BindRequest
                    self.send(result(msgid, 0x61))
                elif op == 0x42:    # UnbindRequest
                    break
                elif op == 0x63:    # SearchRequest
                    if self.search(msgid, msg, s, e, controls) == "close":
                        break
                elif op == 0x77:    # ExtendedRequest (StartTLS): not here
                    self.send(message(msgid, tlv(0x78, ber_int(2, 0x0A) + octets(b"") +
                                                 octets(b"no TLS on the hostile DC"))))
                # AbandonRequest (0x50) and anything else: no answer
        except (OSError, IndexError) as ex:
            log("connection: %s", ex)
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def done(self, msgid, cookie):
        return result(msgid, 0x65, controls=paged_control(cookie))

    def page(self, msgid, controls, attr_list=None):
        """the normal paged answer, entries [start, start + size)"""
        attr_list = attr_list or self.d.attr_list
        size, cookie = paging(controls)
        start = int(cookie or b"1")
        n = self.o.users
        stop = min(n + 1, start + (size or n))
        out = [entry(msgid, self.d.dn(i), attr_list(i)) for i in range(start, stop)]
        out.append(self.done(msgid, b"%d" % stop if stop <= n else b""))
        return out

    def search(self, msgid, buf, s, e, controls):
        base, scope, attrs = parse_search(buf, s, e)
        sc = self.o.scenario
        log("search base=%r scope=%d attrs=%r", base, scope, attrs)
        if base == "" and scope == 0:   # rootDSE
            self.send(entry(msgid, "", seq(attr("namingContexts", [self.o.base]))))
            self.send(result(msgid, 0x65))
            return None
        if scope == 0:                  # a range request on one entry
            return self.range(msgid, base, attrs)
        handler = getattr(self, "sc_" + sc.replace("-", "_"), None)
        out = handler(msgid, controls) if handler else self.page(msgid, controls)
        if out == "close":
            return "close"
        for m in out:
            self.send(m)
        return None

    # --- scenarios (each returns the messages to send, or "close") ---------

    def corrupt_user(self, msgid, controls, attrs_ber):
        out = self.page(msgid, controls)
        size, cookie = paging(controls)
        start = int(cookie or b"1")
        if start <= 50 < start + len(out) - 1:
            out[50 - start] = entry(msgid, self.d.dn(50), attrs_ber)
        return out

    def sc_junk_attrs(self, msgid, controls):
        return self.corrupt_user(msgid, controls, JUNK + self.d.attr_list(50))

    def sc_junk_between(self, msgid, controls):
        a = self.d.attrs(50)
        return self.corrupt_user(msgid, controls,
                                 seq(attr(*a[0]), JUNK, attr(*a[1])))

    def sc_same_cookie(self, msgid, controls):
        return [self.done(msgid, b"stuck")]

    def sc_empty_pages(self, msgid, controls):
        _, cookie = paging(controls)
        return [self.done(msgid, b"%d" % (int(cookie or b"0") + 1))]

    def sc_new_per_page(self, msgid, controls):
        _, cookie = paging(controls)
        i = int(cookie or b"1")
        return [entry(msgid, self.d.dn(i), self.d.attr_list(i)),
                self.done(msgid, b"%d" % (i + 1))]

    def sc_slow(self, msgid, controls):
        for i in range(1, 1000000):
            self.send(entry(msgid, self.d.dn(i), self.d.attr_list(i)))
            time.sleep(self.o.delay)
        return []

    def sc_range_forever(self, msgid, controls):
        def ranged(i):
            a = self.d.attrs(i)
            return seq(attr(*a[0]), attr("proxyAddresses;range=0-1", a[1][1]))
        return self.page(msgid, controls, ranged)

    sc_range_junk = sc_range_forever

    def range(self, msgid, base, attrs):
        want = attrs[0] if attrs else ""
        if ";range=" not in want:
            self.send(result(msgid, 0x65, 32))
            return None
        low = int(want.split(";range=")[1].split("-")[0])
        if self.o.scenario == "range-junk":
            # a value claims 127 bytes and holds 4
            bad = tlv(0x30, octets("proxyAddresses;range=%d-*" % low) +
                      tlv(0x31, b"\x04\x7f" + b"junk"))
            self.send(entry(msgid, base, seq(bad)))
            self.send(result(msgid, 0x65))
            return None
        self.ranges += 1
        vals = ["smtp:r%d-%d@example.org" % (low + k, self.ranges) for k in range(2)]
        self.send(entry(msgid, base, seq(attr("proxyAddresses;range=%d-%d" % (low, low + 1),
                                              vals))))
        self.send(result(msgid, 0x65))
        return None

    def sc_truncated(self, msgid, controls):
        m = entry(msgid, self.d.dn(1), self.d.attr_list(1))
        self.send(m[:len(m) // 2])
        time.sleep(0.1)
        return "close"

    def sc_wrong_msgid(self, msgid, controls):
        return self.page(msgid + 1000, controls)

    def sc_huge_length(self, msgid, controls):
        self.send(b"\x30\x84\x80\x00\x00\x00" + ber_int(msgid) + b"\x64\x84\x7f\xff\xff\xf0")
        self.send(b"\x04" * 4096)
        return []

    def sc_huge_dn(self, msgid, controls):
        # The huge entry leaves first, its headers before its DN, so that
        # the length reaches the client at once even on a loaded machine
        # (the client's per-message timeout is 1 s in the tests).
        attrs = self.d.attr_list(1)
        dn_len = len(_huge_dn)
        op_len = 1 + len(ber_len(dn_len)) + dn_len + len(attrs)
        mid = ber_int(msgid)
        msg_len = len(mid) + 1 + len(ber_len(op_len)) + op_len
        self.send(b"\x30" + ber_len(msg_len) + mid + b"\x64" + ber_len(op_len) +
                  b"\x04" + ber_len(dn_len))
        view = memoryview(_huge_dn)
        for off in range(0, dn_len, 1 << 20):
            self.send(view[off:off + (1 << 20)])
        self.send(attrs)
        return self.page(msgid, controls)

    def sc_duplicates(self, msgid, controls):
        out = self.page(msgid, controls)
        doubled = []
        for m in out[:-1]:
            doubled += [m, m]
        return doubled + [out[-1], out[-1]]

    def sc_disconnect(self, msgid, controls):
        out = self.page(msgid, controls)[:5]
        notice = message(0, tlv(0x78, ber_int(52, 0x0A) + octets(b"") +
                                octets(b"the hostile DC is going away") +
                                tlv(0x8A, NOTICE_OF_DISCONNECTION)))
        for m in out:
            self.send(m)
        self.send(notice)
        time.sleep(0.1)
        return "close"


SCENARIOS = ("good", "junk-attrs", "junk-between", "same-cookie", "empty-pages",
             "new-per-page", "slow", "range-forever", "range-junk", "truncated", "wrong-msgid",
             "huge-length", "huge-dn", "duplicates", "disconnect")


_huge_dn = b""     # huge-dn: the 16 MiB DN, made before the port is told


def main():
    global _log_file, _huge_dn
    ap = argparse.ArgumentParser(description="hostile LDAP server for ad2relay's tests",
                                 epilog="see the module docstring for the scenarios")
    ap.add_argument("--scenario", choices=SCENARIOS, required=True)
    ap.add_argument("--port", type=int, default=0, help="listen port (default: any free)")
    ap.add_argument("--port-file", help="write the port to this file (atomically)")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--base", default="dc=corp,dc=example,dc=com")
    ap.add_argument("--delay", type=float, default=1.5, help="slow: seconds between entries")
    ap.add_argument("--log", help="log file (default: stderr)")
    o = ap.parse_args()
    if o.scenario == "huge-dn":
        _huge_dn = b"CN=" + b"x" * (16 << 20) + b"," + o.base.encode()
    if o.log:
        _log_file = open(o.log, "a", buffering=1)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", o.port))
    lsock.listen(16)
    port = lsock.getsockname()[1]
    if o.port_file:
        tmp = "%s.tmp.%d" % (o.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, o.port_file)
    print(port, flush=True)
    log("listening on 127.0.0.1:%d scenario=%s", port, o.scenario)
    try:
        while True:
            client, _ = lsock.accept()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            Connection(client, o).start()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
