#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-ad.sh - a real Active Directory: Samba's AD DC, provisioned and
# populated once per run (cached), in a private network namespace.
# Complete export over LDAPS (paging against 2,500+ users, continuation
# references skipped), disabled accounts, computers, range retrieval, and
# a simple bind on plain 389 refused with advice.
. "$top_srcdir/tests/integration/lib/samba.sh"
samba_require
samba_reexec_in_ns "$@"
. "$top_srcdir/tests/integration/lib/common.sh"
set -e

samba_fixture "$T/dc" >/dev/null
samba_start "$T/dc" >/dev/null
on_exit "samba_stop '$T/dc'"
dc=$T/dc
chmod 600 "$dc/svc.pw"
mkdir -p "$T/out"

conf() { # conf FILE [KEY=VALUE ...]: the common lines, then these
	local f=$1
	shift
	write_conf "$f" "relay_domains=$SAMBA_RELAY_DOMAINS" timeout=10 \
		"output=$T/out/relay_recipients" "lock_file=$T/lock" "$@"
}
simple=("uri=$SAMBA_LDAPS_URI" "binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw"
	"tls_cacert=$dc/ca.pem")

conf "$T/a.conf" "${simple[@]}"
run_a2r -v -c "$T/a.conf" dump --format list
expect_rc 0
diff "$dc/expected.txt" "$T/.out" >&2 || fail "export from Samba differs from the expected set"
n=$(wc -l <"$dc/expected.txt")
pages=$(sed -n 's/.*ldaps, \([0-9]*\) pages, \([0-9]*\) references skipped.*/\1 \2/p' "$T/.err")
[ "${pages% *}" -ge 5 ] || fail "paging not exercised: $pages"
[ "${pages#* }" -ge 1 ] || fail "no continuation references counted: $pages"
ok "complete export of $n addresses over LDAPS; ${pages% *} pages; ${pages#* } references skipped"

# the base came from the rootDSE's defaultNamingContext
run_a2r -c "$T/a.conf" test
expect_rc 0
echo "$out" | grep -qx "base:      $SAMBA_BASE" || fail "base: $out"
ok "base from defaultNamingContext"

# disabled accounts are kept by default (shared and room mailboxes)...
grep -q '^shared\|^room\|^info@' "$dc/expected.txt" || true
run_a2r -c "$T/a.conf" dump --format list --exclude-disabled
expect_rc 0
diff "$dc/expected-enabled.txt" "$T/.out" >&2 || fail "exclude_disabled differs"
[ "$(wc -l <"$dc/expected-enabled.txt")" -lt "$n" ] || fail "no disabled account in the fixture"
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
