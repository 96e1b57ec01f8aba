#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ldif.sh - LDIF input: ldapsearch and ldifde exports read, change records
# and garbage rejected with the line number, incomplete exports refused.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
d="$top_srcdir/tests/data"
rd=(-c /dev/null --relay-domains 'corp.example.com example.org')

run_a2r dump "${rd[@]}" --from-ldif "$d/ldapsearch-export.ldif" --format list
expect_rc 0
diff <(echo "$out") - <<'X' || fail "ldapsearch export"
alice.example@example.org
alice@corp.example.com
info@corp.example.com
jürgen@corp.example.com
X
ok "ldapsearch -L export: folded lines, base64, references, trailer"

run_a2r dump "${rd[@]}" --from-ldif "$d/ldifde-export.ldif"
expect_rc 0
diff <(echo "$out") - <<'X' || fail "ldifde export"
bob.builder@corp.example.com OK
sales@example.org OK
X
ok "ldifde export: changetype add, computer skipped"

run_a2r dump "${rd[@]}" --exclude-disabled --from-ldif "$d/ldapsearch-export.ldif" --format list
expect_rc 0
echo "$out" | grep -q '^info@' && fail "disabled account not excluded"
ok "--exclude-disabled"

run_a2r dump "${rd[@]}" --from-ldif "$d/bad-modify.ldif"
expect_rc 69
expect_one_line
expect_err "^ad2relay: $d/bad-modify.ldif:6: \"changetype: modify\" record for CN=Carol,OU=Staff,DC=corp,DC=example,DC=com: only entries"
run_a2r dump "${rd[@]}" --from-ldif "$d/bad-delete.ldif"
expect_rc 69
expect_err "^ad2relay: $d/bad-delete.ldif:1: \"changetype: delete\" record"
run_a2r dump "${rd[@]}" --from-ldif "$d/bad-garbage.ldif"
expect_rc 69
expect_one_line
expect_err "^ad2relay: $d/bad-garbage.ldif:4: malformed LDIF record"
[ -z "$out" ] || fail "partial output on error"
ok "change records and garbage: 69 with line numbers, no output"

printf 'dn: cn=a\nmail: a@example.org\n\nsearch: 2\nresult: 4 Size limit exceeded\n' >"$T/partial.ldif"
run_a2r dump "${rd[@]}" --from-ldif "$T/partial.ldif"
expect_rc 69
expect_err 'export is incomplete.*result: 4 Size limit exceeded'
ok "a size-limited ldapsearch export is refused"

# an export that did not complete AD's range retrieval is refused
printf 'dn: cn=big\nobjectClass: group\nproxyAddresses;range=0-1: smtp:a@example.org\nproxyAddresses;range=0-1: smtp:b@example.org\n' >"$T/ranged.ldif"
run_a2r dump "${rd[@]}" --from-ldif "$T/ranged.ldif"
expect_rc 69
expect_one_line
expect_err "cn=big: proxyAddresses;range=0-1 holds only part of its values: the export is incomplete"
sed -i 's/range=0-1/range=0-*/' "$T/ranged.ldif"
run_a2r dump "${rd[@]}" --from-ldif "$T/ranged.ldif" --format list
expect_rc 0
[ "$out" = "$(printf 'a@example.org\nb@example.org')" ] || fail "range=0-* is a whole set: $out"
ok "ranged attributes: an incomplete range refused, range=0-* read"

run_a2r dump "${rd[@]}" --from-ldif "$T/none.ldif"
expect_rc 69
expect_err "open $T/none.ldif: No such file or directory"

# a failing source never touches the installed map
mkdir "$T/out"
run_a2r sync "${rd[@]}" --output "$T/out/map" --from-ldif "$d/ldifde-export.ldif"
expect_rc 0
snapshot "$T/out"
run_a2r sync "${rd[@]}" --output "$T/out/map" --from-ldif "$d/bad-garbage.ldif"
expect_rc 69
unchanged "$T/out"
ok "bad LDIF leaves the installed maps alone"
