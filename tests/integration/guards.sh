#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# guards.sh - the guards protect the map Postfix reads (the cdb), runs
# stopped by SIGTERM/SIGINT/SIGHUP leave no temp file and never a new text
# map beside an old cdb, on_change children get only 0-2 and a background
# child of theirs does not turn success into a timeout, long values.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need "$POSTMAP"
pf=$(postfix_dir)

mkdir "$T/out"
map="$T/out/relay_recipients"
opts=(-c /dev/null --relay-domains "corp.example.com example.org" --output "$map")
gen_ldif 500 "$T/full.ldif"
gen_ldif 5 "$T/few.ldif"

# -- 1. max_shrink and the cdb ---------------------------------------------
run_a2r sync "${opts[@]}" --from-ldif "$T/full.ldif"
expect_rc 0
rm "$map"
snapshot "$T/out"
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif"
expect_rc 65 "text map missing, cdb full, new set tiny"
expect_one_line
expect_err "^ad2relay: refusing to install: the new map lost 990 of 1000 entries of the installed cdb \(99\.0%\), more than max_shrink = 10%"
unchanged "$T/out"
ok "text map missing: max_shrink counts the cdb (65, cdb unchanged)"

# a text map cut short beside the full cdb: the larger (the cdb) counts
run_a2r dump "${opts[@]}" --from-ldif "$T/few.ldif"
printf '%s\n' "$out" >"$map"
snapshot "$T/out"
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif"
expect_rc 65 "text map short, cdb full"
expect_err "lost 990 of 1000 entries of the installed cdb"
unchanged "$T/out"
: >"$map"
snapshot "$T/out"
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif"
expect_rc 65 "text map empty, cdb full"
unchanged "$T/out"
run_a2r sync -n "${opts[@]}" --from-ldif "$T/few.ldif"
expect_rc 65 "dry run"
[ "$out" = "+0 -990" ] || fail "dry run counts: $out"
ok "text map short or empty beside a full cdb: 65"

# --force still installs; then text and cdb agree again
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif" --force
expect_rc 0
[ "$(wc -l <"$map")" = 10 ] || fail "forced install: $(wc -l <"$map") lines"
[ "$(cut -d' ' -f1 "$map" | "$POSTMAP" -c "$pf" -q - "cdb:$map" | wc -l)" = 10 ] ||
	fail "forced install: the cdb does not answer the text map's keys"
ok "--force overrides the cdb guard"

# -- 2. long values (check used 1024/2048-byte buffers) --------------------
long=$(head -c 5000 /dev/zero | tr '\0' v)
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif" --value "$long" --max-shrink 100%
expect_rc 0
run_a2r check "${opts[@]}" --from-ldif "$T/few.ldif" --value "$long"
expect_rc 0 "check with a 5000-byte value"
# a hand-made map in another order, and postmap's cdb of it
sort -r "$map" >"$map.new" && mv "$map.new" "$map"
"$POSTMAP" -c "$pf" "cdb:$map"
run_a2r check "${opts[@]}" --from-ldif "$T/few.ldif" --value "$long"
expect_rc 0 "check of a hand-made map with a 5000-byte value"
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif" --value "$long"
expect_rc 0 "sync over a hand-made map with a 5000-byte value"
ok "5000-byte value: sync and check"

# a value longer than the 64 KiB the text map is rendered in
huge=$(head -c 70000 /dev/zero | tr '\0' w)
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif" --value "$huge"
expect_rc 0
[ "$(wc -l <"$map")" = 10 ] || fail "70000-byte value: $(wc -l <"$map") lines in the text map"
[ "$(awk '{ print length($2) }' "$map" | sort -u)" = 70000 ] || fail "70000-byte value: cut"
[ "$(cut -d' ' -f1 "$map" | "$POSTMAP" -c "$pf" -q - "cdb:$map" | awk '{ print length($2) }' |
	sort -u)" = 70000 ] || fail "70000-byte value: the cdb"
run_a2r check "${opts[@]}" --from-ldif "$T/few.ldif" --value "$huge"
expect_rc 0 "check with a 70000-byte value"
ok "70000-byte value: the text map and cdb hold it whole, check agrees"

# -- 3. on_change: descriptors, and a child left in the background ---------
run_a2r sync "${opts[@]}" --from-ldif "$T/full.ldif" --max-shrink 100%
expect_rc 0
cat >"$T/fds" <<'SH'
#!/bin/sh
# ls inherits what this shell inherited: any descriptor above 2 but its
# own reading of the directory (and the shell's reading of this script)
ls -l /proc/self/fd/ | awk -v me="$0" '
	$9 ~ /^[0-9]+$/ && $9 > 2 && $11 !~ /^\/proc\// && $11 != me {
		print "inherited descriptor " $9 ": " $11 >"/dev/stderr"
		bad = 1
	}
	END { exit bad ? 5 : 0 }'
SH
chmod 755 "$T/fds"
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif" --max-shrink 100% --on-change "$T/fds"
expect_rc 0 "on_change saw a descriptor above 2"
ok "on_change gets only descriptors 0, 1 and 2"

for code in 0 4; do
	cat >"$T/bg$code" <<SH
#!/bin/sh
sleep 29 &  # not 30: fault-matrix.sh looks for an orphaned "sleep 30"
echo \$! >"$T/bg.pid"
echo "started a background job" >&2
exit $code
SH
	chmod 755 "$T/bg$code"
done
stop_bg() { [ -s "$T/bg.pid" ] && kill "$(cat "$T/bg.pid")" 2>/dev/null; rm -f "$T/bg.pid"; }
on_exit stop_bg
t0=$(date +%s%N)
run_a2r sync "${opts[@]}" --from-ldif "$T/full.ldif" --on-change "$T/bg0" --command-timeout 5
ms=$((($(date +%s%N) - t0) / 1000000))
expect_rc 0 "on_change exited 0, its background child holds stderr"
[ "$ms" -lt 3000 ] || fail "on_change with a background child took $ms ms"
[ -s "$T/bg.pid" ] && pid_alive "$(cat "$T/bg.pid")" || fail "the background job was killed"
stop_bg
run_a2r sync "${opts[@]}" --from-ldif "$T/few.ldif" --max-shrink 100% --on-change "$T/bg4" \
	--command-timeout 5
expect_rc 71
expect_one_line
expect_err "^ad2relay: $T/bg4: exit status 4: started a background job$"
stop_bg
ok "on_change exiting with a background child: its own status, promptly; the child left running"

# -- 4. signals during a run -----------------------------------------------
gen_ldif 40000 "$T/a.ldif"
sed 's/^proxyAddresses: smtp:u\([0-9]*\)@example.org/proxyAddresses: smtp:v\1@example.org/' \
	"$T/a.ldif" >"$T/b.ldif"
mkdir "$T/ref"
big=(-c /dev/null --relay-domains "corp.example.com example.org" --output "$map" --max-shrink 100%
	--lock-file "$T/lock")
for v in a b; do
	"$AD2RELAY" "${big[@]}" --output "$T/ref/$v" sync --from-ldif "$T/$v.ldif"
done
"$AD2RELAY" "${big[@]}" sync --from-ldif "$T/a.ldif"

# is_pair - the installed text map and cdb are both version a or both b
is_pair() {
	{ cmp -s "$map" "$T/ref/a" && cmp -s "$map.cdb" "$T/ref/a.cdb"; } ||
		{ cmp -s "$map" "$T/ref/b" && cmp -s "$map.cdb" "$T/ref/b.cdb"; }
}

# stop_during CALL SIG READY [N] - a sync to the other version with the
# Nth (default first) CALL held for a second by strace; SIG once the shell
# test READY is true
stop_during() {
	local call=$1 sig=$2 ready=$3 nth=${4:-1} tracer i
	if cmp -s "$map" "$T/ref/a"; then v=b; else v=a; fi
	(
		# a background job of a script ignores SIGINT, and a run under nohup
		# SIGHUP; a signal ignored at entry is ignored by ad2relay too
		exec env --default-signal=HUP,INT,TERM strace -f -qq -o /dev/null -e trace="$call" \
			-e inject="$call":delay_exit=1000000:when="$nth" \
			"$AD2RELAY" "${big[@]}" sync --from-ldif "$T/$v.ldif" 2>"$T/sig.err"
	) &
	tracer=$!
	for i in $(seq 1 200); do
		eval "$ready" && break
		sleep 0.05
	done
	eval "$ready" || fail "SIG$sig during $call: never got there"
	kill -"$sig" "$(pgrep -P "$tracer")"
	set +e
	wait "$tracer" 2>/dev/null
	st=$?
	set -e
	[ "$st" = $((128 + $(kill -l "$sig"))) ] || fail "SIG$sig during $call: status $st"
	[ -z "$(find "$T/out" -name '*.tmp.*')" ] || fail "SIG$sig during $call: temp files left"
	is_pair || fail "SIG$sig during $call: text map and cdb differ in version"
	[ "$(wc -l <"$T/sig.err")" = 1 ] || fail "SIG$sig during $call: $(cat "$T/sig.err")"
}

if strace -o /dev/null true 2>/dev/null; then
	for sig in TERM INT HUP; do
		# the temp files written (text, cdb, origins), the first fsync
		# held: the old pair stays
		if cmp -s "$map" "$T/ref/a"; then old=a; else old=b; fi
		stop_during fsync "$sig" '[ "$(find "$T/out" -name "*.tmp.*" | wc -l)" = 3 ]'
		cmp -s "$map" "$T/ref/$old" || fail "SIG$sig during fsync: the text map changed"
		grep -qx "ad2relay: stopped by SIG$sig: the installed maps are unchanged" "$T/sig.err" ||
			fail "SIG$sig during fsync: message $(cat "$T/sig.err")"
		# the origins file and the text map renamed, the cdb held: the
		# new pair
		stop_during rename "$sig" 'cmp -s "$map" "$T/ref/$v"' 2
		cmp -s "$map.cdb" "$T/ref/$v.cdb" || fail "SIG$sig between the renames: cdb not new"
		grep -q "^ad2relay: stopped by SIG$sig: the new maps are installed" "$T/sig.err" ||
			fail "SIG$sig between the renames: message $(cat "$T/sig.err")"
	done
	ok "SIGTERM, SIGINT, SIGHUP with the temp files written: removed, old pair; between the renames: new pair"
else
	echo "strace cannot trace here: signals are tested only at random moments below"
fi

t0=$(date +%s%N)
"$AD2RELAY" "${big[@]}" sync --from-ldif "$T/b.ldif"
span=$((($(date +%s%N) - t0) / 1000000))
sigs=(TERM INT HUP)
killed=0
for i in $(seq 1 30); do
	v=$([ $((i % 2)) = 1 ] && echo a || echo b)
	sig=${sigs[i % 3]}
	(
		# default dispositions, as in stop_during()
		exec env --default-signal=HUP,INT,TERM "$AD2RELAY" "${big[@]}" sync --from-ldif "$T/$v.ldif" 2>"$T/sig.err"
	) &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % (span + 20))))"
	kill -"$sig" "$pid" 2>/dev/null || true
	set +e
	wait "$pid"
	st=$?
	set -e
	case $st in
	0) ;;
	129 | 130 | 143)
		killed=$((killed + 1))
		[ "$st" = $((128 + $(kill -l "$sig"))) ] || fail "run $i: SIG$sig gave status $st"
		# (a signal before the handlers are set up kills silently)
		[ ! -s "$T/sig.err" ] || grep -qx "ad2relay: stopped by SIG$sig: the .*" "$T/sig.err" ||
			fail "run $i: SIG$sig: message: $(cat "$T/sig.err")"
		[ "$(wc -l <"$T/sig.err")" -le 1 ] || fail "run $i: more than one line on stderr"
		;;
	*) fail "run $i: SIG$sig: status $st: $(cat "$T/sig.err")" ;;
	esac
	temps=$(find "$T/out" -name '*.tmp.*')
	[ -z "$temps" ] || fail "run $i: SIG$sig left $temps"
	is_pair || fail "run $i: SIG$sig left a text map and a cdb of different versions"
	# (this Postfix cannot list a cdb: postmap -s says "not supported")
	[ "$(cut -d' ' -f1 "$map" | "$POSTMAP" -c "$pf" -q - "cdb:$map" | wc -l)" = \
		"$(wc -l <"$map")" ] || fail "run $i: the cdb does not answer every key of the text map"
done
[ "$killed" -ge 10 ] || fail "only $killed of 30 runs were stopped by the signal"
ok "$killed of 30 runs stopped by SIGTERM/SIGINT/SIGHUP: no temp file, text and cdb of one version"
