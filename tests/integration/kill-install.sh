#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# kill-install.sh - SIGKILL at random moments during install, 50 times on
# a large map: every map is always the complete old or the complete new
# one (the cdb answers postmap -q), and temp files never pile up.  Then
# ten runs at once: one installs, the others follow the lock rule.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need "$POSTMAP"
pf=$(postfix_dir)

gen_ldif 40000 "$T/a.ldif"
sed 's/^proxyAddresses: smtp:u\([0-9]*\)@example.org/proxyAddresses: smtp:v\1@example.org/' \
	"$T/a.ldif" >"$T/b.ldif"
mkdir "$T/out" "$T/ref"
map=$T/out/relay_recipients
opts=(-c /dev/null --relay-domains "corp.example.com example.org" --output "$map" --max-shrink 100%
	--lock-file "$T/lock")

# the two complete versions, for comparison
for v in a b; do
	"$AD2RELAY" "${opts[@]}" --output "$T/ref/$v" sync --from-ldif "$T/$v.ldif"
done
"$AD2RELAY" "${opts[@]}" sync --from-ldif "$T/a.ldif"
t0=$(date +%s%N)
"$AD2RELAY" "${opts[@]}" sync --from-ldif "$T/b.ldif"
span=$((($(date +%s%N) - t0) / 1000000))
echo "one install of $(wc -l <"$map") addresses takes ${span} ms"

is_one_of() { # is_one_of FILE A B
	cmp -s "$1" "$2" || cmp -s "$1" "$3"
}

killed=0
i=0
# 50 runs, more if fewer than half were killed mid-way: under load, one
# install can take much less (or more) time than the one measured above
while [ "$i" -lt 50 ] || [ "$killed" -lt 25 ]; do
	i=$((i + 1))
	[ "$i" -le 150 ] || break
	v=$([ $((i % 2)) = 1 ] && echo a || echo b)
	"$AD2RELAY" "${opts[@]}" sync --from-ldif "$T/$v.ldif" &
	pid=$!
	# anywhere from start-up to the renames at the end
	ms=$((RANDOM * 32768 + RANDOM))
	ms=$((ms % (span + 20)))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	if kill -KILL "$pid" 2>/dev/null; then
		killed=$((killed + 1))
	else
		span=$((span * 3 / 4)) # it ended before: aim earlier
	fi
	wait "$pid" 2>/dev/null || true
	is_one_of "$map" "$T/ref/a" "$T/ref/b" || fail "run $i: text map is neither old nor new"
	is_one_of "$map.cdb" "$T/ref/a.cdb" "$T/ref/b.cdb" || fail "run $i: cdb is neither old nor new"
	"$POSTMAP" -c "$pf" -q user.7@corp.example.com "cdb:$map" >/dev/null ||
		fail "run $i: cdb not readable by postmap"
	temps=$(find "$T/out" -name '*.tmp.*' | wc -l)
	[ "$temps" -le 3 ] || fail "run $i: $temps temp files accumulated"
done
[ "$killed" -ge 25 ] || fail "only $killed of $((i - 1)) runs were killed while running"
ok "$killed of $i runs killed mid-way: maps always complete, at most one run's temp files"

"$AD2RELAY" "${opts[@]}" sync --from-ldif "$T/a.ldif"
[ "$(find "$T/out" -name '*.tmp.*' | wc -l)" = 0 ] || fail "temp files of killed runs not cleaned up"
cmp "$map" "$T/ref/a" || fail "final map"
ok "the next run removes the temp files of a killed one"

# ten runs at once: exactly one installs, the others exit 75 or find the
# map already up to date
for i in $(seq 1 10); do
	"$AD2RELAY" -v "${opts[@]}" sync --from-ldif "$T/b.ldif" >"$T/c$i.out" 2>"$T/c$i.err" &
	pids[i]=$!
done
installed=0
locked=0
for i in $(seq 1 10); do
	set +e
	wait "${pids[i]}"
	st=$?
	set -e
	case $st in
	0) grep -q '^ad2relay: installed' "$T/c$i.err" && installed=$((installed + 1)) ;;
	75)
		locked=$((locked + 1))
		grep -qx "ad2relay: another ad2relay run (pid [0-9]*) holds $T/lock" "$T/c$i.err" ||
			grep -qx "ad2relay: another ad2relay run holds $T/lock" "$T/c$i.err" ||
			fail "run $i: lock message: $(cat "$T/c$i.err")"
		;;
	*) fail "concurrent run $i: status $st: $(cat "$T/c$i.err")" ;;
	esac
done
[ "$installed" = 1 ] || fail "$installed concurrent runs installed"
cmp "$map" "$T/ref/b" || fail "map after concurrent runs"
cmp "$map.cdb" "$T/ref/b.cdb" || fail "cdb after concurrent runs"
ok "10 concurrent runs: 1 installed, $locked refused by the lock (75), the rest up to date"

# lock_wait lets a run wait for the holder instead: it starts once the
# holder has the lock and ends after the holder let go
flock "$T/lock" sh -c ': >"$1.held"; sleep 1; : >"$1.released"' sh "$T/lock" &
holder=$!
wait_for 10 test -e "$T/lock.held" || fail "flock did not take the lock"
run_a2r "${opts[@]}" sync --from-ldif "$T/a.ldif" --lock-wait 30 --lock-file "$T/lock"
expect_rc 0
[ -e "$T/lock.released" ] || fail "lock_wait: ran while the lock was held"
wait "$holder"
cmp "$map" "$T/ref/a" || fail "map after waiting for the lock"
ok "lock_wait waits for the holder"
