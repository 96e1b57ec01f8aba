#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# live-failover.sh - sick domain controllers never become a wrong map:
# closed ports, listeners that never answer (ldap:// and ldaps://), a DC
# that hangs after the bind or in mid-search, and one whose connection is
# cut after the first page; the export always completes from a good DC.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
live_setup 1500
good=$SLAPD_URI
good_ldaps=$SLAPD_LDAPS_URI
good_port=$SLAPD_PORT
n=$(wc -l <"$EXPECTED")

closed=$(free_port)
faultproxy_start "$T" bh --mode blackhole || fail "blackhole proxy"
on_exit "faultproxy_stop '$T' bh"
bh=$FAULTPROXY_PORT

now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'; }
# within_timeouts START BASE - the sick DCs cost at most 2 x timeout: the
# run took no longer than 2 x 2 s past the export from a good DC alone
# (BASE s), given the slack a loaded machine needs (BASE counted twice)
within_timeouts() {
	local took
	took=$(since "$1")
	awk -v t="$took" -v b="$2" 'BEGIN { exit !(t < 2 * 2 + 2 * b + 1) }' ||
		fail "took $took s: more than 2 x timeout past the $2 s of a good DC"
}
# base_time CONF - seconds one export from the good DC alone takes (with
# StartTLS: a little more than over ldaps:// or plain LDAP)
base_time() {
	local t0
	t0=$(now)
	run_a2r -c "$1" dump --format list
	expect_rc 0
	since "$t0"
}

# 1. closed port, silent listener, good DC (ldap://, StartTLS), timeout 2
live_conf "$T/base.conf" "uri=$good"
base=$(base_time "$T/base.conf")
live_conf "$T/a.conf" "uri=ldap://127.0.0.1:$closed ldap://127.0.0.1:$bh $good"
t0=$(now)
run_a2r -v -c "$T/a.conf" dump --format list
expect_rc 0
within_timeouts "$t0" "$base"
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "export incomplete after failover"
expect_err "^ad2relay: ldap://127.0.0.1:$closed: connect: Can't contact LDAP server"
expect_err "^ad2relay: ldap://127.0.0.1:$bh: (StartTLS|connect): no answer within 2 s \(timeout\)$"
ok "ldap://: closed port and silent DC skipped within 2x timeout, -v says why"

# 2. the same over ldaps:// (libldap alone would stall in the TLS handshake)
live_conf "$T/b.conf" "uri=ldaps://127.0.0.1:$closed ldaps://127.0.0.1:$bh $good_ldaps"
t0=$(now)
run_a2r -v -c "$T/b.conf" dump --format list
expect_rc 0
within_timeouts "$t0" "$base"
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "ldaps export incomplete"
expect_err "^ad2relay: ldaps://127.0.0.1:$bh: connect: no answer within 2 s \(timeout\)$"
ok "ldaps://: silent DC skipped within 2x timeout"

# 3. a DC that answers the bind and then hangs in the search
faultproxy_start "$T" hang --mode forward --to "127.0.0.1:$good_port" --hang-after-bind ||
	fail "hang proxy"
on_exit "faultproxy_stop '$T' hang"
live_conf "$T/c.conf" "uri=ldap://127.0.0.1:$FAULTPROXY_PORT $good" "tls=none" "bind=anonymous" \
	"base=$SLAPD_BASE"
t0=$(now)
run_a2r -v -c "$T/c.conf" dump --format list
expect_rc 0
within_timeouts "$t0" "$base"
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "export incomplete after a hung search"
expect_err "^ad2relay: ldap://127.0.0.1:$FAULTPROXY_PORT: search: no answer within 2 s \(timeout\)$"
ok "a DC that hangs after the bind is survived"

# 4. a DC that stops answering in the middle of the second page
faultproxy_start "$T" midhang --mode forward --to "127.0.0.1:$good_port" \
	--hang-after-entries 700 || fail "midhang proxy"
on_exit "faultproxy_stop '$T' midhang"
live_conf "$T/d.conf" "uri=ldap://127.0.0.1:$FAULTPROXY_PORT $good" "tls=none" "bind=anonymous"
run_a2r -v -c "$T/d.conf" dump --format list
expect_rc 0
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "export incomplete after a mid-search hang"
expect_err "^ad2relay: ldap://127.0.0.1:$FAULTPROXY_PORT: search: no answer within 2 s"
ok "a DC that hangs mid-search: restarted on the next DC, complete"

# 5. two slapds with the same data; the first one's connection is cut
#    after the first page: the export restarts on the second, complete
mkdir "$T/ldap2"
cp "$LDIR/dir.ldif" "$T/dir2.ldif"
(
	slapd_setup "$T/ldap2" >/dev/null && slapd_load "$T/ldap2" "$T/dir2.ldif" >/dev/null &&
		slapd_start "$T/ldap2" >/dev/null
) || fail "second slapd"
on_exit "slapd_stop '$T/ldap2'"
second=$(. "$T/ldap2/env" && echo "$SLAPD_URI")
faultproxy_start "$T" cut --mode forward --to "127.0.0.1:$good_port" --cut-after-entries 600 ||
	fail "cut proxy"
on_exit "faultproxy_stop '$T' cut"
live_conf "$T/e.conf" "uri=ldap://127.0.0.1:$FAULTPROXY_PORT $second" "tls=none" "bind=anonymous"
run_a2r -v -c "$T/e.conf" dump --format list
expect_rc 0
diff "$EXPECTED" "$T/.out" >&2 || fail "export after a cut connection is not complete"
expect_err "^ad2relay: ldap://127.0.0.1:$FAULTPROXY_PORT: search: Can't contact LDAP server"
expect_err "^ad2relay: $second \(base"
ok "connection cut after the first page: complete export from the second DC"

# 6. and the first slapd killed for real while the second serves
slapd_stop "$LDIR"
live_conf "$T/f.conf" "uri=$good $second" "tls=none" "bind=anonymous"
run_a2r -c "$T/f.conf" dump --format list
expect_rc 0
diff -q "$EXPECTED" "$T/.out" >/dev/null || fail "export with the first DC down"
ok "first DC down: export from the second ($n addresses)"
