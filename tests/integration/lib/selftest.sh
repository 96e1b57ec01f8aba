#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# selftest.sh -- prove that the integration-test harness works:
# slapd.sh (setup/load/start/stop/restart, two instances, TLS, ldapi +
# SASL EXTERNAL, AD-like limits and bitwise matching), gen-ad-ldif.py (the
# expected list matches what the server returns) and faultproxy.py
# (blackhole, hang-after-bind, hang-after-entries, cut-after-entries, TLS
# termination).  Uses only the OpenLDAP client tools, openssl and python3.
#
#   tests/integration/lib/selftest.sh          # exit 0 = harness OK
#   KEEP=1 tests/integration/lib/selftest.sh   # keep the work directory
#
# Runs in well under a minute; everything listens on 127.0.0.1 only and
# is stopped by PID on exit.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=slapd.sh
. "$here/slapd.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-selftest.XXXXXX")
s1=$work/s1 s2=$work/s2
mkdir "$s1" "$s2"
failures=0

cleanup() {
    local p
    # every proxy started by faultproxy_start has a $work/NAME.pid
    for p in "$work"/*.pid; do
        [ -f "$p" ] || continue
        p=${p##*/}
        faultproxy_stop "$work" "${p%.pid}"
    done
    slapd_stop "$s1"
    slapd_stop "$s2"
    if [ "${KEEP:-}" ]; then
        echo "# work directory kept: $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok()   { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
# check DESCRIPTION COMMAND... : run COMMAND (output to $work/check.log), report
check() {
    local d=$1; shift
    echo "### $d: $*" >>"$work/check.log"
    if "$@" >>"$work/check.log" 2>&1; then ok "$d"; else fail "$d"; fi
}

# run_rc VAR COMMAND... : run COMMAND, store its exit status in VAR
run_rc() { local __v=$1; shift; set +e; "$@"; printf -v "$__v" '%s' "$?"; set -e; }

# count_dn FILE : number of entries in ldapsearch output
count_dn() { grep -c '^dn:' "$1" || true; }

B=$SLAPD_BASE
T0=$SECONDS

# ---------------------------------------------------------------- instance 1
"$PYTHON3" "$here/gen-ad-ldif.py" --users 3000 --seed 7 --out "$work/dir.ldif" \
    --expected "$work/expected.txt" --expected-exclude-disabled "$work/expected-enabled.txt" \
    --stats "$work/stats"
users=0 users_disabled=0 computers=0
# shellcheck disable=SC1091
. "$work/stats"     # users=... users_disabled=... computers=... (key=value)
slapd_setup "$s1"
slapd_load "$s1" "$work/dir.ldif"
slapd_start "$s1"
S1_URI=$SLAPD_URI S1_LDAPS=$SLAPD_LDAPS_URI S1_LDAPI=$SLAPD_LDAPI_URI
S1_PORT=$SLAPD_PORT S1_PID=${SLAPD_PID:?}
ok "slapd 1 up: $S1_URI $S1_LDAPS $S1_LDAPI (pid $S1_PID)"

ldapsearch -x -LLL -H "$S1_URI" -b '' -s base namingContexts >"$work/rootdse"
check "rootDSE advertises namingContexts $B" grep -qx "namingContexts: $B" "$work/rootdse"

# ------------------------------------------------------------ size limits
run_rc rc ldapsearch -x -H "$S1_URI" -b "$B" '(objectClass=user)' 1.1 >"$work/plain.out"
n=$(count_dn "$work/plain.out")
check "plain search: sizeLimitExceeded (rc=$rc, want 4) after 1000 entries (got $n)" \
    test "$rc" = 4 -a "$n" = 1000

all_users=$((users + computers + 1))     # + svc-relay
run_rc rc ldapsearch -x -H "$S1_URI" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/paged.out"
n=$(count_dn "$work/paged.out")
check "paged search (500): rc=$rc, $n entries (want $all_users)" test "$rc" = 0 -a "$n" = "$all_users"

run_rc rc ldapsearch -x -H "$S1_URI" -b "$B" -E pr=1000/noprompt '(objectClass=user)' 1.1 >"$work/paged1000.out"
n=$(count_dn "$work/paged1000.out")
check "paged search (1000): rc=$rc, $n entries" test "$rc" = 0 -a "$n" = "$all_users"

run_rc rc ldapsearch -x -H "$S1_URI" -b "$B" -E pr=1001/noprompt '(objectClass=user)' 1.1 >"$work/paged1001.out"
check "paged search (1001): adminLimitExceeded (rc=$rc, want 11)" test "$rc" = 11

# ------------------------------------------- generated data = expected list
# Every exported object class, computers excluded (they are users too).
EXPORT_FILTER='(&(|(objectClass=user)(objectClass=group)(objectClass=contact)(objectClass=publicFolder)(objectClass=msExchDynamicDistributionList))(!(objectClass=computer)))'
extract() {  # extract FILTER OUT : relay-domain addresses folded and sorted
    ldapsearch -x -LLL -o ldif-wrap=no -H "$S1_URI" -D "$SLAPD_BINDDN" -w "$SLAPD_PW" \
        -b "$B" -E pr=500/noprompt "$1" proxyAddresses mail >"$work/extract.ldif"
    "$PYTHON3" - "$work/extract.ldif" >"$2" <<'PY'
import base64, re, sys
bad = re.compile(r"[\s\x00-\x1f\x7f]")
keys = set()
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.match(r"(proxyAddresses|mail)(::?) ?(.*)$", line)
    if not m:
        continue
    v = base64.b64decode(m.group(3)).decode("utf-8") if m.group(2) == "::" else m.group(3)
    if m.group(1) == "proxyAddresses":
        if v[:5].lower() != "smtp:":
            continue
        v = v[5:]
    if v.count("@") != 1 or v.startswith("@") or v.endswith("@") or bad.search(v):
        continue
    if len(v.split("@")[0].encode()) > 64:
        continue
    k = v.casefold()
    d = k.rsplit("@", 1)[1]
    if d == "corp.example.com" or d.endswith(".corp.example.com") or d == "example.org":
        keys.add(k.encode())
sys.stdout.buffer.write(b"".join(k + b"\n" for k in sorted(keys)))
PY
}
extract "$EXPORT_FILTER" "$work/got.txt"
check "addresses served by slapd = expected.txt ($(wc -l <"$work/expected.txt") lines)" \
    cmp -s "$work/got.txt" "$work/expected.txt"
extract "(&$EXPORT_FILTER(!(userAccountControl:1.2.840.113556.1.4.803:=2)))" "$work/got-enabled.txt"
check "... and without disabled accounts = expected-enabled.txt ($(wc -l <"$work/expected-enabled.txt") lines)" \
    cmp -s "$work/got-enabled.txt" "$work/expected-enabled.txt"
check "expected.txt is byte-sorted and unique" env LC_ALL=C sort -uc "$work/expected.txt"
check "expected.txt has folded UTF-8 keys (strasse, jürgen.müller)" \
    grep -qx -e 'strasse@corp.example.com' "$work/expected.txt"
check "... jürgen.müller@corp.example.com" grep -qx 'jürgen.müller@corp.example.com' "$work/expected.txt"

# ------------------------------------------------- bitwise matching rules
USERS='(&(objectClass=user)(!(objectClass=computer))(sn=*)(!(cn=svc-relay)))'
q() { ldapsearch -x -H "$S1_URI" -b "$B" -E pr=500/noprompt "$1" 1.1 >"$work/q.out"; count_dn "$work/q.out"; }
n=$(q "(&$USERS(userAccountControl:1.2.840.113556.1.4.803:=2))")
check "803 (bitwise AND) finds the $users_disabled disabled users (got $n)" test "$n" = "$users_disabled"
n=$(q "(&$USERS(!(userAccountControl:1.2.840.113556.1.4.803:=2)))")
check "!803 finds the $((users - users_disabled)) enabled users (got $n)" test "$n" = $((users - users_disabled))
n=$(q "(userAccountControl:1.2.840.113556.1.4.804:=2)")
check "804 (bitwise OR) works too (got $n)" test "$n" = "$users_disabled"
n_all=$(q '(objectClass=*)')
n=$(q '(!(userAccountControl:1.2.840.113556.1.4.803:=2))')
check "!803 also returns entries without userAccountControl ($n = $n_all - $users_disabled)" \
    test "$n" = $((n_all - users_disabled))
run_rc rc ldapsearch -x -H "$S1_URI" -b "$B" '(!(userAccountControl:1.2.840.113556.1.4.999:=2))' 1.1 >"$work/q.out"
n=$(count_dn "$work/q.out")
check "unknown matching rule: Undefined, even under ! (rc=$rc, $n entries)" test "$rc" = 0 -a "$n" = 0

# ------------------------------------------------------ binds and ldapi
check "simple bind as svc-relay (password from \$SLAPD_PWFILE)" \
    ldapwhoami -x -H "$S1_URI" -D "$SLAPD_BINDDN" -y "$SLAPD_PWFILE"
run_rc rc ldapwhoami -x -H "$S1_URI" -D "$SLAPD_BINDDN" -w wrong-Pw >/dev/null 2>&1
check "wrong password: invalidCredentials (rc=$rc, want 49)" test "$rc" = 49
check "anonymous search works" ldapsearch -x -H "$S1_URI" -b "$SLAPD_BINDDN" -s base 1.1
pw=$(ldapsearch -x -LLL -H "$S1_URI" -D "$SLAPD_BINDDN" -w "$SLAPD_PW" -b "$SLAPD_BINDDN" -s base userPassword | grep -c userPassword || true)
check "userPassword is not readable" test "$pw" = 0
who=$(ldapwhoami -Q -Y EXTERNAL -H "$S1_LDAPI" 2>&1) || true
check "SASL EXTERNAL over ldapi maps root to svc-relay ($who)" \
    test "$(echo "$who" | tr '[:upper:]' '[:lower:]')" = "dn:$(echo "$SLAPD_BINDDN" | tr '[:upper:]' '[:lower:]')"

# ------------------------------------------------------------------ TLS
export LDAPTLS_CACERT=$s1/tls/ca.pem
check "StartTLS (-ZZ) to 127.0.0.1 with LDAPTLS_CACERT" \
    ldapwhoami -x -ZZ -H "$S1_URI" -D "$SLAPD_BINDDN" -w "$SLAPD_PW"
check "StartTLS (-ZZ) to localhost" ldapwhoami -x -ZZ -H "ldap://localhost:$S1_PORT"
check "ldaps:// with LDAPTLS_CACERT" ldapwhoami -x -H "$S1_LDAPS"
run_rc rc env LDAPTLS_CACERT="$s1/tls/other-ca.pem" ldapwhoami -x -H "$S1_LDAPS" >/dev/null 2>&1
check "ldaps:// with the wrong CA fails (rc=$rc)" test "$rc" != 0
run_rc rc env LDAPTLS_CACERT="$s1/tls/other-ca.pem" ldapwhoami -x -ZZ -H "$S1_URI" >/dev/null 2>&1
check "StartTLS with the wrong CA fails (rc=$rc)" test "$rc" != 0

# ---------------------------------------------- restart, wrong certificate
slapd_use_cert "$s1" wrong
slapd_restart "$s1"
check "restart keeps URIs and ports" test "$SLAPD_URI" = "$S1_URI" -a "$SLAPD_LDAPS_URI" = "$S1_LDAPS"
check "restart gives a new pid ($S1_PID -> $SLAPD_PID)" test "$SLAPD_PID" != "$S1_PID"
run_rc rc ldapwhoami -x -H "$S1_LDAPS" >/dev/null 2>&1
check "ldaps:// to a wrong.example certificate fails (rc=$rc)" test "$rc" != 0
run_rc rc ldapwhoami -x -ZZ -H "$S1_URI" >/dev/null 2>&1
check "StartTLS to a wrong.example certificate fails (rc=$rc)" test "$rc" != 0
slapd_use_cert "$s1" expired
slapd_restart "$s1"
run_rc rc ldapwhoami -x -H "$S1_LDAPS" >/dev/null 2>&1
check "ldaps:// to an expired certificate fails (rc=$rc)" test "$rc" != 0
slapd_use_cert "$s1" server
slapd_restart "$s1"
check "ldaps:// works again with the right certificate" ldapwhoami -x -H "$S1_LDAPS"
n=$(q '(objectClass=*)')
check "data survives restarts ($n entries)" test "$n" = "$n_all"

# ------------------------------------------------- a second instance
slapd_setup "$s2"
slapd_start "$s2"
S2_URI=$SLAPD_URI
check "second instance on other ports ($S2_URI vs $S1_URI)" test "$S2_URI" != "$S1_URI"
n=$(ldapsearch -x -H "$S2_URI" -b "$B" 1.1 | grep -c '^dn:' || true)
check "second instance has its own (small) database ($n entries)" test "$n" = 3
check "second instance has its own ldapi socket" \
    ldapwhoami -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI"
check "second instance has its own CA" test "$(cat "$s1/tls/ca.pem")" != "$(cat "$s2/tls/ca.pem")"
slapd_stop "$s2"
check "stopping instance 2 leaves instance 1 running" slapd_is_running "$s1"
run_rc rc ldapwhoami -x -H "$S2_URI" -o nettimeout=2 >/dev/null 2>&1
check "stopped instance refuses connections (rc=$rc, want 255)" test "$rc" = 255
slapd_env "$s1"

# ------------------------------------------------------------- faultproxy
start_proxy() { local n=$1; shift; faultproxy_start "$work" "$n" "$@"; }

# blackhole: TCP connect works, nothing ever answers
start_proxy bh --mode blackhole
BH=$FAULTPROXY_PORT
t=$SECONDS
run_rc rc timeout 2 ldapsearch -x -H "ldap://127.0.0.1:$BH" -b "$B" -s base 1.1 >/dev/null 2>&1
check "blackhole: ldap:// client hangs (rc=$rc, want 124 from timeout)" test "$rc" = 124
run_rc rc timeout 2 ldapwhoami -x -H "ldaps://127.0.0.1:$BH" >/dev/null 2>&1
check "blackhole: ldaps:// client hangs in the TLS handshake (rc=$rc)" test "$rc" = 124
run_rc rc env LDAPTIMEOUT=1 timeout 5 ldapwhoami -x -H "ldap://127.0.0.1:$BH" >/dev/null 2>&1
check "blackhole: ldap:// with LDAPTIMEOUT=1 gives up by itself (rc=$rc, 'Timed out (-5)')" \
    test "$rc" != 0 -a "$rc" != 124

# plain forwarding
start_proxy fwd --mode forward --to "127.0.0.1:$S1_PORT"
run_rc rc ldapsearch -x -H "$FAULTPROXY_URI" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/fwd.out"
n=$(count_dn "$work/fwd.out")
check "plain forward: paged search through the proxy (rc=$rc, $n entries)" test "$rc" = 0 -a "$n" = "$all_users"
check "plain forward: StartTLS passes through (blind)" ldapwhoami -x -ZZ -H "$FAULTPROXY_URI"

# hang after bind
start_proxy hab --mode forward --to "127.0.0.1:$S1_PORT" --hang-after-bind
HAB=$FAULTPROXY_URI
check "hang-after-bind: a bind alone goes through" \
    ldapwhoami -x -H "$HAB" -D "$SLAPD_BINDDN" -w "$SLAPD_PW"
run_rc rc timeout 2 ldapsearch -x -H "$HAB" -D "$SLAPD_BINDDN" -w "$SLAPD_PW" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/hab.out" 2>&1
n=$(count_dn "$work/hab.out")
check "hang-after-bind: search hangs (rc=$rc, want 124; $n entries)" test "$rc" = 124 -a "$n" = 0
check "hang-after-bind: proxy log shows the hang" grep -q 'SearchRequest #1 seen' "$work/hab.log"
run_rc rc ldapsearch -x -H "$HAB" -D "$SLAPD_BINDDN" -w wrong-Pw -b "$B" 1.1 >/dev/null 2>&1
check "hang-after-bind: bind result passes (wrong password: rc=$rc, want 49)" test "$rc" = 49

# cut after entries
start_proxy cut --mode forward --to "127.0.0.1:$S1_PORT" --cut-after-entries 700
run_rc rc ldapsearch -x -H "$FAULTPROXY_URI" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/cut.out" 2>"$work/cut.err"
n=$(count_dn "$work/cut.out")
check "cut-after-entries 700: $n entries then failure (rc=$rc, want 255)" test "$rc" = 255 -a "$n" = 700
start_proxy cutrst --mode forward --to "127.0.0.1:$S1_PORT" --cut-after-entries 10 --reset
run_rc rc ldapsearch -x -H "$FAULTPROXY_URI" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/cutrst.out" 2>&1
check "cut-after-entries 10 --reset: failure (rc=$rc)" test "$rc" != 0

# hang after entries
start_proxy hae --mode forward --to "127.0.0.1:$S1_PORT" --hang-after-entries 600
run_rc rc timeout 2 ldapsearch -x -H "$FAULTPROXY_URI" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/hae.out" 2>&1
n=$(count_dn "$work/hae.out")
check "hang-after-entries 600: $n entries then hang (rc=$rc, want 124)" test "$rc" = 124 -a "$n" = 600

# TLS terminated by the proxy: faults work for ldaps:// and StartTLS too
start_proxy tlscut --mode forward --to "127.0.0.1:$S1_PORT" --cut-after-entries 50 \
    --listen-tls ldaps --tls-cert "$s1/tls/server.pem" --tls-key "$s1/tls/server.key"
run_rc rc ldapsearch -x -H "ldaps://127.0.0.1:$FAULTPROXY_PORT" -b "$B" -E pr=500/noprompt '(objectClass=user)' 1.1 >"$work/tlscut.out" 2>&1
n=$(count_dn "$work/tlscut.out")
check "ldaps proxy, cut-after-entries 50: $n entries then failure (rc=$rc)" test "$rc" = 255 -a "$n" = 50
start_proxy sthab --mode forward --to "127.0.0.1:$S1_PORT" --hang-after-bind \
    --listen-tls starttls --tls-cert "$s1/tls/server.pem" --tls-key "$s1/tls/server.key"
check "StartTLS proxy: -ZZ bind works" \
    ldapwhoami -x -ZZ -H "$FAULTPROXY_URI" -D "$SLAPD_BINDDN" -w "$SLAPD_PW"
run_rc rc timeout 2 ldapsearch -x -ZZ -H "$FAULTPROXY_URI" -D "$SLAPD_BINDDN" -w "$SLAPD_PW" -b "$B" 1.1 >/dev/null 2>&1
check "StartTLS proxy, hang-after-bind: search hangs (rc=$rc)" test "$rc" = 124

# several clients at once
start_proxy multi --mode forward --to "127.0.0.1:$S1_PORT"
mpids=""
for i in 1 2 3 4; do
    ldapsearch -x -H "$FAULTPROXY_URI" -b "$B" -E pr=250/noprompt '(objectClass=user)' 1.1 >"$work/multi$i.out" 2>&1 &
    mpids="$mpids $!"
done
wait_ok=1
for p in $mpids; do wait "$p" || wait_ok=0; done
n=$(cat "$work"/multi?.out | grep -c '^dn:' || true)
check "4 parallel clients through one proxy ($n entries = 4 x $all_users)" \
    test "$wait_ok" = 1 -a "$n" = $((4 * all_users))

echo "# $((SECONDS - T0)) s"
if [ "$failures" -gt 0 ]; then
    echo "# $failures check(s) failed; logs in $work (set KEEP=1 to keep it)"
    exit 1
fi
echo "# all checks passed"
