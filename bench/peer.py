#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""peer.py -- the reference peer of bench/run: what a mail administrator
would write instead of ad2relay.  A paged LDAP search with python-ldap, the
smtp: values of proxyAddresses (any case) and mail, relay domains only,
folded, unique, sorted, written as a text map `ADDRESS OK`, then
`postmap -c PFDIR cdb:MAP`.

    peer.py --uri URI --binddn DN --pwfile FILE --base BASE --filter F
            --relay-domains "corp.example.com .corp.example.com example.org"
            --output MAP --pfdir DIR [--page-size 1000] [--postmap PATH]

Keys are folded with str.casefold(), not str.lower(): that is what Postfix
does to keys (ICU full case folding, Straße -> strasse); with lower() the
map would hold a key smtpd can never look up.  No safety nets (no atomic
install, no fsync, no shrink guard): this is the speed floor of a script,
not a replacement.
"""

import argparse
import subprocess

import ldap
from ldap.controls import SimplePagedResultsControl

ATTRS = ["proxyAddresses", "mail"]


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--uri", "--binddn", "--pwfile", "--base", "--filter",
                "--relay-domains", "--output", "--pfdir"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--postmap", default="/usr/sbin/postmap")
    a = ap.parse_args()

    domains = a.relay_domains.replace(",", " ").lower().split()
    exact = {d for d in domains if not d.startswith(".")}
    suffixes = tuple(d for d in domains if d.startswith("."))

    with open(a.pwfile) as f:
        password = f.read().rstrip("\n")
    conn = ldap.initialize(a.uri)
    conn.protocol_version = 3
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.simple_bind_s(a.binddn, password)

    addresses = set()

    def add(raw):
        addr = raw.decode("utf-8").casefold()
        domain = addr.rpartition("@")[2]
        if domain in exact or domain.endswith(suffixes):
            addresses.add(addr)

    page = SimplePagedResultsControl(True, size=a.page_size, cookie=b"")
    while True:
        msgid = conn.search_ext(a.base, ldap.SCOPE_SUBTREE, a.filter, ATTRS,
                                serverctrls=[page])
        _, entries, _, controls = conn.result3(msgid)
        for dn, entry in entries:
            if dn is None:                      # continuation reference
                continue
            entry = {k.lower(): v for k, v in entry.items()}
            for value in entry.get("proxyaddresses", ()):
                kind, sep, addr = value.partition(b":")
                if sep and kind.lower() == b"smtp":
                    add(addr)
            for value in entry.get("mail", ()):
                add(value)
        cookie = [c.cookie for c in controls
                  if c.controlType == SimplePagedResultsControl.controlType]
        if not cookie or not cookie[0]:
            break
        page.cookie = cookie[0]
    conn.unbind_s()

    with open(a.output, "wb") as f:
        for key in sorted(addr.encode("utf-8") for addr in addresses):
            f.write(key + b" OK\n")
    subprocess.run([a.postmap, "-c", a.pfdir, "cdb:" + a.output], check=True)


if __name__ == "__main__":
    main()
