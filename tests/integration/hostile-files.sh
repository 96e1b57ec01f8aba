#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# hostile-files.sh - ways in for a local user: FIFOs, symlinks and files of
# other users planted where ad2relay (running as root) reads or writes.
# Each case: no hang (timeout 20), the documented status, one line, and the
# maps and the planted targets byte-identical.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e

umask 022
NOBODY=65534
# other - can we give files to another user (root only)?  The cases that
# need it are left out otherwise, the others still run.
other() {
	[ "$(id -u)" = 0 ] && return 0
	echo "skip: not root, no file of another user: $1"
	return 1
}

gen_ldif 20 "$T/dir.ldif"
mkdir "$T/out" "$T/else"
map="$T/out/relay_recipients"
opts=(--relay-domains 'corp.example.com example.org' --output "$map" --from-ldif "$T/dir.ldif")
conf="$T/a2r.conf"
printf 'relay_domains = corp.example.com example.org\n' >"$conf"

# run_t ARGS... - run_a2r under timeout 20: a hang is status 124
run_t() {
	set +e
	(
		exec timeout 20 "$AD2RELAY" --lock-file "$T/ad2relay.lock" "$@"
	) >"$T/.out" 2>"$T/.err"
	rc=$?
	set -e
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
	[ "$rc" != 124 ] || fail "ad2relay hung (killed by timeout)"
}

# refused RC REGEX WHAT ARGS... - one line, that status, that message
refused() {
	local want=$1 re=$2 what=$3
	shift 3
	run_t "$@"
	expect_rc "$want" "$what"
	expect_one_line
	expect_err "$re"
}

# victim - a file a local user would like root to write through
printf 'precious\n' >"$T/else/victim"
snapshot "$T/else"

run_t sync -c "$conf" "${opts[@]}"
expect_rc 0 "first install"
snapshot "$T/out"

### 1. config file and static file: owner, mode, kind
cp "$conf" "$T/gw.conf"
chmod 664 "$T/gw.conf"
refused 78 "^ad2relay: config file $T/gw.conf is writable by group or others \(mode 0664\)" \
	"group-writable config" sync -c "$T/gw.conf" "${opts[@]}"
chmod 646 "$T/gw.conf"
refused 78 "writable by group or others \(mode 0646\)" "world-writable config" \
	sync -c "$T/gw.conf" "${opts[@]}"
if other "config file"; then
	cp "$conf" "$T/nb.conf"
	chown $NOBODY "$T/nb.conf"
	refused 78 "^ad2relay: config file $T/nb.conf is owned by uid $NOBODY" \
		"config of another user" sync -c "$T/nb.conf" "${opts[@]}"
fi
mkfifo "$T/fifo.conf"
refused 78 "^ad2relay: config file $T/fifo.conf: is a FIFO, not a regular file$" "FIFO config" \
	sync -c "$T/fifo.conf" "${opts[@]}"
ln -s "$conf" "$T/link.conf"
refused 78 "^ad2relay: config file $T/link.conf: is a symbolic link" "symlinked config" \
	sync -c "$T/link.conf" "${opts[@]}"
refused 78 "^ad2relay: config file $T/out: is a directory, not a regular file$" "directory config" \
	sync -c "$T/out" "${opts[@]}"
unchanged "$T/out"
ok "config file: other owner, group/world-writable, FIFO, symlink, directory: 78"

printf 'postmaster@example.org\n' >"$T/static"
run_t sync -c "$conf" "${opts[@]}" --static "$T/static" -n
expect_rc 0 "a root-owned static file"
chmod 666 "$T/static"
refused 78 "^ad2relay: static file $T/static is writable by group or others \(mode 0666\)" \
	"world-writable static" sync -c "$conf" "${opts[@]}" --static "$T/static"
chmod 644 "$T/static"
if other "static file"; then
	chown $NOBODY "$T/static"
	refused 78 "^ad2relay: static file $T/static is owned by uid $NOBODY" \
		"static of another user" sync -c "$conf" "${opts[@]}" --static "$T/static"
fi
mkfifo "$T/static.fifo"
refused 78 "^ad2relay: static file $T/static.fifo: is a FIFO, not a regular file$" "FIFO static" \
	sync -c "$conf" "${opts[@]}" --static "$T/static.fifo"
unchanged "$T/out"
ok "static file: other owner, world-writable, FIFO: 78"

### 1, 4. FIFOs and symlinks at the maps: no hang, not followed, maps untouched
for cmd in sync check; do
	mv "$map" "$T/map.save"
	mkfifo "$map"
	refused 73 "$map: is a FIFO, not a regular file" "$cmd: FIFO at the text map" \
		$cmd -c "$conf" "${opts[@]}"
	[ -p "$map" ] || fail "$cmd: the FIFO at the text map was replaced"
	rm "$map"
	mv "$T/map.save" "$map"
	unchanged "$T/out"

	mv "$map.cdb" "$T/cdb.save"
	mkfifo "$map.cdb"
	refused 73 "$map.cdb: is a FIFO, not a regular file" "$cmd: FIFO at the cdb" \
		$cmd -c "$conf" "${opts[@]}"
	[ -p "$map.cdb" ] || fail "$cmd: the FIFO at the cdb was replaced"
	rm "$map.cdb"
	mv "$T/cdb.save" "$map.cdb"
	unchanged "$T/out"
done
ok "FIFO at the text map or the cdb: 73, no hang (sync and check)"

# a symlink at the cdb to a setuid file of another user: never followed,
# its owner and mode never copied
install -m 644 /dev/null "$T/else/suid"
[ "$(id -u)" != 0 ] || chown $NOBODY "$T/else/suid"
chmod 4755 "$T/else/suid"
snapshot "$T/else"
mv "$map.cdb" "$T/cdb.save"
ln -s "$T/else/suid" "$map.cdb"
gen_ldif 21 "$T/dir21.ldif"
refused 73 "$map.cdb: is a symbolic link" "symlink at the cdb" \
	sync -c "$conf" "${opts[@]}" --from-ldif "$T/dir21.ldif"
[ -L "$map.cdb" ] || fail "the symlink at the cdb was replaced"
rm "$map.cdb"
mv "$T/cdb.save" "$map.cdb"
unchanged "$T/out"
unchanged "$T/else"
mv "$map" "$T/map.save"
ln -s "$T/map.save" "$map"
for cmd in sync check; do
	refused 73 "$map: is a symbolic link" "$cmd: symlink at the text map" \
		$cmd -c "$conf" "${opts[@]}" --from-ldif "$T/dir21.ldif"
done
rm "$map"
mv "$T/map.save" "$map"
unchanged "$T/out"
ok "symlink at the cdb or the text map: 73, not followed, nothing changed"

# a previous regular map of another user with setuid: the new map is root's,
# with the permission bits of the old file and no setuid/setgid/sticky
# (not root: our own files, and only the mode is checked)
me=$(id -u) grp=$(id -g)
[ "$me" != 0 ] || { chown $NOBODY:$NOBODY "$map" "$map.cdb" && grp=$NOBODY; }
chmod 4664 "$map"
chmod 6640 "$map.cdb"
run_t sync -c "$conf" "${opts[@]}" --from-ldif "$T/dir21.ldif"
expect_rc 0 "install over another user's setuid map"
[ "$(stat -c '%u %g %a' "$map")" = "$me $grp 664" ] ||
	fail "text map: $(stat -c '%u %g %a' "$map"), expected $me $grp 664"
[ "$(stat -c '%u %g %a' "$map.cdb")" = "$me $grp 640" ] ||
	fail "cdb: $(stat -c '%u %g %a' "$map.cdb"), expected $me $grp 640"
chmod 644 "$map" "$map.cdb"
[ "$me" != 0 ] || chown 0:0 "$map" "$map.cdb"
ok "new maps: root's, the old file's permission bits, no setuid"

### 1. metrics_file: written without following a symlink or blocking on a
# FIFO (a failed run reads the old file for the last success time)
run_t sync -c "$conf" "${opts[@]}"
snapshot "$T/out"
for what in FIFO symlink; do
	if [ $what = FIFO ]; then
		mkfifo "$T/metrics"
	else
		ln -s "$T/else/victim" "$T/metrics"
	fi
	refused 69 "open $T/none.ldif: No such file or directory" "$what at metrics_file" \
		sync -c "$conf" "${opts[@]}" --metrics-file "$T/metrics" --from-ldif "$T/none.ldif"
	[ -f "$T/metrics" ] && [ ! -L "$T/metrics" ] || fail "metrics_file is not a new regular file"
	grep -q '^ad2relay_run_status 69$' "$T/metrics" || fail "metrics_file content"
	rm "$T/metrics"
done
unchanged "$T/else"
unchanged "$T/out"
ok "metrics_file: a FIFO or symlink there is replaced, never followed, no hang"

### 3. lock_file
if other "lock_file through a symlink"; then
	mkdir "$T/udir"
	chown $NOBODY "$T/udir"
	ln -s "$T/else" "$T/udir/link"
	chown -h $NOBODY "$T/udir/link"
	refused 78 "^ad2relay: lock_file $T/udir/link/victim: $T/udir/link is a symbolic link owned by uid $NOBODY" \
		"lock through another user's directory symlink" sync -c "$conf" "${opts[@]}" \
		--lock-file "$T/udir/link/victim"
fi
refused 78 "^ad2relay: lock_file $map is the same file as $map" "lock on the text map" \
	sync -c "$conf" "${opts[@]}" --lock-file "$map"
refused 78 "^ad2relay: lock_file $map.cdb is the same file as $map.cdb" "lock on the cdb" \
	sync -c "$conf" "${opts[@]}" --lock-file "$map.cdb"
refused 78 "^ad2relay: lock_file $T/else/victim is not a lock file" "lock on another file" \
	sync -c "$conf" "${opts[@]}" --lock-file "$T/else/victim"
ln -s "$T/else/victim" "$T/lock.link"
refused 78 "^ad2relay: lock_file $T/lock.link: is a symbolic link" "symlink at the lock" \
	sync -c "$conf" "${opts[@]}" --lock-file "$T/lock.link"
mkfifo "$T/lock.fifo"
refused 78 "^ad2relay: lock_file $T/lock.fifo: is a FIFO, not a regular file$" "FIFO lock" \
	sync -c "$conf" "${opts[@]}" --lock-file "$T/lock.fifo"
unchanged "$T/else"
unchanged "$T/out"
# an old lock file of ours (a PID) is fine, and a root-owned symlink on
# the way (/var/run -> /run, say) is followed
printf '12345\n' >"$T/ok.lock"
ln -s "$T" "$T/rootlink"
run_t sync -c "$conf" "${opts[@]}" --lock-file "$T/rootlink/ok.lock"
expect_rc 0 "an old lock file, through a root-owned symlink"
[ "$(cat "$T/ok.lock")" != 12345 ] || fail "the lock file was not rewritten"
ok "lock_file: no symlink of another user, not a map, not a foreign file, no FIFO"

### 5. .actions-pending marker: not created through a planted symlink
gen_ldif 22 "$T/dir22.ldif"
printf 'relay_domains = corp.example.com example.org\non_change = /bin/false\n' >"$T/fail.conf"
ln -s "$T/else/created" "$T/ad2relay.lock.actions-pending"
refused 71 "/bin/false: exit status 1" "failing on_change" sync -c "$T/fail.conf" "${opts[@]}" \
	--from-ldif "$T/dir22.ldif"
[ ! -e "$T/else/created" ] || fail "the marker was created through the symlink"
[ -f "$T/ad2relay.lock.actions-pending" ] && [ ! -L "$T/ad2relay.lock.actions-pending" ] ||
	fail "the marker is not a regular file"
unchanged "$T/else"
snapshot "$T/out"
ok ".actions-pending: never created through a symlink"

### 6. bindpw_file and keytab
pwconf() { # FILE KEY=VALUE - a config that reaches the secret file, no DC
	printf 'relay_domains = example.org\nuri = ldap://127.0.0.1:1\noutput = %s\n' "$map" >"$1"
	printf 'tls = none\nallow_plaintext_bind = yes\ntimeout = 2\n%s\n' "$2" >>"$1"
}
mkdir -m 700 "$T/sec"
simple() { # PWFILE
	pwconf "$T/pw.conf" "bind = simple
binddn = cn=x
bindpw_file = $1"
}
printf 'secret\n' >"$T/sec/pw"
chmod 600 "$T/sec/pw"
simple "$T/sec/pw"
run_t sync -c "$T/pw.conf"
expect_rc 69 "a good bindpw_file reaches the (absent) DC"
if other "bindpw_file"; then
	chown $NOBODY "$T/sec/pw"
	refused 78 "^ad2relay: bindpw_file $T/sec/pw is owned by uid $NOBODY" \
		"bindpw_file of another user" sync -c "$T/pw.conf"
	chown 0 "$T/sec/pw"
fi
printf 'sec\0ret\n' >"$T/sec/pw"
refused 78 "^ad2relay: bindpw_file $T/sec/pw holds a NUL byte" "NUL in bindpw_file" \
	sync -c "$T/pw.conf"
mkfifo -m 600 "$T/sec/pw.fifo"
simple "$T/sec/pw.fifo"
refused 78 "^ad2relay: bindpw_file $T/sec/pw.fifo: is a FIFO, not a regular file$" "FIFO bindpw_file" \
	sync -c "$T/pw.conf"
mkdir -m 777 "$T/open"
printf 'secret\n' >"$T/open/pw"
chmod 600 "$T/open/pw"
simple "$T/open/pw"
refused 78 "^ad2relay: bindpw_file $T/open/pw: its directory $T/open is writable by others" \
	"bindpw_file in a world-writable directory" sync -c "$T/pw.conf"
chmod 1777 "$T/open"
run_t sync -c "$T/pw.conf"
expect_rc 69 "bindpw_file in a root-owned sticky directory"
if other "bindpw_file directory"; then
	mkdir -m 755 "$T/theirs"
	printf 'secret\n' >"$T/theirs/pw"
	chmod 600 "$T/theirs/pw"
	chown $NOBODY "$T/theirs"
	simple "$T/theirs/pw"
	refused 78 "^ad2relay: bindpw_file $T/theirs/pw: its directory $T/theirs is owned by uid $NOBODY" \
		"bindpw_file in another user's directory" sync -c "$T/pw.conf"
fi
ok "bindpw_file: other owner, NUL, FIFO, open or foreign directory: 78"

install -m 600 /dev/null "$T/sec/kt"
kerb() { pwconf "$T/kt.conf" "bind = gssapi
principal = host/x@EXAMPLE.ORG
keytab = $1"; }
ln -s "$T/sec/kt" "$T/sec/kt.link"
kerb "$T/sec/kt.link"
refused 78 "^ad2relay: keytab $T/sec/kt.link: is a symbolic link" "symlinked keytab" \
	sync -c "$T/kt.conf"
if other "keytab"; then
	chown $NOBODY "$T/sec/kt"
	kerb "$T/sec/kt"
	refused 78 "^ad2relay: keytab $T/sec/kt is owned by uid $NOBODY" "keytab of another user" \
		sync -c "$T/kt.conf"
fi
mkfifo -m 600 "$T/sec/kt.fifo"
kerb "FILE:$T/sec/kt.fifo"
refused 78 "^ad2relay: keytab $T/sec/kt.fifo: is a FIFO, not a regular file$" "FIFO keytab" \
	sync -c "$T/kt.conf"
ok "keytab: symlink, other owner, FIFO: 78"
unchanged "$T/out"
unchanged "$T/else"
