#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cli.sh - command line and configuration: usage errors (64), config
# errors (78) with FILE:LINE, global options before or after the command.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
ldif="$top_srcdir/tests/data/ldifde-export.ldif"
# no krb5.conf: the domain cannot be guessed from a default_realm
export KRB5_CONFIG=/dev/null

run_a2r --help
expect_rc 0
echo "$out" | grep -q '^usage: ad2relay' || fail "--help prints no usage"

run_a2r --version
expect_rc 0
echo "$out" | grep -Eq '^ad2relay [0-9]' || fail "--version"

run_a2r frobnicate -c /dev/null
expect_rc 64
expect_err '^ad2relay: unknown command "frobnicate"'

run_a2r dump --bogus
expect_rc 64
expect_err '^ad2relay: unknown option --bogus$'

# Long options match exactly: an abbreviation is unknown, and no value
# given with it is echoed (--bindpw MySecret once became --bindpw-file
# MySecret, and the "file name" went to stderr and syslog)
for args in "--bindpw S3cretPw test" "--bindpw=S3cretPw test" "--bindpw-f S3cretPw test" \
	"--verb dump" "--from-ld=S3cretPw dump" "--relay-dom=S3cretPw dump"; do
	# shellcheck disable=SC2086 # the words of ARGS are the arguments
	run_a2r -c /dev/null $args
	expect_rc 64
	case $err in
	*S3cretPw*) fail "$args: the value reached stderr: $err" ;;
	esac
	expect_err "^ad2relay: unknown option ${args%%[ =]*}\$"
done
run_a2r -c /dev/null --verbose=S3cretPw dump
expect_rc 64
expect_err '^ad2relay: option --verbose takes no value$'
run_a2r -c /dev/null -x dump
expect_rc 64
expect_err '^ad2relay: unknown option -x$'
# an option's value may itself look like an option
run_a2r dump -c /dev/null --relay-domains example.org --from-ldif "$ldif" --format --list
expect_rc 64
expect_err 'format --list: use map, list, json, csv, objects or virtual'

run_a2r dump -c /dev/null --relay-domains example.org --from-ldif "$ldif" --format xml
expect_rc 64
expect_err 'format xml: use map, list, json, csv, objects or virtual'

run_a2r sync -c /dev/null --relay-domains example.org --from-ldif "$ldif" --format list
expect_rc 64
expect_err -- '--format applies to dump only'

run_a2r dump extra -c /dev/null --relay-domains example.org
expect_rc 64
expect_err 'dump takes only --from-ldif, --format and --strict'

run_a2r dump -c /dev/null --relay-domains example.org
expect_rc 78
expect_err 'no directory to read: set uri or domain \(krb5.conf names no default_realm'
ok "usage errors exit 64"

# configuration errors: FILE:LINE, exit 78, one line
printf 'relay_domains = example.org\nbogus_key = 1\n' >"$T/bad.conf"
run_a2r dump -c "$T/bad.conf" --from-ldif "$ldif"
expect_rc 78
expect_one_line
expect_err "^ad2relay: $T/bad.conf:2: unknown key \"bogus_key\"$"

printf '# c\nrelay_domains = example.org\n\nexclude_disabled = perhaps\n' >"$T/bad2.conf"
run_a2r dump -c "$T/bad2.conf" --from-ldif "$ldif"
expect_rc 78
expect_err "^ad2relay: $T/bad2.conf:4: exclude_disabled: \"perhaps\" is not yes or no$"

run_a2r dump -c "$T/nonexistent.conf" --from-ldif "$ldif"
expect_rc 78
expect_err "$T/nonexistent.conf: No such file or directory"

run_a2r dump -c /dev/null --from-ldif "$ldif"
expect_rc 78
expect_err 'relay_domains is not set'

run_a2r dump -c /dev/null --from-ldif "$ldif" --relay-domains 'bad..domain'
expect_rc 78
expect_err -- '^ad2relay: --relay-domains: relay_domains: "bad..domain" is not a domain name$'

printf 'relay_domains = example.org\nstatic = %s\n' "$T/static" >"$T/st.conf"
printf 'ok@example.org\nnot an address\n' >"$T/static"
run_a2r dump -c "$T/st.conf" --from-ldif "$ldif"
expect_rc 78
expect_err "^ad2relay: $T/static:2: \"not\" has no @$"
ok "configuration errors exit 78 with FILE:LINE"

# global options before or after the command, overrides beat the file
printf 'relay_domains = example.org\nvalue = RELAY\n' >"$T/good.conf"
run_a2r -c "$T/good.conf" dump --from-ldif "$ldif"
expect_rc 0
a=$out
run_a2r dump --from-ldif "$ldif" -c "$T/good.conf"
expect_rc 0
[ "$a" = "$out" ] || fail "-c before and after the command differ"
[ "$out" = "sales@example.org RELAY" ] || fail "unexpected dump: $out"
run_a2r dump --from-ldif "$ldif" -c "$T/good.conf" --value OK --relay-domains corp.example.com
expect_rc 0
[ "$out" = "bob.builder@corp.example.com OK" ] || fail "overrides not applied: $out"
run_a2r -v dump --from-ldif "$ldif" -c "$T/good.conf"
expect_err '3 entries, 1 unique address'
run_a2r dump -v --from-ldif "$ldif" -c "$T/good.conf"
expect_err '3 entries, 1 unique address'
ok "global options anywhere; command-line overrides"

# warnings: with -v (or on a terminal), never with -q, not in a cron run
printf 'dn: cn=x\nmail: bad address@example.org\nmail: good@example.org\n' >"$T/warn.ldif"
run_a2r -v dump -c "$T/good.conf" --from-ldif "$T/warn.ldif"
expect_rc 0
expect_err '^ad2relay: warning: cn=x: mail value "bad address@example.org" rejected: contains whitespace$'
run_a2r -v -q dump -c "$T/good.conf" --from-ldif "$T/warn.ldif"
expect_rc 0
grep -q warning "$T/.err" && fail "-q printed a warning"
run_a2r dump -c "$T/good.conf" --from-ldif "$T/warn.ldif"
expect_rc 0
[ -z "$err" ] || fail "not silent without a terminal: $err"
if command -v script >/dev/null; then
	script -qec "$AD2RELAY dump -c $T/good.conf --from-ldif $T/warn.ldif" /dev/null >"$T/tty.out" 2>&1
	grep -q 'warning: cn=x: mail value' "$T/tty.out" || fail "no warning on a terminal"
fi
ok "warnings with -v or on a terminal; -q silences them; silent otherwise"
