#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# reporting.sh - silent on success, one syslog line (facility mail) for a
# change and for an error, the metrics file, progress on a terminal.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need python3
gen_ldif 3000 "$T/a.ldif"
gen_ldif 2900 "$T/b.ldif"
mkdir "$T/out"
opts=(-c /dev/null --relay-domains 'corp.example.com example.org' --output "$T/out/map"
	--metrics-file "$T/out/ad2relay.prom")

run_a2r sync "${opts[@]}" --from-ldif "$T/a.ldif"
expect_rc 0
[ -z "$out$err" ] || fail "a successful sync printed something"
ok "silent on success"

m=$T/out/ad2relay.prom
grep -qx 'ad2relay_run_status 0' "$m" || fail "metrics: status"
grep -qx 'ad2relay_addresses 6000' "$m" || fail "metrics: addresses"
grep -qx 'ad2relay_entries 3000' "$m" || fail "metrics: entries"
grep -Eqx 'ad2relay_duration_seconds [0-9]+\.[0-9]{3}' "$m" || fail "metrics: duration"
ok_time=$(sed -n 's/^ad2relay_last_success_timestamp_seconds //p' "$m")
[ "$ok_time" -gt 1600000000 ] || fail "metrics: last success"
sleep 1
run_a2r sync "${opts[@]}" --from-ldif "$T/missing.ldif"
expect_rc 69
grep -qx 'ad2relay_run_status 69' "$m" || fail "metrics after failure: status"
grep -qx "ad2relay_last_success_timestamp_seconds $ok_time" "$m" || fail "metrics: last success lost"
last=$(sed -n 's/^ad2relay_last_run_timestamp_seconds //p' "$m")
[ "$last" -gt "$ok_time" ] || fail "metrics: last run time"
[ "$(find "$T/out" -name '*.tmp.*' | wc -l)" = 0 ] || fail "metrics temp file left"
# the text exposition format: every sample's metric has # HELP and # TYPE
# lines before it, names and values parse
python3 - "$m" <<'PY' || fail "metrics: not the exposition format: $(cat "$m")"
import re, sys
helps, types, samples = set(), set(), 0
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.fullmatch(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)", line)
    if m:
        (helps if m.group(1) == "HELP" else types).add(m.group(2))
        assert m.group(1) == "HELP" or m.group(3) in ("gauge", "counter"), line
        continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z_]+="(?:[^"\\]|\\.)*"\})? (\S+)', line)
    assert m, line
    float(m.group(3))
    assert m.group(1) in helps and m.group(1) in types, "no HELP/TYPE before " + line
    samples += 1
assert samples >= 6 and helps == types, (samples, helps ^ types)
PY
# and as Prometheus's own checker reads it (deps.sh installs it for the
# tests: Debian's prometheus package; its service is not started)
if command -v promtool >/dev/null; then
	promtool check metrics <"$m" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T/promtool.out")"
fi
ok "metrics file: status, counts, duration, last success kept across a failure"

# The counts by object class and by reason, for a directory with entries
# of every class and a value for every reason (tests/data/counts.ldif):
# as an LDIF file (every record, computers and disabled accounts skipped
# here) and live from slapd (whose filter leaves those out)
fx=$top_srcdir/tests/data/counts.ldif
mc=$T/out/counts.prom
copts=(-c /dev/null --relay-domains 'corp.example.com example.org' --output "$T/out/counts"
	--metrics-file "$mc")
# has_lines FILE WHAT LINE... - FILE holds every LINE, whole
has_lines() {
	local f=$1 what=$2 l
	shift 2
	for l in "$@"; do
		grep -qxF -- "$l" "$f" || fail "$what: no line \"$l\" in: $(cat "$f")"
	done
}
reasons=('ad2relay_rejected_values{reason="outside_relay_domains"} 3'
	'ad2relay_rejected_values{reason="other_type"} 2'
	'ad2relay_rejected_values{reason="no_type"} 1'
	'ad2relay_rejected_values{reason="space_in_type"} 1'
	'ad2relay_rejected_values{reason="white_space"} 1'
	'ad2relay_rejected_values{reason="no_at"} 1'
	'ad2relay_rejected_values{reason="bad_domain"} 0')
run_a2r sync "${copts[@]}" --exclude-disabled --from-ldif "$fx"
expect_rc 0
has_lines "$mc" "metrics of counts.ldif" 'ad2relay_entries 11' 'ad2relay_addresses 6' \
	'ad2relay_objects{class="user"} 3' 'ad2relay_objects{class="group"} 2' \
	'ad2relay_objects{class="contact"} 2' 'ad2relay_objects{class="publicFolder"} 1' \
	'ad2relay_objects{class="msExchDynamicDistributionList"} 1' \
	'ad2relay_objects{class="computer"} 1' 'ad2relay_objects{class="other"} 1' \
	'ad2relay_skipped_entries{reason="computer"} 1' \
	'ad2relay_skipped_entries{reason="disabled"} 1' "${reasons[@]}"
# one sample per class, per skip reason and per value reason
[ "$(grep -c '^ad2relay_objects{' "$mc")" = 7 ] || fail "metrics: classes: $(cat "$mc")"
[ "$(grep -c '^ad2relay_rejected_values{' "$mc")" = 22 ] || fail "metrics: reasons: $(cat "$mc")"
for f in objects skipped_entries rejected_values; do
	grep -qx "# HELP ad2relay_$f .*" "$mc" && grep -qx "# TYPE ad2relay_$f gauge" "$mc" ||
		fail "metrics: no # HELP or # TYPE for ad2relay_$f"
done
if command -v promtool >/dev/null; then
	promtool check metrics <"$mc" >"$T/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$T/promtool.out")"
fi
run_a2r -v dump "${copts[@]}" --exclude-disabled --from-ldif "$fx"
expect_rc 0
printf '%s\n' "$err" >"$T/v.err"
has_lines "$T/v.err" "-v of counts.ldif" \
	"ad2relay: entries by class: 3 users, 2 groups, 2 contacts, 1 public folder, 1 dynamic list, 1 computer, 1 other entry" \
	"ad2relay: rejected values by reason: contains whitespace (1), has no @ (1), white space in or before its address type (1)"
ok "counts by object class and by reason from LDIF: metrics file and -v"

if command -v slapd >/dev/null && command -v ldapsearch >/dev/null; then
	. "$top_srcdir/tests/integration/lib/live.sh"
	LDIR=$T/ldap
	mkdir -p "$LDIR"
	export SLAPD_LOGLEVEL=0
	slapd_setup "$LDIR" >/dev/null || fail "slapd_setup"
	slapd_load "$LDIR" "$fx" >/dev/null || fail "slapd_load"
	slapd_start "$LDIR" || fail "slapd_start"
	on_exit "slapd_stop '$LDIR'"
	live_conf "$T/live.conf" "relay_domains=corp.example.com example.org" \
		"metrics_file=$T/out/live.prom"
	run_a2r -c "$T/live.conf" sync
	expect_rc 0
	has_lines "$T/out/live.prom" "metrics of the live counts" 'ad2relay_entries 8' \
		'ad2relay_addresses 7' 'ad2relay_objects{class="user"} 3' \
		'ad2relay_objects{class="group"} 1' 'ad2relay_objects{class="contact"} 2' \
		'ad2relay_objects{class="publicFolder"} 1' \
		'ad2relay_objects{class="msExchDynamicDistributionList"} 1' \
		'ad2relay_objects{class="computer"} 0' 'ad2relay_objects{class="other"} 0' \
		'ad2relay_skipped_entries{reason="computer"} 0' \
		'ad2relay_skipped_entries{reason="disabled"} 0' "${reasons[@]}"
	run_a2r -c "$T/live.conf" -v dump
	expect_rc 0
	printf '%s\n' "$err" >"$T/v.err"
	has_lines "$T/v.err" "-v of the live counts" \
		"ad2relay: entries by class: 3 users, 1 group, 2 contacts, 1 public folder, 1 dynamic list" \
		"ad2relay: rejected values by reason: contains whitespace (1), has no @ (1), white space in or before its address type (1)"
	ok "counts by object class and by reason from slapd: metrics file and -v"
else
	echo "skip: counts from a live directory (slapd or ldapsearch not installed)"
fi

# syslog: a private /dev/log in a private mount namespace (root only)
if have_root "syslog lines (a private /dev/log)" && command -v unshare >/dev/null; then
	syslog_start
	in_ns() {
		"$T/in-syslog-ns" "$AD2RELAY" --lock-file "$T/lock" "$@"
	}
	in_ns sync "${opts[@]}" --from-ldif "$T/b.ldif" >"$T/.out" 2>&1 ||
		fail "sync in namespace: $(cat "$T/.out")"
	in_ns sync "${opts[@]}" --from-ldif "$T/b.ldif" >/dev/null 2>&1 || fail "unchanged sync"
	in_ns sync "${opts[@]}" --from-ldif "$T/missing.ldif" >/dev/null 2>&1 && fail "should fail"
	sleep 0.2
	# <22> = facility mail (2) * 8 + info (6); <19> = mail + err (3)
	grep -Eq "^<22>.*ad2relay\[[0-9]+\]: updated $T/out/map from $T/b.ldif: 2900 entries, 5800 addresses, \+0 -200, [0-9.]+ s$" \
		"$T/syslog" || fail "syslog change line: $(cat "$T/syslog")"
	[ "$(grep -c 'updated' "$T/syslog")" = 1 ] || fail "an unchanged run logged"
	grep -Eq "^<19>.*ad2relay\[[0-9]+\]: error: open $T/missing.ldif: No such file or directory$" \
		"$T/syslog" || fail "syslog error line: $(cat "$T/syslog")"
	# the change's removed addresses: log_changes (100) lines, a summary
	[ "$(grep -Ec '^<22>.*ad2relay\[[0-9]+\]: - [^ ]+ went with ' "$T/syslog")" = 100 ] ||
		fail "per-address lines: $(cat "$T/syslog")"
	grep -Eq "^<22>.*ad2relay\[[0-9]+\]: $T/out/map: 200 changes \(\+0 -200 ~0\), 100 logged \(log_changes\)$" \
		"$T/syslog" || fail "syslog summary line: $(cat "$T/syslog")"
	[ "$(wc -l <"$T/syslog")" = 103 ] || fail "unexpected syslog lines: $(cat "$T/syslog")"
	ok "syslog (mail): the change (100 addresses, a summary, updated), the error, none when unchanged"

	# A DN with a newline, a forged line, ESC, U+2028, U+0085 and a byte
	# that is not UTF-8: escaped on stderr and in syslog, one line each.
	# Warnings carry "warning: " in syslog (the first 10, then a count),
	# errors "error: " (Postfix's labels).
	evil='CN=Evil\nad2relay: updated /etc/postfix/relay_recipients: all good\x1b[31m\u2028\u0085\xff,OU=Staff,DC=corp,DC=example,DC=com'
	d=$top_srcdir/tests/data
	: >"$T/syslog"
	in_ns -v dump "${opts[@]}" --from-ldif "$d/evil-dn.ldif" --format list >"$T/.out" 2>"$T/.err" ||
		fail "dump evil-dn: $(cat "$T/.err")"
	sleep 0.2
	{
		echo "ad2relay: warning: $evil: mail value \"nope\" rejected: has no @"
		for i in $(seq 2 12); do
			echo "ad2relay: warning: CN=U$i,OU=Staff,DC=corp,DC=example,DC=com: mail value \"nope$i\" rejected: has no @"
		done
		echo "ad2relay: $d/evil-dn.ldif: 12 entries, 1 unique address; 0 values of other types, 12 rejected, 0 without type, 0 outside relay_domains, 0 computers skipped, 0 disabled excluded, 0 static lines"
		echo "ad2relay: entries by class: 12 users, 0 groups, 0 contacts, 0 public folders, 0 dynamic lists"
		echo "ad2relay: rejected values by reason: has no @ (12)"
	} | diff -u - "$T/.err" || fail "stderr of the evil DN"
	sed -E 's/^<20>[^]]*ad2relay\[[0-9]+\]: /<20>/' "$T/syslog" >"$T/syslog.n"
	{
		echo "<20>warning: $evil: mail value \"nope\" rejected: has no @"
		for i in $(seq 2 10); do
			echo "<20>warning: CN=U$i,OU=Staff,DC=corp,DC=example,DC=com: mail value \"nope$i\" rejected: has no @"
		done
		echo "<20>warning: and 2 more warnings like these (ad2relay -n -v lists them all)"
	} | diff -u - "$T/syslog.n" || fail "syslog of the evil DN"
	grep -q "$(printf '\033')" "$T/syslog" "$T/.err" && fail "ESC reached a log"

	: >"$T/syslog"
	in_ns dump "${opts[@]}" --from-ldif "$d/evil-dn-range.ldif" >"$T/.out" 2>"$T/.err" &&
		fail "a ranged attribute was accepted"
	sleep 0.2
	msg="$d/evil-dn-range.ldif: $evil: proxyAddresses;range=0-1 holds only part of its values: the export is incomplete (export with range retrieval, or read the directory)"
	diff -u <(echo "ad2relay: $msg") "$T/.err" || fail "stderr of the evil DN error"
	diff -u <(echo "<19>error: $msg") <(sed -E 's/^<19>[^]]*ad2relay\[[0-9]+\]: /<19>/' "$T/syslog") ||
		fail "syslog of the evil DN error"
	ok "DNs escaped on stderr and in syslog; syslog labels; warnings summarised"

	# under systemd, stderr is the journal: a line that goes to syslog
	# (which the journal also reads) is not written to stderr as well
	: >"$T/syslog"
	: >"$T/j.err"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T/j.err") in_ns -v dump "${opts[@]}" \
		--from-ldif "$d/evil-dn-range.ldif" >/dev/null 2>>"$T/j.err" && fail "should fail"
	sleep 0.2
	[ ! -s "$T/j.err" ] || fail "the error went to the journal twice: $(cat "$T/j.err")"
	[ "$(grep -c 'error: ' "$T/syslog")" = 1 ] || fail "no syslog error line: $(cat "$T/syslog")"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T/j.err") in_ns -v dump "${opts[@]}" \
		--from-ldif "$d/evil-dn.ldif" >/dev/null 2>>"$T/j.err" || fail "dump evil-dn"
	grep -c 'warning:' "$T/j.err" | grep -qx 2 || fail "warnings on the journal's stderr: $(cat "$T/j.err")"
	grep -q 'CN=U11,' "$T/j.err" || fail "an unlogged warning missing from stderr"
	JOURNAL_STREAM=1:1 in_ns dump "${opts[@]}" --from-ldif "$T/missing.ldif" >/dev/null 2>"$T/j2.err" &&
		fail "should fail"
	grep -q 'missing.ldif' "$T/j2.err" || fail "JOURNAL_STREAM naming another file silenced stderr"
	ok "under systemd a line reaches the journal once"
fi

# progress on a terminal, not without one, not with -q
if command -v script >/dev/null; then
	cmd=$(printf '%q ' "$AD2RELAY" --lock-file "$T/lock" dump "${opts[@]}" --from-ldif "$T/a.ldif")
	script -qec "$cmd --format list" /dev/null >"$T/tty.out" 2>&1 || fail "dump on a terminal"
	grep -aq 'ad2relay: 3000 entries, 0 pages, [0-9]* entries/s' "$T/tty.out" ||
		fail "no progress on a terminal"
	script -qec "$cmd -q" /dev/null >"$T/tty.out" 2>&1 || fail "dump -q on a terminal"
	grep -aq 'entries/s' "$T/tty.out" && fail "progress despite -q"
	ok "progress on a terminal only"
fi
