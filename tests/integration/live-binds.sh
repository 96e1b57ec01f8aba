#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# live-binds.sh - LDAPS with the test CA, StartTLS, SASL EXTERNAL over
# ldapi://, anonymous; base from the rootDSE; the password never in argv
# or the environment.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
live_setup 300
n=$(wc -l <"$EXPECTED")

check() { # check CONF TLS-STATE
	run_a2r -c "$1" test
	expect_rc 0
	echo "$out" | grep -qx "tls:       $2" || fail "tls state, wanted $2: $out"
	echo "$out" | grep -qx "base:      $SLAPD_BASE" || fail "base from the rootDSE"
	echo "$out" | grep -qx "addresses: $n would be exported" || fail "count"
}

live_conf "$T/ldaps.conf" "uri=$SLAPD_LDAPS_URI"
check "$T/ldaps.conf" ldaps
ok "ldaps:// with the test CA"

live_conf "$T/starttls.conf"
check "$T/starttls.conf" StartTLS
ok "StartTLS on ldap:// by default"

# the system trust store does not know the test CA
live_conf "$T/noca.conf" "uri=$SLAPD_LDAPS_URI"
sed -i '/^tls_cacert/d' "$T/noca.conf"
run_a2r -c "$T/noca.conf" test
expect_rc 69
ok "without tls_cacert the test CA is not trusted"

live_conf "$T/ext.conf" "uri=$SLAPD_LDAPI_URI" "bind=external"
check "$T/ext.conf" "none (ldapi, local socket)"
echo "$out" | grep -qx 'bind:      external' || fail "bind external"
ok "SASL EXTERNAL over ldapi://"

live_conf "$T/anon.conf" "bind=anonymous"
check "$T/anon.conf" StartTLS
ok "anonymous bind"

# the password is read by ad2relay itself: never in argv or environment
live_conf "$T/slow.conf" "uri=$SLAPD_URI" "filter=(cn=*)"
(unset SLAPD_PW; exec "$AD2RELAY" -c "$T/slow.conf" sync) &
pid=$!
seen=0
for _ in $(seq 200); do
	# only once the process is ad2relay itself (not the shell before exec)
	if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$AD2RELAY")" ]; then
		seen=1
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$SLAPD_PW" && fail "password in argv"
		tr '\0' '\n' <"/proc/$pid/environ" | grep -q "$SLAPD_PW" && fail "password in environment"
	fi
	pid_alive "$pid" || break
	sleep 0.005
done
wait "$pid" || fail "sync failed"
[ "$seen" = 1 ] || echo "note: ad2relay finished before it could be inspected"
ok "password only from bindpw_file"
