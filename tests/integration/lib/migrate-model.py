#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""migrate-model.py -- what dump's migration formats must say about a
directory written by gen-ad-ldif.py: an independent model of migrate.h.

    migrate-model.py LDIF OUTDIR [--exclude-disabled]

Reads the LDIF (wrapped lines, base64 values and DNs) and writes, for the
default configuration (attributes proxyAddresses and mail, objects all,
relay_domains of gen-ad-ldif.py):

  OUTDIR/virtual    the expected `dump --format virtual` table, byte order
  OUTDIR/shared     one line per address held by several objects:
                    "KEY<TAB>DN<TAB>DN..." (DNs in byte order)
  OUTDIR/noprimary  the DNs of objects that have addresses in the map but
                    no primary address
  OUTDIR/csv.json   the rows `dump --format csv` must print (after its
                    header), as lists of five strings, in order
  OUTDIR/objects.json  {DN: {object_class, disabled, primary, aliases,
                    original}} for every object

The rules (migrate.h): SMTP: in capitals is the primary, other smtp: an
alias, mail is mail; one address per object (primary > alias > mail);
the primary is the one SMTP: address, else the one mail address; valid
addresses (gen-ad-ldif.py's policy) outside the relay domains count for
the primary only.
"""

import base64
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen", os.path.join(HERE, "gen-ad-ldif.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

KINDS = ["user", "group", "contact", "publicFolder", "msExchDynamicDistributionList"]
PRIMARY, ALIAS, MAIL = 0, 1, 2
KIND_NAME = ["primary", "alias", "mail"]


def records(path):
    """(dn, [(attr, value str)]) for each LDIF record."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    for block in text.split("\n\n"):
        lines = []
        for line in block.split("\n"):
            if line.startswith("#"):
                continue
            if line.startswith(" ") and lines:
                lines[-1] += line[1:]
            elif line:
                lines.append(line)
        attrs = []
        for line in lines:
            name, _, rest = line.partition(":")
            if rest.startswith(":"):
                raw = base64.b64decode(rest[1:].strip())
                try:
                    value = raw.decode("utf-8")
                except UnicodeDecodeError:
                    continue  # binary (objectGUID)
            else:
                value = rest[1:] if rest.startswith(" ") else rest
            attrs.append((name, value))
        if attrs and attrs[0][0].lower() == "dn":
            yield attrs[0][1], attrs[1:]


def objects(path, exclude_disabled):
    for dn, attrs in records(path):
        ocs = [v.lower() for a, v in attrs if a.lower() == "objectclass"]
        if "computer" in ocs:
            continue
        uac = [int(v) for a, v in attrs if a.lower() == "useraccountcontrol"]
        disabled = bool(uac and uac[0] & 2)
        if disabled and exclude_disabled:
            continue
        addrs = []  # (key, kind, original, in_map)
        seen_value = False
        for a, v in attrs:
            if a.lower() == "proxyaddresses":
                seen_value = True
                typ, _, addr = v.partition(":")
                if typ.lower() != "smtp":
                    continue
                kind = PRIMARY if typ == "SMTP" else ALIAS
            elif a.lower() == "mail":
                seen_value = True
                addr, kind = v, MAIL
            else:
                continue
            if not gen.Generator.valid(addr):
                continue
            key = gen.fold(addr)
            addrs.append((key, kind, addr, gen.in_relay_domain(key.rsplit("@", 1)[1])))
        if not seen_value:
            continue
        oc = next((k for k in KINDS if k.lower() in ocs), None)
        yield dn, oc, disabled, addrs


def primary_of(addrs):
    smtp = {k for k, kind, _, _ in addrs if kind == PRIMARY}
    if smtp:
        return smtp.pop() if len(smtp) == 1 else None
    mail = {k for k, kind, _, _ in addrs if kind == MAIL}
    return mail.pop() if len(mail) == 1 else None


def main():
    ldif, out = sys.argv[1], sys.argv[2]
    exclude = "--exclude-disabled" in sys.argv[3:]
    holders = {}   # key -> [dn]
    rows = []
    objs = {}
    targets = {}   # dn -> primary original
    for dn, oc, disabled, addrs in objects(ldif, exclude):
        best = {}
        for key, kind, orig, in_map in addrs:
            if key not in best or kind < best[key][0]:
                best[key] = (kind, orig, in_map)
        primary = primary_of(addrs)
        if primary is not None:
            targets[dn] = (primary, best[primary][1])
        in_map = sorted((k for k, v in best.items() if v[2]), key=lambda k: k.encode())
        for k in in_map:
            holders.setdefault(k, []).append(dn)
            rows.append([k, KIND_NAME[best[k][0]], oc or "", dn, best[k][1]])
        objs[dn] = {"object_class": oc, "disabled": disabled, "primary": primary,
                    "aliases": [k for k in in_map if k != primary],
                    "original": {k: v[1] for k, v in best.items()
                                 if (v[2] or k == primary) and v[1] != k}}
    rows.sort(key=lambda r: (r[0].encode(), r[3].encode()))
    virtual, shared, noprimary = [], [], set()
    for key in sorted(holders, key=lambda k: k.encode()):
        dns = holders[key]
        if len(dns) > 1:
            shared.append("\t".join([key] + sorted(dns, key=lambda d: d.encode())))
            continue
        dn = dns[0]
        if dn not in targets:
            noprimary.add(dn)
        elif targets[dn][0] != key:
            virtual.append("%s %s" % (key, targets[dn][1]))
    for dn in objs:
        if objs[dn]["primary"] is None and any(dn in holders[k] for k in objs[dn]["aliases"]):
            noprimary.add(dn)
    with open(os.path.join(out, "virtual"), "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in virtual))
    with open(os.path.join(out, "shared"), "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in shared))
    with open(os.path.join(out, "noprimary"), "w", encoding="utf-8") as f:
        f.write("".join(dn + "\n" for dn in sorted(noprimary, key=lambda d: d.encode())))
    with open(os.path.join(out, "csv.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False)
    with open(os.path.join(out, "objects.json"), "w", encoding="utf-8") as f:
        json.dump(objs, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
