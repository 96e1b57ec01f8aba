#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# messages.sh - the first-contact failures say what is wrong and what to
# do: no config file (which file was looked for), a refused connection, a
# missing tls_cacert (the OS error), a DC without StartTLS (advice), and
# "dump | head" ends quietly, as cat does.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e

# 1. no -c and no default config file: name the file looked for
default=$("$AD2RELAY" --help | sed -n 's/.*(default \(.*\))$/\1/p')
[ -n "$default" ] || fail "ad2relay --help names no default config file"
if [ -e "$default" ]; then
	echo "skip: $default exists on this machine (no-config-file message not tested)"
else
	run_a2r dump
	expect_rc 78
	expect_one_line
	expect_err "^ad2relay: $default: No such file or directory \(create it, or name a config file with -c FILE\): relay_domains is not set"
	ok "no config file: 78, names $default and what to do"
fi

# 5. a reader that goes away is not an error (SIGPIPE, as cat and grep)
gen_ldif 20000 "$T/big.ldif"
set +e
"$AD2RELAY" -c /dev/null --relay-domains corp.example.com --lock-file "$T/lock" \
	dump --from-ldif "$T/big.ldif" 2>"$T/.err" | head -1 >"$T/.out"
st=("${PIPESTATUS[@]}")
set -e
err=$(cat "$T/.err")
[ -s "$T/.out" ] || fail "dump | head printed nothing"
[ ! -s "$T/.err" ] || fail "dump | head: a message on stderr"
# 128 + SIGPIPE (13): killed by SIGPIPE, as cat would be
[ "${st[0]}" = 141 ] || fail "dump | head: ad2relay status ${st[0]}, expected 141 (SIGPIPE)"
[ "${st[1]}" = 0 ] || fail "dump | head: head status ${st[1]}"
ok "dump | head -1: quiet, killed by SIGPIPE (141) like cat"
# any other failed write to standard output is still an error
if [ -w /dev/full ]; then
	set +e
	"$AD2RELAY" -c /dev/null --relay-domains corp.example.com --lock-file "$T/lock" \
		dump --from-ldif "$T/big.ldif" >/dev/full 2>"$T/.err"
	rc=$?
	set -e
	err=$(cat "$T/.err")
	expect_rc 73 "dump >/dev/full"
	expect_one_line
	expect_err "^ad2relay: write to standard output failed"
	ok "dump >/dev/full: still 73 with a message"
fi

live_setup 20

# 2. (half) a refused connection says so; resolve.sh has the name that
# does not resolve
closed=$(free_port)
live_conf "$T/refused.conf" "uri=ldap://127.0.0.1:$closed"
run_a2r -c "$T/refused.conf" test
expect_rc 69
expect_one_line
expect_err "ldap://127.0.0.1:$closed: connect: Can't contact LDAP server \(Connection refused\)$"
ok "refused connection: 69, says Connection refused"

# 3. a missing CA file: the OS error, before any connection
for uri in "$SLAPD_URI" "$SLAPD_LDAPS_URI"; do
	live_conf "$T/ca.conf" "tls_cacert=$T/x/ca.pem" "uri=$uri"
	run_a2r -c "$T/ca.conf" test
	expect_rc 78
	expect_one_line
	expect_err "^ad2relay: $uri: tls_cacert $T/x/ca.pem: No such file or directory$"
done
ok "missing tls_cacert: 78, tls_cacert FILE: No such file or directory"

# 4. a DC without StartTLS (slapd with no TLS configured): advice
: >"$LDIR/tls.conf"
slapd_restart "$LDIR" >/dev/null || fail "restart slapd without TLS"
for tls in auto starttls; do
	live_conf "$T/notls.conf" "tls=$tls"
	run_a2r -c "$T/notls.conf" test
	expect_rc 69
	expect_one_line
	expect_err "$SLAPD_URI: StartTLS: .*; this DC does not offer StartTLS: use ldaps://, or bind = gssapi with tls = none \(Kerberos seals the connection\)$"
done
ok "DC without StartTLS: 69 with advice (ldaps:// or Kerberos sealing)"
