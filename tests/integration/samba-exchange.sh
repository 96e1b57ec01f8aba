#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-exchange.sh - relay_domains = exchange against Samba's AD DC: the
# Exchange organisation's accepted domains (msExchAcceptedDomain in the
# configuration partition, added by the fixture) as relay domains, alone
# and with listed domains, over LDAPS and over the Global Catalog with
# GSSAPI; unusable accepted domains warned about; every failure path with
# its exit status, one line, and the installed map unchanged.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
chmod 600 "$dc/svc.pw"
export KRB5_CONFIG=$dc/krb5.conf KRB5CCNAME=FILE:$T/user-ccache
simple=("uri=$SAMBA_LDAPS_URI" "binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw"
	"tls_cacert=$dc/ca.pem")
cfgnc="CN=Configuration,$SAMBA_BASE"
accepted=$(sed -n 's/^accepted_dn=//p' "$dc/stats")
[ -n "$accepted" ] || fail "the fixture has no accepted domains (stats: accepted_dn)"

# relay_of OUTPUT: the relay domains `ad2relay test` lists, one a line, sorted
relay_of() { sed -n 's/^relay:     //p' <<<"$1" | tr ' ' '\n' | sort; }

# xconf FILE RELAY_DOMAINS [KEY=VALUE ...]: conf with relay_domains as given
xconf() {
	local f=$1 relay=$2
	shift 2
	write_conf "$f" "relay_domains=$relay" timeout=30 "output=$T/out/relay_recipients" \
		"lock_file=$T/lock" "$@"
}

# the fixture's accepted domains are exactly the relay domains the other
# Samba tests list: the same map, without listing them
samba_ldapsearch "$dc" -b "$accepted" '(objectClass=msExchAcceptedDomain)' \
	msExchAcceptedDomainName msExchAcceptedDomainFlags >"$T/accepted.ldif"
[ "$(grep -c '^msExchAcceptedDomainName:' "$T/accepted.ldif")" = 5 ] ||
	fail "the fixture's accepted domains: $(cat "$T/accepted.ldif")"
xconf "$T/x.conf" exchange "${simple[@]}"
run_a2r -c "$T/x.conf" test
expect_rc 0
[ "$(relay_of "$out")" = "$(tr ' ' '\n' <<<"$SAMBA_RELAY_DOMAINS" | sort)" ] ||
	fail "relay domains from Exchange: $out"
echo "$out" | grep -qx "exchange:  3 of 5 accepted domains relayed, from $cfgnc (1 external relay, 1 outbound only, 0 unusable)" ||
	fail "exchange line: $out"
[ ! -s "$T/.err" ] || fail "warnings: $err"
run_a2r -v -c "$T/x.conf" sync
expect_rc 0
diff "$dc/expected.txt" <(cut -d' ' -f1 "$T/out/relay_recipients") >&2 ||
	fail "relay_domains = exchange: the map differs from the listed domains' map"
expect_err "relay_domains: 3 of 5 accepted domains of $cfgnc relayed"
ok "relay_domains = exchange: authoritative (default, wildcard) and internal relay kept, external relay and outbound-only not"

# combined with listed domains: partner.example.net (external relay in
# Exchange) listed by hand, so its addresses come in too
xconf "$T/xl.conf" "exchange, partner.example.net" "${simple[@]}"
run_a2r -c "$T/xl.conf" test
expect_rc 0
[ "$(relay_of "$out")" = "$(tr ' ' '\n' <<<"$SAMBA_RELAY_DOMAINS partner.example.net" | sort)" ] ||
	fail "listed + Exchange: $out"
echo "$out" | grep -q '^relay:     partner\.example\.net ' || fail "the listed domain first: $out"
run_a2r -c "$T/xl.conf" dump --format list
expect_rc 0
comm -23 "$T/.out" "$dc/expected.txt" >"$T/extra"
comm -13 "$T/.out" "$dc/expected.txt" | grep . && fail "listed + Exchange lost addresses"
if [ ! -s "$T/extra" ] || grep -v '@partner\.example\.net$' "$T/extra"; then
	fail "listed + Exchange: added $(cat "$T/extra")"
fi
ok "exchange with a listed domain: $(wc -l <"$T/extra") partner.example.net addresses added"

# explain judges by the same relay domains: Exchange's, plus the listed
run_a2r -c "$T/x.conf" explain partner.person@partner.example.net
expect_rc 1
echo "$out" | grep -q 'its domain is not in relay_domains' || fail "explain (exchange): $out"
run_a2r -c "$T/xl.conf" explain partner.person@partner.example.net
expect_rc 0
echo "$out" | grep -qx '=> in the map' || fail "explain (exchange + listed): $out"
ok "explain applies the relay domains read from Exchange"

# the same over the Global Catalog (scope = forest) with GSSAPI: the
# configuration partition is in every Global Catalog
xconf "$T/gc.conf" exchange "uri=$SAMBA_LDAP_URI" "scope=forest" "keytab=$dc/svc.keytab" \
	"principal=$SAMBA_SVC_PRINCIPAL" "sasl_nocanon=yes"
run_a2r -c "$T/gc.conf" dump --format list
expect_rc 0
diff "$dc/expected.txt" "$T/.out" >&2 || fail "exchange over the Global Catalog differs"
ok "relay_domains = exchange over the Global Catalog with GSSAPI"

# unusable accepted domains are warned about (escaped), not relayed
snapshot "$T/out"
samba_ldapmodify "$dc" >/dev/null <<-EOF
	dn: CN=Everything,$accepted
	changetype: add
	objectClass: msExchAcceptedDomain
	msExchAcceptedDomainName: *
	msExchAcceptedDomainFlags: 2

	dn: CN=Bad Name,$accepted
	changetype: add
	objectClass: msExchAcceptedDomain
	msExchAcceptedDomainName:: $(printf 'evil\033[31m.example' | base64)
	msExchAcceptedDomainFlags: 0

	dn: CN=Bad Type,$accepted
	changetype: add
	objectClass: msExchAcceptedDomain
	msExchAcceptedDomainName: odd.example.net
	msExchAcceptedDomainFlags: 3
EOF
run_a2r -v -c "$T/x.conf" sync
expect_rc 0
unchanged "$T/out"
[ "$(grep -c '^ad2relay: warning: ' "$T/.err")" = 3 ] || fail "three warnings expected: $err"
expect_err "warning: accepted domain CN=Everything,$accepted: msExchAcceptedDomainName \"\*\" means every domain, which a recipient map cannot list \(list the domains in relay_domains\): not relayed"
expect_err "accepted domain CN=Bad Name,$accepted: msExchAcceptedDomainName \"evil\\\\x1b\[31m\.example\" is not a domain name: not relayed"
expect_err "accepted domain CN=Bad Type,$accepted: msExchAcceptedDomainFlags \"3\" is no known domain type: not relayed"
grep -q $'\033' "$T/.err" && fail "an escape sequence reached stderr"
run_a2r -c "$T/x.conf" test
echo "$out" | grep -q '^exchange:  3 of 8 accepted domains relayed, .* 3 unusable)$' || fail "test: $out"
ok "unusable accepted domains (\"*\", a bad name, an unknown type): warned about, escaped, map unchanged"

# failure: no accepted domain left to relay (all external relay now):
# 69, one line, the map unchanged
mods=""
for cn in corp.example.com Subdomains example.org "Bad Name"; do
	mods+="dn: CN=$cn,$accepted
changetype: modify
replace: msExchAcceptedDomainFlags
msExchAcceptedDomainFlags: 1

"
done
printf '%s' "$mods" | samba_ldapmodify "$dc" >/dev/null
run_a2r -c "$T/x.conf" sync
expect_rc 69
expect_one_line
expect_err "^ad2relay: (no domain controller delivered a complete result: )?$SAMBA_LDAPS_URI: relay_domains = exchange: no authoritative or internal-relay accepted domain in $cfgnc \(8 msExchAcceptedDomain objects\)$"
unchanged "$T/out"
# listed domains do not hide it: the accepted domains were asked for
run_a2r -c "$T/xl.conf" sync
expect_rc 69
expect_err "no authoritative or internal-relay accepted domain"
unchanged "$T/out"
ok "no accepted domain to relay: 69, one line, map unchanged"

# failure: an LDIF file holds no accepted domains: 78, one line
samba_ldapsearch "$dc" -b "$SAMBA_BASE" '(mail=*)' proxyAddresses mail objectClass >"$T/d.ldif"
run_a2r -c "$T/x.conf" sync --from-ldif "$T/d.ldif"
expect_rc 78
expect_one_line
expect_err "^ad2relay: relay_domains = exchange reads the accepted domains from the directory, not from an LDIF file \(--from-ldif\): list the domains for this run \(--relay-domains\)$"
unchanged "$T/out"
ok "exchange with --from-ldif: 78, one line, map unchanged"

# failure: the second DC fails over to nothing (dc2 is dead): 69 with
# every DC's reason, map unchanged
xconf "$T/x2.conf" exchange "uri=ldaps://$SAMBA_DEAD_FQDN $SAMBA_LDAPS_URI" \
	"binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw" "tls_cacert=$dc/ca.pem"
run_a2r -c "$T/x2.conf" sync
expect_rc 69
expect_one_line
expect_err "^ad2relay: no domain controller delivered a complete result: ldaps://$SAMBA_DEAD_FQDN: connect: .*; $SAMBA_LDAPS_URI: relay_domains = exchange: no authoritative"
unchanged "$T/out"
ok "failover: every DC's reason, 69, map unchanged"
