#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# audit.sh - the audit trail against a real slapd: an address added, an
# entry deleted and an address changed in the directory reach syslog (up
# to log_changes lines and a summary), the changes file and the output of
# check and sync -n -v, each with the DN it came from or went with; a run
# that changes nothing writes nothing; hostile DNs stay one line; the
# origins file and the changes file are never followed through a symlink.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
have_root "syslog lines (a private /dev/log)" || exit 77
command -v unshare >/dev/null || need unshare
live_setup 40
changes=$T/changes.log
map=$T/out/relay_recipients
live_conf "$CONF" "changes_file=$changes" "log_changes=20"
syslog_start
B=$SLAPD_BASE
U="cn=Users,$B"

ldap() { # ldap ldapadd|ldapmodify|ldapdelete <input
	"$1" -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null ||
		fail "$1 failed"
}
user() { # user CN MAIL [PROXY...]: LDIF of a mailbox user under cn=Users
	local cn=$1 mail=$2 p
	shift 2
	printf 'dn: cn=%s,%s\nobjectClass: top\nobjectClass: person\n' "$cn" "$U"
	printf 'objectClass: organizationalPerson\nobjectClass: user\ncn: %s\nsn: Audit\n' "${cn//\\/}"
	printf 'userAccountControl: 512\nmail: %s\n' "$mail"
	for p in "$@"; do printf 'proxyAddresses: %s\n' "$p"; done
	echo
}
# sync_ns ARGS - a sync whose syslog lines reach the sink; its new lines
# (priority and tag cut off) in $T/new-syslog
sync_ns() {
	local before
	before=$(wc -l <"$T/syslog")
	"$T/in-syslog-ns" "$AD2RELAY" --lock-file "$T/lock" -c "$CONF" sync "$@" >"$T/.out" 2>"$T/.err"
	rc=$?
	sleep 0.3
	tail -n +$((before + 1)) "$T/syslog" | sed -E 's/^<([0-9]+)>[^]]*ad2relay\[[0-9]+\]: /<\1>/' \
		>"$T/new-syslog"
}

{
	user 'Audit Delete' del1@corp.example.com smtp:del2@example.org
	user 'Audit Change' chg@corp.example.com SMTP:chg@corp.example.com smtp:old@corp.example.com
} | ldap ldapadd

# The first run adds every address: 20 lines, then the summary
set +e
sync_ns
set -e
[ "$rc" = 0 ] || fail "first sync: $(cat "$T/.err")"
n=$(wc -l <"$map")
[ "$(grep -c '^<22>+ ' "$T/new-syslog")" = 20 ] || fail "log_changes = 20: $(cat "$T/new-syslog")"
grep -qx "<22>$map: $n changes (+$n -0 ~0), 20 logged (log_changes); all in $changes" \
	"$T/new-syslog" || fail "summary line: $(cat "$T/new-syslog")"
[ "$(wc -l <"$T/new-syslog")" = 22 ] || fail "first run: 20 lines, summary, updated: $(cat "$T/new-syslog")"
[ "$(wc -l <"$changes")" = "$n" ] || fail "changes file: not every address"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z \+ chg@corp\.example\.com from cn=Audit Change,cn=Users,dc=corp,dc=example,dc=com$' \
	"$changes" || fail "changes file line: $(grep chg@ "$changes")"
[ "$(wc -l <"$map.origins")" = "$n" ] || fail "origins file: one line per address"
printf 'old@corp.example.com\tcn=Audit Change,%s\n' "$U" | grep -qxFf - "$map.origins" ||
	fail "origins file line: $(grep old@ "$map.origins")"
ok "first run: every address in the changes file, log_changes lines and a summary in syslog"

# A run that changes nothing writes nothing
cp "$changes" "$T/changes.before"
ino=$(stat -c %i "$map.origins")
sync_ns
[ "$rc" = 0 ] || fail "unchanged sync: $(cat "$T/.err")"
[ ! -s "$T/new-syslog" ] || fail "an unchanged run logged: $(cat "$T/new-syslog")"
cmp -s "$changes" "$T/changes.before" || fail "an unchanged run wrote the changes file"
[ "$(stat -c %i "$map.origins")" = "$ino" ] || fail "an unchanged run rewrote the origins file"
ok "a run that changes nothing writes nothing"

# An add, a delete and a change in the directory
user 'Audit Added' added@corp.example.com | ldap ldapadd
echo "cn=Audit Delete,$U" | ldap ldapdelete
ldap ldapmodify <<LDIF
dn: cn=Audit Change,$U
changetype: modify
delete: proxyAddresses
proxyAddresses: smtp:old@corp.example.com
-
add: proxyAddresses
proxyAddresses: smtp:new@corp.example.com
LDIF
cat >"$T/want" <<X
+ added@corp.example.com from cn=Audit Added,$U
+ new@corp.example.com from cn=Audit Change,$U
- del1@corp.example.com went with cn=Audit Delete,$U
- del2@example.org went with cn=Audit Delete,$U
- old@corp.example.com went with cn=Audit Change,$U
X

run_a2r -c "$CONF" check
expect_rc 1
diff -u "$T/want" "$T/.out" || fail "check: the differences with their DNs"
run_a2r -c "$CONF" -v sync -n
expect_rc 0
diff -u <(cat "$T/want"; echo "+2 -3") "$T/.out" || fail "sync -n -v: the same lines"
ok "check and sync -n -v list each difference with its DN"

sync_ns
[ "$rc" = 0 ] || fail "sync of the changes: $(cat "$T/.err")"
diff -u <(sed 's/^/<22>/' "$T/want"; echo "<22>$map: 5 changes (+2 -3 ~0), 5 logged; all in $changes") \
	<(grep -v '^<22>updated ' "$T/new-syslog") || fail "syslog of the changes"
grep -q '^<22>updated ' "$T/new-syslog" || fail "no updated line"
diff -u "$T/want" <(tail -n 5 "$changes" | cut -d' ' -f2-) || fail "changes file of the changes"
[ "$(wc -l <"$changes")" = $(($(wc -l <"$T/changes.before") + 5)) ] || fail "changes file: appended"
ok "an add, a delete and a change: in syslog and the changes file with the right DNs"

# log_changes = 0: no per-address line, no summary; the changes file still
live_conf "$CONF" "changes_file=$changes" "log_changes=0"
echo "cn=Audit Added,$U" | ldap ldapdelete
sync_ns
[ "$rc" = 0 ] || fail "sync with log_changes = 0: $(cat "$T/.err")"
[ "$(cat "$T/new-syslog")" = "$(grep '^<22>updated ' "$T/new-syslog")" ] ||
	fail "log_changes = 0 logged: $(cat "$T/new-syslog")"
tail -n 1 "$changes" | grep -q " - added@corp.example.com went with cn=Audit Added,$U$" ||
	fail "changes file with log_changes = 0"
ok "log_changes = 0: only the updated line in syslog"

# The first change after an upgrade: no origins file, the DN not known
rm "$map.origins"
live_conf "$CONF" "changes_file=$changes"
echo "cn=Audit Change,$U" | ldap ldapdelete
sync_ns
[ "$rc" = 0 ] || fail "sync without an origins file: $(cat "$T/.err")"
grep -qx "<22>- new@corp.example.com went with an unknown entry" "$T/new-syslog" ||
	fail "unknown DN: $(cat "$T/new-syslog")"
[ -f "$map.origins" ] || fail "origins file not written again"
ok "without an origins file a removed address went with an unknown entry"

# A symlink at the changes file or the origins file: not followed, the
# map untouched (73)
user 'Audit Late' late@corp.example.com | ldap ldapadd
cp "$map" "$T/map.before"
echo secret >"$T/victim"
for f in "$changes" "$map.origins"; do
	mv "$f" "$f.real"
	ln -s "$T/victim" "$f"
	run_a2r -c "$CONF" sync
	expect_rc 73
	expect_one_line
	expect_err "symbolic link"
	cmp -s "$map" "$T/map.before" || fail "map changed beside a symlink at $f"
	[ "$(cat "$T/victim")" = secret ] || fail "wrote through the symlink at $f"
	rm "$f"
	mv "$f.real" "$f"
done
ls "$T/out" | grep -q '\.tmp\.' && fail "temp files left: $(ls "$T/out")"
ok "a symlink at the changes or origins file: 73, map untouched, nothing followed"

# Hostile DNs from an LDIF: every line of the changes file and the origins
# file stays one printable line
live_conf "$T/evil.conf" "changes_file=$T/evil-changes" "output=$T/evil/map" \
	"relay_domains=corp.example.com"
mkdir -p "$T/evil"
run_a2r -c "$T/evil.conf" sync --from-ldif "$top_srcdir/tests/data/evil-dn.ldif"
expect_rc 0
for f in "$T/evil-changes" "$T/evil/map.origins"; do
	LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177\200-\237\377]')" "$f" &&
		fail "raw control or invalid byte in $f: $(od -c "$f" | head)"
	[ "$(wc -l <"$f")" = "$(wc -l <"$T/evil/map")" ] || fail "$f: not one line per address"
done
grep -qF 'ok1@corp.example.com from CN=Evil\nad2relay: updated /etc/postfix/relay_recipients: all good\x1b[31m\u2028\u0085\xff,OU=Staff' \
	"$T/evil-changes" || fail "hostile DN in the changes file: $(cat "$T/evil-changes")"
ok "hostile DNs: escaped, one line each, in the changes and origins files"
