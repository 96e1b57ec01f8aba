#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# samba-incremental.sh - incremental = yes against Samba's AD DC (DirSync):
# after every change and every incremental run the installed map equals a
# full export byte for byte (check exits 0), for a base at the naming
# context (with exclude_disabled) and for a base below it (OU=Staff);
# without the right Replicating Directory Changes deletions wait for the
# full sync, with it they are seen at once.
. "$top_srcdir/tests/integration/lib/samba-test.sh"
chmod 600 "$dc/svc.pw"
simple=("uri=$SAMBA_LDAPS_URI" "binddn=$SAMBA_SVC_DN" "bindpw_file=$dc/svc.pw"
	"tls_cacert=$dc/ca.pem" "incremental=yes" "max_shrink=100%")
staff="OU=Staff,$SAMBA_BASE"
mkdir -p "$T/a" "$T/b"
write_conf "$T/a.conf" "relay_domains=$SAMBA_RELAY_DOMAINS" timeout=10 \
	"output=$T/a/map" "lock_file=$T/a.lock" "${simple[@]}" "exclude_disabled=yes"
write_conf "$T/b.conf" "relay_domains=$SAMBA_RELAY_DOMAINS" timeout=10 \
	"output=$T/b/map" "lock_file=$T/b.lock" "${simple[@]}" "base=$staff"

# sync_both MODE [ARGS]: sync each config; MODE "incremental", "full" or
# "any" is what -v must say the run was; then the proof: the map is what a
# full export makes, byte for byte, and check (a full comparison) agrees
sync_both() {
	local mode=$1 c
	shift
	for c in a b; do
		run_a2r -v -c "$T/$c.conf" sync "$@"
		expect_rc 0 "sync $c ($step)"
		case $mode in
		incremental) expect_err "^ad2relay: incremental: ([0-9]+ objects? changed|nothing committed since USN [0-9]+, no DirSync request)" ;;
		full) expect_err "^ad2relay: full sync" ;;
		esac
		[ -z "${A2R_TRACE-}" ] || grep -E "incremental|full sync|installed|up to date" "$T/.err" >&2
		cp "$T/.err" "$T/$c.last"
		in_sync "$c"
	done
}

# in_sync C: config C's map is the full export's
in_sync() {
	run_a2r -c "$T/$1.conf" dump
	expect_rc 0 "dump $1 ($step)"
	cmp -s "$T/.out" "$T/$1/map" || {
		diff "$T/.out" "$T/$1/map" >&2
		fail "$step: $1's map is not the full export"
	}
	run_a2r -c "$T/$1.conf" check
	expect_rc 0 "check $1 ($step)"
}

# lags C: config C's map still holds what a deleted object gave
lags() {
	run_a2r -c "$T/$1.conf" check
	expect_rc 1 "check $1 after a deletion without the replication right ($step)"
	grep -q "^- $2" "$T/.out" || grep -q "$2" "$T/.out" || fail "$step: $2 not listed: $out"
}

modify() { samba_ldapmodify "$dc" >/dev/null; }

# the first run: a full sync that keeps a state; the next, incremental
step="first run"
sync_both full
[ -f "$T/a/map.state" ] || fail "no state file beside the map"
[ "$(stat -c %a "$T/a/map.state")" = 600 ] || fail "state file mode"
grep -q '^deletions 0$' "$T/a/map.state" || fail "deletions mode without the right"
step="nothing changed"
before=$(stat -c %i:%Y "$T/a/map" "$T/a/map.cdb")
sync_both incremental
# nothing committed at the DC since the USN read before the last DirSync
# request: no DirSync request at all, and the state goes on
grep -Eq "incremental: nothing committed since USN [0-9]+, no DirSync request" "$T/a.last" ||
	fail "a: no skip: $(cat "$T/a.last")"
grep -Eq '^usn [0-9]+$' "$T/a/map.state" || fail "no USN in the state"
[ "$before" = "$(stat -c %i:%Y "$T/a/map" "$T/a/map.cdb")" ] || fail "maps rewritten"
sync_both incremental
grep -q "nothing committed since USN" "$T/b.last" || fail "b: no skip twice: $(cat "$T/b.last")"
ok "full sync keeps a state (mode 600); an unchanged directory: no DirSync request, no change"

step="add user"
modify <<EOF
dn: CN=Inc New,OU=Sales,$staff
changetype: add
objectClass: user
sAMAccountName: incnew
userAccountControl: 512
mail: inc.new@corp.example.com
proxyAddresses: SMTP:inc.new@corp.example.com
proxyAddresses: smtp:inc.new.alias@example.org
EOF
sync_both incremental
grep -qx "inc.new.alias@example.org OK" "$T/a/map" || fail "new user not in the map"
for c in a b; do
	grep -Eq "incremental: [0-9]+ objects? changed" "$T/$c.last" ||
		fail "$c: no DirSync after a change: $(cat "$T/$c.last")"
done
ok "add user"

step="add smtp alias"
modify <<EOF
dn: CN=Inc New,OU=Sales,$staff
changetype: modify
add: proxyAddresses
proxyAddresses: smtp:inc.second@corp.example.com
EOF
sync_both incremental
grep -qx "inc.second@corp.example.com OK" "$T/b/map" || fail "alias not in the map"
step="remove smtp alias"
modify <<EOF
dn: CN=Inc New,OU=Sales,$staff
changetype: modify
delete: proxyAddresses
proxyAddresses: smtp:inc.second@corp.example.com
EOF
sync_both incremental
grep -q "inc.second@" "$T/b/map" && fail "removed alias still in the map"
ok "add and remove an smtp: alias"

step="disable"
modify <<EOF
dn: CN=Inc New,OU=Sales,$staff
changetype: modify
replace: userAccountControl
userAccountControl: 514
EOF
sync_both incremental
grep -q "inc.new@" "$T/a/map" && fail "disabled user kept with exclude_disabled"
grep -q "inc.new@" "$T/b/map" || fail "disabled user dropped without exclude_disabled"
step="enable"
modify <<EOF
dn: CN=Inc New,OU=Sales,$staff
changetype: modify
replace: userAccountControl
userAccountControl: 512
EOF
sync_both incremental
ok "disable and enable with exclude_disabled (and without)"

step="move out of the base"
modify <<EOF
dn: CN=Inc New,OU=Sales,$staff
changetype: modrdn
newrdn: CN=Inc New
deleteoldrdn: 1
newsuperior: CN=Users,$SAMBA_BASE
EOF
sync_both incremental
grep -q "inc.new@" "$T/b/map" && fail "user moved out of the base still in b's map"
step="move into the base"
modify <<EOF
dn: CN=Inc New,CN=Users,$SAMBA_BASE
changetype: modrdn
newrdn: CN=Inc New
deleteoldrdn: 1
newsuperior: OU=Engineering,$staff
EOF
sync_both incremental
grep -q "inc.new@" "$T/b/map" || fail "user moved into the base not in b's map"
step="rename"
modify <<EOF
dn: CN=Inc New,OU=Engineering,$staff
changetype: modrdn
newrdn: CN=Inc Renamed
deleteoldrdn: 1
EOF
sync_both incremental
grep -q "CN=Inc%20Renamed," "$T/a/map.state" || fail "state keeps the old DN"
ok "move out of and into the base, rename"

step="group add"
modify <<EOF
dn: CN=Inc Group,OU=Groups,$SAMBA_BASE
changetype: add
objectClass: group
sAMAccountName: incgroup
mail: inc.group@corp.example.com
EOF
step="contact change"
modify <<EOF
dn: CN=Partner Alias,OU=Contacts,$SAMBA_BASE
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:alias@partner.example.net
proxyAddresses: smtp:partner.alias2@corp.example.com
EOF
sync_both incremental
grep -qx "inc.group@corp.example.com OK" "$T/a/map" || fail "new group not in the map"
grep -qx "partner.alias2@corp.example.com OK" "$T/a/map" || fail "contact change missed"
grep -q "partner.alias@corp" "$T/a/map" && fail "contact's old address kept"
ok "group add, contact change"

# a container renamed below a base under the naming context: its objects
# are not reported, so b falls back to a full sync; a needs no more
step="OU rename"
modify <<EOF
dn: OU=Sales,$staff
changetype: modrdn
newrdn: OU=Vertrieb
deleteoldrdn: 1
EOF
run_a2r -v -c "$T/b.conf" sync
expect_rc 0
expect_err "full sync \(a container was renamed, moved or added"
in_sync b
sync_both incremental
step="OU move out of the base"
modify <<EOF
dn: OU=Vertrieb,$staff
changetype: modrdn
newrdn: OU=Vertrieb
deleteoldrdn: 1
newsuperior: $SAMBA_BASE
EOF
sync_both any
grep -q "full sync (a container" "$T/b.last" || fail "b: no full sync after an OU left the base"
ok "an OU renamed or moved out of a base below the naming context: a full sync"

# deletions: without the replication right they wait for the full sync
gone=$(grep -m1 '^[a-z].*@corp.example.com OK$' "$T/a/map" | cut -d' ' -f1)
step="delete without the right"
victim=$(samba_ldapsearch "$dc" -b "$SAMBA_BASE" "(mail=$gone)" dn | sed -n 's/^dn: //p')
[ -n "$victim" ] || fail "no object holds $gone"
samba_ldapmodify "$dc" >/dev/null <<EOF
dn: $victim
changetype: delete
EOF
modify <<EOF
dn: CN=Inc Group,OU=Groups,$SAMBA_BASE
changetype: delete
EOF
run_a2r -v -c "$T/a.conf" sync
expect_rc 0
expect_err "incremental: .*deletions are not reported"
lags a "$gone"
grep -q "inc.group@" "$T/a/map" || fail "deleted group gone without the right?"
run_a2r -v -c "$T/a.conf" sync --full-sync-interval 0
expect_rc 0
expect_err "full sync \(the last full sync was"
step="full sync after a deletion"
in_sync a
ok "without the replication right a deletion waits for the full sync"

# with the right (samba-tool dsacl set ... 1131f6aa-...): a full sync learns
# the mode, deletions are seen at once
sid=$(samba_ldapsearch "$dc" -b "$SAMBA_SVC_DN" -s base objectSid | sed -n 's/^objectSid:: //p' |
	python3 -c 'import base64,struct,sys
b=base64.b64decode(sys.stdin.read()); n=b[1]
print("S-%d-%d" % (b[0], int.from_bytes(b[2:8], "big")) + "".join(
	"-%d" % struct.unpack("<I", b[8+4*i:12+4*i])[0] for i in range(n)))')
samba_tool "$dc" dsacl set --objectdn="$SAMBA_BASE" --action=allow \
	--sddl="(OA;;CR;1131f6aa-9c07-11d1-f79f-00c04fc2dcd2;;$sid)" >/dev/null 2>&1 ||
	fail "samba-tool dsacl set failed"
# Samba (unlike AD) shows tombstones only to whom may list CN=Deleted Objects
"$SAMBA_PYTHON" "$top_srcdir/tests/integration/lib/samba-deleted-acl.py" "$dc/smb.conf" "$sid" ||
	fail "could not open CN=Deleted Objects to $sid"
run_a2r -c "$T/a.conf" test
expect_rc 0
echo "$out" | grep -q "^incremental: yes, deletions seen" || fail "test: $out"
step="full sync with the right"
sync_both any --full-sync-interval 0
grep -q '^deletions 1$' "$T/a/map.state" || fail "deletions mode with the right"
gone=$(grep -m1 '^[a-z].*@example.org OK$' "$T/b/map" | cut -d' ' -f1)
victim=$(samba_ldapsearch "$dc" -b "$SAMBA_BASE" "(proxyAddresses=smtp:$gone)" dn | sed -n 's/^dn: //p')
[ -n "$victim" ] || fail "no object holds $gone"
step="delete with the right"
samba_ldapmodify "$dc" >/dev/null <<EOF
dn: $victim
changetype: delete
EOF
sync_both incremental
grep -q "^$gone " "$T/b/map" && fail "deleted object's address kept with the right"
ok "with the right (test says so) a deletion is seen by the incremental run"

# the state belongs to its settings: another filter is a full sync
step="settings changed"
run_a2r -v -c "$T/a.conf" sync --filter '(!(cn=nobody))'
expect_rc 0
expect_err "full sync \(the settings that shape the map changed"
# a damaged state is no state: a full sync, never a guess
step="damaged state"
sed -i '$d' "$T/b/map.state"
run_a2r -v -c "$T/b.conf" sync
expect_rc 0
expect_err "full sync \(state file .* is damaged"
in_sync b
# a symlink in the state's place is never followed nor replaced
ln -sf /etc/passwd "$T/b/map.state"
run_a2r -c "$T/b.conf" sync
expect_rc 73
expect_err "is a symbolic link \(not replaced\)"
[ -L "$T/b/map.state" ] || fail "symlink replaced"
ok "other settings, a damaged state: a full sync; a symlink: refused (73)"
