# SPDX-License-Identifier: BSD-2-Clause
# common.sh - shared helpers for the integration tests (sourced, bash)
#
# Each test gets its own directory ($T) from mktemp -d, removed on exit
# together with anything registered with on_exit.  Helpers:
#   fail MSG              print "FAIL: MSG" and exit 1
#   run_a2r ARGS...       run ad2relay (under ulimit -f $A2R_FSIZE if set,
#                         and under the command $A2R_WRAPPER if set: its
#                         exit status 99 fails the test);
#                         sets $rc, $out (stdout), $err (stderr);
#                         the lock file is $T/ad2relay.lock unless ARGS
#                         say otherwise (a later --lock-file wins), so tests
#                         running in parallel never share /run/ad2relay.lock
#   expect_rc N           $rc must be N
#   expect_err REGEX      stderr must match (grep -E)
#   expect_one_line       stderr must be exactly one line
#   postfix_dir           prints a private Postfix config dir for postmap -c
#   snapshot DIR / unchanged DIR   record and compare every file in DIR
#   need PROGRAM          skip (exit 77) when a server program is missing
#   need_root WHAT        skip (exit 77) unless root: "SKIP: WHAT needs root"
#   have_root WHAT        for one part of a test: true as root, else says
#                         "skip: WHAT (needs root)" and is false
#   wait_for SECS CMD...  run CMD every 0.05 s until it succeeds; false if
#                         it has not within SECS seconds (instead of a sleep)
#   write_conf FILE K=V.. an ad2relay config file, one "K = V" line each
# and from proc.sh (shared with slapd.sh, postfix.sh and samba.sh):
#   pid_alive PID, pid_wait_gone PID SECS, pgrp_pids PGID, pgrp_alive PGID,
#   child_wait PID, free_port
set -u

: "${AD2RELAY:?AD2RELAY must name the ad2relay binary}"
: "${top_srcdir:?top_srcdir must be set}"
POSTMAP=${POSTMAP:-/usr/sbin/postmap}
export LC_ALL=C
# shellcheck source=proc.sh
. "$top_srcdir/tests/integration/lib/proc.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-test.XXXXXX")
_exit_hooks=()
on_exit() { _exit_hooks+=("$*"); }
_cleanup() {
	local i
	for ((i = ${#_exit_hooks[@]} - 1; i >= 0; i--)); do
		eval "${_exit_hooks[$i]}" || true
	done
	# A stopped daemon's last write can race the removal ("Directory not
	# empty"): try again rather than fail a test whose checks all passed.
	for i in 1 2 3 4 5; do
		rm -rf "$T" 2>/dev/null && return 0
		sleep 0.2
	done
	rm -rf "$T" || true
}
trap _cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -n "${err-}" ] && printf 'last stderr:\n%s\n' "$err" >&2
	exit 1
}

ok() { echo "ok: $*"; }

need() {
	command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || {
		echo "SKIP: $1 not installed"
		exit 77
	}
}

need_root() {
	[ "$(id -u)" = 0 ] || {
		echo "SKIP: $* needs root"
		exit 77
	}
}

have_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "skip: $* (needs root)"
	return 1
}

wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# syslog_start - a syslog sink for this test, its lines in $T/syslog, and
# $T/in-syslog-ns, a wrapper that runs a command in a private mount
# namespace whose /dev (a tmpfs) holds /dev/null, /dev/urandom and a
# /dev/log that leads to the sink; the machine's /dev is not touched.
# Root only (the caller checks: have_root).
syslog_start() {
	python3 "$top_srcdir/tests/integration/lib/syslog_sink.py" "$T/log.sock" "$T/syslog" &
	on_exit "kill $! 2>/dev/null"
	wait_for 10 test -S "$T/log.sock" || fail "syslog sink did not start"
	cat >"$T/in-syslog-ns" <<'EOF'
#!/bin/sh
exec unshare --mount sh -c 'mount --make-rprivate / && mount -t tmpfs tmpfs /dev &&
	mknod -m 666 /dev/null c 1 3 && mknod -m 444 /dev/urandom c 1 9 &&
	ln -s "$1" /dev/log && shift && exec "$@"' sh "$(dirname "$0")/log.sock" "$@"
EOF
	chmod 755 "$T/in-syslog-ns"
}

# plant_secret STRING - a secret the test hands ad2relay (a password, a
# key): from now on, run_a2r fails the test when STRING shows up on
# ad2relay's stderr or stdout, whatever the run's outcome
plant_secret() {
	[ -n "$1" ] || return 0
	printf '%s\n' "$1" >>"$T/.secrets"
}

run_a2r() {
	set +e
	(
		# A2R_FSIZE=KB: a file size limit, to make a write fail part-way
		[ -z "${A2R_FSIZE-}" ] || ulimit -f "$A2R_FSIZE"
		# A2R_WRAPPER: a command line to run ad2relay under (make
		# check-valgrind sets valgrind with --error-exitcode=99)
		# shellcheck disable=SC2086
		exec ${A2R_WRAPPER-} "$AD2RELAY" --lock-file "$T/ad2relay.lock" "$@"
	) >"$T/.out" 2>"$T/.err"
	rc=$?
	set -e
	if [ -n "${A2R_WRAPPER-}" ] && [ "$rc" = 99 ]; then
		cat "$T/.err" >&2
		fail "memory errors under ${A2R_WRAPPER%% *} (see above): ad2relay $*"
	fi
	if [ -s "$T/.secrets" ] && grep -aqF -f "$T/.secrets" "$T/.err" "$T/.out"; then
		cat "$T/.err" >&2
		fail "a planted secret reached ad2relay's output: ad2relay $*"
	fi
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
}

expect_rc() {
	[ "$rc" = "$1" ] || fail "exit status $rc, expected $1${2:+ ($2)}"
}

expect_err() {
	grep -Eq -- "$1" "$T/.err" || fail "stderr does not match /$1/"
}

expect_one_line() {
	[ "$(wc -l <"$T/.err")" -eq 1 ] || fail "stderr is not one line"
}

write_conf() {
	local f=$1 kv
	shift
	for kv in "$@"; do
		echo "${kv%%=*} = ${kv#*=}"
	done >"$f"
}

# postfix_dir - a private config directory so postmap never reads /etc/postfix
postfix_dir() {
	local d="$T/postfix-etc"
	if [ ! -d "$d" ]; then
		mkdir -p "$d"
		printf 'compatibility_level = 3.6\nsmtputf8_enable = yes\n' >"$d/main.cf"
	fi
	echo "$d"
}

# snapshot - remember names and checksums of every file in DIR
snapshot() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum) >"$T/.snap.$(echo "$1" | md5sum | cut -c1-8)"
}

# unchanged - DIR holds exactly the files of the last snapshot, byte for byte
unchanged() {
	local now="$T/.now"
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum) >"$now"
	diff -u "$T/.snap.$(echo "$1" | md5sum | cut -c1-8)" "$now" >&2 ||
		fail "$1 changed (or gained a temp file)"
}

# gen_ldif N FILE - N users with SMTP:/smtp:/X500: values, some UTF-8
gen_ldif() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++) {
			printf "dn: CN=User %d,OU=Staff,DC=corp,DC=example,DC=com\n", i
			print "objectClass: user"
			printf "userAccountControl: %d\n", (i % 50 == 0) ? 514 : 512
			printf "proxyAddresses: SMTP:User.%d@Corp.Example.com\n", i
			printf "proxyAddresses: smtp:u%d@example.org\n", i
			printf "proxyAddresses: X500:/o=Corp/cn=u%d\n", i
			printf "mail: User.%d@corp.example.com\n\n", i
		}
	}' >"$2"
}
