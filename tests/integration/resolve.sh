#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# resolve.sh - a DC name that does not resolve is told apart from a
# refused connection (libldap says "Can't contact LDAP server" for both).
# Runs in a network and mount namespace of its own, with its own
# /etc/resolv.conf (127.0.0.1, where a tiny DNS server answers NXDOMAIN,
# then where nothing listens) and /etc/hosts: no DNS query leaves it.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need_root "a private network namespace (unshare --net --mount)"
need unshare
need ip
need python3

# The second half runs in the namespaces, in this test's directory.
if [ "${1-}" = --in-ns ]; then
	rmdir "$T"
	T=$2
else
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
	printf '127.0.0.1 localhost dc-refused.corp.example.com\n' >"$T/hosts"
	printf 'hosts: files dns\n' >"$T/nsswitch.conf"

	# dns.py READY LOG - answer every query with NXDOMAIN, log the names asked
	cat >"$T/dns.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").close()
log = open(sys.argv[2], "a", buffering=1)
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 17:
        continue
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    end = i + 5  # the root label, QTYPE, QCLASS
    log.write(".".join(labels) + "\n")
    # QR, the query's opcode and RD; RA, RCODE 3 (NXDOMAIN); the question only
    flags = bytes([0x80 | (q[2] & 0x79), 0x83])
    s.sendto(q[:2] + flags + b"\0\1\0\0\0\0\0\0" + q[12:end], peer)
EOF

	set +e
	unshare --net --mount -- "$BASH" "$0" --in-ns "$T"
	rc=$?
	set -e
	exit "$rc"
fi

ip link set lo up
for f in resolv.conf hosts nsswitch.conf; do
	mount --bind "$T/$f" "/etc/$f"
done
python3 "$T/dns.py" "$T/dns.ready" "$T/dns.log" &
dns=$!
on_exit "kill $dns 2>/dev/null; wait $dns 2>/dev/null"
wait_for 10 test -e "$T/dns.ready" || fail "test DNS server did not start"

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
conf=(-c /dev/null --relay-domains corp.example.com --bind anonymous --tls none --timeout 5)

# a name the DNS server says does not exist
run_a2r "${conf[@]}" --uri "ldap://dc1.corp.example.com:$port" test
expect_rc 69
expect_one_line
expect_err "ldap://dc1.corp.example.com:$port: connect: cannot resolve dc1.corp.example.com: Name or service not known$"
grep -qx dc1.corp.example.com "$T/dns.log" || fail "the name was not asked of the test DNS server"
ok "NXDOMAIN: 69, cannot resolve NAME: Name or service not known"

# a domain whose DCs DNS does not know (libldap calls it "Server is
# unavailable", as it does when DNS does not answer)
run_a2r -c /dev/null --relay-domains corp.example.com --bind anonymous --tls none \
	--timeout 5 --domain nodc.example.com test
expect_rc 69
expect_one_line
expect_err "no domain controller found: DNS has no SRV records for _ldap\._tcp\.dc\._msdcs\.nodc\.example\.com \(no such name in DNS\); set uri$"
ok "no SRV records: 69, no such name in DNS"

# a name that resolves (/etc/hosts) to a port nothing listens on
run_a2r "${conf[@]}" --uri "ldap://dc-refused.corp.example.com:$port" test
expect_rc 69
expect_one_line
expect_err "ldap://dc-refused.corp.example.com:$port: connect: Can't contact LDAP server \(Connection refused\)$"
ok "a name that resolves, a refused port: Connection refused"

# no DNS server at all: the resolver cannot be asked
kill "$dns"
wait "$dns" 2>/dev/null || true
run_a2r "${conf[@]}" --uri "ldap://dc2.corp.example.com:$port" test
expect_rc 69
expect_one_line
expect_err "ldap://dc2.corp.example.com:$port: connect: cannot resolve dc2.corp.example.com: Temporary failure in name resolution$"
ok "no DNS server: 69, cannot resolve NAME: Temporary failure in name resolution"
run_a2r -c /dev/null --relay-domains corp.example.com --bind anonymous --tls none \
	--timeout 5 --domain corp.example.com test
expect_rc 69
expect_one_line
expect_err "DNS has no SRV records for _ldap\._tcp\.dc\._msdcs\.corp\.example\.com \(no answer from DNS: temporary failure\); set uri$"
ok "no DNS server, SRV records: 69, no answer from DNS"
