#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# live-errors.sh - every way the directory can fail ends with its exit
# status, one clear line, and the installed maps byte-identical.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
live_setup 200

# a good map first
run_a2r -c "$CONF" sync
expect_rc 0
snapshot "$T/out"

fails() { # fails STATUS REGEX CONF - sync must fail that way, maps intact
	run_a2r -c "$3" sync
	expect_rc "$1"
	expect_one_line
	expect_err "$2"
	unchanged "$T/out"
}

# every DC down
c1=$(free_port)
c2=$(free_port)
live_conf "$T/down.conf" "uri=ldap://127.0.0.1:$c1 ldaps://127.0.0.1:$c2"
fails 69 "^ad2relay: no domain controller delivered a complete result: ldap://127.0.0.1:$c1: connect: Can't contact LDAP server \(Connection refused\); ldaps://127.0.0.1:$c2: connect: Can't contact LDAP server \(Connection refused\)$" "$T/down.conf"
ok "all DCs down: 69, each DC and why on one line"

# wrong password: stop at once, do not try (and lock out on) the next DC
faultproxy_start "$T" bh --mode blackhole || fail "blackhole"
on_exit "faultproxy_stop '$T' bh"
printf 'wrong-password\n' >"$T/badpw"
plant_secret wrong-password
chmod 600 "$T/badpw"
live_conf "$T/pw.conf" "bindpw_file=$T/badpw" "uri=$SLAPD_URI ldap://127.0.0.1:$FAULTPROXY_PORT"
fails 77 "^ad2relay: $SLAPD_URI: bind as $SLAPD_BINDDN: Invalid credentials$" "$T/pw.conf"
# the second DC (a black hole that would hold the run for its timeout)
# never saw a connection: the proxy logs every one it accepts
[ -f "$T/bh.log" ] || fail "no black hole log"
grep -q accepted "$T/bh.log" && fail "tried further DCs after invalid credentials"
ok "wrong password: 77 at once, names the DC and the server's answer"

# password file readable by others, empty, missing
cp "$SLAPD_PWFILE" "$T/pw644"
chmod 644 "$T/pw644"
live_conf "$T/perm.conf" "bindpw_file=$T/pw644"
fails 78 "^ad2relay: bindpw_file $T/pw644 is readable or writable by others \(mode 0644\): it holds a password, run chmod 600 $T/pw644$" "$T/perm.conf"
: >"$T/pwempty"
chmod 600 "$T/pwempty"
live_conf "$T/empty.conf" "bindpw_file=$T/pwempty"
fails 78 "bindpw_file $T/pwempty is empty" "$T/empty.conf"
live_conf "$T/nopw.conf" "bindpw_file=$T/nonexistent"
fails 78 "bindpw_file $T/nonexistent: No such file or directory" "$T/nopw.conf"
ok "unsafe, empty or missing password file: 78 before any connection"

# simple bind over plain LDAP without the explicit allowance
live_conf "$T/plain.conf" "tls=none"
fails 78 "^ad2relay: $SLAPD_URI: refusing a simple bind with a password over plain LDAP \(tls = none\): use ldaps:// or tls = starttls, or set allow_plaintext_bind = yes$" "$T/plain.conf"
live_conf "$T/plainok.conf" "tls=none" "allow_plaintext_bind=yes"
run_a2r -c "$T/plainok.conf" test
expect_rc 0
echo "$out" | grep -qx 'tls:       none (tls = none)' || fail "plaintext allowed: tls state"
ok "plaintext simple bind refused (78) unless allow_plaintext_bind"

# certificates: untrusted CA, then a certificate for another host name
slapd_use_cert "$LDIR" untrusted
slapd_restart "$LDIR" >/dev/null || fail "restart slapd"
live_conf "$T/tls1.conf" "uri=$SLAPD_LDAPS_URI"
fails 69 "^ad2relay: no domain controller delivered a complete result: $SLAPD_LDAPS_URI: connect: Can't contact LDAP server \(.*certificate.*\)$" "$T/tls1.conf"
live_conf "$T/tls2.conf" "uri=$SLAPD_URI"
fails 69 "^ad2relay: no domain controller delivered a complete result: $SLAPD_URI: StartTLS: Connect error \(.*certificate.*\)$" "$T/tls2.conf"
ok "untrusted certificate: 69 (ldaps and StartTLS), message names the certificate"

slapd_use_cert "$LDIR" wrong
slapd_restart "$LDIR" >/dev/null || fail "restart slapd"
fails 69 "$SLAPD_LDAPS_URI: connect: Can't contact LDAP server \(.*(host|name).*\)$" "$T/tls1.conf"
ok "certificate for another host name: 69"

# the CA file itself missing is a configuration error
live_conf "$T/ca.conf" "tls_cacert=$T/no-such-ca.pem" "uri=$SLAPD_LDAPS_URI"
run_a2r -c "$T/ca.conf" sync
[ "$rc" = 78 ] || [ "$rc" = 69 ] || fail "missing CA file: status $rc"
expect_one_line
expect_err "no-such-ca.pem"
unchanged "$T/out"
ok "missing tls_cacert: one line naming the file (status $rc)"

# a search base the DC does not hold
slapd_use_cert "$LDIR" server
slapd_restart "$LDIR" >/dev/null || fail "restart slapd"
live_conf "$T/base.conf" "base=dc=other,dc=example"
fails 69 "search dc=other,dc=example: (No such object|Referral)" "$T/base.conf"
ok "a base the DC does not hold: 69"

# relay_domains = exchange from a directory that is no Active Directory:
# its rootDSE names no configuration naming context
live_conf "$T/exch.conf" "relay_domains=exchange, example.org"
fails 69 "^ad2relay: (no domain controller delivered a complete result: )?$SLAPD_URI: relay_domains = exchange: the rootDSE names no configurationNamingContext \(not Active Directory\?\)$" "$T/exch.conf"
ok "relay_domains = exchange without a configuration naming context: 69"
