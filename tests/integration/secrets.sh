#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# secrets.sh - no password, secret-file content or keytab content ever
# reaches stderr or syslog, on any path: a planted secret is handed to
# ad2relay every way there is, good and bad, and both are searched for it.
# (Every other test that hands ad2relay a password plants it too: run_a2r
# checks each run's output; see plant_secret in lib/common.sh.)
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
live_setup 20

S="Pl4nted-S3cret-$$-$RANDOM"
plant_secret "$S"

# syslog too, when a private /dev/log can be made (root, a mount
# namespace): every run goes through this wrapper, and its lines land in
# $T/syslog, which is searched at the end
SYSLOG=
if have_root "syslog (a private /dev/log)" && command -v unshare >/dev/null; then
	syslog_start
	A2R_WRAPPER=$T/in-syslog-ns
	SYSLOG=$T/syslog
fi

# secret_run STATUS ARGS... - a run that must end with STATUS
secret_run() {
	local want=$1
	shift
	run_a2r "$@"
	expect_rc "$want" "ad2relay $*"
}

# on the command line: never taken for a file name, never echoed
secret_run 64 --bindpw "$S" test
expect_err '^ad2relay: unknown option --bindpw'
secret_run 64 --bindpw="$S" test
secret_run 64 -w "$S" test
secret_run 64 -c "$CONF" test "$S"
ok "a secret on the command line: usage error, not echoed"

# in the config file: a key that does not exist, a value that is refused
printf 'relay_domains = corp.example.com\nbindpw = %s\n' "$S" >"$T/pw.conf"
chmod 600 "$T/pw.conf"
secret_run 78 -c "$T/pw.conf" test
printf 'relay_domains = corp.example.com\nbindpw_file = %s\n' "$S" >"$T/pwf.conf"
chmod 600 "$T/pwf.conf"
secret_run 78 -c "$T/pwf.conf" test
ok "a secret in the config file: refused, not echoed"

# in bindpw_file: readable by others, holding a NUL, as a directory entry
# beside it, and wrong
mkdir -m 700 "$T/sec"
printf '%s' "$S" >"$T/sec/open.pw"
chmod 644 "$T/sec/open.pw"
live_conf "$T/open.conf" "bindpw_file=$T/sec/open.pw"
secret_run 78 -c "$T/open.conf" test
printf '%s\0%s' "$S" "$S" >"$T/sec/nul.pw"
chmod 600 "$T/sec/nul.pw"
live_conf "$T/nul.conf" "bindpw_file=$T/sec/nul.pw"
secret_run 78 -c "$T/nul.conf" test
printf '%s\n' "$S" >"$T/sec/wrong.pw"
chmod 600 "$T/sec/wrong.pw"
live_conf "$T/wrong.conf" "bindpw_file=$T/sec/wrong.pw"
secret_run 77 -c "$T/wrong.conf" test
secret_run 77 -v -c "$T/wrong.conf" sync
live_conf "$T/plain.conf" "bindpw_file=$T/sec/wrong.pw" "tls=none"
secret_run 78 -c "$T/plain.conf" test
ok "a secret in bindpw_file: every refusal and a wrong password, not echoed"

# in a keytab: not a keytab at all
printf '%s\n' "$S" >"$T/sec/bad.keytab"
chmod 600 "$T/sec/bad.keytab"
live_conf "$T/kt.conf" bind=gssapi "keytab=$T/sec/bad.keytab" principal=svc@CORP.EXAMPLE.COM
run_a2r -c "$T/kt.conf" test
[ "$rc" != 0 ] || fail "a keytab holding text was accepted"
ok "a keytab holding the secret: refused (status $rc), not echoed"

# the right password, every command, verbose: still never shown
secret_run 0 -v -c "$CONF" test
secret_run 0 -v -c "$CONF" sync
secret_run 0 -v -c "$CONF" check
run_a2r -v -c "$CONF" explain nobody@corp.example.com
ok "the right password, verbose test/sync/check/explain: not echoed"

if [ -n "$SYSLOG" ]; then
	sleep 0.2
	[ -s "$SYSLOG" ] || fail "nothing reached syslog: the check would prove nothing"
	grep -aqF -f "$T/.secrets" "$SYSLOG" && fail "a secret reached syslog: $(grep -aF -f "$T/.secrets" "$SYSLOG")"
	ok "syslog ($(wc -l <"$SYSLOG") lines): no secret"
fi
exit 0
