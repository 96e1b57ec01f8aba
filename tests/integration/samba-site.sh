#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-site.sh - site-aware DC choice on a real AD DC (Samba): the site
# learnt by the LDAP ping (CLDAP) or configured, its DCs first, then the
# domain's, none twice; a DC that answers the ping with garbage or not at
# all, and a site without DCs, leave the domain's list in charge.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
need python3
chmod 600 "$dc/svc.pw"
# a domain-joined box: the domain from krb5.conf's default_realm, the DCs
# from DNS (Samba's internal DNS)
samba_etc_install "$dc"
simple=("binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw" "tls_cacert=$dc/ca.pem")
# the order of DCs is under test, not the export: one entry is enough
one=("${simple[@]}" "filter=(cn=Shared Info)")
admin=(-U "Administrator%$SAMBA_ADMIN_PASS")
msdcs=_msdcs.$SAMBA_DNSDOMAIN

test_line() { # test_line KEY - the line "KEY: ..." of the last run's output
	echo "$out" | sed -n "s/^$1: *//p"
}

run_test() { # run_test CONF - ad2relay test must succeed
	run_a2r -c "$1" test
	expect_rc 0
	echo "$out" | grep -qx "addresses: 3 would be exported" || fail "count: $out"
}

# one site and no subnet: Samba places every client in its only site
conf "$T/auto.conf" "${one[@]}"
run_test "$T/auto.conf"
[ "$(test_line site)" = "Default-First-Site-Name (LDAP ping to $SAMBA_FQDN)" ] ||
	fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_FQDN:389 (DNS SRV _ldap._tcp.Default-First-Site-Name._sites.dc.$msdcs, then _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
ok "site = auto (the default): the LDAP ping names the DC's only site, its DCs first"

# a second site, with the subnet of this box in it (the ping comes from
# 127.0.0.1), and no DC of its own yet
samba_tool "$dc" sites create Branch >/dev/null
samba_tool "$dc" sites subnet create 127.0.0.0/8 Branch >/dev/null
run_test "$T/auto.conf"
[ "$(test_line site)" = "Branch (LDAP ping to $SAMBA_FQDN)" ] || fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_FQDN:389 (DNS SRV _ldap._tcp.dc.$msdcs; the site has none: no such name in DNS)" ] ||
	fail "dcs line: $out"
ok "a subnet places this box in site Branch, which has no DCs: the domain's list"

# Branch gets dc1; the domain-wide list puts a dead DC (dc2) before dc1
samba_tool "$dc" dns add "$SAMBA_IP" "$msdcs" _ldap._tcp.Branch._sites.dc SRV \
	"$SAMBA_FQDN 389 0 100" "${admin[@]}" >/dev/null
samba_tool "$dc" dns update "$SAMBA_IP" "$msdcs" _ldap._tcp.dc SRV \
	"$SAMBA_FQDN 389 0 100" "$SAMBA_FQDN 389 10 100" "${admin[@]}" >/dev/null
samba_tool "$dc" dns add "$SAMBA_IP" "$msdcs" _ldap._tcp.dc SRV \
	"$SAMBA_DEAD_FQDN 389 0 100" "${admin[@]}" >/dev/null
run_test "$T/auto.conf"
[ "$(test_line site)" = "Branch (LDAP ping to $SAMBA_FQDN)" ] || fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_FQDN:389 (DNS SRV _ldap._tcp.Branch._sites.dc.$msdcs, then _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
echo "$out" | grep -qx "           ldap://$SAMBA_DEAD_FQDN:389" || fail "dc2 after dc1: $out"
[ "$(echo "$out" | grep -c "ldap://$SAMBA_FQDN:389")" = 2 ] || fail "dc1 listed twice: $out"
[ "$(test_line dc)" = "ldap://$SAMBA_FQDN:389" ] || fail "dc line: $out"
ok "the site's DC first, then the domain's (a dead DC, answering no ping), none twice"

# site = none: the domain's order, the dead DC first
conf "$T/none.conf" "${one[@]}" site=none
run_test "$T/none.conf"
[ "$(test_line site)" = "none (site = none)" ] || fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_DEAD_FQDN:389 (DNS SRV _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
[ "$(test_line dc)" = "ldap://$SAMBA_FQDN:389 (after earlier DCs failed; -v says why)" ] ||
	fail "dc line: $out"
ok "site = none: no ping, the domain's list in its DNS order"

# a configured site: no ping; one without DCs leaves the domain's list
conf "$T/dfsn.conf" "${one[@]}" site=Default-First-Site-Name
run_test "$T/dfsn.conf"
[ "$(test_line site)" = "Default-First-Site-Name (configured)" ] || fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_FQDN:389 (DNS SRV _ldap._tcp.Default-First-Site-Name._sites.dc.$msdcs, then _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
conf "$T/nosuch.conf" "${one[@]}" site=Nosuch
run_test "$T/nosuch.conf"
[ "$(test_line site)" = "Nosuch (configured)" ] || fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_DEAD_FQDN:389 (DNS SRV _ldap._tcp.dc.$msdcs; the site has none: no such name in DNS)" ] ||
	fail "dcs line: $out"
ok "site = NAME: that site's DCs first; a site without DCs: the domain's list"

# two sites and no subnet for this box: the DC places it in no site
samba_tool "$dc" sites subnet remove 127.0.0.0/8 >/dev/null
run_test "$T/auto.conf"
[ "$(test_line site)" = "none (LDAP ping: $SAMBA_FQDN places this host's address in no site)" ] ||
	fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_DEAD_FQDN:389 (DNS SRV _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
samba_tool "$dc" sites subnet create 127.0.0.0/8 Branch >/dev/null
ok "no subnet matches this box: no site, the domain's list"

# -v tells the site with the rest of discovery
conf "$T/all.conf" "${simple[@]}"
run_a2r -v -c "$T/all.conf" dump --format list
expect_rc 0
expect_err "^ad2relay: domain: $SAMBA_DNSDOMAIN \(default_realm of /etc/krb5.conf\); site: Branch \(LDAP ping to $SAMBA_FQDN\); DCs: "
diff "$dc/expected.txt" "$T/.out" >&2 || fail "export with the site's DC first"
ok "-v names the site; the export is complete"

# dc1 stops answering the ping (Samba without its cldap service: nothing
# on UDP 389) and dc2 answers it with garbage: no site, the domain's
# list, bounded by the timeout
samba_stop "$dc"
sed -i 's/^\(\s*server services = \)ldap, cldap,/\1ldap,/' "$dc/smb.conf"
grep -q 'server services = ldap, kdc' "$dc/smb.conf" || fail "cldap not removed from smb.conf"
samba_start "$dc" >/dev/null
cat >"$T/cldap-stub.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 389))
open(sys.argv[2], "w").close()
def tlv(tag, body):
    n = len(body)
    return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x82, n >> 8, n & 255])) + body

def name(dotted):
    return b"".join(bytes([len(l)]) + l.encode() for l in dotted.split(".") if l) + b"\0"

def answer(msgid, domain, site):
    # NETLOGON_SAM_LOGON_RESPONSE_EX: opcode 23, flags, GUID, 8 names
    nl = bytes([23, 0, 0, 0, 0xfd, 0x03, 0, 0]) + bytes(16) + name(domain) + name(domain)
    nl += name("dc2." + domain) + name("CORP") + name("DC2") + name("")
    nl += name(site) + name(site) + bytes([5, 0, 0, 0, 255, 255, 255, 255])
    attr = tlv(0x30, tlv(0x04, b"netlogon") + tlv(0x31, tlv(0x04, nl)))
    return tlv(0x30, msgid + tlv(0x64, tlv(0x04, b"") + tlv(0x30, attr)))

mode = sys.argv[3]
while True:
    q, peer = s.recvfrom(4096)
    if mode == "garbage":
        # an LDAP message of another ID, then bytes that are no BER at all
        s.sendto(bytes.fromhex("300c020200ff640604003002ffff"), peer)
        s.sendto(b"\xff" * 64, peer)
    elif mode != "silent":
        # the request's messageID element, whatever its length
        at = 2 if q[1] < 128 else 2 + (q[1] & 127)
        msgid = q[at:at + 2 + q[at + 1]]
        if mode == "badsite":
            s.sendto(answer(msgid, "corp.example.com", "Bad_Site.x"), peer)
        else:
            s.sendto(answer(msgid, "evil.example", "Branch"), peer)
EOF
python3 "$T/cldap-stub.py" "$SAMBA_DEAD_IP" "$T/stub.ready" garbage &
stub=$!
on_exit "kill $stub 2>/dev/null; wait $stub 2>/dev/null"
wait_for 10 test -e "$T/stub.ready" || fail "CLDAP stub did not start"
conf "$T/t3.conf" "${one[@]}"
sed -i 's/^timeout = .*/timeout = 3/' "$T/t3.conf"
start=$SECONDS
run_test "$T/t3.conf"
[ $((SECONDS - start)) -le 12 ] || fail "the ping took longer than its timeout"
[ "$(test_line site)" = "none known (LDAP ping: $SAMBA_DEAD_FQDN: unusable answer: an answer to another request)" ] ||
	fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_DEAD_FQDN:389 (DNS SRV _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
ok "garbage from one DC, silence from the other: no site, the domain's list"

kill "$stub"
wait "$stub" 2>/dev/null || true
python3 "$T/cldap-stub.py" "$SAMBA_DEAD_IP" "$T/stub2.ready" silent &
stub=$!
on_exit "kill $stub 2>/dev/null; wait $stub 2>/dev/null"
wait_for 10 test -e "$T/stub2.ready" || fail "CLDAP stub did not start"
start=$SECONDS
run_test "$T/t3.conf"
elapsed=$((SECONDS - start))
{ [ "$elapsed" -ge 3 ] && [ "$elapsed" -le 12 ]; } || fail "the silent ping took $elapsed s (timeout 3)"
[ "$(test_line site)" = "none known (LDAP ping: no answer within 3 s from 2 DCs)" ] ||
	fail "site line: $out"
ok "a DC that is silent, one that refuses: no site after the timeout ($elapsed s in all)"

kill "$stub"
wait "$stub" 2>/dev/null || true
start=$SECONDS
run_test "$T/t3.conf"
[ "$(test_line site)" = "none known (LDAP ping: no DC answers on UDP port 389 (2 refused))" ] ||
	fail "site line: $out"
[ $((SECONDS - start)) -lt 3 ] || fail "refused pings waited for the timeout"
ok "both DCs refuse the ping (ICMP): no site at once"

# well-formed answers that cannot be used: a site that is no DNS label,
# an answer for another domain
stub_run() { # stub_run MODE
	python3 "$T/cldap-stub.py" "$SAMBA_DEAD_IP" "$T/stub-$1.ready" "$1" &
	stub=$!
	on_exit "kill $stub 2>/dev/null; wait $stub 2>/dev/null"
	wait_for 10 test -e "$T/stub-$1.ready" || fail "CLDAP stub did not start"
	run_test "$T/t3.conf"
	kill "$stub"
	wait "$stub" 2>/dev/null || true
}
stub_run badsite
[ "$(test_line site)" = "none usable (LDAP ping: $SAMBA_DEAD_FQDN names a site that is no DNS label)" ] ||
	fail "site line: $out"
stub_run otherdomain
[ "$(test_line site)" = "none known (LDAP ping: $SAMBA_DEAD_FQDN: unusable answer: an answer for another domain)" ] ||
	fail "site line: $out"
[ "$(test_line dcs)" = "ldap://$SAMBA_DEAD_FQDN:389 (DNS SRV _ldap._tcp.dc.$msdcs)" ] ||
	fail "dcs line: $out"
ok "an answer naming a site that is no DNS label, one for another domain: no site"

# what cannot be a site, and a site with uri: 78, one line, maps unchanged
run_a2r -c "$T/all.conf" sync
expect_rc 0
snapshot "$T/out"
for bad in "Branch.Office" "Bad_Site" "$(printf 'x%.0s' $(seq 64))"; do
	conf "$T/bad.conf" "${simple[@]}" "site=$bad"
	run_a2r -c "$T/bad.conf" sync
	expect_rc 78
	expect_one_line
	expect_err "^ad2relay: $T/bad.conf:[0-9]+: site: \"$bad\" is not auto, none or a site name \(one DNS label: letters, digits and hyphens\)$"
	unchanged "$T/out"
done
conf "$T/uri.conf" "${simple[@]}" site=Branch "uri=$SAMBA_LDAPS_URI"
run_a2r -c "$T/uri.conf" sync
expect_rc 78
expect_one_line
expect_err "^ad2relay: site applies to DCs found in DNS, and uri lists the DCs: list the site's DCs first in uri, or leave uri unset$"
unchanged "$T/out"
ok "a site that is no DNS label, or site with uri: 78, maps unchanged"
