#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# postfix-explain.sh - "ad2relay explain" says what a real smtpd answers.
# ad2relay syncs a map from an LDIF export and a static file (with an
# "@unsynced.example.org OK" wildcard); a throw-away Postfix uses it as
# relay_recipient_maps with recipient_delimiter = +- (two characters).
# For every address of a table (listed, mixed case, UTF-8, +ext and -ext,
# the local parts Postfix never splits, keys with a delimiter in them, the static
# wildcard, unlisted, a domain outside relay_domains) explain's verdict
# must be smtpd's: 0 for 250, 1 for a 5xx reply, with the reason that
# matches the reply (not in the map: 550 5.1.1; not a relay domain: 554
# 5.7.1).  explain reads recipient_delimiter with postconf -c
# postfix_config, as Postfix has it; the recipient_delimiter key
# overrides it.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need_root "a real Postfix (master drops privileges to the postfix user)"
. "$top_srcdir/tests/integration/lib/postfix.sh"
for p in "$POSTFIX_CMD" "$POSTCONF_CMD" /usr/lib/postfix/sbin/master /usr/lib/postfix/sbin/smtpd python3; do
	need "$p"
done
"$POSTCONF_CMD" -c "$(postfix_dir)" -m 2>/dev/null | grep -qx cdb || need postfix-cdb
probe="$POSTFIX_LIBDIR/postfix_probe.py"
export PYTHONIOENCODING=utf-8

# --- the directory (an LDIF export) and the static file ----------------
b64() { printf '%s' "$1" | base64 -w0; }
user() { # user CN ADDRESS-VALUE... (values base64-encoded: UTF-8 safe)
	local cn=$1 v
	shift
	printf 'dn: CN=%s,OU=Staff,DC=corp,DC=example,DC=com\nobjectClass: user\n' "$cn"
	printf 'userAccountControl: 512\n'
	for v; do printf 'proxyAddresses:: %s\n' "$(b64 "$v")"; done
	echo
}
{
	user Alice SMTP:alice@corp.example.com
	user Mixed SMTP:MIXED.case@Corp.Example.com
	user 'Juergen Mueller' 'SMTP:Jürgen.Müller@corp.example.com'
	user Strasse 'SMTP:Straße@corp.example.com'
	user 'Anne-Marie' SMTP:anne-marie@corp.example.com
	user Dave SMTP:dave@eu.corp.example.com
	user Owner SMTP:owner@corp.example.com
	user Lists SMTP:lists+news@corp.example.com
	user Mailer SMTP:mailer@corp.example.com smtp:double@corp.example.com
	user Eve SMTP:eve@elsewhere.example
} >"$T/dir.ldif"
printf '# kept in the map whatever the directory says\npostmaster@corp.example.com OK\n@unsynced.example.org OK\n' >"$T/static"

# --- Postfix -----------------------------------------------------------
# master opens $data_directory/master.lock as mail_owner: let it traverse $T
chmod 711 "$T"
mkdir "$T/pf"
map="$T/pf/relay_recipients"
domains='corp.example.com .corp.example.com example.org unsynced.example.org'
postfix_setup "$T/postfix" \
	"relay_domains = $domains" \
	'parent_domain_matches_subdomains =' \
	"relay_recipient_maps = cdb:$map" \
	'recipient_delimiter = +-' || fail "postfix_setup"

cat >"$T/ad2relay.conf" <<EOF
relay_domains = $domains
static = $T/static
output = $map
postfix_config = $T/postfix/etc
EOF
run_a2r -c "$T/ad2relay.conf" --from-ldif "$T/dir.ldif" sync
expect_rc 0 "sync"
[ "$(wc -l <"$map")" -eq 12 ] || fail "map has $(wc -l <"$map") lines, expected 12: $(cat "$map")"
ok "ad2relay sync wrote $map (10 addresses, 2 static lines) and its cdb"

on_exit postfix_stop "$T/postfix"
postfix_start "$T/postfix" || fail "postfix_start"
ok "postfix master $POSTFIX_PID, smtpd on 127.0.0.1:$POSTFIX_PORT, recipient_delimiter = +-"

# ADDRESS EXPECTED-SMTPD-CODE: what smtpd answers is asserted too, so that
# the table cannot pass with both sides wrong.
table=(
	# listed, in any case
	alice@corp.example.com 250
	ALICE@CORP.EXAMPLE.COM 250
	mixed.case@corp.example.com 250
	Mixed.Case@CORP.example.COM 250
	anne-marie@corp.example.com 250
	dave@eu.corp.example.com 250
	# UTF-8 (SMTPUTF8), folded as smtpd folds them
	'Jürgen.Müller@corp.example.com' 250
	'JÜRGEN.MÜLLER@CORP.EXAMPLE.COM' 250
	'STRASSE@corp.example.com' 250
	'straße@Corp.Example.Com' 250
	'jürgen.mueller@corp.example.com' 550
	# an extension: the first of "+-" splits the localpart
	alice+tag@corp.example.com 250
	Alice+Tag+More@Corp.Example.com 250
	alice-tag@corp.example.com 250
	alice-x+y@corp.example.com 250
	alice+@corp.example.com 250
	'JÜRGEN.MÜLLER+x@corp.example.com' 250
	anne-marie+x@corp.example.com 550
	nobody+alice@corp.example.com 550
	# a listed key with a delimiter in it is found as it is, and only so
	lists+news@corp.example.com 250
	lists+other@corp.example.com 550
	lists@corp.example.com 550
	# never split: an empty localpart, owner-*, *-request, mailer-daemon,
	# double-bounce (owner@, alice@, mailer@ and double@ are listed)
	+alice@corp.example.com 550
	owner-alice@corp.example.com 550
	alice-request@corp.example.com 550
	MAILER-DAEMON@corp.example.com 550
	double-bounce@corp.example.com 550
	mailer-x@corp.example.com 250
	# the static file: an address and a wildcard
	postmaster@corp.example.com 250
	PostMaster+x@corp.example.com 250
	anyone@unsynced.example.org 250
	Anyone+x@Unsynced.Example.ORG 250
	# unlisted in a relay domain
	nobody@corp.example.com 550
	nobody@eu.corp.example.com 550
	# not a relay domain (eve is in the directory, outside relay_domains)
	x@elsewhere.example 554
	eve@elsewhere.example 554
	alice@corp.example.com.evil.example 554
	anyone@sub.unsynced.example.org 554
)
addrs=()
for ((i = 0; i < ${#table[@]}; i += 2)); do addrs+=("${table[i]}"); done
python3 "$probe" --smtputf8 "$POSTFIX_PORT" "${addrs[@]}" >"$T/session" 2>"$T/session.err" ||
	fail "SMTP session failed: $(cat "$T/session.err")"
[ "$(wc -l <"$T/session")" -eq ${#addrs[@]} ] ||
	fail "SMTP session: $(wc -l <"$T/session") replies for ${#addrs[@]} recipients"

# smtpd_code ADDRESS - smtpd's reply code to RCPT TO:<ADDRESS>
smtpd_code() {
	awk -v r="$1" -F '\t' '{ split($1, f, " "); if (f[3] == r) { print f[1]; exit } }' "$T/session"
}

n=0
for ((i = 0; i < ${#table[@]}; i += 2)); do
	a=${table[i]} want=${table[i + 1]}
	code=$(smtpd_code "$a")
	[ "$code" = "$want" ] || fail "smtpd: RCPT TO:<$a> got $code, the table says $want"
	run_a2r -c "$T/ad2relay.conf" --from-ldif "$T/dir.ldif" explain "$a"
	case $code in
	250) [ "$rc" = 0 ] && echo "$out" | grep -q '^=> in the map' ;;
	550) [ "$rc" = 1 ] && echo "$out" | grep -q '^=> not in the map' &&
		! echo "$out" | grep -q 'not in relay_domains' ;;
	554) [ "$rc" = 1 ] && echo "$out" | grep -q '^=> not in the map for smtpd: its domain is not in relay_domains' ;;
	esac || fail "explain $a: exit $rc, smtpd answered $code: $out${err:+ (stderr: $err)}"
	[ -z "$err" ] || fail "explain $a: stderr: $err"
	n=$((n + 1))
done
ok "explain agrees with smtpd on all $n addresses"

# what explain says of a few of them
run_a2r -c "$T/ad2relay.conf" --from-ldif "$T/dir.ldif" explain 'alice-x+y@corp.example.com'
echo "$out" | grep -qx 'alice-x+y@corp.example.com (looked up as alice-x+y@corp.example.com, then alice@corp.example.com, then @corp.example.com)' ||
	fail "explain alice-x+y: header: $out"
echo "$out" | grep -qx "=> in the map as alice@corp.example.com, the address without its extension \"-x+y\" (Postfix's recipient_delimiter = +-): CN=Alice,OU=Staff,DC=corp,DC=example,DC=com: proxyAddresses" ||
	fail "explain alice-x+y: verdict: $out"
run_a2r -c "$T/ad2relay.conf" --from-ldif "$T/dir.ldif" explain 'owner-alice@corp.example.com'
echo "$out" | grep -qx 'owner-alice@corp.example.com (looked up as owner-alice@corp.example.com, then @corp.example.com)' ||
	fail "explain owner-alice: $out"
run_a2r -c "$T/ad2relay.conf" --from-ldif "$T/dir.ldif" explain 'Anyone+x@Unsynced.Example.ORG'
echo "$out" | grep -qx "=> in the map as @unsynced.example.org, every address of the domain: $T/static:3" ||
	fail "explain Anyone+x@Unsynced.Example.ORG: $out"
ok "explain names the key smtpd found and where it comes from"

# recipient_delimiter set in ad2relay overrides Postfix's: with "+" only,
# anne-marie+x@ is looked up as anne-marie@ (which this smtpd does not do)
run_a2r -c "$T/ad2relay.conf" --from-ldif "$T/dir.ldif" --recipient-delimiter + explain 'anne-marie+x@corp.example.com'
expect_rc 0 "explain with recipient_delimiter = +"
echo "$out" | grep -q "^=> in the map as anne-marie@corp.example.com, the address without its extension \"+x\" (ad2relay's recipient_delimiter = +)" ||
	fail "explain with recipient_delimiter = +: $out"
ok "the recipient_delimiter key overrides what postconf says"

master=$POSTFIX_PID
postfix_stop "$T/postfix" || fail "postfix stop"
left=$(postfix_procs "$master")
[ -z "$left" ] || fail "master $master or its children still run: ${left//$'\n'/ }"
! grep -E 'postfix/[a-z-]+\[[0-9]+\]: (fatal|panic|error):' "$T/postfix/maillog" >&2 ||
	fail "errors in the Postfix log"
ok "postfix stopped, no errors logged"
