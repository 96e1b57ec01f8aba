#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# postfix-smtp.sh - end to end: slapd -> ad2relay sync -> cdb map -> a real
# Postfix smtpd answers RCPT TO from it.  Listed addresses (in any case,
# UTF-8 ones with SMTPUTF8, with a +extension) get 250, unlisted ones in a
# relay domain 550 5.1.1, other domains 554 5.7.1 - with
# parent_domain_matches_subdomains empty, so Postfix and ad2relay read
# ".corp.example.com" the same way.  Then the directory changes while
# everything runs; after the next sync the very next SMTP session sees the
# new map without "postfix reload".
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need_root "a real Postfix (master drops privileges to the postfix user)"
. "$top_srcdir/tests/integration/lib/slapd.sh"
. "$top_srcdir/tests/integration/lib/postfix.sh"
for p in "$POSTFIX_CMD" "$POSTCONF_CMD" /usr/lib/postfix/sbin/master /usr/lib/postfix/sbin/smtpd \
	"$(_slapd_bin slapd 2>/dev/null || echo slapd)" "$(_slapd_bin slapadd 2>/dev/null || echo slapadd)" \
	ldapadd ldapmodify ldapdelete python3; do
	need "$p"
done
"$POSTCONF_CMD" -c "$(postfix_dir)" -m 2>/dev/null | grep -qx cdb || need postfix-cdb
probe="$POSTFIX_LIBDIR/postfix_probe.py"
export PYTHONIOENCODING=utf-8

# --- directory ---------------------------------------------------------
b64() { printf '%s' "$1" | base64 -w0; }
user() { # user CN UAC ADDRESS-VALUE... (values base64-encoded: UTF-8 safe)
	local cn=$1 uac=$2 v
	shift 2
	printf 'dn: CN=%s,OU=Staff,%s\nobjectClass: top\nobjectClass: person\n' "$cn" "$SLAPD_BASE"
	printf 'objectClass: organizationalPerson\nobjectClass: user\ncn: %s\nsn: %s\n' "$cn" "$cn"
	printf 'sAMAccountName: %s\nuserAccountControl: %s\n' "$(echo "$cn" | tr -cd 'a-zA-Z')" "$uac"
	for v; do printf 'proxyAddresses:: %s\n' "$(b64 "$v")"; done
	echo
}
mkdir "$T/ldap"
slapd_setup "$T/ldap" >/dev/null || fail "slapd_setup"
on_exit slapd_stop "$T/ldap"
{
	printf 'dn: OU=Staff,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: Staff\n\n' "$SLAPD_BASE"
	user Alice 512 SMTP:alice@corp.example.com X500:/o=Corp/ou=Exchange/cn=alice
	user Bob 512 SMTP:bob@example.org
	user 'Juergen Mueller' 512 'SMTP:Jürgen.Müller@corp.example.com'
	user Strasse 512 'SMTP:Straße@corp.example.com'
	user Mixed 512 SMTP:Mixed.Case@Corp.Example.com
	user Dave 512 SMTP:dave@eu.corp.example.com
	user Eve 512 SMTP:eve@sub.example.org 'smtp:eve@elsewhere.example'
} >"$T/ldap/users.ldif"
slapd_load "$T/ldap" "$T/ldap/users.ldif" || fail "slapd_load"
SLAPD_LOGLEVEL=0 slapd_start "$T/ldap" || fail "slapd_start"
ok "slapd runs on $SLAPD_URI"

# --- ad2relay ----------------------------------------------------------
mkdir "$T/pf"
map="$T/pf/relay_recipients"
cat >"$T/ad2relay.conf" <<EOF
relay_domains = corp.example.com .corp.example.com example.org
max_shrink = 50%
uri = $SLAPD_URI
binddn = $SLAPD_BINDDN
bindpw_file = $SLAPD_PWFILE
tls_cacert = $SLAPD_CACERT
output = $map
EOF
run_a2r -c "$T/ad2relay.conf" sync
expect_rc 0 "first sync"
{ [ -s "$map" ] && [ -s "$map.cdb" ]; } || fail "sync wrote no map or no cdb"
grep -q '^eve@' "$map" && fail "eve (not in a relay domain) was exported"
[ "$(wc -l <"$map")" -eq 6 ] || fail "map has $(wc -l <"$map") lines, expected 6: $(cat "$map")"
ok "ad2relay sync wrote $map (6 addresses) and its cdb"

# --- postfix -----------------------------------------------------------
# master opens $data_directory/master.lock as mail_owner: let it traverse $T
chmod 711 "$T"
postfix_setup "$T/postfix" \
	'relay_domains = corp.example.com, .corp.example.com, example.org' \
	'parent_domain_matches_subdomains =' \
	"relay_recipient_maps = cdb:$map" \
	'recipient_delimiter = +' || fail "postfix_setup"
on_exit postfix_stop "$T/postfix"
postfix_start "$T/postfix" || fail "postfix_start"
ok "postfix master $POSTFIX_PID, smtpd on 127.0.0.1:$POSTFIX_PORT"

# session [--smtputf8] RCPT... - one SMTP session; results in $T/session
session() {
	python3 "$probe" --smtputf8 "$POSTFIX_PORT" "$@" >"$T/session" 2>"$T/session.err" ||
		fail "SMTP session failed: $(cat "$T/session.err")"
	[ "$(wc -l <"$T/session")" -eq $# ] || fail "SMTP session: $(wc -l <"$T/session") replies for $# recipients"
}
# expect RCPT CODE DSN [TEXT] - the reply of the last session to RCPT
expect() {
	local line code dsn text
	line=$(awk -v r="$1" -F '\t' '{ split($1, f, " "); if (f[3] == r) { print; exit } }' "$T/session")
	[ -n "$line" ] || fail "no reply for RCPT TO:<$1>"
	code=$(echo "$line" | cut -d' ' -f1)
	dsn=$(echo "$line" | cut -d' ' -f2)
	text=$(echo "$line" | cut -f2-)
	[ "$code $dsn" = "$2 $3" ] || fail "RCPT TO:<$1>: got $code $dsn $text, expected $2 $3"
	[ -z "${4-}" ] || case $text in *"$4"*) ;; *) fail "RCPT TO:<$1>: reply '$text' lacks '$4'" ;; esac
	ok "RCPT TO:<$1> -> $code $dsn${4:+ ($4)}"
}
unknown='Recipient address rejected: User unknown in relay recipient table'
denied='Relay access denied'

# ASCII, no SMTPUTF8
python3 "$probe" "$POSTFIX_PORT" alice@corp.example.com ALICE@CORP.EXAMPLE.COM \
	alice+tag@corp.example.com bob@example.org Bob@Example.ORG \
	mixed.case@corp.example.com MIXED.CASE@CORP.EXAMPLE.COM dave@eu.corp.example.com \
	nobody@corp.example.com nobody@eu.corp.example.com \
	x@elsewhere.example eve@sub.example.org alice@corp.example.com.evil.example \
	>"$T/session" 2>"$T/session.err" || fail "SMTP session failed: $(cat "$T/session.err")"
expect alice@corp.example.com 250 2.1.5
expect ALICE@CORP.EXAMPLE.COM 250 2.1.5
expect alice+tag@corp.example.com 250 2.1.5
expect bob@example.org 250 2.1.5
expect Bob@Example.ORG 250 2.1.5
expect mixed.case@corp.example.com 250 2.1.5
expect MIXED.CASE@CORP.EXAMPLE.COM 250 2.1.5
expect dave@eu.corp.example.com 250 2.1.5
expect nobody@corp.example.com 550 5.1.1 "$unknown"
expect nobody@eu.corp.example.com 550 5.1.1 "$unknown"
expect x@elsewhere.example 554 5.7.1 "$denied"
expect eve@sub.example.org 554 5.7.1 "$denied"
expect alice@corp.example.com.evil.example 554 5.7.1 "$denied"

# UTF-8 addresses need SMTPUTF8; smtpd folds them with ICU as ad2relay did
session 'Jürgen.Müller@corp.example.com' 'JÜRGEN.MÜLLER@CORP.EXAMPLE.COM' \
	'jürgen.müller@corp.example.com' 'STRASSE@corp.example.com' 'straße@Corp.Example.Com' \
	'jürgen.mueller@corp.example.com'
expect 'Jürgen.Müller@corp.example.com' 250 2.1.5
expect 'JÜRGEN.MÜLLER@CORP.EXAMPLE.COM' 250 2.1.5
expect 'jürgen.müller@corp.example.com' 250 2.1.5
expect 'STRASSE@corp.example.com' 250 2.1.5
expect 'straße@Corp.Example.Com' 250 2.1.5
expect 'jürgen.mueller@corp.example.com' 550 5.1.1 "$unknown"

# --- the directory changes under a running Postfix ---------------------
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >"$T/ldapadd.out" 2>&1 <<EOF ||
$(user Carol 512 SMTP:carol@corp.example.com)
EOF
	fail "ldapadd carol: $(cat "$T/ldapadd.out")"
ldapdelete -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" \
	"CN=Bob,OU=Staff,$SLAPD_BASE" >"$T/ldapdelete.out" 2>&1 ||
	fail "ldapdelete bob: $(cat "$T/ldapdelete.out")"
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >"$T/ldapmodify.out" 2>&1 <<EOF ||
dn: CN=Alice,OU=Staff,$SLAPD_BASE
changetype: modify
add: proxyAddresses
proxyAddresses: smtp:Alice.Alias@corp.example.com
EOF
	fail "ldapmodify alice: $(cat "$T/ldapmodify.out")"
ok "directory changed: carol added, bob deleted, alice got an alias"

old_inode=$(stat -c %i "$map.cdb")
run_a2r -c "$T/ad2relay.conf" sync
expect_rc 0 "second sync"
[ "$(stat -c %i "$map.cdb")" != "$old_inode" ] || fail "cdb was not replaced"
ok "second sync replaced the cdb"

# The very next session, no reload, no retry, no sleep.
session carol@corp.example.com bob@example.org alice.alias@corp.example.com alice@corp.example.com
expect carol@corp.example.com 250 2.1.5
expect bob@example.org 550 5.1.1 "$unknown"
expect alice.alias@corp.example.com 250 2.1.5
expect alice@corp.example.com 250 2.1.5

# --- stop, and nothing may be left -----------------------------------
master=$POSTFIX_PID
postfix_stop "$T/postfix" || fail "postfix stop"
left=$(postfix_procs "$master")
[ -z "$left" ] || fail "master $master or its children still run: ${left//$'\n'/ }"
ok "postfix -c $T/postfix/etc stop: master $master and its children are gone"

# The maillog tells how the new map was picked up: an idle smtpd of the
# first sessions saw the replaced cdb as the next connection arrived.
grep -q "table cdb:$map(.*) has changed -- restarting" "$T/postfix/maillog" ||
	fail "no smtpd noticed the changed table: $(grep -E 'warning|fatal|error' "$T/postfix/maillog")"
! grep -E 'postfix/[a-z-]+\[[0-9]+\]: (fatal|panic|error):' "$T/postfix/maillog" >&2 ||
	fail "errors in the Postfix log"
ok "smtpd logged 'table cdb:... has changed -- restarting'; no errors logged"

slapd_stop "$T/ldap"
