# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# samba-test.sh - the start every Samba integration test shares (sourced
# first, in place of common.sh, by samba-ad.sh and samba-kerberos.sh)
#
#   . "$top_srcdir/tests/integration/lib/samba-test.sh"
#
# Skips the test (exit 77) without root or Samba, re-runs it in a private
# namespace (samba.sh), then sources common.sh and turns on set -e.  A DC
# copied from the cached fixture runs in $dc ($T/dc) until the test exits;
# $T/out is there for the maps.  Then:
#   conf FILE [KEY=VALUE ...]   an ad2relay config: relay_domains, timeout,
#                               output and lock_file in $T, then these lines
. "$top_srcdir/tests/integration/lib/samba.sh"
samba_require
samba_reexec_in_ns "$@"
. "$top_srcdir/tests/integration/lib/common.sh"
set -e

samba_fixture "$T/dc" >/dev/null
samba_start "$T/dc" >/dev/null
on_exit "samba_stop '$T/dc'"
# shellcheck disable=SC2034  # for the test that sources this
dc=$T/dc
mkdir -p "$T/out"
# the service account's password never reaches ad2relay's output
plant_secret "$SAMBA_SVC_PASS"
plant_secret "$SAMBA_MACHINE_PASS"

conf() {
	local f=$1
	shift
	write_conf "$f" "relay_domains=$SAMBA_RELAY_DOMAINS" timeout=30 \
		"output=$T/out/relay_recipients" "lock_file=$T/lock" "$@"
}
