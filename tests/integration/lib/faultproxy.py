#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""faultproxy.py -- a misbehaving LDAP "server" for ad2relay's failover tests.

Listens on 127.0.0.1 (port from --port, default: any free port), prints the
port on stdout (one line, flushed) and/or writes it to --port-file
(atomically), then serves until killed (SIGTERM/SIGINT).  Every connection
is handled by its own thread, so several clients may use it at once.

Modes
  --mode blackhole
        Accept, read and discard whatever the client sends, never answer,
        never close (until the client does).  Works for ldap:// and
        ldaps:// alike: a TLS client hangs in the handshake.
  --mode close
        Accept and close at once (the client sees EOF / a reset).
  --mode forward --to HOST:PORT [fault]
        Transparent TCP proxy to a real server.  Without a fault option it
        only forwards.  Faults (they parse the LDAP message framing, BER
        definite lengths in short and long form, so they need to see plain
        LDAP -- see TLS below):
    --hang-after-bind
        Forward until the client's first SearchRequest ([APPLICATION 3],
        tag 0x63) arrives (after --skip-searches N searches that are let
        through, e.g. a rootDSE read); from then on forward nothing in
        either direction and keep both connections open and silent.
    --hang-after-entries K
        Forward normally until K SearchResultEntry messages ([APPLICATION
        4], tag 0x64) have been sent to the client, then go silent as above.
    --cut-after-entries K
        Forward normally; right after the K-th SearchResultEntry has been
        sent to the client, close both connections (FIN; with --reset the
        client gets a TCP RST instead).

TLS
  Without TLS options the proxy forwards bytes blindly once TLS starts (a
  forwarded StartTLS or an ldaps client): the faults above cannot see the
  messages then and the connection is simply forwarded (a note goes to
  the log).  With --tls-cert FILE --tls-key FILE the proxy terminates TLS
  itself and talks plain LDAP to --to (point --to at the ldap:// port):
    --listen-tls ldaps      the client speaks ldaps:// to the proxy
    --listen-tls starttls   the proxy answers the client's StartTLS
                            extended request itself (success), then
                            does the TLS handshake; the backend never sees
                            the StartTLS.
  Use the slapd instance's tls/server.pem and tls/server.key so clients
  verify the proxy with the same CA (LDAPTLS_CACERT=DIR/tls/ca.pem).

Logging: one line per event on stderr (or --log FILE): connections,
faults triggered.  Example:

    python3 faultproxy.py --mode forward --to 127.0.0.1:$SLAPD_PORT \\
        --hang-after-bind --port-file "$dir/proxy.port" 2>"$dir/proxy.log" &
    proxy_pid=$!
"""

import argparse
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time

OP_SEARCH_REQUEST = 0x63
OP_SEARCH_ENTRY = 0x64
OP_EXTENDED_REQUEST = 0x77
STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"

_log_lock = threading.Lock()
_log_file = sys.stderr


def log(fmt, *args):
    with _log_lock:
        _log_file.write("faultproxy[%d] %s %s\n" % (os.getpid(), time.strftime("%H:%M:%S"),
                                                    fmt % args if args else fmt))
        _log_file.flush()


class FramingError(Exception):
    pass


def _ber_length(buf, pos):
    """Return (length, position after the length octets) or None if buf is
    too short.  Raises FramingError on indefinite or absurd lengths."""
    if pos >= len(buf):
        return None
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    n = first & 0x7F
    if n == 0 or n > 4:
        raise FramingError("unsupported BER length form 0x%02x" % first)
    if pos + 1 + n > len(buf):
        return None
    return int.from_bytes(buf[pos + 1:pos + 1 + n], "big"), pos + 1 + n


class LdapFramer:
    """Split a byte stream into complete LDAPMessages.

    feed(data) returns a list of (message_bytes, protocol_op_tag,
    message_id_tlv).  Incomplete trailing data is kept for the next call.
    When the stream is not LDAP (e.g. TLS records), parsing stops: .error
    is set and .take_rest() returns the unparsed bytes."""

    def __init__(self):
        self.buf = bytearray()
        self.error = None

    def take_rest(self):
        rest = bytes(self.buf)
        self.buf.clear()
        return rest

    def feed(self, data):
        self.buf += data
        out = []
        try:
            while self.buf and self.error is None:
                m = self._one()
                if m is None:
                    break
                out.append(m)
        except FramingError as e:
            self.error = e
        return out

    def _one(self):
        buf = self.buf
        if buf[0] != 0x30:
            raise FramingError("not an LDAPMessage (first octet 0x%02x)" % buf[0])
        r = _ber_length(buf, 1)
        if r is None:
            return None
        length, body = r
        end = body + length
        if end > len(buf):
            return None
        # messageID INTEGER, then the protocolOp tag
        if length < 3 or buf[body] != 0x02:
            raise FramingError("LDAPMessage without messageID")
        r = _ber_length(buf, body + 1)
        if r is None:
            raise FramingError("truncated messageID")
        idlen, idval = r
        optag_pos = idval + idlen
        if optag_pos >= end:
            raise FramingError("LDAPMessage without protocolOp")
        msg = bytes(buf[:end])
        del buf[:end]
        return msg, msg[optag_pos], msg[body:optag_pos]


def _ber_tlv(tag, value):
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(lb)]) + lb + value


def starttls_success(msgid_tlv):
    """ExtendedResponse (success, responseName = StartTLS OID)."""
    op = _ber_tlv(0x78, b"\x0a\x01\x00" + b"\x04\x00" + b"\x04\x00" +
                  _ber_tlv(0x8A, STARTTLS_OID))
    return _ber_tlv(0x30, msgid_tlv + op)


def is_starttls_request(msg):
    return STARTTLS_OID in msg   # the requestName [0] carries the OID


def recv_some(sock):
    """Read what is available (all decrypted TLS data, too).  b'' = EOF."""
    data = sock.recv(65536)
    if data and isinstance(sock, ssl.SSLSocket):
        while sock.pending():
            more = sock.recv(sock.pending())
            if not more:
                break
            data += more
    return data


def hard_close(sock, reset=False):
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        sock.close()
    except OSError:
        pass


class Connection(threading.Thread):
    counter = 0
    counter_lock = threading.Lock()

    def __init__(self, client, peer, opts):
        super().__init__(daemon=True)
        with Connection.counter_lock:
            Connection.counter += 1
            self.n = Connection.counter
        self.client = client
        self.peer = peer
        self.o = opts
        self.server = None

    # -- modes
    def run(self):
        try:
            log("conn %d: accepted from %s:%d", self.n, *self.peer)
            if self.o.mode == "blackhole":
                self.blackhole()
            elif self.o.mode == "close":
                hard_close(self.client, self.o.reset)
                log("conn %d: closed at once", self.n)
            else:
                self.forward()
        except Exception as e:  # keep the proxy alive whatever a client does
            log("conn %d: error: %s", self.n, e)
            hard_close(self.client)
            if self.server is not None:
                hard_close(self.server)

    def blackhole(self):
        while True:
            data = self.client.recv(65536)
            if not data:
                log("conn %d: client closed", self.n)
                self.client.close()
                return

    def silent(self, why):
        """Forward nothing more; keep the client connection open."""
        log("conn %d: %s -- hanging (connection stays open, silent)", self.n, why)
        socks = [self.client, self.server]
        while True:
            r, _, _ = select.select(socks, [], [])
            for s in r:
                try:
                    data = recv_some(s)
                except (OSError, ssl.SSLError):
                    data = b""
                if data:
                    continue
                if s is self.client:
                    log("conn %d: client closed while hung", self.n)
                    hard_close(self.client)
                    hard_close(self.server)
                    return
                socks.remove(self.server)   # backend gone: client still hangs

    def forward(self):
        o = self.o
        if o.listen_tls == "ldaps":
            self.client = o.tls_ctx.wrap_socket(self.client, server_side=True)
        try:
            self.server = socket.create_connection(o.to, timeout=10)
            self.server.settimeout(None)
        except OSError as e:
            log("conn %d: cannot connect to %s:%d: %s", self.n, o.to[0], o.to[1], e)
            hard_close(self.client)
            return
        parse_c2s = bool(o.hang_after_bind or o.listen_tls == "starttls")
        parse_s2c = o.cut_after_entries is not None or o.hang_after_entries is not None
        opaque = False          # TLS passes through: no more parsing
        c2s, s2c = LdapFramer(), LdapFramer()
        searches = entries = 0
        while True:
            r, _, _ = select.select([self.client, self.server], [], [])
            for s in r:
                try:
                    data = recv_some(s)
                except (OSError, ssl.SSLError) as e:
                    log("conn %d: %s read error: %s", self.n,
                        "client" if s is self.client else "server", e)
                    data = b""
                if not data:
                    log("conn %d: %s closed", self.n, "client" if s is self.client else "server")
                    hard_close(self.client)
                    hard_close(self.server)
                    return
                if s is self.client:
                    if not parse_c2s or opaque:
                        self.server.sendall(data)
                        continue
                    msgs = c2s.feed(data)
                    for msg, op, msgid in msgs:
                        if op == OP_EXTENDED_REQUEST and is_starttls_request(msg):
                            if o.listen_tls == "starttls":
                                self.client.sendall(starttls_success(msgid))
                                self.client = o.tls_ctx.wrap_socket(self.client, server_side=True)
                                log("conn %d: StartTLS terminated by the proxy", self.n)
                                break     # TLS data follows; c2s buffer is empty
                            self.server.sendall(msg)
                            opaque = True
                            log("conn %d: StartTLS forwarded: faults are blind from here", self.n)
                            continue
                        if opaque:
                            self.server.sendall(msg)
                            continue
                        if op == OP_SEARCH_REQUEST and o.hang_after_bind:
                            searches += 1
                            if searches > o.skip_searches:
                                self.silent("SearchRequest #%d seen" % searches)
                                return
                        self.server.sendall(msg)
                    if c2s.error is not None:
                        log("conn %d: client data is not plain LDAP (%s): forwarding blindly",
                            self.n, c2s.error)
                        opaque = True
                        self.server.sendall(c2s.take_rest())
                else:
                    if not parse_s2c or opaque:
                        self.client.sendall(data)
                        continue
                    msgs = s2c.feed(data)
                    if s2c.error is not None:
                        log("conn %d: server data is not plain LDAP (%s): forwarding blindly",
                            self.n, s2c.error)
                        opaque = True
                    for msg, op, _ in msgs:
                        self.client.sendall(msg)
                        if op != OP_SEARCH_ENTRY:
                            continue
                        entries += 1
                        if o.cut_after_entries is not None and entries >= o.cut_after_entries:
                            log("conn %d: cutting after %d entries (%s)", self.n, entries,
                                "RST" if o.reset else "FIN")
                            hard_close(self.client, o.reset)
                            hard_close(self.server)
                            return
                        if o.hang_after_entries is not None and entries >= o.hang_after_entries:
                            self.silent("%d entries sent" % entries)
                            return
                    if s2c.error is not None:
                        self.client.sendall(s2c.take_rest())


def parse_hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % s)
    return host.strip("[]"), int(port)


def main():
    global _log_file
    ap = argparse.ArgumentParser(description="misbehaving LDAP proxy for failover tests",
                                 epilog="see the module docstring for details")
    ap.add_argument("--mode", choices=("blackhole", "forward", "close"), required=True)
    ap.add_argument("--to", type=parse_hostport, help="backend HOST:PORT (forward mode)")
    ap.add_argument("--port", type=int, default=0, help="listen port (default: any free)")
    ap.add_argument("--port-file", help="write the port to this file (atomically)")
    ap.add_argument("--hang-after-bind", action="store_true")
    ap.add_argument("--skip-searches", type=int, default=0, metavar="N",
                    help="with --hang-after-bind: let the first N SearchRequests through")
    ap.add_argument("--hang-after-entries", type=int, metavar="K")
    ap.add_argument("--cut-after-entries", type=int, metavar="K")
    ap.add_argument("--reset", action="store_true", help="close with a TCP RST")
    ap.add_argument("--listen-tls", choices=("none", "ldaps", "starttls"), default="none")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--log", help="log file (default: stderr)")
    o = ap.parse_args()

    if o.mode == "forward" and not o.to:
        ap.error("--mode forward needs --to HOST:PORT")
    faults = [o.hang_after_bind, o.hang_after_entries is not None, o.cut_after_entries is not None]
    if sum(faults) > 1:
        ap.error("choose one of --hang-after-bind, --hang-after-entries, --cut-after-entries")
    if any(faults) and o.mode != "forward":
        ap.error("fault options need --mode forward")
    o.tls_ctx = None
    if o.listen_tls != "none":
        if not (o.tls_cert and o.tls_key):
            ap.error("--listen-tls needs --tls-cert and --tls-key")
        o.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        o.tls_ctx.load_cert_chain(o.tls_cert, o.tls_key)
    if o.log:
        _log_file = open(o.log, "a", buffering=1)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", o.port))
    lsock.listen(64)
    port = lsock.getsockname()[1]
    if o.port_file:
        tmp = "%s.tmp.%d" % (o.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, o.port_file)
    print(port, flush=True)
    log("listening on 127.0.0.1:%d mode=%s%s", port, o.mode,
        " to=%s:%d" % o.to if o.to else "")

    try:
        while True:
            client, peer = lsock.accept()
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            Connection(client, peer, o).start()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
