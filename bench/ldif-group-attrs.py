#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ldif-group-attrs.py IN.ldif OUT.ldif -- rewrite an LDIF file so that all
values of one attribute type of an entry stand together (stable order: by
first occurrence of the type; continuation lines move with their line).

Why: gen-ad-ldif.py appends some values after other attributes (contacts'
second proxyAddresses value), and `slapadd -q` then stores the attribute
twice in the entry, so slapd returns two PartialAttribute elements of the
same type.  Active Directory never does that, and python-ldap (whose result
dict comes from ldap_get_values_len) returns the first element's values
twice and loses the second's.  Grouping the lines gives slapd the entry AD
would return; the recipient set is unchanged.
"""

import sys


def flush(record, out):
    if not record:
        return 0
    order, groups = [], {}
    for logical in record:
        head = logical[0]
        kind = head.split(":", 1)[0].lower() if not head.startswith("#") else "#"
        if kind not in groups:
            groups[kind] = []
            order.append(kind)
        groups[kind].append(logical)
    grouped = [line for kind in order for logical in groups[kind] for line in logical]
    out.writelines(grouped)
    out.write("\n")
    return grouped != [line for logical in record for line in logical]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    changed = 0
    with open(src, encoding="utf-8") as inp, \
            open(dst, "w", encoding="utf-8", buffering=1 << 20) as out:
        record = []
        for line in inp:
            if line == "\n":
                changed += flush(record, out)
                record = []
            elif line.startswith(" ") and record:
                record[-1].append(line)
            else:
                record.append([line])
        changed += flush(record, out)
    print("ldif-group-attrs: %d entries regrouped" % changed, file=sys.stderr)


if __name__ == "__main__":
    main()
