#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# live-export.sh - a complete export from a real slapd with an AD-like
# schema and AD's 1000-entry limit: paged search gets everything.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
live_setup 3000

# the server really has AD's limit: a plain search stops at 1000
set +e
ldapsearch -x -H "$SLAPD_URI" -D "$SLAPD_BINDDN" -y "$SLAPD_PWFILE" -b "$SLAPD_BASE" \
	'(objectClass=user)' dn >/dev/null 2>&1
lrc=$?
set -e
[ "$lrc" = 4 ] || fail "plain search did not hit sizeLimitExceeded (rc $lrc)"

run_a2r -v -c "$CONF" dump --format list
expect_rc 0
[ "$(wc -l <"$EXPECTED")" -gt 6000 ] || fail "generator made too few addresses"
diff "$EXPECTED" "$T/.out" >&2 || fail "export differs from the expected set"
expect_err 'filter: \(&\(\|\(&\(objectClass=user\)\(!\(objectClass=computer\)\)\)'
expect_err "$SLAPD_URI \(base dc=corp,dc=example,dc=com, StartTLS, [0-9]+ pages"
ok "complete export of $(wc -l <"$EXPECTED") addresses over StartTLS, filter shown with -v"

# page size 1000 is AD's maximum and works; 1001 is refused by slapd
run_a2r -c "$CONF" dump --format list --page-size 1000
expect_rc 0
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "page size 1000"
run_a2r -c "$CONF" dump --format list --page-size 1001
expect_rc 69
expect_one_line
expect_err "Administrative limit exceeded"
ok "page_size 1000 complete; 1001 refused as a failed search (69)"

run_a2r -c "$CONF" dump --format list --exclude-disabled
expect_rc 0
diff "$EXPECTED_ENABLED" "$T/.out" >&2 || fail "exclude_disabled set differs"
ok "exclude_disabled with the 1.2.840.113556.1.4.803 matching rule"

run_a2r -c "$CONF" test
expect_rc 0
echo "$out" | grep -qx "dc:        $SLAPD_URI" || fail "test: dc"
echo "$out" | grep -qx "tls:       StartTLS" || fail "test: tls"
echo "$out" | grep -qx "base:      $SLAPD_BASE" || fail "test: base"
echo "$out" | grep -q "^filter:    (&(|" || fail "test: filter"
echo "$out" | grep -Eq "^entries:   [0-9]+ in [0-9]+ pages" || fail "test: entries"
echo "$out" | grep -qx "addresses: $(wc -l <"$EXPECTED") would be exported" || fail "test: count"
ok "ad2relay test reports DC, TLS, base, filter and counts"

# sync installs the same set; the objects key narrows the filter
run_a2r -c "$CONF" sync
expect_rc 0
[ -z "$err" ] || fail "sync not silent: $err"
diff "$EXPECTED" <(cut -d' ' -f1 "$T/out/relay_recipients") >&2 || fail "installed map differs"
run_a2r -v -c "$CONF" dump --objects groups --format list
expect_rc 0
expect_err 'filter: \(&\(\|\(objectClass=group\)\)\(\|\(proxyAddresses=\*\)\(mail=\*\)\)\)$'
[ "$(wc -l <"$T/.out")" -lt 1000 ] || fail "objects=groups did not narrow the search"
ok "sync installs the export; objects narrows the filter"

# incremental = yes against a DC without DirSync (slapd):
# a full sync every run, with a warning, no state file, the same map
live_conf "$T/inc.conf" incremental=yes "output=$T/inc/relay_recipients"
mkdir -p "$T/inc"
for i in 1 2; do
	run_a2r -v -c "$T/inc.conf" sync
	expect_rc 0
	expect_err 'a full sync every run'
	cmp -s "$T/out/relay_recipients" "$T/inc/relay_recipients" || fail "incremental run $i: map differs"
done
[ -z "$(ls "$T/inc" | grep -v '^relay_recipients\(\.cdb\|\.origins\)\?$')" ] ||
	fail "incremental without DirSync left a state: $(ls "$T/inc")"
run_a2r -c "$T/inc.conf" test
expect_rc 0
echo "$out" | grep -q '^incremental: *not possible' || fail "test: incremental line: $out"
ok "incremental = yes without DirSync (slapd): a full sync every run, no state"

# continuation references (AD sends them from the domain root) are
# skipped and counted, never chased, never a failure
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF || fail "ldapadd referral"
dn: ou=DomainDnsZones,$SLAPD_BASE
objectClass: referral
objectClass: extensibleObject
ou: DomainDnsZones
ref: ldap://domaindnszones.corp.example.com/ou=DomainDnsZones,$SLAPD_BASE
LDIF
run_a2r -v -c "$CONF" dump --format list
expect_rc 0
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "export with a reference"
expect_err ', 1 reference skipped\)'
run_a2r -c "$CONF" test
echo "$out" | grep -q '(1 continuation reference skipped)' || fail "test: references"
ok "continuation references skipped and counted"

# a final referral result (the DC does not hold the base) fails the attempt
live_conf "$T/ref.conf" "base=ou=x,ou=DomainDnsZones,$SLAPD_BASE"
run_a2r -c "$T/ref.conf" dump
expect_rc 69
expect_one_line
expect_err "search ou=x,ou=DomainDnsZones,$SLAPD_BASE: Referral"
ok "a referral as the final result fails (69)"
