#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-incremental-fallback.sh - when incremental = yes reads everything
# again, and why (-v says it): a DirSync error with the state's cookie,
# more than max(1000, a tenth of the state's objects) changed, a state
# older (or newer) than full_sync_interval; each time the map equals a full
# export.  Also: state_dir, the state's DC tried first in the failover
# order, a leftover state temp file removed, none left by SIGTERM, a
# missing state_dir refused.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
chmod 600 "$dc/svc.pw"
dead=ldaps://$SAMBA_DEAD_FQDN
mkdir -p "$T/a" "$T/st"
# dc2 (nothing listens) first: the first run fails over to dc1
write_conf "$T/a.conf" "relay_domains=$SAMBA_RELAY_DOMAINS" timeout=10 \
	"output=$T/a/map" "lock_file=$T/a.lock" "uri=$dead $SAMBA_LDAPS_URI" \
	"binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw" "tls_cacert=$dc/ca.pem" \
	incremental=yes max_shrink=100% "state_dir=$T/st"
state=$T/st/map.state

# sync MODE [ARGS]: a sync -v; MODE "incremental" or "full (WHY)": what -v
# must say the run was; then the map is what a full export makes
sync() {
	local mode=$1
	shift
	run_a2r -v -c "$T/a.conf" sync "$@"
	expect_rc 0 "sync ($step)"
	case $mode in
	incremental) expect_err "^ad2relay: incremental: ([0-9]+ objects? changed|nothing committed since USN [0-9]+, no DirSync request)" ;;
	*) expect_err "^ad2relay: $mode" ;;
	esac
	[ -z "${A2R_TRACE-}" ] || cat "$T/.err" >&2
	cp "$T/.err" "$T/last"
	run_a2r -c "$T/a.conf" dump
	expect_rc 0 "dump ($step)"
	cmp -s "$T/.out" "$T/a/map" || {
		diff "$T/.out" "$T/a/map" >&2
		fail "$step: the map is not the full export"
	}
}

step="first run"
sync "full sync \(no state file yet\)"
grep -q "$SAMBA_DEAD_FQDN" "$T/last" || fail "dc2 not tried first: $(cat "$T/last")"
[ -f "$state" ] || fail "no state in state_dir"
[ -e "$T/a/map.state" ] && fail "a state beside the map despite state_dir"
grep -q "^uri $SAMBA_LDAPS_URI\$" "$state" || fail "state's URI: $(grep ^uri "$state")"
step="the state's DC first"
sync incremental
grep -q "$SAMBA_DEAD_FQDN" "$T/last" && fail "dc2 tried before the state's DC: $(cat "$T/last")"
ok "state_dir holds the state; the next run asks the state's DC first, incrementally"

# a temp file a killed run left beside the state: the next sync removes it
step="leftover temp file"
echo junk >"$state.tmp.AbC123"
sync incremental
[ -e "$state.tmp.AbC123" ] && fail "leftover state temp file kept"
ok "a leftover state temp file is removed by the next sync"

# SIGTERM while the state temp file is written (a full sync's search):
# the temp file removed, the maps and the state unchanged, status 143
step="SIGTERM"
snapshot "$T/a"
snapshot "$T/st"
caught=
for try in 1 2 3 4 5; do
	"$AD2RELAY" --lock-file "$T/ad2relay.lock" -c "$T/a.conf" sync --full-sync-interval 0 \
		>"$T/.out" 2>"$T/.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if compgen -G "$state.tmp.*" >/dev/null; then
			kill -TERM "$pid"
			caught=1
			break
		fi
		sleep 0.005
	done
	rc=0
	wait "$pid" || rc=$?
	[ -z "$caught" ] || break
	# the run was quicker than the poll: put things back and try again
	expect_rc 0 "sync before SIGTERM (try $try)"
	sync incremental --full-sync-interval 0 >/dev/null 2>&1 || true
	snapshot "$T/a"
	snapshot "$T/st"
done
[ -n "$caught" ] || fail "never saw the state temp file in 5 runs"
expect_rc 143 "SIGTERM"
expect_one_line
expect_err "stopped by SIGTERM: the installed maps are unchanged"
compgen -G "$state.tmp.*" >/dev/null && fail "state temp file left: $(ls "$T/st")"
unchanged "$T/a"
unchanged "$T/st"
ok "SIGTERM while the state is written: no temp file left, maps and state unchanged"

# full_sync_interval (default 1 h): a state whose full sync is older, or
# in the future, is read again in full; a longer interval keeps it
step="full_sync_interval"
full=$(sed -n 's/^full //p' "$state")
sed -i "s/^full .*/full $((full - 3700))/" "$state"
sync "full sync \(the last full sync was 37[0-9][0-9] s ago \(full_sync_interval 3600 s\)\)"
full=$(sed -n 's/^full //p' "$state")
[ "$full" -ge "$(($(date +%s) - 60))" ] || fail "full sync time not renewed: $full"
sed -i "s/^full .*/full $((full + 3600))/" "$state"
sync "full sync \(the state's last full sync is dated 3[0-9]+ s in the future\)"
full=$(sed -n 's/^full //p' "$state")
sed -i "s/^full .*/full $((full - 3700))/" "$state"
sync incremental --full-sync-interval 2h
echo "full_sync_interval = 1m" >>"$T/a.conf"
sed -i "s/^full .*/full $((full - 70))/" "$state"
sync "full sync \(the last full sync was [0-9]+ s ago \(full_sync_interval 60 s\)\)"
sed -i '$d' "$T/a.conf"
ok "full_sync_interval: older, newer than now: a full sync; within it: incremental"

# a cookie the DC cannot use: a full sync, no partial change set
step="DirSync error"
cookie=$(sed -n 's/^cookie //p' "$state")
bad=$(echo "$cookie" | tr 0-9a-f 1-9a-f0)
sed -i "s/^cookie .*/cookie $bad/" "$state"
# a change the full sync must read
samba_ldapmodify "$dc" >/dev/null <<EOF
dn: CN=Partner Alias,OU=Contacts,$SAMBA_BASE
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:alias@partner.example.net
proxyAddresses: smtp:partner.fallback@corp.example.com
EOF
sync "full sync \(DirSync with the state's cookie: "
grep -qx "partner.fallback@corp.example.com OK" "$T/a/map" || fail "change not in the map"
grep -q "^cookie $bad\$" "$state" && fail "bad cookie kept"
step="after the DirSync error"
sync incremental
ok "a DirSync error with the state's cookie: a full sync, a new cookie"

# more than max(1000, a tenth of the objects) changed: a full sync
step="too many changes"
n=$(grep -c '^o ' "$state")
[ "$n" -lt 10000 ] || fail "$n objects: the limit is not 1000"
samba_ldapsearch "$dc" -b "OU=Staff,$SAMBA_BASE" -E pr=1000/noprompt \
	'(&(objectClass=user)(proxyAddresses=*))' dn |
	sed -n 's/^dn: //p' | head -1001 >"$T/dns"
[ "$(wc -l <"$T/dns")" = 1001 ] || fail "fewer than 1001 users to change"
awk '{ printf "dn: %s\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: smtp:bulk%d@example.org\n\n", $0, NR }' \
	"$T/dns" | samba_ldapmodify "$dc" >/dev/null
sync "full sync \(more than 1000 objects changed\)"
grep -qx "bulk1001@example.org OK" "$T/a/map" || fail "bulk change not in the map"
step="after the full sync"
sync incremental
ok "more than 1000 objects changed: a full sync"

# a state_dir that does not exist: refused, one line, the map unchanged
step="missing state_dir"
sed -i "s|^state_dir = .*|state_dir = $T/nowhere|" "$T/a.conf"
snapshot "$T/a"
run_a2r -c "$T/a.conf" sync
[ "$rc" != 0 ] || fail "a missing state_dir accepted"
expect_one_line
expect_err "nowhere"
unchanged "$T/a"
ok "a missing state_dir: exit $rc, one line, the map unchanged"
