#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# client-cert.sh - SASL EXTERNAL with a TLS client certificate (tls_cert,
# tls_key) over ldaps:// and StartTLS; slapd asks for a certificate of the
# test CA and maps cn=relay-client to the service account.  Every failure:
# its exit status, one line, the installed maps unchanged.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
# libldap leaks the certificate and key it loads for each TLS context
# (see the file); its frames show only with the slow unwinder
export ASAN_OPTIONS="${ASAN_OPTIONS-}:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-client-cert.supp:print_suppressions=0"
export SLAPD_VERIFY_CLIENT=try
live_setup 200
n=$(wc -l <"$EXPECTED")
TLS=$LDIR/tls
# ad2relay's own copies: the key file is checked like bindpw_file
mkdir -m 700 "$T/pki"
for f in client client-untrusted client-expired; do
	cp "$TLS/$f.pem" "$T/pki/$f.pem"
	install -m 600 "$TLS/$f.key" "$T/pki/$f.key"
done
plant_secret "$(sed -n 2p "$T/pki/client.key")"

cert_conf() { # cert_conf FILE [KEY=VALUE...] - EXTERNAL with the good certificate
	local f=$1
	shift
	live_conf "$f" "uri=$SLAPD_LDAPS_URI" "bind=external" "tls_cert=$T/pki/client.pem" \
		"tls_key=$T/pki/client.key" "$@"
}

check() { # check CONF TLS-STATE
	run_a2r -c "$1" test
	expect_rc 0
	echo "$out" | grep -qx "tls:       $2" || fail "tls state, wanted $2: $out"
	echo "$out" | grep -qx "bind:      external (client certificate $T/pki/client.pem)" ||
		fail "bind line: $out"
	echo "$out" | grep -qx "addresses: $n would be exported" || fail "count: $out"
}

cert_conf "$T/ldaps.conf"
check "$T/ldaps.conf" ldaps
run_a2r -c "$T/ldaps.conf" sync
expect_rc 0
diff -u "$EXPECTED" <(awk '{print $1}' "$T/out/relay_recipients" | sort) >&2 ||
	fail "the map is not the directory's"
ok "EXTERNAL with a client certificate over ldaps://: the mapped identity searches"

cert_conf "$T/starttls.conf" "uri=$SLAPD_URI"
check "$T/starttls.conf" StartTLS
ok "EXTERNAL with a client certificate over StartTLS"

# tls_cert without a bind key: the certificate is the identity
cert_conf "$T/default.conf"
sed -i '/^bind =/d' "$T/default.conf"
check "$T/default.conf" ldaps
ok "tls_cert and tls_key make the default bind external"

snapshot "$T/out"
fails() { # fails STATUS REGEX CONF - sync must fail that way, maps intact
	run_a2r -c "$3" sync
	expect_rc "$1"
	expect_one_line
	expect_err "$2"
	unchanged "$T/out"
}

# a certificate of a CA the DC does not trust is never sent: no identity
cert_conf "$T/untrusted.conf" "tls_cert=$T/pki/client-untrusted.pem" \
	"tls_key=$T/pki/client-untrusted.key"
fails 77 "^ad2relay: $SLAPD_LDAPS_URI: bind as SASL EXTERNAL over ldaps: the DC did not take the client certificate $T/pki/client-untrusted.pem \(it asked for none, or for none from its issuer: the DC must trust the CA that signed it\)$" "$T/untrusted.conf"
# with several DCs: stop at the first, the next has the same trust
cert_conf "$T/untrusted2.conf" "uri=$SLAPD_LDAPS_URI $SLAPD_URI" \
	"tls_cert=$T/pki/client-untrusted.pem" "tls_key=$T/pki/client-untrusted.key"
fails 77 "^ad2relay: $SLAPD_LDAPS_URI: bind as SASL EXTERNAL" "$T/untrusted2.conf"
ok "untrusted client certificate: 77 at once, one line"

# the private key: owner-only, regular, not through a symbolic link
cp "$T/pki/client.key" "$T/pki/k640"
chmod 640 "$T/pki/k640"
cert_conf "$T/k640.conf" "tls_key=$T/pki/k640"
fails 78 "^ad2relay: tls_key $T/pki/k640 is readable or writable by others \(mode 0640\): it holds a private key, run chmod 600 $T/pki/k640$" "$T/k640.conf"
chmod 604 "$T/pki/k640"
fails 78 "^ad2relay: tls_key $T/pki/k640 is readable or writable by others \(mode 0604\)" "$T/k640.conf"
ln -s "$T/pki/client.key" "$T/pki/klink"
cert_conf "$T/klink.conf" "tls_key=$T/pki/klink"
fails 78 "^ad2relay: tls_key $T/pki/klink: is a symbolic link \(not followed\)$" "$T/klink.conf"
cert_conf "$T/knone.conf" "tls_key=$T/pki/nonexistent"
fails 78 "^ad2relay: tls_key $T/pki/nonexistent: No such file or directory$" "$T/knone.conf"
ok "private key readable by group or others, a symlink, missing: 78"

cert_conf "$T/cnone.conf" "tls_cert=$T/pki/nonexistent.pem"
fails 78 "^ad2relay: tls_cert $T/pki/nonexistent.pem: No such file or directory$" "$T/cnone.conf"
cert_conf "$T/half.conf"
sed -i '/^tls_key =/d' "$T/half.conf"
fails 78 "^ad2relay: tls_cert is set but tls_key is not: a client certificate needs both tls_cert and tls_key$" "$T/half.conf"
# a key that is not the certificate's
cert_conf "$T/mismatch.conf" "tls_key=$T/pki/client-untrusted.key"
fails 78 "^ad2relay: $SLAPD_LDAPS_URI: TLS setup with .*client.pem, .*client-untrusted.key: TLS: could not use certificate with key: .*do not match" "$T/mismatch.conf"
# not a certificate at all
printf 'not a certificate\n' >"$T/pki/junk.pem"
cert_conf "$T/junk.conf" "tls_cert=$T/pki/junk.pem"
fails 78 "^ad2relay: $SLAPD_LDAPS_URI: TLS setup with .*junk.pem, .*: TLS: could not use certificate: No certificate was found" "$T/junk.conf"
ok "missing certificate, key without certificate, wrong key, no PEM: 78"

# EXTERNAL over TLS without a certificate, and without TLS at all
live_conf "$T/nocert.conf" "uri=$SLAPD_LDAPS_URI" "bind=external"
fails 78 "^ad2relay: $SLAPD_LDAPS_URI: bind as SASL EXTERNAL over ldaps: no client certificate: set tls_cert and tls_key$" "$T/nocert.conf"
cert_conf "$T/notls.conf" "uri=$SLAPD_URI" "tls=none"
fails 78 "^ad2relay: $SLAPD_URI: bind as SASL EXTERNAL: no identity on this connection \(TLS: none \(tls = none\)\): use ldapi://, or TLS with tls_cert and tls_key$" "$T/notls.conf"
ok "EXTERNAL without a certificate or without TLS: 78"

# a DC that demands a certificate: it gets none it trusts, or an expired
# one it refuses after the handshake (TLS 1.3: the client learns it only
# when the DC closes the connection)
SLAPD_VERIFY_CLIENT=demand slapd_use_cert "$LDIR" server
slapd_restart "$LDIR" >/dev/null || fail "restart slapd"
for _ in 1 2 3; do
	fails 77 "^ad2relay: $SLAPD_LDAPS_URI: bind as SASL EXTERNAL over ldaps: the DC did not take the client certificate $T/pki/client-untrusted.pem" "$T/untrusted.conf"
done
cert_conf "$T/expired.conf" "tls_cert=$T/pki/client-expired.pem" \
	"tls_key=$T/pki/client-expired.key"
fails 77 "^ad2relay: $SLAPD_LDAPS_URI: bind as SASL EXTERNAL over ldaps: the DC closed the connection after the TLS handshake, as a DC does that refuses the client certificate $T/pki/client-expired.pem \(expired, revoked, or not for client authentication\?\)$" "$T/expired.conf"
cert_conf "$T/expired2.conf" "uri=$SLAPD_URI" "tls_cert=$T/pki/client-expired.pem" \
	"tls_key=$T/pki/client-expired.key"
fails 77 "^ad2relay: $SLAPD_URI: bind as SASL EXTERNAL over StartTLS: the DC closed the connection after the TLS handshake" "$T/expired2.conf"
check "$T/ldaps.conf" ldaps
check "$T/starttls.conf" StartTLS
ok "TLSVerifyClient demand: the good certificate binds, an untrusted or expired one 77"
