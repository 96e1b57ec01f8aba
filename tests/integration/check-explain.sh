#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# check-explain.sh - check compares the directory with the installed map
# (text and cdb), exits like diff(1); explain says where an address comes
# from or why it is not in the map.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
ex="$top_srcdir/examples"
mkdir "$T/out"
map=$T/out/relay_recipients
a=(-c "$ex/sample.conf" --output "$map" --from-ldif "$ex/sample-directory.ldif")

run_a2r check "${a[@]}"
expect_rc 1
[ "$(grep -c '^+ ' "$T/.out")" = 27 ] || fail "check without a map: every address missing"
run_a2r sync "${a[@]}"
expect_rc 0
run_a2r check "${a[@]}"
expect_rc 0
[ -z "$out" ] || fail "check in sync printed: $out"
ok "check: 1 without a map, 0 in sync and silent"

# a stale address and a missing one
sed -i '/^sales@example.org /d' "$map"
echo 'gone@corp.example.com OK' >>"$map"
run_a2r check "${a[@]}"
expect_rc 1
diff <(echo "$out") - <<X || fail "check output"
+ sales@example.org from CN=Sales,OU=Shared Mailboxes,DC=corp,DC=example,DC=com
- gone@corp.example.com went with an unknown entry
! $map.cdb does not match $map
X
ok "check: + missing (with its DN), - stale, text and cdb disagree"

run_a2r check --json "${a[@]}"
expect_rc 1
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["in_sync"] is False and d["cdb_agrees"] is False, d
assert d["missing"] == ["sales@example.org"] and d["stale"] == ["gone@corp.example.com"], d
assert d["directory_addresses"] == 27 and d["map_addresses"] == 27, d
' || fail "check --json"
ok "check --json"

# text and cdb agree again, one address differs
run_a2r sync "${a[@]}"
cp "$map" "$T/saved"
sed -i '/^sales@example.org /d' "$map"
"$POSTMAP" -c "$(postfix_dir)" "cdb:$map" 2>/dev/null || cp "$T/saved" "$map"
run_a2r check "${a[@]}"
expect_rc 1
[ "$out" = "+ sales@example.org from CN=Sales,OU=Shared Mailboxes,DC=corp,DC=example,DC=com" ] ||
	fail "check after postmap: $out"
ok "check: one missing address, cdb consistent"

# check and sync agree on "in sync": a cdb with junk after it is what
# sync rewrites, so check reports it (it said 0)
run_a2r sync "${a[@]}"
expect_rc 0
printf 'junk' >>"$map.cdb"
run_a2r check "${a[@]}"
expect_rc 1
[ "$out" = "! $map.cdb does not match $map" ] || fail "check, cdb with junk: $out"
run_a2r -v sync "${a[@]}"
expect_rc 0
expect_err "installed $map and its \.cdb"
run_a2r check "${a[@]}"
expect_rc 0
ok "check: a cdb with trailing junk differs (1), and sync rewrites it"

# a DN from the directory reaches the terminal escaped, as in the logs:
# no line break, no escape sequence, no raw invalid byte
run_a2r explain -c /dev/null --relay-domains corp.example.com \
	--from-ldif "$top_srcdir/tests/data/evil-dn.ldif" ok1@corp.example.com
expect_rc 0
[ "$(wc -l <"$T/.out")" = 3 ] || fail "explain of a hostile DN: not 3 lines: $out"
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177\200-\237\377]')" "$T/.out" &&
	fail "explain printed a control or raw byte: $(od -c "$T/.out" | head)"
grep -qF '  CN=Evil\nad2relay: updated /etc/postfix/relay_recipients: all good\x1b[31m\u2028\u0085\xff,OU=Staff,DC=corp,DC=example,DC=com: mail "ok1@corp.example.com": in the map' "$T/.out" ||
	fail "explain of a hostile DN: $out"
ok "explain: a hostile DN is escaped on stdout as in the logs"

run_a2r check "${a[@]}" --from-ldif "$T/nonexistent.ldif"
expect_rc 69
ok "check: a failing source is an error (69), not a difference"

# explain (recipient_delimiter set: the tests do not depend on a Postfix
# configuration of the machine)
a+=(--recipient-delimiter +)
run_a2r explain "${a[@]}" 'STRASSE@Example.ORG'
expect_rc 0
echo "$out" | grep -qx 'STRASSE@Example.ORG (looked up as strasse@example.org, then @example.org)' ||
	fail "explain: header: $out"
echo "$out" | grep -q 'CN=Heinz Straße,OU=Staff,DC=corp,DC=example,DC=com: proxyAddresses "SMTP:Straße@example.org": in the map' ||
	fail "explain: source"
echo "$out" | grep -qx '=> in the map' || fail "explain: verdict"
ok "explain: DN, attribute and value of an address in the map"

run_a2r explain "${a[@]}" 'trailing@corp.example.com'
expect_rc 1
echo "$out" | grep -q 'proxyAddresses "smtp:trailing@corp.example.com.": rejected: domain ends with a dot' ||
	fail "explain: rejected value"
ok "explain: a rejected value and why"

run_a2r explain "${a[@]}" 'nobody@corp.example.com'
expect_rc 1
echo "$out" | grep -qx '=> not in the map: no entry holds it in proxyAddresses or mail' ||
	fail "explain: not in the directory: $out"
run_a2r explain "${a[@]}" 'someone@elsewhere.example'
expect_rc 1
echo "$out" | grep -q 'its domain is not in relay_domains' || fail "explain: domain"
ok "explain: not in the directory; not a relay domain"

run_a2r explain "${a[@]}" --exclude-disabled 'info@corp.example.com'
expect_rc 1
echo "$out" | grep -q 'a disabled account, and exclude_disabled = yes' || fail "explain: disabled: $out"
run_a2r explain "${a[@]}" --static "$ex/sample-static" 'Postmaster@corp.example.com'
expect_rc 0
echo "$out" | grep -q 'present only via the static file' || fail "explain: static: $out"
run_a2r explain "${a[@]}" '@corp.example.com'
expect_rc 1
echo "$out" | grep -q 'not an address Postfix can look up' || fail "explain: wildcard"
ok "explain: disabled account, static file only, not an address"

# smtpd's lookup order: the address, then without its extension, then
# @domain; the first key found decides (postfix-explain.sh holds the same
# table against a real smtpd)
run_a2r explain "${a[@]}" 'Info+Sales@Corp.Example.com'
expect_rc 0
echo "$out" | grep -qx 'Info+Sales@Corp.Example.com (looked up as info+sales@corp.example.com, then info@corp.example.com, then @corp.example.com)' ||
	fail "explain +ext: header: $out"
echo "$out" | grep -qx '=> in the map as info@corp.example.com, the address without its extension "+Sales" (ad2relay.s recipient_delimiter = +): CN=Info,OU=Shared Mailboxes,DC=corp,DC=example,DC=com: proxyAddresses' ||
	fail "explain +ext: verdict: $out"
run_a2r explain "${a[@]}" --recipient-delimiter '' 'info+sales@corp.example.com'
expect_rc 1
echo "$out" | grep -qx '=> not in the map: no entry holds it in proxyAddresses or mail' ||
	fail "explain, no recipient_delimiter: $out"
run_a2r explain "${a[@]}" --recipient-delimiter '-+' 'nobody-x+y@corp.example.com'
expect_rc 1
echo "$out" | grep -qx '=> not in the map: no entry holds it or nobody@corp.example.com in proxyAddresses or mail' ||
	fail "explain, not in the map with an extension: $out"
ok "explain: user+ext@domain found as user@domain by recipient_delimiter (ad2relay's key)"

printf 'postmaster@corp.example.com OK\n@unsynced.example.org OK\n' >"$T/static"
run_a2r explain "${a[@]}" --static "$T/static" \
	--relay-domains 'corp.example.com .corp.example.com example.org unsynced.example.org' 'Anyone+x@Unsynced.Example.ORG'
expect_rc 0
echo "$out" | grep -qx "  $T/static:2: in the map (static file)" || fail "explain @domain: sighting: $out"
echo "$out" | grep -qx "=> in the map as @unsynced.example.org, every address of the domain: $T/static:2" ||
	fail "explain @domain: verdict: $out"
run_a2r explain "${a[@]}" --static "$T/static" 'nobody@corp.example.com'
expect_rc 1
echo "$out" | grep -qx '=> not in the map: no entry holds it in proxyAddresses or mail, and no line of the static file is it or @corp.example.com' ||
	fail "explain, static file without the address: $out"
# a static @domain outside relay_domains: smtpd never looks it up
run_a2r explain "${a[@]}" --static "$T/static" 'anyone@unsynced.example.org'
expect_rc 1
echo "$out" | grep -q "^=> not in the map for smtpd: its domain is not in relay_domains, so smtpd does not look it up in relay_recipient_maps" ||
	fail "explain, static @domain outside relay_domains: $out"
echo "$out" | grep -qF "(the map holds @unsynced.example.org from $T/static:2: smtpd uses it only if Postfix's relay_domains lists the domain)" ||
	fail "explain, static @domain outside relay_domains: note: $out"
ok "explain: a static @domain line, and outside relay_domains"

# without the key, Postfix says (postconf, with postfix_config); when
# postconf cannot, a warning, and no step without the extension
pc="$T/pf-etc"
mkdir "$pc"
printf 'compatibility_level = 3.6\nrecipient_delimiter = -\n' >"$pc/main.cf"
b=(-c "$ex/sample.conf" --from-ldif "$ex/sample-directory.ldif")
if command -v /usr/sbin/postconf >/dev/null; then
	run_a2r explain "${b[@]}" --postfix-config "$pc" 'info-x@corp.example.com'
	expect_rc 0
	echo "$out" | grep -q "^=> in the map as info@corp.example.com, the address without its extension \"-x\" (Postfix's recipient_delimiter = -)" ||
		fail "explain, delimiter from postconf: $out"
	ok "explain: recipient_delimiter from postconf -c postfix_config"
else
	echo "skip: explain with postconf (no /usr/sbin/postconf)"
fi
run_a2r -v explain "${b[@]}" --postfix-config "$T/no-such-dir" 'info-x@corp.example.com'
expect_rc 1
expect_err "warning: explain: cannot read recipient_delimiter from Postfix \(.*postconf: .*\); assuming none: set recipient_delimiter in the configuration"
echo "$out" | grep -qx 'info-x@corp.example.com (looked up as info-x@corp.example.com, then @corp.example.com; recipient_delimiter unknown)' ||
	fail "explain, postconf failed: header: $out"
ok "explain: postconf fails: a warning, and the header says the delimiter is unknown"
