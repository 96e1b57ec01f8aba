#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# samba-selftest.sh -- prove that the Samba AD DC harness (samba.sh,
# samba-populate.py) works: namespace, fixture cache, start/stop, LDAPS
# simple bind, strongAuthRequired on 389, Kerberos from both keytabs,
# GSSAPI with sign/seal on 389, DNS SRV from Samba's internal DNS, paged
# search, continuation references, range retrieval, and that
# expected.txt / expected-enabled.txt match what the DC really holds.
#
#   tests/integration/lib/samba-selftest.sh          # exit 0 = harness OK
#   KEEP=1 tests/integration/lib/samba-selftest.sh   # keep the work directory
#
# Exit 77 when Samba is not installed (see samba_deps_install in samba.sh).
# Everything runs in a private network/mount/PID namespace; samba is
# stopped by PID at the end.

set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=samba.sh
. "$here/samba.sh"
samba_require
samba_reexec_in_ns "$@"

work=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-samba-selftest.XXXXXX")
D=$work/dc
failures=0
passes=0

cleanup() {
	samba_stop "$D"
	if [ "${KEEP:-}" ]; then
		echo "# work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

ok() { echo "ok - $*"; passes=$((passes + 1)); }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
ms() { _samba_ms; }

B=$SAMBA_BASE
USERS='(&(objectClass=user)(!(objectClass=computer)))'

# ldaps_svc ARGS...: ldapsearch over LDAPS, simple bind as svc-relay
ldaps_svc() {
	LDAPTLS_CACERT=$D/ca.pem ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=10 \
		-H "$SAMBA_LDAPS_URI" -D "$SAMBA_SVC_DN" -y "$D/svc.pw" "$@"
}
# gssapi ARGS...: ldapsearch with GSSAPI (sign/seal) on 389, ccache DIR/krb5cc
gssapi() {
	LDAPSASL_NOCANON=on ldapsearch -Q -LLL -o ldif-wrap=no -o nettimeout=10 \
		-Y GSSAPI -H "$SAMBA_LDAP_URI" "$@"
}
rc_of() { local r=0; "$@" >"$work/out" 2>"$work/err" || r=$?; echo "$r"; }

echo "# namespace: net $(readlink /proc/self/ns/net), /etc: $SAMBA_NS_ETC, hostname $(hostname)"
check "only a loopback interface in the namespace" \
	test "$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')" = "lo "
check "dc1.corp.example.com resolves to $SAMBA_IP (private /etc/hosts)" \
	test "$(getent hosts "$SAMBA_FQDN" | awk '{print $1}')" = "$SAMBA_IP"

# ---------------------------------------------------------------- fixture
t0=$(ms)
samba_fixture "$D" || { fail "samba_fixture"; exit 1; }
t_fixture=$(($(ms) - t0))
ok "samba_fixture (${t_fixture} ms including any cache build)"
t0=$(ms)
samba_start "$D" || { fail "samba_start"; exit 1; }
t_start=$(($(ms) - t0))
ok "samba_start (${t_start} ms)"
samba_client_env "$D"

# ---------------------------------------------------------------- binds
r=$(rc_of ldaps_svc -b "$B" -s base "(objectClass=*)" dn)
check "LDAPS simple bind as svc-relay (DN) with Samba's CA" test "$r" = 0
r=$(rc_of env LDAPTLS_CACERT="$D/ca.pem" ldapsearch -x -LLL -H "$SAMBA_LDAPS_URI" \
	-D "$SAMBA_SVC_UPN" -y "$D/svc.pw" -b "$B" -s base "(objectClass=*)" dn)
check "LDAPS simple bind as svc-relay (UPN)" test "$r" = 0
r=$(rc_of env LDAPTLS_CACERT="$D/ca.pem" ldapsearch -x -LLL -H "$SAMBA_LDAPS_URI" \
	-D "$SAMBA_SVC_DN" -w 'wrong password' -b "$B" -s base "(objectClass=*)" dn)
check "LDAPS simple bind with a wrong password: invalidCredentials (49)" test "$r" = 49
r=$(rc_of env LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt ldapsearch -x -LLL \
	-o nettimeout=5 -H "$SAMBA_LDAPS_URI" -D "$SAMBA_SVC_DN" -y "$D/svc.pw" -b "$B" -s base "(objectClass=*)" dn)
check "LDAPS without Samba's CA: certificate refused (rc $r)" test "$r" != 0
r=$(rc_of ldapsearch -x -LLL -H "$SAMBA_LDAP_URI" -D "$SAMBA_SVC_DN" -y "$D/svc.pw" \
	-b "$B" -s base "(objectClass=*)" dn)
check "simple bind on plain 389 refused: strongAuthRequired (8)" test "$r" = 8
grep -q 'Transport encryption required' "$work/err" ||
	fail "389 refusal says 'Transport encryption required'"
r=$(rc_of env LDAPTLS_CACERT="$D/ca.pem" ldapsearch -x -ZZ -LLL -H "$SAMBA_LDAP_URI" \
	-D "$SAMBA_SVC_DN" -y "$D/svc.pw" -b "$B" -s base "(objectClass=*)" dn)
check "StartTLS on 389 + simple bind" test "$r" = 0

# ---------------------------------------------------------------- Kerberos
r=$(rc_of samba_kinit "$D" "$D/svc.keytab" "$SAMBA_SVC_PRINCIPAL")
check "kinit -k svc-relay@CORP.EXAMPLE.COM from DIR/svc.keytab" test "$r" = 0
r=$(rc_of gssapi -b "$B" -s base "(objectClass=*)" dn)
check "GSSAPI (sign/seal) on ldap://dc1.corp.example.com:389" test "$r" = 0
# (Samba has no WhoAmI extended operation: ldapsearch's own SASL report)
r=$(rc_of env LDAPSASL_NOCANON=on ldapsearch -LLL -Y GSSAPI -H "$SAMBA_LDAP_URI" \
	-b "" -s base '(objectClass=*)' dnsHostName)
check "GSSAPI as svc-relay@CORP.EXAMPLE.COM with a security layer (SSF > 0)" \
	eval 'grep -q "^SASL username: svc-relay@CORP.EXAMPLE.COM" "$work/err" &&
		grep -Eq "^SASL SSF: [1-9]" "$work/err"' 
r=$(rc_of env LDAPTLS_CACERT="$D/ca.pem" LDAPSASL_NOCANON=on ldapsearch -Q -LLL \
	-Y GSSAPI -H "$SAMBA_LDAPS_URI" -b "$B" -s base "(objectClass=*)" dn)
check "GSSAPI inside TLS (ldaps) refused by Samba (rc $r)" test "$r" != 0
r=$(rc_of env LDAPSASL_NOCANON=on ldapsearch -Q -LLL -O maxssf=0 -Y GSSAPI \
	-H "$SAMBA_LDAP_URI" -b "$B" -s base "(objectClass=*)" dn)
check "GSSAPI without sign/seal (maxssf=0) refused (rc $r)" test "$r" != 0
kdestroy -q 2>/dev/null
r=$(rc_of samba_kinit "$D" "$D/krb5.keytab" "$SAMBA_MACHINE_PRINCIPAL")
check "kinit -k 'GATEWAY\$@CORP.EXAMPLE.COM' from DIR/krb5.keytab" test "$r" = 0
r=$(rc_of env LDAPSASL_NOCANON=on ldapsearch -LLL -Y GSSAPI -H "$SAMBA_LDAP_URI" \
	-b "$B" -s base '(objectClass=*)' dn)
check "GSSAPI as the machine account GATEWAY\$" \
	eval 'test "$r" = 0 && grep -q "^SASL username: GATEWAY\\\$@CORP.EXAMPLE.COM" "$work/err"' 
check "DIR/krb5.keytab lists GATEWAY\$ first, like adcli" \
	test "$(klist -k "$D/krb5.keytab" | awk 'NR>3{print $2; exit}')" = "$SAMBA_MACHINE_PRINCIPAL"
kdestroy -q 2>/dev/null
if [ "$SAMBA_NS_ETC" = overlay ]; then
	check "samba_etc_install --keytab: /etc/krb5.conf + /etc/krb5.keytab (private /etc)" \
		samba_etc_install "$D" --keytab
	r=$(rc_of env -u KRB5_CONFIG KRB5CCNAME=MEMORY: kinit -k "$SAMBA_MACHINE_PRINCIPAL")
	check "kinit -k with the default /etc/krb5.conf and /etc/krb5.keytab" test "$r" = 0
else
	echo "ok - samba_etc_install # SKIP no /etc overlay in this namespace"
fi

# ---------------------------------------------------------------- DNS
if command -v host >/dev/null 2>&1; then
	r=$(rc_of host -W 3 -t SRV _ldap._tcp.dc._msdcs.corp.example.com "$SAMBA_IP")
	check "DNS SRV _ldap._tcp.dc._msdcs from Samba's internal DNS" \
		grep -q "389 $SAMBA_FQDN" "$work/out"
	r=$(rc_of host -W 3 -t SRV _ldap._tcp.corp.example.com)
	check "DNS SRV _ldap._tcp.corp.example.com through the private resolv.conf" \
		grep -q "389 $SAMBA_FQDN" "$work/out"
	r=$(rc_of host -W 3 -t SRV _kerberos._tcp.corp.example.com)
	check "DNS SRV _kerberos._tcp.corp.example.com" grep -q "88 $SAMBA_FQDN" "$work/out"
else
	fail "host(1) not installed (bind9-host)"
fi

# ---------------------------------------------------------------- searches
r=$(rc_of ldaps_svc -E pr=1000/noprompt -b "$B" "$USERS" dn)
n=$(grep -c '^dn:' "$work/out")
check "paged search (pr=1000) of all users: $n entries >= $SAMBA_USERS" \
	test "$r" = 0 -a "$n" -ge "$SAMBA_USERS"
r=$(rc_of env LDAPTLS_CACERT="$D/ca.pem" ldapsearch -x -o ldif-wrap=no -H "$SAMBA_LDAPS_URI" \
	-D "$SAMBA_SVC_DN" -y "$D/svc.pw" -b "$B" '(objectClass=organizationalUnit)' dn)
nref=$(grep -c '^ref: ' "$work/out")
check "subtree search from $B returns continuation references ($nref)" \
	test "$r" = 0 -a "$nref" -ge 1
r=$(rc_of ldaps_svc -b "$SAMBA_BIG_DN" -s base '(objectClass=*)' 'proxyAddresses;range=0-999')
n=$(grep -c '^proxyAddresses;range=0-999::\? ' "$work/out")
check "range retrieval: proxyAddresses;range=0-999 gives 1000 values ($n)" \
	test "$r" = 0 -a "$n" = 1000
r=$(rc_of ldaps_svc -b "$SAMBA_BIG_DN" -s base '(objectClass=*)' 'proxyAddresses;range=1000-*')
n=$(grep -c '^proxyAddresses;range=1000-\*::\? ' "$work/out")
check "range retrieval: proxyAddresses;range=1000-* gives the other $((SAMBA_BIG_VALUES - 1000)) ($n)" \
	test "$r" = 0 -a "$n" = $((SAMBA_BIG_VALUES - 1000))
r=$(rc_of ldaps_svc -b "$SAMBA_BIG_DN" -s base '(objectClass=*)' proxyAddresses)
n=$(grep -c '^proxyAddresses::\? ' "$work/out")
check "no forced range retrieval: plain proxyAddresses gives all $SAMBA_BIG_VALUES ($n)" \
	test "$r" = 0 -a "$n" = "$SAMBA_BIG_VALUES"
r=$(rc_of ldaps_svc -b "$B" '(msExchHideFromAddressLists=TRUE)' dn)
n=$(grep -c '^dn:' "$work/out")
check "schema extension: msExchHideFromAddressLists filter matches ($n)" test "$r" = 0 -a "$n" -ge 1
r=$(rc_of ldaps_svc -b "$B" '(|(objectClass=publicFolder)(objectClass=msExchDynamicDistributionList))' dn)
n=$(grep -c '^dn:' "$work/out")
check "schema extension: publicFolder + msExchDynamicDistributionList objects ($n)" \
	test "$r" = 0 -a "$n" = 2

# expected.txt must be exactly what the DC holds (computed from a live dump
# with the same rules as samba-populate.py).
r=$(rc_of ldaps_svc -E pr=500/noprompt -b "$B" \
	'(|(&(objectClass=user)(!(objectClass=computer)))(objectClass=group)(objectClass=contact)(objectClass=publicFolder)(objectClass=msExchDynamicDistributionList))' \
	proxyAddresses mail userAccountControl)
cp "$work/out" "$work/dump.ldif"
"$SAMBA_PYTHON" - "$work/dump.ldif" "$work/live.txt" "$work/live-enabled.txt" <<'EOF'
import base64, sys
relay = lambda d: d in ("corp.example.com", "example.org") or d.endswith(".corp.example.com")
entries, cur = [], None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line:
        cur = None
        continue
    if line.startswith("#"):
        continue
    attr, _, val = line.partition(":")
    if val.startswith(":"):
        val = base64.b64decode(val[1:].strip()).decode("utf-8")
    else:
        val = val[1:] if val.startswith(" ") else val
    if attr == "dn":
        cur = {}
        entries.append(cur)
    elif cur is not None:
        cur.setdefault(attr.lower(), []).append(val)
allk, enk = set(), set()
for e in entries:
    addrs = [v.partition(":")[2] for v in e.get("proxyaddresses", [])
             if v.partition(":")[0].lower() == "smtp"] + e.get("mail", [])
    disabled = int(e.get("useraccountcontrol", ["0"])[0]) & 2
    for a in addrs:
        k = a.casefold()
        if relay(k.rsplit("@", 1)[1]):
            allk.add(k)
            if not disabled:
                enk.add(k)
for path, keys in ((sys.argv[2], allk), (sys.argv[3], enk)):
    with open(path, "wb") as f:
        f.writelines(sorted(k.encode() + b"\n" for k in keys))
EOF
check "expected.txt ($(wc -l <"$D/expected.txt") addresses) matches the live directory" \
	cmp -s "$D/expected.txt" "$work/live.txt"
check "expected-enabled.txt ($(wc -l <"$D/expected-enabled.txt")) matches the live directory" \
	cmp -s "$D/expected-enabled.txt" "$work/live-enabled.txt"
check "expected.txt is LC_ALL=C sorted and unique" \
	env LC_ALL=C sort -c -u "$D/expected.txt"
check "the computer's address is not expected" \
	test "$(grep -c '^wks01@' "$D/expected.txt")" = 0
check "UTF-8 folding: Straße -> strasse@corp.example.com, Jürgen.Müller lower-cased" \
	grep -qx 'strasse@corp.example.com' "$D/expected.txt"
grep -qx 'jürgen.müller@corp.example.com' "$D/expected.txt" || fail "jürgen.müller folded"

# ---------------------------------------------------------------- stop
t0=$(ms)
samba_stop "$D"
t_stop=$(($(ms) - t0))
left=""
for f in /proc/[0-9]*/comm; do
	case $(cat "$f" 2>/dev/null) in samba* | smbd* | winbindd* | nmbd*) left="$left ${f#/proc/}" ;; esac
done
check "samba_stop (${t_stop} ms) leaves no samba process" test -z "$left"
r=$(rc_of ldapsearch -x -LLL -o nettimeout=2 -H "ldap://$SAMBA_IP" -s base -b '' '(objectClass=*)' dn)
check "LDAP port closed after stop" test "$r" != 0

echo "# timings (ms): $(tr '\n' ' ' <"$D/timings")fixture=$t_fixture start=$t_start stop=$t_stop"
echo "# cache: $(samba_cache 2>/dev/null)"
echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
