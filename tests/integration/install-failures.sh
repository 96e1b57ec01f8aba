#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# install-failures.sh - failed writes leave the installed maps untouched:
# exit 73, one clear line, no temp files, both maps byte-identical.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e

gen_ldif 50 "$T/old.ldif"
gen_ldif 3000 "$T/new.ldif"
mkdir "$T/out"
map="$T/out/relay_recipients"
opts=(-c /dev/null --relay-domains 'corp.example.com example.org' --output "$map")

run_a2r sync "${opts[@]}" --from-ldif "$T/old.ldif"
expect_rc 0
snapshot "$T/out"

# 1. the text map write fails part-way (file size limit: EFBIG)
A2R_FSIZE=40 run_a2r sync "${opts[@]}" --no-cdb --from-ldif "$T/new.ldif"
expect_rc 73 "EFBIG on the text map"
expect_one_line
expect_err "^ad2relay: install $map: write $map\.tmp\.[A-Za-z0-9]{6}: File too large$"
unchanged "$T/out"
ok "EFBIG on the text map: 73, old maps intact, no temp file"

# 2. the cdb cannot be built (limit above the text map, below the cdb)
A2R_FSIZE=200 run_a2r sync "${opts[@]}" --from-ldif "$T/new.ldif"
expect_rc 73 "EFBIG on the cdb"
expect_one_line
expect_err "File too large"
unchanged "$T/out"
ok "EFBIG on the cdb: 73, old maps intact, no temp file"

# 3. output directory not writable for the user running ad2relay
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T" "$T/out"
	chmod 644 "$T/out"/*
	chmod 644 "$T/new.ldif"
	# a copy nobody can execute wherever the build tree lives
	install -m 755 "$AD2RELAY" "$T/ad2relay"
	install -m 666 /dev/null "$T/lock-nobody"
	set +e
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$T/ad2relay" --lock-file "$T/lock-nobody" sync "${opts[@]}" --from-ldif "$T/new.ldif" >"$T/.out" 2>"$T/.err"
	rc=$?
	set -e
else
	chmod 555 "$T/out"
	run_a2r sync "${opts[@]}" --from-ldif "$T/new.ldif"
	chmod 755 "$T/out"
fi
err=$(cat "$T/.err")
expect_rc 73 "unwritable directory"
expect_one_line
expect_err "^ad2relay: install $map: create a temp file in $T/out: Permission denied$"
unchanged "$T/out"
ok "unwritable output directory: 73, old maps intact"

# 4. output directory missing
run_a2r sync -c /dev/null --relay-domains example.org --output "$T/missing/relay_recipients" \
	--from-ldif "$T/new.ldif"
expect_rc 73 "missing directory"
expect_one_line
expect_err "No such file or directory"
[ ! -e "$T/missing" ] || fail "missing directory was created"
ok "missing output directory: 73"

# 5. and the same input installs fine without the limits
run_a2r sync "${opts[@]}" --from-ldif "$T/new.ldif"
expect_rc 0
[ "$(wc -l <"$map")" -eq 6000 ] || fail "new map incomplete"
[ "$(ls "$T/out" | wc -l)" -eq 3 ] || fail "stray files in the output directory (map, cdb, origins)"
ok "unrestricted run installs the new map"
