#!/bin/bash
# spdx-check.sh - every tracked file that has a comment syntax names its
# licence in its first lines:  SPDX-License-Identifier: BSD-2-Clause
# Lists the files that lack it and fails; with --add, puts the line into
# them instead (the mechanical sweep, e.g. after a merge):
#   bash tests/spdx-check.sh --add && git commit -a -m "SPDX lines"
# Files without a comment syntax, and inputs whose bytes or line numbers
# the tests compare, are exempt (see style below).
set -u
cd "$(dirname "$0")/.."
id='SPDX-License-Identifier: BSD-2-Clause'

# style FILE - how FILE writes a comment: c, hash, roff, html, or none
style() {
	case $1 in
	# Plain text or formats without comments; debian/copyright has the licence.
	README | ChangeLog | COPYING | m4/.keep | debian/changelog | debian/copyright | \
		debian/source/format | debian/*.dirs | debian/*.install | debian/*.docs | \
		debian/*.links | debian/*.examples) echo none ;;
	# Compared byte for byte with ad2relay's output.
	examples/sample-expected.map) echo none ;;
	# Fuzzing corpora: inputs, not sources.
	*/corpus/* | */corpora/*) echo none ;;
	tests/data/samba/* | tests/data/slapd/*) echo hash ;;
	# Exports as ldapsearch and ldifde write them; tests quote line numbers.
	tests/data/*.ldif) echo none ;;
	*.c | *.h) echo c ;;
	man/*.[1-9]) echo roff ;;
	*.md) echo html ;;
	*.sh | *.py | *.am | *.ac | *.in | *.conf | *.cf | *.timer | *.service | *.cron | \
		*.schema | *.supp | *.ldif | .clang-format | .gitignore | examples/sample-static | \
		debian/rules | debian/control | debian/*.postrm | debian/*.postinst | \
		debian/*.prerm | debian/*.preinst | debian/*.lintian-overrides) echo hash ;;
	*) if [ "$(head -c 2 "$1")" = '#!' ]; then echo hash; else echo none; fi ;;
	esac
}

# add FILE STYLE - insert the line where that kind of file allows it
add() {
	local line first after=0
	case $2 in
	c) line="/* $id */" ;;
	roff) line=".\\\" $id" ;;
	html) line="<!-- $id -->" ;;
	hash) line="# $id" ;;
	esac
	first=$(head -n 1 "$1")
	# after a "#!" line, or roff's preprocessor line '\" t
	case $first in
	'#!'* | "'\\\""*) after=1 ;;
	esac
	# (the line through the environment: awk -v would eat its backslash)
	SPDX_LINE=$line awk -v n="$after" 'NR == n + 1 { print ENVIRON["SPDX_LINE"] } { print }
		END { if (NR < n + 1) print ENVIRON["SPDX_LINE"] }' "$1" >"$1.spdx-tmp" && cat "$1.spdx-tmp" >"$1" && rm -f "$1.spdx-tmp"
}

missing=0
while IFS= read -r f; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	s=$(style "$f")
	[ "$s" != none ] || continue
	head -n 5 "$f" | grep -qF "$id" && continue
	if [ "${1-}" = --add ]; then
		add "$f" "$s"
		echo "spdx: added to $f"
	else
		echo "spdx: $f lacks \"$id\""
		missing=$((missing + 1))
	fi
done < <(git ls-files)
if [ "$missing" -gt 0 ]; then
	echo "spdx: $missing files lack the line: bash tests/spdx-check.sh --add" >&2
	exit 1
fi
