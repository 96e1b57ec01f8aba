# SPDX-License-Identifier: BSD-2-Clause
# live.sh - a populated test slapd and an ad2relay config pointing at it
# (sourced after common.sh)
#   live_setup N [DIR]  slapd in DIR (default $T/ldap) with N generated users;
#                       $LDIR, $EXPECTED, $EXPECTED_ENABLED, $CONF; started
#   live_conf FILE [KEY=VALUE...]  write an ad2relay config for the instance
. "$top_srcdir/tests/integration/lib/slapd.sh"

need slapd
need ldapsearch
need python3

RELAY='corp.example.com .corp.example.com example.org'

live_setup() {
	local n=$1
	LDIR=${2:-$T/ldap}
	mkdir -p "$LDIR"
	export SLAPD_LOGLEVEL=${SLAPD_LOGLEVEL:-0}
	slapd_setup "$LDIR" >/dev/null || fail "slapd_setup"
	python3 "$SLAPD_LIBDIR/gen-ad-ldif.py" --users "$n" --out "$LDIR/dir.ldif" \
		--expected "$LDIR/expected.txt" \
		--expected-exclude-disabled "$LDIR/expected-enabled.txt" || fail "generator"
	slapd_load "$LDIR" "$LDIR/dir.ldif" >/dev/null || fail "slapd_load"
	slapd_start "$LDIR" || fail "slapd_start"
	on_exit "slapd_stop '$LDIR'"
	EXPECTED=$LDIR/expected.txt
	EXPECTED_ENABLED=$LDIR/expected-enabled.txt
	CONF=$T/ad2relay.conf
	live_conf "$CONF"
	plant_secret "$SLAPD_PW"
}

# live_conf FILE [KEY=VALUE ...] - simple bind over StartTLS by default;
# KEY=VALUE replaces a default line or adds one
live_conf() {
	local f=$1 kv k
	shift
	local -A v=(
		[relay_domains]=$RELAY [uri]=$SLAPD_URI [binddn]=$SLAPD_BINDDN
		[bindpw_file]=$SLAPD_PWFILE [tls_cacert]=$SLAPD_CACERT [timeout]=${A2R_TEST_TIMEOUT:-2}
		[output]=$T/out/relay_recipients [lock_file]=$T/ad2relay.lock
	)
	for kv in "$@"; do
		v[${kv%%=*}]=${kv#*=}
	done
	case "${v[bind]-}" in anonymous | external) unset 'v[binddn]' 'v[bindpw_file]' ;; esac
	for k in "${!v[@]}"; do
		echo "$k = ${v[$k]}"
	done >"$f"
	mkdir -p "$T/out"
}
