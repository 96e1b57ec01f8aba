#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fault-matrix.sh - what can go wrong in an unattended sync, one case at a
# time against a real slapd and real files: each ends with its documented
# exit status, one clear line, and the installed text and cdb maps
# byte-identical to before (unless the case says the new map is installed).
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
need "$POSTMAP"
live_setup 2000
pf=$(postfix_dir)
map=$T/out/relay_recipients
n=$(wc -l <"$EXPECTED")
cases=0

run_a2r -c "$CONF" sync
expect_rc 0
snapshot "$T/out"
cp "$map" "$T/good.map"

# refused CASE STATUS REGEX ARGS... - sync fails that way, maps untouched
refused() {
	local what=$1 status=$2 re=$3
	shift 3
	run_a2r "$@"
	expect_rc "$status" "$what"
	expect_one_line
	expect_err "$re"
	unchanged "$T/out"
	cases=$((cases + 1))
	ok "$what: $status"
}

# -- the directory ---------------------------------------------------------
live_conf "$T/down.conf" "uri=ldap://127.0.0.1:$(free_port) ldap://127.0.0.1:$(free_port)"
refused "every DC down" 69 'no domain controller delivered a complete result' -c "$T/down.conf" sync

printf 'nope\n' >"$T/bad.pw"
chmod 600 "$T/bad.pw"
live_conf "$T/pw.conf" "bindpw_file=$T/bad.pw"
refused "wrong password" 77 'bind as .*: Invalid credentials' -c "$T/pw.conf" sync

chmod 644 "$T/bad.pw"
refused "bindpw_file world-readable" 78 'readable or writable by others \(mode 0644\)' -c "$T/pw.conf" sync

faultproxy_start "$T" hang --mode forward --to "127.0.0.1:$SLAPD_PORT" --hang-after-entries 900 ||
	fail "proxy"
on_exit "faultproxy_stop '$T' hang"
live_conf "$T/hang.conf" "uri=ldap://127.0.0.1:$FAULTPROXY_PORT" "tls=none" "bind=anonymous"
refused "the only DC hangs mid-search" 69 'search: no answer within 2 s' -c "$T/hang.conf" sync

live_conf "$T/size.conf" "page_size=1001"
refused "a page size the DC refuses" 69 'Administrative limit exceeded' -c "$T/size.conf" sync

# -- configuration ---------------------------------------------------------
cp "$CONF" "$T/syntax.conf"
echo 'timeout 5' >>"$T/syntax.conf"
refused "config file syntax error" 78 "^ad2relay: $T/syntax.conf:[0-9]+: expected \"key = value\"$" \
	-c "$T/syntax.conf" sync
cp "$CONF" "$T/key.conf"
echo 'max_shrinkage = 5%' >>"$T/key.conf"
refused "unknown config key" 78 'unknown key "max_shrinkage"' -c "$T/key.conf" sync
refused "on_change not an absolute path" 78 'must start with an absolute program path' \
	-c "$CONF" sync --on-change 'push-to-mx'

# -- safety guards ---------------------------------------------------------
refused "empty result" 65 'refusing to install an empty map' -c "$CONF" sync --filter '(cn=nobody)'
refused "shrink past max_shrink" 65 'lost [0-9]+ of [0-9]+ entries \([0-9.]+%\), more than max_shrink = 10%' \
	-c "$CONF" sync --objects groups
refused "canary missing" 65 'required address postmaster@corp.example.com is missing' \
	-c "$CONF" sync --require 'Postmaster@corp.example.com'
refused "canary missing, even with --force" 65 'required address postmaster@corp.example.com' \
	-c "$CONF" sync --require postmaster@corp.example.com --force --objects groups

run_a2r -c "$CONF" sync --objects groups --dry-run --force
expect_rc 0
echo "$out" | grep -Eqx '\+0 -[0-9]+' || fail "dry run summary: $out"
unchanged "$T/out"
run_a2r -c "$CONF" sync --objects groups --dry-run
expect_rc 65
echo "$out" | grep -Eqx '\+0 -[0-9]+' || fail "dry run summary before the guard: $out"
expect_err 'refusing to install'
unchanged "$T/out"
ok "--dry-run prints +N -M, says what the guards would do, touches nothing"

# -- the lock --------------------------------------------------------------
flock "$T/held.lock" sleep 5 &
holder=$!
on_exit "kill $holder 2>/dev/null"
sleep 0.2
refused "another run holds the lock" 75 "^ad2relay: another ad2relay run holds $T/held.lock$" \
	-c "$CONF" sync --lock-file "$T/held.lock"
kill "$holder"
wait "$holder" 2>/dev/null || true

# -- writing the maps ------------------------------------------------------
A2R_FSIZE=100 refused "text map write fails (EFBIG)" 73 "write $map\.tmp\.[A-Za-z0-9]{6}: File too large" \
	-c "$CONF" sync --objects users --max-shrink 100% --no-cdb
A2R_FSIZE=300 refused "cdb write fails (EFBIG)" 73 "cdb.*File too large" \
	-c "$CONF" sync --objects users --max-shrink 100%

refused "output directory missing" 73 "create a temp file in $T/none: No such file or directory" \
	-c "$CONF" sync --output "$T/none/relay_recipients"

if have_root "read-only output directory (a bind mount)" && command -v unshare >/dev/null; then
	# a read-only bind mount of the output directory, in a private mount namespace
	set +e
	unshare --mount sh -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' sh "$T/out" \
		"$AD2RELAY" -c "$CONF" --lock-file "$T/l" sync --objects users --max-shrink 100% \
		>"$T/.out" 2>"$T/.err"
	rc=$?
	set -e
	err=$(cat "$T/.err")
	expect_rc 73 "read-only output directory"
	expect_one_line
	expect_err "Read-only file system"
	unchanged "$T/out"
	cases=$((cases + 1))
	ok "read-only output directory: 73"
fi

# -- Postfix actions: the new map is installed, the command named ----------
reset_map() { cp "$T/good.map" "$map"; "$POSTMAP" -c "$pf" "cdb:$map"; }

installed_then() { # installed_then WHAT REGEX ARGS... - 71, new map in place
	local what=$1 re=$2
	shift 2
	run_a2r "$@"
	expect_rc 71 "$what"
	expect_one_line
	expect_err "$re"
	cmp -s "$map" "$T/users.map" || fail "$what: the new map is not installed"
	cases=$((cases + 1))
	ok "$what: 71, new map installed"
	reset_map
}

run_a2r -c "$CONF" dump --objects users
expect_rc 0
cp "$T/.out" "$T/users.map"
cmp -s "$T/users.map" "$T/good.map" && fail "users-only map should differ"
printf '#!/bin/sh\necho "$@" >"%s"\necho boom >&2\nexit 3\n' "$T/args" >"$T/onchange"
chmod 755 "$T/onchange"

mkdir "$T/nomaincf"
installed_then "postmap fails" "^ad2relay: $POSTMAP: exit status [0-9]+: .*main\.cf" \
	-c "$CONF" sync --objects users --max-shrink 100% --postmap hash --postfix-config "$T/nomaincf"
# Run by another user than root, postfix(1) says why only to syslog.
reason=': .+'
[ "$(id -u)" = 0 ] || reason='$'
installed_then "postfix reload fails" "^ad2relay: .*/postfix: exit status [0-9]+$reason" \
	-c "$CONF" sync --objects users --max-shrink 100% --reload --postfix-config "$pf"
installed_then "on_change fails" "^ad2relay: $T/onchange: exit status 3: boom$" \
	-c "$CONF" sync --objects users --max-shrink 100% --on-change "$T/onchange --push"
[ "$(cat "$T/args")" = "--push $map $map.cdb" ] || fail "on_change arguments: $(cat "$T/args")"
# the failed command is retried by the next run, though the map is unchanged
printf '#!/bin/sh\necho "$@" >>"%s"\n' "$T/retried" >"$T/onchange-ok"
chmod 755 "$T/onchange-ok"
run_a2r -c "$CONF" sync --objects users --max-shrink 100% --on-change "$T/onchange"
expect_rc 71
run_a2r -v -c "$CONF" sync --objects users --max-shrink 100% --on-change "$T/onchange-ok"
expect_rc 0
expect_err 'is up to date \([0-9]+ addresses\); ran the Postfix commands an earlier run left pending$'
[ "$(cat "$T/retried" 2>/dev/null)" = "$map $map.cdb" ] || fail "failed on_change not retried"
run_a2r -c "$CONF" sync --objects users --max-shrink 100% --on-change "$T/onchange-ok"
expect_rc 0
[ "$(wc -l <"$T/retried")" = 1 ] || fail "on_change ran again with nothing to retry"
ok "a failed on_change is retried by the next run, then not again"
reset_map

printf '#!/bin/sh\nsleep 30\n' >"$T/slow"
chmod 755 "$T/slow"
installed_then "on_change hangs" "^ad2relay: $T/slow: killed after 1 s \(command_timeout\)$" \
	-c "$CONF" sync --objects users --max-shrink 100% --on-change "$T/slow" --command-timeout 1
pgrep -f "^sleep 30$" -P 1 >/dev/null 2>&1 && fail "on_change's child survived the timeout"

# and when they work: postmap hash: after a change, nothing when unchanged
run_a2r -c "$CONF" sync --objects users --max-shrink 100% --postmap hash --postfix-config "$pf"
expect_rc 0
[ -s "$map.db" ] || fail "postmap hash: did not run"
"$POSTMAP" -c "$pf" -q "$(head -1 "$map" | cut -d' ' -f1)" "hash:$map" >/dev/null || fail "hash map"
touch -d '2020-01-01' "$map.db"
run_a2r -c "$CONF" sync --objects users --max-shrink 100% --postmap hash --postfix-config "$pf"
expect_rc 0
[ "$(stat -c %Y "$map.db")" = "$(date -d 2020-01-01 +%s)" ] || fail "postmap ran with nothing changed"
ok "postmap hash: runs after a change, not when nothing changed"

echo "$cases fault cases"
[ "$cases" -ge 20 ] || fail "fewer than 20 fault cases"
