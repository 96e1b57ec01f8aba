#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# hostile-dc.sh - a hostile domain controller (lib/hostile_dc.py: hand-made
# BER over plain LDAP) never becomes a crash, a hung run or a changed map:
# undecodable entries, paging and range loops that never end or make no
# progress, slow trickles, truncated and oversized messages, a wrong message
# ID, duplicated results, an unsolicited Notice of Disconnection.  Every
# case runs `ad2relay sync` against an installed good map and checks the
# exit status, the one-line message naming the DC and the problem, the
# wall time against run_timeout, and the map files byte for byte.  Then
# failover: the hostile DC first, a good slapd second.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/slapd.sh"
need python3
set -e

HOSTILE=$top_srcdir/tests/integration/lib/hostile_dc.py
BASE=dc=corp,dc=example,dc=com
OUT=$T/out
RUN_TIMEOUT=4
mkdir -p "$OUT"

# hostile_start NAME SCENARIO [ARGS...] - start one server, $HPORT its port
hostile_start() {
	local name=$1 i
	shift
	rm -f "$T/$name.port"
	# (its own messages go to --log; stderr catches a Python traceback)
	# shellcheck disable=SC2094
	"$PYTHON3" "$HOSTILE" --scenario "$@" --port-file "$T/$name.port" \
		--log "$T/$name.log" </dev/null >/dev/null 2>>"$T/$name.log" &
	echo $! >"$T/$name.pid"
	on_exit "hostile_stop $name"
	for ((i = 0; i < 200; i++)); do
		[ -s "$T/$name.port" ] && break
		sleep 0.025
	done
	[ -s "$T/$name.port" ] || fail "hostile_dc.py $* did not start: $(cat "$T/$name.log")"
	HPORT=$(cat "$T/$name.port")
}

hostile_stop() {
	local pid
	pid=$(cat "$T/$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$T/$1.pid"
}

# conf FILE URI [KEY=VALUE...] - anonymous bind over plain LDAP; a
# KEY=VALUE replaces a default
conf() {
	local f=$1 kv k
	local -A v=(
		[uri]=$2 [tls]=none [bind]=anonymous [base]=$BASE [timeout]=1
		[relay_domains]="corp.example.com example.org" [output]=$OUT/relay_recipients
		[run_timeout]=$RUN_TIMEOUT
	)
	shift 2
	for kv in "$@"; do
		v[${kv%%=*}]=${kv#*=}
	done
	for k in "${!v[@]}"; do
		echo "$k = ${v[$k]}"
	done >"$f"
}

now() { date +%s.%N; }

# sane_exit - no signal, no sanitizer report, one line on stderr
sane_exit() {
	[ "$rc" -lt 128 ] || fail "killed by signal $((rc - 128))"
	! grep -Eq 'Sanitizer|runtime error:' "$T/.err" || fail "sanitizer report"
	expect_one_line
}

# The good map, from the hostile DC's own well-behaved scenario.
hostile_start good good
conf "$T/good.conf" "ldap://127.0.0.1:$HPORT"
t0=$(now)
run_a2r -c "$T/good.conf" sync
t1=$(now)
expect_rc 0 "good scenario"
# What a whole good run costs on this machine right now (about 0.1 s when
# it is idle): a busy machine stretches every run, hostile or not, by the
# same factor, so the bound below grows with it.
GOOD=$(awk -v s="$t0" -v e="$t1" 'BEGIN { print e - s }')
[ "$(wc -l <"$OUT/relay_recipients")" -eq 200 ] || fail "good map: not 200 lines"
[ -s "$OUT/relay_recipients.cdb" ] || fail "good map: no cdb"
hostile_stop good
snapshot "$OUT"
ok "good map installed from the well-behaved scenario"

# case SCENARIO STATUS REGEX [KEY=VALUE...] - one hostile run of sync
case_() {
	local sc=$1 want=$2 re=$3 t0 t1
	shift 3
	hostile_start "$sc" "$sc"
	conf "$T/$sc.conf" "ldap://127.0.0.1:$HPORT" "$@"
	t0=$(now)
	run_a2r -c "$T/$sc.conf" sync
	t1=$(now)
	hostile_stop "$sc"
	sane_exit
	expect_rc "$want" "$sc"
	expect_err "^ad2relay: .*ldap://127\.0\.0\.1:$HPORT: $re"
	# (the slack: process start and exit under the sanitizers, 2 s, plus
	# three good runs' time, which is what a busy machine adds)
	awk -v s="$t0" -v e="$t1" -v l="$RUN_TIMEOUT" -v g="$GOOD" \
		'BEGIN { exit !(e - s < l + 2 + 3 * g) }' ||
		fail "$sc: took $(awk -v s="$t0" -v e="$t1" 'BEGIN { print e - s }') s, run_timeout is $RUN_TIMEOUT s (a good run took $GOOD s)"
	unchanged "$OUT"
	ok "$sc: exit $rc in $(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", e - s }') s, map unchanged"
}

undecodable='search: entry CN=User 50,OU=Staff,dc=corp,dc=example,dc=com: its attributes cannot be decoded'
case_ junk-attrs 69 "$undecodable"
case_ junk-between 69 "$undecodable"
case_ same-cookie 69 'search: page 2 was empty and came back with the cookie it was asked with \(no progress\)$'
case_ empty-pages 69 'search: 10 pages in a row without an entry \(no progress\)$'
case_ new-per-page 69 "search: not complete within $RUN_TIMEOUT s \(run_timeout\)$"
# one entry every 1.5 s never trips timeout = 2: run_timeout ends it
case_ slow 69 "search: not complete within $RUN_TIMEOUT s \(run_timeout\)$" timeout=2
case_ range-forever 69 "range retrieval of proxyAddresses;range=[0-9]+-\\*: not complete within $RUN_TIMEOUT s \(run_timeout\)$"
case_ range-junk 69 "CN=User 1,OU=Staff,dc=corp,dc=example,dc=com: range retrieval of proxyAddresses;range=2-\\*: the values cannot be decoded"
case_ truncated 69 "search: Can't contact LDAP server$"
case_ wrong-msgid 69 'search: no answer within 1 s \(timeout\)$'
case_ huge-length 69 'search: the server sent a message longer than 16 MiB \(refused\)$'
case_ huge-dn 69 'search: the server sent a message longer than 16 MiB \(refused\)$'
# libldap leaks what it decoded of a Notice of Disconnection (see the
# file); its frames show only with the slow unwinder
ASAN_OPTIONS="${ASAN_OPTIONS-}:fast_unwind_on_malloc=0" \
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan-notice-of-disconnection.supp:print_suppressions=0" \
	case_ disconnect 69 'search: Server is unavailable$'

# Duplicated entries and a second SearchResultDone: the set holds each
# address once and the stray result belongs to a finished operation, so
# the export is complete and correct: the same 200 addresses, map unchanged.
hostile_start dup duplicates
conf "$T/dup.conf" "ldap://127.0.0.1:$HPORT"
run_a2r -c "$T/dup.conf" dump --format list
[ "$rc" -lt 128 ] || fail "duplicates: signal"
expect_rc 0 "duplicates"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 200 ] || fail "duplicates: not 200 addresses"
[ "$(printf '%s\n' "$out" | sort -u | wc -l)" -eq 200 ] || fail "duplicates: an address twice"
run_a2r -c "$T/dup.conf" sync
expect_rc 0 "duplicates sync"
[ -z "$err" ] || fail "duplicates: stderr not empty"
unchanged "$OUT"
hostile_stop dup
ok "duplicates: each address once, exit 0, map unchanged"

# Failover: the hostile DC first, a good slapd second: slapd's map is
# installed, and -v names the hostile DC and its problem.
need slapd
export SLAPD_LOGLEVEL=0
mkdir -p "$T/ldap"
slapd_setup "$T/ldap" >/dev/null || fail "slapd_setup"
"$PYTHON3" "$SLAPD_LIBDIR/gen-ad-ldif.py" --users 150 --out "$T/ldap/dir.ldif" \
	--expected "$T/ldap/expected.txt" >/dev/null || fail "generator"
slapd_load "$T/ldap" "$T/ldap/dir.ldif" >/dev/null || fail "slapd_load"
slapd_start "$T/ldap" >/dev/null || fail "slapd_start"
on_exit "slapd_stop '$T/ldap'"
hostile_start fo junk-attrs
conf "$T/fo.conf" "ldap://127.0.0.1:$HPORT $SLAPD_URI" "relay_domains=corp.example.com .corp.example.com example.org" \
	"max_shrink=100"
run_a2r -v -c "$T/fo.conf" sync
[ "$rc" -lt 128 ] || fail "failover: signal"
expect_rc 0 "failover"
expect_err "^ad2relay: ldap://127\.0\.0\.1:$HPORT: $undecodable"
awk '{ print $1 }' "$OUT/relay_recipients" | diff -u "$T/ldap/expected.txt" - >&2 ||
	fail "failover: the map is not slapd's"
"$POSTMAP" -c "$(postfix_dir)" -q "$(head -1 "$T/ldap/expected.txt")" "cdb:$OUT/relay_recipients" \
	>/dev/null || fail "failover: cdb does not hold slapd's addresses"
hostile_stop fo
ok "failover: hostile DC skipped, the good DC's map installed"
snapshot "$OUT"

# --run-timeout overrides the config file
hostile_start ovr new-per-page
conf "$T/ovr.conf" "ldap://127.0.0.1:$HPORT" "run_timeout=60"
t0=$(now)
run_a2r -c "$T/ovr.conf" --run-timeout 2 sync
sane_exit
expect_rc 69 "--run-timeout"
expect_err "search: not complete within 2 s \(run_timeout\)$"
awk -v s="$t0" -v e="$(now)" 'BEGIN { exit !(e - s < 4) }' || fail "--run-timeout 2 not honoured"
unchanged "$OUT"
hostile_stop ovr
ok "--run-timeout overrides run_timeout"
