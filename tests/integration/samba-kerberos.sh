#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-kerberos.sh - Kerberos from a keytab against Samba's AD DC: GSSAPI
# with sign/seal on 389 from a private ccache, its failures, DNS SRV
# discovery, and the one-line configuration of a domain-joined box.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
export KRB5_CONFIG=$dc/krb5.conf
# the user's own ccache: ad2relay must neither read nor write it
export KRB5CCNAME=FILE:$T/user-ccache

gss=("uri=$SAMBA_LDAP_URI" "bind=gssapi" "keytab=$dc/svc.keytab" "principal=$SAMBA_SVC_PRINCIPAL"
	"sasl_nocanon=yes")

conf "$T/g.conf" "${gss[@]}"
run_a2r -c "$T/g.conf" test
expect_rc 0
echo "$out" | grep -qx "tls:       none (GSSAPI signs and seals)" || fail "tls: $out"
echo "$out" | grep -qx "bind:      gssapi as $SAMBA_SVC_PRINCIPAL (configured)" || fail "bind: $out"
run_a2r -c "$T/g.conf" sync
expect_rc 0
diff "$dc/expected.txt" <(cut -d' ' -f1 "$T/out/relay_recipients") >&2 || fail "GSSAPI export differs"
[ ! -e "$T/user-ccache" ] || fail "the user's ccache was written"
ok "GSSAPI from a keytab on ldap://:389 with sign/seal; no kinit, user's ccache untouched"

# GSSAPI inside TLS: Samba refuses it either way (with a SASL layer: "not
# allowed if TLS is used", without: "required"); the message says what to do
conf "$T/gs.conf" "uri=$SAMBA_LDAPS_URI" "bind=gssapi" "keytab=$dc/svc.keytab" \
	"principal=$SAMBA_SVC_PRINCIPAL" "sasl_nocanon=yes" "tls_cacert=$dc/ca.pem"
run_a2r -c "$T/gs.conf" dump --format list
expect_rc 77
expect_one_line
expect_err "this DC refuses GSSAPI inside TLS: use an ldap:// URI with tls = auto"
ok "GSSAPI over ldaps:// refused by Samba: 77 with advice"

# a keytab holds keys: owner-only, like bindpw_file
install -m 644 "$dc/svc.keytab" "$T/open.keytab"
conf "$T/o.conf" "uri=$SAMBA_LDAP_URI" "bind=gssapi" "keytab=$T/open.keytab" \
	"principal=$SAMBA_SVC_PRINCIPAL" "sasl_nocanon=yes"
run_a2r -c "$T/o.conf" sync
expect_rc 78
expect_err "keytab $T/open.keytab is readable or writable by others \(mode 0644\)"
: >"$T/empty.keytab"
chmod 600 "$T/empty.keytab"
conf "$T/e.conf" "uri=$SAMBA_LDAP_URI" "bind=gssapi" "keytab=$T/empty.keytab" \
	"principal=$SAMBA_SVC_PRINCIPAL" "sasl_nocanon=yes"
run_a2r -c "$T/e.conf" sync
expect_rc 78
expect_one_line
ok "a keytab readable by others or empty: 78"

# failures: a keytab without the principal, a disabled account, no KDC
conf "$T/k.conf" "uri=$SAMBA_LDAP_URI" "bind=gssapi" "keytab=$dc/krb5.keytab" \
	"principal=$SAMBA_SVC_PRINCIPAL" "sasl_nocanon=yes"
run_a2r -c "$T/k.conf" sync
expect_rc 77
expect_one_line
expect_err "^ad2relay: Kerberos login as $SAMBA_SVC_PRINCIPAL with keytab $dc/krb5.keytab: .*(not found|No key table entry|no suitable keys)"
ok "a keytab without the principal: 77"

conf "$T/m.conf" "${gss[@]/keytab=*/keytab=$T/missing.keytab}"
run_a2r -c "$T/m.conf" sync
expect_rc 78
expect_err "keytab $T/missing.keytab: No such file or directory"
ok "a missing keytab: 78"

sed "s/kdc = .*/kdc = $SAMBA_DEAD_FQDN/" "$dc/krb5.conf" >"$T/dead-krb5.conf"
KRB5_CONFIG=$T/dead-krb5.conf run_a2r -c "$T/g.conf" sync
expect_rc 69
expect_one_line
expect_err "Kerberos login as $SAMBA_SVC_PRINCIPAL .*: Cannot contact any KDC"
ok "no KDC reachable: 69"

samba_tool "$dc" user disable "$SAMBA_SVC_USER" >/dev/null
run_a2r -c "$T/g.conf" sync
expect_rc 77
expect_one_line
expect_err "Kerberos login as $SAMBA_SVC_PRINCIPAL .*: .*(revoked|disabled|locked)"
samba_tool "$dc" user enable "$SAMBA_SVC_USER" >/dev/null
ok "a disabled (revoked) principal: 77"

# DNS SRV: domain = corp.example.com finds dc1 through Samba's own DNS
conf "$T/d.conf" "domain=$SAMBA_DNSDOMAIN" "bind=gssapi" "keytab=$dc/svc.keytab" \
	"principal=$SAMBA_SVC_PRINCIPAL"
run_a2r -c "$T/d.conf" test
expect_rc 0
echo "$out" | grep -Eqx "dcs:       ldap://$SAMBA_FQDN:389 \(DNS SRV _ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.$SAMBA_DNSDOMAIN, then _ldap._tcp.dc._msdcs.$SAMBA_DNSDOMAIN\)" ||
	fail "SRV: $out"
ok "DNS SRV discovery of the DCs (_ldap._tcp.dc._msdcs, the site's first)"

# the one-line configuration of a domain-joined box: krb5.conf with the
# realm and /etc/krb5.keytab with the machine account (GATEWAY$)
samba_etc_install "$dc" --keytab
unset KRB5_CONFIG
printf 'relay_domains = %s\noutput = %s\nlock_file = %s\n' "$SAMBA_RELAY_DOMAINS" \
	"$T/out/joined" "$T/lock" >"$T/joined.conf"
run_a2r -c "$T/joined.conf" test
expect_rc 0
echo "$out" | grep -qx "domain:    $SAMBA_DNSDOMAIN (default_realm of /etc/krb5.conf)" || fail "domain: $out"
echo "$out" | grep -qx "site:      Default-First-Site-Name (LDAP ping to $SAMBA_FQDN)" ||
	fail "site: $out"
echo "$out" | grep -q "^dcs:       ldap://$SAMBA_FQDN:389 (DNS SRV" || fail "dcs: $out"
echo "$out" | grep -qx "bind:      gssapi as $SAMBA_MACHINE_PRINCIPAL (the machine keytab /etc/krb5.keytab)" ||
	fail "bind: $out"
run_a2r -c "$T/joined.conf" sync
expect_rc 0
diff "$dc/expected.txt" <(cut -d' ' -f1 "$T/out/joined") >&2 || fail "domain-joined export differs"
ok "domain-joined box: only relay_domains configured; realm, SRV and machine keytab worked out"
