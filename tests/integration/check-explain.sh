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
+ sales@example.org
- gone@corp.example.com
! $map.cdb does not match $map
X
ok "check: + missing, - stale, text and cdb disagree"

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
[ "$out" = "+ sales@example.org" ] || fail "check after postmap: $out"
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

# explain
run_a2r explain "${a[@]}" 'STRASSE@Example.ORG'
expect_rc 0
echo "$out" | grep -qx 'STRASSE@Example.ORG (looked up as strasse@example.org)' || fail "explain: header"
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
