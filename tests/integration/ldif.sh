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

# hostile LDIF: records that crashed libldap's parser or the reader are
# one FILE:LINE error each (status 69), never a signal
bad_ldif() { # FILE LINE MESSAGE-REGEX
	run_a2r dump "${rd[@]}" --from-ldif "$1"
	[ "$rc" -lt 128 ] || fail "$1: killed by signal $((rc - 128))"
	expect_rc 69 "$1"
	expect_one_line
	expect_err "^ad2relay: $1:$2: $3\$"
	[ -z "$out" ] || fail "$1: partial output"
}
bad_ldif "$d/crash-index.ldif" 1 'malformed LDIF record: no "dn:" line'
bad_ldif "$d/crash-dash.ldif" 2 'malformed LDIF record: a "-" line outside a modify record'
bad_ldif "$d/crash-dash-add.ldif" 3 'malformed LDIF record: a "-" line outside a modify record'
bad_ldif "$d/crash-notype.ldif" 2 'malformed LDIF record: no attribute name before ":"'
printf 'dn: cn=a\nmail: a@corp.example.com\n: v\n' >"$T/notype2.ldif"
bad_ldif "$T/notype2.ldif" 3 'malformed LDIF record: no attribute name before ":"'
printf '# only a comment\nmail: a@corp.example.com\n' >"$T/nodn.ldif"
bad_ldif "$T/nodn.ldif" 2 'malformed LDIF record: no "dn:" line'
printf 'dn: cn=a\nmail: a@corp.example.com\n\n\n\ndn: cn=b\n-\n' >"$T/blanks.ldif"
bad_ldif "$T/blanks.ldif" 7 'malformed LDIF record: a "-" line outside a modify record'
printf 'dn: cn=a\nmail: a@corp.example.com\nx\0y: z\n' >"$T/nul.ldif"
bad_ldif "$T/nul.ldif" 3 'a NUL byte: not an LDIF file'
ok "hostile records: one FILE:LINE error each, no crash"

# a UTF-8 byte-order mark (a Windows editor's) is skipped; a UTF-16
# export (ldifde -u) is refused with the fix
run_a2r dump "${rd[@]}" --from-ldif "$d/ldapsearch-export.ldif"
expect_rc 0
plain=$out
{ printf '\357\273\277'; cat "$d/ldapsearch-export.ldif"; } >"$T/bom.ldif"
run_a2r dump "${rd[@]}" --from-ldif "$T/bom.ldif"
expect_rc 0
[ -n "$out" ] && [ "$out" = "$plain" ] || fail "a byte-order mark changed the export"
iconv -f UTF-8 -t UTF-16 "$d/ldifde-export.ldif" >"$T/utf16.ldif"
bad_ldif "$T/utf16.ldif" 1 'the file is UTF-16 \(ldifde -u\): convert it with iconv -f UTF-16 -t UTF-8, or export without -u'
ok "UTF-8 byte-order mark skipped, UTF-16 refused with the fix"

# white space before the address type (AD keeps values as written) is a
# rejected value with a warning naming the DN, and explain says so; never
# a silent drop as an address of type " SMTP"
{
	echo 'dn: CN=Lead,OU=Staff,DC=corp,DC=example,DC=com'
	echo 'objectClass: user'
	echo "proxyAddresses:: $(printf ' smtp:leading@corp.example.com' | base64)"
	echo 'proxyAddresses: smtp:ok@corp.example.com'
} >"$T/spaced.ldif"
run_a2r -v dump "${rd[@]}" --from-ldif "$T/spaced.ldif" --format list
expect_rc 0
[ "$out" = ok@corp.example.com ] || fail "spaced type: map is '$out'"
expect_err '^ad2relay: warning: CN=Lead,OU=Staff,DC=corp,DC=example,DC=com: proxyAddresses value " smtp:leading@corp.example.com" rejected: white space in or before its address type$'
expect_err ' 0 values of other types, 1 rejected,'
run_a2r explain "${rd[@]}" --from-ldif "$T/spaced.ldif" leading@corp.example.com
expect_rc 1
echo "$out" | grep -qF 'CN=Lead,OU=Staff,DC=corp,DC=example,DC=com: proxyAddresses " smtp:leading@corp.example.com": rejected: white space in or before its address type' ||
	fail "explain does not show the spaced value: $out"
ok "white space before the address type: rejected with a warning, explained"

# objects applies to LDIF records as to the live search; a filter cannot be
# evaluated on a file and is refused, never ignored
run_a2r dump "${rd[@]}" --objects groups --from-ldif "$d/ldifde-export.ldif"
expect_rc 0
[ "$out" = "sales@example.org OK" ] || fail "objects = groups on LDIF: $out"
run_a2r dump "${rd[@]}" --objects users --from-ldif "$d/ldifde-export.ldif"
expect_rc 0
[ "$out" = "bob.builder@corp.example.com OK" ] || fail "objects = users on LDIF: $out"
printf 'dn: cn=x\nmail: x@corp.example.com\n' >"$T/nooc.ldif"
run_a2r dump "${rd[@]}" --from-ldif "$T/nooc.ldif"
expect_rc 0
run_a2r dump "${rd[@]}" --objects users,contacts --from-ldif "$T/nooc.ldif"
expect_rc 69
expect_one_line
expect_err "^ad2relay: $T/nooc.ldif: cn=x has no objectClass, so objects cannot be applied to it \(export objectClass too, or set objects = all\)\$"
[ -z "$out" ] || fail "partial output after a record without objectClass"
run_a2r dump "${rd[@]}" --filter '(department=Sales)' --from-ldif "$d/ldifde-export.ldif"
expect_rc 78
expect_one_line
expect_err '^ad2relay: filter cannot be applied to an LDIF file \(--from-ldif\): export with that filter instead, or leave filter unset for this run$'
ok "objects applied to LDIF records; a filter refused (78)"

# a read error is not the end of the file (a directory read as nothing)
mkdir "$T/dir.ldif"
run_a2r dump "${rd[@]}" --from-ldif "$T/dir.ldif"
expect_rc 69
expect_err "^ad2relay: read $T/dir.ldif: Is a directory\$"
ok "a read error fails the run"

# URL values and include: lines are never opened (ad2relay runs as root):
# not a private file, not /dev/zero
umask_old=$(umask)
umask 077
echo 'secret@corp.example.com' >"$T/secret"
printf 'dn: cn=s\nmail: secret@corp.example.com\n' >"$T/secret.ldif"
umask "$umask_old"
printf 'dn: cn=p\nobjectClass: user\nmail:< file://%s\n' "$T/secret" >"$T/url.ldif"
bad_ldif "$T/url.ldif" 3 'mail:< URL values are not read'
echo "$err" | grep -q secret@ && fail "the private file's content was read"
printf 'dn: cn=p\nma\n il:< file://%s\n' "$T/secret" >"$T/url-folded.ldif"
bad_ldif "$T/url-folded.ldif" 2 'mail:< URL values are not read'
printf 'dn: cn=a\nmail: a@corp.example.com\n\n# x\ninclude: file://%s\n' "$T/secret.ldif" >"$T/incl.ldif"
bad_ldif "$T/incl.ldif" 5 '"include:" lines are not read'
run_a2r dump "${rd[@]}" --from-ldif "$T/incl.ldif"
echo "$out$err" | grep -q secret@ && fail "the included file was read"
for f in url-devzero include-devzero; do
	set +e
	timeout 10 "$AD2RELAY" --lock-file "$T/lock" dump "${rd[@]}" --from-ldif "$d/$f.ldif" \
		>"$T/.out" 2>"$T/.err"
	rc=$?
	set -e
	err=$(cat "$T/.err")
	[ "$rc" = 69 ] || fail "$f: status $rc"
done
expect_err "^ad2relay: $d/include-devzero.ldif:4: \"include:\" lines are not read\$"
ok "URL values and include: lines refused, never opened"
