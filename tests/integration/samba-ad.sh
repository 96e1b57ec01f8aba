#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-ad.sh - a real Active Directory: Samba's AD DC, provisioned and
# populated once per run (cached), in a private network namespace.
# Complete export over LDAPS (paging against 2,500+ users, continuation
# references skipped), disabled accounts, computers, range retrieval, and
# a simple bind on plain 389 refused with advice.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
chmod 600 "$dc/svc.pw"
simple=("uri=$SAMBA_LDAPS_URI" "binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw"
	"tls_cacert=$dc/ca.pem")

conf "$T/a.conf" "${simple[@]}"
run_a2r -v -c "$T/a.conf" dump --format list
expect_rc 0
diff "$dc/expected.txt" "$T/.out" >&2 || fail "export from Samba differs from the expected set"
cp "$T/.out" "$T/default.list"
n=$(wc -l <"$dc/expected.txt")
pages=$(sed -En 's/.*ldaps, ([0-9]*) pages?, ([0-9]*) references? skipped.*/\1 \2/p' "$T/.err")
[ "${pages% *}" -ge 5 ] || fail "paging not exercised: $pages"
[ "${pages#* }" -ge 1 ] || fail "no continuation references counted: $pages"
ok "complete export of $n addresses over LDAPS; ${pages% *} pages; ${pages#* } references skipped"

# -v counts the entries by object class as the directory has them: each
# kind counted by a search of its own (objectClass comes with every entry)
want=
for k in "user:(&(objectClass=user)(!(objectClass=computer)))" "group:(objectClass=group)" \
	"contact:(objectClass=contact)" "public folder:(objectClass=publicFolder)" \
	"dynamic list:(objectClass=msExchDynamicDistributionList)"; do
	c=$(samba_ldapsearch "$dc" -E pr=1000/noprompt -b "$SAMBA_BASE" \
		"(&${k#*:}(|(proxyAddresses=*)(mail=*)))" 1.1 | grep -c '^dn:') || true
	noun=${k%%:*}
	[ "$c" = 1 ] || noun+=s
	want+="${want:+, }$c $noun"
done
grep -qxF "ad2relay: entries by class: $want" "$T/.err" ||
	fail "-v counts by class: want \"$want\" in: $(grep 'by class' "$T/.err")"
ok "-v counts by object class match the directory's: $want"

# the base came from the rootDSE's defaultNamingContext
run_a2r -c "$T/a.conf" test
expect_rc 0
echo "$out" | grep -qx "base:      $SAMBA_BASE" || fail "base: $out"
ok "base from defaultNamingContext"

# disabled accounts are kept by default (shared and room mailboxes, whose
# primary addresses no enabled object holds)...
shared=$(samba_ldapsearch "$dc" -b "$SAMBA_BASE" \
	'(&(userAccountControl:1.2.840.113556.1.4.803:=2)(|(cn=Shared Info)(cn=Room Berlin)))' \
	proxyAddresses | sed -n 's/^proxyAddresses: SMTP://p' | tr 'A-Z' 'a-z' | sort)
[ "$(echo "$shared")" = "$(printf 'info@corp.example.com\nroom.berlin@corp.example.com')" ] ||
	fail "the fixture's disabled shared and room mailboxes: \"$shared\""
for a in $shared; do
	grep -qx "$a" "$T/default.list" || fail "disabled mailbox $a not exported by default"
done
run_a2r -c "$T/a.conf" dump --format list --exclude-disabled
expect_rc 0
diff "$dc/expected-enabled.txt" "$T/.out" >&2 || fail "exclude_disabled differs"
[ "$(wc -l <"$dc/expected-enabled.txt")" -lt "$n" ] || fail "no disabled account in the fixture"
for a in $shared; do
	grep -qx "$a" "$T/.out" && fail "disabled mailbox $a exported with exclude_disabled"
done
ok "disabled accounts kept by default, excluded with exclude_disabled"

# ...msExchHideFromAddressLists does not exclude, computers never appear
hidden=$(samba_ldapsearch "$dc" -b "$SAMBA_BASE" '(&(msExchHideFromAddressLists=TRUE)(mail=*))' mail |
	sed -n 's/^mail: //p' | head -1 | tr 'A-Z' 'a-z')
[ -n "$hidden" ] || fail "fixture has no hidden mailbox"
grep -qx "$hidden" "$T/.out" || fail "hidden-from-address-lists $hidden not exported"
wks=$(samba_ldapsearch "$dc" -b "$SAMBA_BASE" '(&(objectClass=computer)(mail=*))' mail |
	sed -n 's/^mail: //p' | head -1 | tr 'A-Z' 'a-z')
[ -n "$wks" ] || fail "fixture has no computer with mail"
grep -qx "$wks" "$dc/expected.txt" "$T/.out" && fail "computer $wks exported"
ok "msExchHideFromAddressLists ($hidden) exported; computer ($wks) never"

# range retrieval: ask for 1000-value ranges, so the 3000 values of the
# big list arrive as range=0-999 and are completed with further requests
conf "$T/r.conf" "${simple[@]}" "range_size=1000"
run_a2r -c "$T/r.conf" dump --format list
expect_rc 0
diff "$dc/expected.txt" "$T/.out" >&2 || fail "export with range retrieval differs"
big=$(samba_ldapsearch "$dc" -b "$SAMBA_BIG_DN" -s base '(objectClass=*)' 'proxyAddresses;range=0-999' |
	grep -ci '^proxyAddresses;range=0-999:')
[ "$big" = 1000 ] || fail "Samba did not answer with a range ($big)"
run_a2r -c "$T/r.conf" explain "$(sed -n 's/^proxyAddresses;range=2000-\*: smtp://Ip' < <(
	samba_ldapsearch "$dc" -b "$SAMBA_BIG_DN" -s base '(objectClass=*)' 'proxyAddresses;range=2000-*') |
	tail -1)"
expect_rc 0
ok "range retrieval: 3000 values in ranges of 1000, the last range's values in the map"

# a simple bind on plain 389 is refused by ad2relay's default...
conf "$T/p.conf" "uri=$SAMBA_LDAP_URI" "binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw" "tls=none"
run_a2r -c "$T/p.conf" dump
expect_rc 78
expect_err 'refusing a simple bind with a password over plain LDAP'
# ...and by Samba itself when plaintext is allowed
echo "allow_plaintext_bind = yes" >>"$T/p.conf"
run_a2r -c "$T/p.conf" dump
expect_rc 77
expect_one_line
expect_err "bind as $SAMBA_SVC_DN: Strong\(er\) authentication required .*use ldaps://, tls = starttls, or bind = gssapi$"
# StartTLS on 389 works
conf "$T/s.conf" "uri=$SAMBA_LDAP_URI" "binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw" "tls_cacert=$dc/ca.pem"
run_a2r -c "$T/s.conf" dump --format list
expect_rc 0
cmp -s "$dc/expected.txt" "$T/.out" || fail "StartTLS export"
ok "plain 389: refused by ad2relay (78), by Samba (77, with advice); StartTLS works"

# strongAuthRequired is a property of that endpoint: the next URI is
# tried (no lockout risk: the credentials were never judged)...
conf "$T/f.conf" "uri=$SAMBA_LDAP_URI $SAMBA_LDAPS_URI" "binddn=$SAMBA_SVC_DN" \
	"bindpw_file=$dc/svc.pw" "tls=none" "tls_cacert=$dc/ca.pem" "allow_plaintext_bind=yes"
run_a2r -v -c "$T/f.conf" dump --format list
expect_rc 0
cmp -s "$dc/expected.txt" "$T/.out" || fail "export after the strongAuthRequired DC"
expect_err "$SAMBA_LDAP_URI: bind as $SAMBA_SVC_DN: Strong\(er\) authentication required"
# ...and when every endpoint wants more, each one's reason is told (77)
conf "$T/f2.conf" "uri=$SAMBA_LDAP_URI ldap://127.0.0.2" "binddn=$SAMBA_SVC_DN" \
	"bindpw_file=$dc/svc.pw" "tls=none" "allow_plaintext_bind=yes"
run_a2r -c "$T/f2.conf" dump
expect_rc 77
expect_one_line
expect_err "^ad2relay: no domain controller delivered a complete result: $SAMBA_LDAP_URI: bind as $SAMBA_SVC_DN: Strong\(er\) authentication required .*; ldap://127\.0\.0\.2: bind as $SAMBA_SVC_DN: Strong\(er\) authentication required .*use ldaps://, tls = starttls, or bind = gssapi\$"
ok "strongAuthRequired: the next URI is tried; every endpoint's reason when none offers more (77)"
