#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# deb.sh - the Debian package from a clean clone of HEAD: build it
# (dpkg-buildpackage -us -uc -b), let lintian judge it (no error, no
# warning), install it with dpkg -i, check what it installed (program, man
# pages, docs, examples, units neither enabled nor started, no
# /etc/ad2relay.conf), run the installed program on the bundled sample
# directory, and purge it.  As root (debhelper and lintian come with
# tests/deps.sh --test); run by tests/ci.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-deb.XXXXXX")
installed=
cleanup() {
	[ -z "$installed" ] || dpkg --purge ad2relay >/dev/null 2>&1 || true
	rm -rf "$scratch"
}
trap cleanup EXIT
fail() {
	echo "deb.sh: $*" >&2
	exit 1
}

if dpkg-query -W -f='${Status}' ad2relay 2>/dev/null | grep -q "install ok installed"; then
	fail "a package ad2relay is already installed: not touching it"
fi

git clone -q "$top" "$scratch/ad2relay"
(cd "$scratch/ad2relay" && dpkg-buildpackage -us -uc -b) >"$scratch/build.log" 2>&1 ||
	{ tail -n 40 "$scratch/build.log" >&2; fail "dpkg-buildpackage failed"; }
deb=$(ls "$scratch"/ad2relay_*.deb)
echo "deb.sh: built $(basename "$deb")"

if ! lintian --fail-on error,warning "$scratch"/ad2relay_*.changes >"$scratch/lintian.log" 2>&1 ||
	grep -q '^[EW]: ' "$scratch/lintian.log"; then
	grep -v '^running with root' "$scratch/lintian.log" >&2
	fail "lintian reports an error or a warning"
fi
echo "deb.sh: lintian: no error, no warning"

installed=1
dpkg -i "$deb" >/dev/null
for f in /usr/sbin/ad2relay /usr/share/man/man8/ad2relay.8.gz \
	/usr/share/man/man5/ad2relay.conf.5.gz /usr/share/doc/ad2relay/copyright \
	/usr/share/doc/ad2relay/guide.md.gz /usr/share/doc/ad2relay/examples/ad2relay.conf \
	/lib/systemd/system/ad2relay.service /lib/systemd/system/ad2relay.timer; do
	[ -e "$f" ] || fail "$f is not installed"
done
[ ! -e /etc/ad2relay.conf ] || fail "the package installed /etc/ad2relay.conf"
for w in /etc/systemd/system/*.wants/ad2relay.*; do
	[ ! -e "$w" ] || fail "the package enabled a unit: $w"
done
grep -q '^ExecStart=/usr/sbin/ad2relay -c /etc/ad2relay.conf' /lib/systemd/system/ad2relay.service ||
	fail "the service does not run /usr/sbin/ad2relay -c /etc/ad2relay.conf"

ex=/usr/share/doc/ad2relay/examples
/usr/sbin/ad2relay -q -c "$ex/sample.conf" --lock-file "$scratch/lock" \
	sync --from-ldif "$ex/sample-directory.ldif" --output "$scratch/relay_recipients"
cmp "$scratch/relay_recipients" "$ex/sample-expected.map" ||
	fail "the installed ad2relay's map differs from sample-expected.map"
[ -s "$scratch/relay_recipients.cdb" ] || fail "no cdb map"
echo "deb.sh: the installed /usr/sbin/ad2relay gives sample-expected.map"

dpkg --purge ad2relay >/dev/null
installed=
[ ! -e /usr/sbin/ad2relay ] || fail "/usr/sbin/ad2relay left after purge"
[ ! -e /var/lib/ad2relay ] || fail "/var/lib/ad2relay left after purge"
echo "deb.sh: purged"
