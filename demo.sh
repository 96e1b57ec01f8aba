#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# demo.sh - build ad2relay and run it on the bundled sample directory:
# print the recipient map, install it with its cdb into a scratch
# directory, and look an address up with Postfix's own postmap.
#   ./demo.sh               (as root on Debian 12: installs the missing
#                            packages needed to build and run, not the test
#                            ones; builds in build/, or in the source tree
#                            if ./configure was run there; can be run again)
#   ./demo.sh --no-install  (build tree already configured; used by make demo)
set -eu
top=$(cd "$(dirname "$0")" && pwd)

quiet() { # quiet COMMAND... - run it; show its output only if it fails
	_log=$(mktemp "${TMPDIR:-/tmp}/ad2relay-demo-log.XXXXXX")
	if "$@" >"$_log" 2>&1; then
		rm -f "$_log"
	else
		_rc=$?
		cat "$_log" >&2
		rm -f "$_log"
		echo "demo.sh: failed: $*" >&2
		exit "$_rc"
	fi
}

if [ "${1-}" != "--no-install" ]; then
	# What building and running need, not the test packages.
	sh "$top/tests/deps.sh"
	cd "$top"
	[ -x configure ] || quiet autoreconf -fi
	if [ -f config.status ]; then
		# Configured in the source tree (./configure): build there, as
		# a separate build directory would be refused.
		echo "== building in $top (configured there)"
		quiet make -j2
		bin="$top/ad2relay"
	else
		echo "== building in $top/build"
		mkdir -p build
		cd build
		[ -f Makefile ] || quiet ../configure
		quiet make -j2
		bin="$top/build/ad2relay"
	fi
else
	bin="$(pwd)/ad2relay"
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-demo.XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir "$out/postfix"
printf 'compatibility_level = 3.6\n' >"$out/postfix/main.cf"

echo "== ad2relay -v -c examples/sample.conf sync --from-ldif examples/sample-directory.ldif"
echo "   (warnings: the sample holds a few malformed values on purpose)"
"$bin" -v -c "$top/examples/sample.conf" --lock-file "$out/lock" \
	sync --from-ldif "$top/examples/sample-directory.ldif" \
	--static "$top/examples/sample-static" --output "$out/relay_recipients"
echo
echo "== the installed map: $out/relay_recipients (+ .cdb)"
cat "$out/relay_recipients"
echo
for q in John.Doe@CORP.example.com STRASSE@Example.org nobody@corp.example.com; do
	echo "== postmap -q $q cdb:relay_recipients"
	/usr/sbin/postmap -c "$out/postfix" -q "$q" "cdb:$out/relay_recipients" || echo "(not found: smtpd would reject it)"
done
