#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-forest.sh - scope = forest against Samba's Global Catalog (ports
# 3268 and 3269, base ""): GSSAPI with sealing on 3268 from Global
# Catalogs found by DNS SRV (_gc._tcp), LDAPS on 3269 and StartTLS on 3268
# from uri, each equal to the domain search; `ad2relay test` names the
# Global Catalog and the naming contexts covered; every failure path with
# its exit status, one line, and the installed map unchanged.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
chmod 600 "$dc/svc.pw"
export KRB5_CONFIG=$dc/krb5.conf KRB5CCNAME=FILE:$T/user-ccache
simple=("binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw" "tls_cacert=$dc/ca.pem")
gss=("bind=gssapi" "keytab=$dc/svc.keytab" "principal=$SAMBA_SVC_PRINCIPAL" "sasl_nocanon=yes")

# the domain search, to compare with
conf "$T/d.conf" "uri=$SAMBA_LDAPS_URI" "${simple[@]}"
run_a2r -c "$T/d.conf" dump --format list
expect_rc 0
cp "$T/.out" "$T/domain.list"
diff "$dc/expected.txt" "$T/domain.list" >&2 || fail "the domain search differs from the fixture"
run_a2r -c "$T/d.conf" test
echo "$out" | grep -qx 'scope:     domain' || fail "scope domain: $out"

# GSSAPI (sealed) on 3268, the Global Catalogs from DNS SRV _gc._tcp
conf "$T/g.conf" "scope=forest" "domain=$SAMBA_DNSDOMAIN" "${gss[@]}"
run_a2r -c "$T/g.conf" test
expect_rc 0
for want in "dc:        ldap://$SAMBA_FQDN:3268" \
	"dcs:       ldap://$SAMBA_FQDN:3268 (DNS SRV _gc._tcp.$SAMBA_DNSDOMAIN)" \
	"tls:       none (GSSAPI signs and seals)" \
	'base:      "" (every domain of the forest)' \
	"scope:     forest (Global Catalog ldap://$SAMBA_FQDN:3268)"; do
	echo "$out" | grep -qxF "$want" || fail "test lacks \"$want\": $out"
done
entries=$(sed -n 's/^entries:   \([0-9]*\) in .*/\1/p' <<<"$out")
echo "$out" | grep -qxF "covered:   $SAMBA_BASE ($entries entries)" || fail "covered: $out"
run_a2r -c "$T/g.conf" sync
expect_rc 0
diff "$T/domain.list" <(cut -d' ' -f1 "$T/out/relay_recipients") >&2 ||
	fail "the Global Catalog (GSSAPI) differs from the domain search"
ok "GSSAPI on the Global Catalog found by _gc._tcp: $entries entries of $SAMBA_BASE, the domain search's map"

# LDAPS: a URI without a port goes to 3269
conf "$T/s.conf" "scope=forest" "uri=$SAMBA_LDAPS_URI" "${simple[@]}"
run_a2r -c "$T/s.conf" test
expect_rc 0
echo "$out" | grep -qxF "scope:     forest (Global Catalog $SAMBA_LDAPS_URI:3269)" || fail "ldaps: $out"
echo "$out" | grep -qxF "tls:       ldaps" || fail "ldaps: $out"
run_a2r -c "$T/s.conf" dump --format list
expect_rc 0
diff "$T/domain.list" "$T/.out" >&2 || fail "the Global Catalog (ldaps) differs from the domain search"
# StartTLS on 3268, named in the URI
conf "$T/t.conf" "scope=forest" "uri=$SAMBA_LDAP_URI:3268" "${simple[@]}"
run_a2r -c "$T/t.conf" test
expect_rc 0
echo "$out" | grep -qxF "tls:       StartTLS" || fail "StartTLS: $out"
run_a2r -c "$T/t.conf" dump --format list
expect_rc 0
diff "$T/domain.list" "$T/.out" >&2 || fail "the Global Catalog (StartTLS) differs from the domain search"
# userAccountControl is in the partial attribute set: exclude_disabled works
run_a2r -c "$T/s.conf" dump --format list --exclude-disabled
expect_rc 0
diff "$dc/expected-enabled.txt" "$T/.out" >&2 || fail "exclude_disabled on the Global Catalog"
ok "LDAPS on 3269 and StartTLS on 3268: the domain search's map; exclude_disabled too"

snapshot "$T/out"
# failure: a domain's own LDAP port is no Global Catalog: 78 before any
# connection, one line, map unchanged
for port in 389 636; do
	scheme=ldap
	[ "$port" = 636 ] && scheme=ldaps
	conf "$T/p.conf" "scope=forest" "uri=$scheme://$SAMBA_FQDN:$port" "${simple[@]}"
	run_a2r -c "$T/p.conf" sync
	expect_rc 78
	expect_one_line
	expect_err "^ad2relay: $scheme://$SAMBA_FQDN:$port: scope = forest searches the Global Catalog, on port 3268 \(ldap://\) or 3269 \(ldaps://\); port $port holds one domain only$"
	unchanged "$T/out"
done
ok "scope = forest with port 389 or 636: 78, one line, map unchanged"

# failure: no _gc._tcp records for the domain: 69, one line with advice
conf "$T/n.conf" "scope=forest" "domain=nogc.$SAMBA_DNSDOMAIN" "${gss[@]}"
run_a2r -c "$T/n.conf" sync
expect_rc 69
expect_one_line
expect_err "^ad2relay: no Global Catalog found \(scope = forest\): no SRV records for _gc\._tcp\.nogc\.$SAMBA_DNSDOMAIN \(no such name in DNS\); in a child domain, set domain to the forest root domain, or set uri$"
unchanged "$T/out"
ok "no _gc._tcp records: 69, one line with advice, map unchanged"

# failure: the Global Catalog does not answer (dc2 is dead): 69; with a
# second, working one after it, the export succeeds from that one
conf "$T/x.conf" "scope=forest" "uri=ldaps://$SAMBA_DEAD_FQDN" "${simple[@]}"
run_a2r -c "$T/x.conf" sync
expect_rc 69
expect_one_line
expect_err "^ad2relay: no domain controller delivered a complete result: ldaps://$SAMBA_DEAD_FQDN:3269: connect: .*Connection refused"
unchanged "$T/out"
conf "$T/x2.conf" "scope=forest" "uri=ldaps://$SAMBA_DEAD_FQDN $SAMBA_LDAPS_URI" "${simple[@]}"
run_a2r -c "$T/x2.conf" test
expect_rc 0
echo "$out" | grep -qxF "dc:        $SAMBA_LDAPS_URI:3269 (after earlier DCs failed; -v says why)" ||
	fail "failover between Global Catalogs: $out"
ok "a dead Global Catalog: 69, map unchanged; the next one is tried"

# failure: the forest base named wrongly (a base no partition holds): 69
conf "$T/b.conf" "scope=forest" "uri=$SAMBA_LDAPS_URI" "base=DC=other,DC=example" "${simple[@]}"
run_a2r -c "$T/b.conf" sync
expect_rc 69
expect_one_line
expect_err "search DC=other,DC=example: "
unchanged "$T/out"
ok "a base the Global Catalog does not hold: 69, one line, map unchanged"
