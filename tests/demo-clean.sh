#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# demo-clean.sh - the README's first command as a newcomer meets it: clone
# the repository's HEAD into a scratch directory and run ./demo.sh there,
# in a private mount namespace where the files of the test-only packages
# (tests/deps.sh --list-test-only: cmocka, slapd, Samba, ...) are hidden
# behind empty files, so that a test package in the build path fails.
# The demo runs twice in build/, then once more after an in-tree
# ./configure.  As root (unshare, bind mounts); run by tests/ci.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1-}" != "--inside" ]; then
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-clone.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
	git clone -q "$top" "$scratch/ad2relay"
	unshare --mount --propagation private bash "$0" --inside "$scratch/ad2relay"
	exit
fi
src=$2

# hidden - the files of a test-only package that a build could pick up
hidden() {
	dpkg -L "$1" 2>/dev/null | grep -E \
		'^/usr/include/|/pkgconfig/[^/]*\.pc$|/lib[^/]*\.so$|\.a$|^/usr/s?bin/|^/s?bin/' || true
}

empty=$(mktemp "${TMPDIR:-/tmp}/ad2relay-empty.XXXXXX")
n=0
for p in $(sh "$top/tests/deps.sh" --list-test-only); do
	for f in $(hidden "$p"); do
		[ -f "$f" ] || continue
		mount --bind "$empty" "$f"
		n=$((n + 1))
	done
done
echo "demo-clean: $n files of test-only packages hidden"
if pkg-config --exists cmocka; then
	echo "demo-clean: cmocka is still visible to pkg-config" >&2
	exit 1
fi
[ ! -s /usr/include/cmocka.h ] || {
	echo "demo-clean: cmocka.h is still visible" >&2
	exit 1
}

cd "$src"
echo "demo-clean: ./demo.sh (fresh clone)"
./demo.sh >demo.out
grep -q 'postmap -q' demo.out
echo "demo-clean: ./demo.sh (again)"
./demo.sh >demo.out
echo "demo-clean: ./configure; ./demo.sh (configured in the source tree)"
./configure -q
./demo.sh >demo.out
grep -q 'postmap -q' demo.out
echo "demo-clean: ok"
