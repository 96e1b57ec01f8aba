#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# sample.sh - the bundled sample directory gives the reviewed map; sync
# installs it, a second sync touches nothing; formats; static merge.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
ex="$top_srcdir/examples"

run_a2r -v -c "$ex/sample.conf" dump --from-ldif "$ex/sample-directory.ldif"
expect_rc 0
diff -u "$ex/sample-expected.map" <(echo "$out") >&2 || fail "sample map differs"
[ "$(grep -c 'warning:' "$T/.err")" -eq 7 ] || fail "expected 7 warnings"
expect_err 'CN=Sales,OU=Shared Mailboxes,DC=corp,DC=example,DC=com: proxyAddresses value "smtp:a@b@corp.example.com" rejected: has more than one @'
ok "sample directory gives sample-expected.map with 7 warnings"

mkdir "$T/out"
map="$T/out/relay_recipients"
run_a2r -q -c "$ex/sample.conf" sync --from-ldif "$ex/sample-directory.ldif" --output "$map"
expect_rc 0
cmp "$map" "$ex/sample-expected.map" || fail "installed map differs"
[ -s "$map.cdb" ] || fail "no cdb"
[ "$(stat -c %a "$map")" = 644 ] || fail "mode of a new map is not 0644"
ok "sync installs text map and cdb"

# unchanged content: nothing written, renamed or touched
chmod 640 "$map"
touch -d '2020-01-01 00:00' "$map" "$map.cdb" "$T/out"
before=$(stat -c '%i %Y %a' "$map" "$map.cdb" "$T/out")
run_a2r -q -c "$ex/sample.conf" sync --from-ldif "$ex/sample-directory.ldif" --output "$map"
expect_rc 0
[ "$before" = "$(stat -c '%i %Y %a' "$map" "$map.cdb" "$T/out")" ] || fail "unchanged sync touched files"
ok "second sync touches nothing"

# the text map is current but the cdb is gone or stale: only the cdb is replaced
cp "$map.cdb" "$T/good.cdb"
for damage in "rm $map.cdb" "truncate -s 100 $map.cdb"; do
	$damage
	run_a2r -q -c "$ex/sample.conf" sync --from-ldif "$ex/sample-directory.ldif" --output "$map"
	expect_rc 0
	cmp -s "$map.cdb" "$T/good.cdb" || fail "cdb not rebuilt after: $damage"
	[ "$(stat -c '%i %Y' "$map")" = "$(echo "$before" | head -1 | cut -d' ' -f1,2)" ] ||
		fail "text map touched after: $damage"
done
ok "a missing or damaged cdb is rebuilt; the current text map is left alone"

# a change replaces the files (new inode), keeps the mode
run_a2r -q -c "$ex/sample.conf" sync --from-ldif "$ex/sample-directory.ldif" --output "$map" \
	--static "$ex/sample-static"
expect_rc 0
grep -qx 'postmaster@corp.example.com OK' "$map" || fail "static line missing"
grep -qx '@unsynced.example.org OK' "$map" || fail "static wildcard missing"
[ "$(stat -c %a "$map")" = 640 ] || fail "mode not kept"
[ "$(stat -c %i "$map")" != "$(echo "$before" | head -1 | cut -d' ' -f1)" ] || fail "not replaced by rename"
ok "static lines merged; mode kept on replace"

run_a2r -q -c "$ex/sample.conf" dump --from-ldif "$ex/sample-directory.ldif" --format list
cut -d' ' -f1 "$ex/sample-expected.map" | diff - <(echo "$out") >&2 || fail "list format"
run_a2r -q -c "$ex/sample.conf" dump --from-ldif "$ex/sample-directory.ldif" --format json
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==27 and d[0]["value"]=="OK"' ||
	fail "json format"
ok "list and json formats"
