#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ci.sh - the whole test suite from a clean checkout: install what the
# tests need, build with -Werror four times and test each build:
#   build-ci-san   AddressSanitizer + UndefinedBehaviorSanitizer: make check
#   build-ci       plain: make distcheck
#   build-ci-vg    plain: make check-valgrind (unit tests and an integration
#                  subset under valgrind memcheck)
#   build-ci-fuzz  clang --enable-fuzzing: tests/fuzz/run, each libFuzzer
#                  harness for FUZZ_SECONDS (default 60) seconds, 2 at a time
# then run the demo in a clean clone with the test packages hidden, build,
# check, install and purge the Debian package, check the SPDX lines, and end
# with one line "N passed, N failed" (one count per test, per valgrind test,
# per fuzz harness and per packaging step).
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
log=$(mktemp -d "${TMPDIR:-/tmp}/ad2relay-ci.XXXXXX")
passed=0
failed=0

tally() { # tally LOGFILE - add automake's "# PASS:" / "# FAIL:" counts
	local p f e
	p=$(sed -n 's/^# PASS: *//p' "$1" | tail -1)
	f=$(sed -n 's/^# FAIL: *//p' "$1" | tail -1)
	e=$(sed -n 's/^# ERROR: *//p' "$1" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
}

step() { # step NAME COMMAND... - run, show the tail on failure, count a failed step
	local name=$1
	shift
	echo "== $name"
	if ! "$@" >"$log/$name.log" 2>&1; then
		tail -n 60 "$log/$name.log"
		for f in $(find "$top/build-ci" "$top/build-ci-san" "$top/build-ci-vg" -name '*.log' -path '*tests*' 2>/dev/null); do
			grep -q '^FAIL' "$f" 2>/dev/null && { echo "--- $f"; tail -n 30 "$f"; }
		done
		return 1
	fi
}

step deps sh tests/deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
step autoreconf autoreconf -fi || { echo "0 passed, 1 failed"; exit 1; }

rm -rf build-ci build-ci-san build-ci-vg build-ci-fuzz
mkdir build-ci build-ci-san build-ci-vg build-ci-fuzz
(
	cd build-ci-san &&
		step configure-san ../configure --enable-sanitizers --enable-werror --enable-tests &&
		step build-san make -j2 &&
		step check-san make -j2 check
)
san=$?
tally "$log/check-san.log" 2>/dev/null
[ $san -ne 0 ] && ! grep -q '^# FAIL' "$log/check-san.log" 2>/dev/null && failed=$((failed + 1))

(
	cd build-ci &&
		step configure ../configure --enable-werror --enable-tests &&
		step distcheck make -j2 distcheck DISTCHECK_CONFIGURE_FLAGS='--enable-werror --enable-tests'
)
dist=$?
tally "$log/distcheck.log" 2>/dev/null
[ $dist -ne 0 ] && ! grep -q '^# FAIL' "$log/distcheck.log" 2>/dev/null && failed=$((failed + 1))

(
	cd build-ci-vg &&
		step configure-vg ../configure --enable-werror --enable-tests &&
		step build-vg make -j2 &&
		step check-valgrind make -j2 check-valgrind
)
vg=$?
tally "$log/check-valgrind.log" 2>/dev/null
[ $vg -ne 0 ] && ! grep -q '^# FAIL' "$log/check-valgrind.log" 2>/dev/null && failed=$((failed + 1))

# the fuzz step counts one PASS or FAIL per harness (tests/fuzz/run's lines)
(
	cd build-ci-fuzz &&
		step configure-fuzz ../configure --enable-fuzzing --enable-werror --enable-tests CC=clang &&
		step build-fuzz make -j2 &&
		echo "== fuzz" &&
		env FUZZ_SECONDS="${FUZZ_SECONDS:-60}" FUZZ_JOBS=2 \
			FUZZ_BIN="$top/build-ci-fuzz/tests/fuzz" bash "$top/tests/fuzz/run" >"$log/fuzz.log" 2>&1
)
fz=$?
fp=$(grep -c '^PASS: ' "$log/fuzz.log" 2>/dev/null)
ff=$(grep -c '^FAIL: ' "$log/fuzz.log" 2>/dev/null)
passed=$((passed + ${fp:-0}))
failed=$((failed + ${ff:-0}))
[ $fz -ne 0 ] && [ "${ff:-0}" -eq 0 ] && failed=$((failed + 1))
# a fuzz finding: the whole report (stack, reproducer), not only its tail
[ "${ff:-0}" -gt 0 ] && sed -n '/^FAIL: /,/^PASS: /p' "$log/fuzz.log" | grep -v '^PASS: '

# --- packaging and first contact (each one counted as a test) ---------------
# check NAME COMMAND... - a step that is one test: PASS or FAIL
check() {
	if step "$@"; then
		echo "PASS: $1" >>"$log/steps.log"
		passed=$((passed + 1))
	else
		echo "FAIL: $1" >>"$log/steps.log"
		failed=$((failed + 1))
	fi
}
# The README's first command in a clean clone, test packages hidden.
check demo-clean bash tests/demo-clean.sh
# The Debian package: built, lintian-clean, installed, run, purged.
check deb bash tests/deb.sh
# Every tracked file that can carry a comment names its licence.
check spdx bash tests/spdx-check.sh
# The C sources follow the committed .clang-format.
check format-check make -C build-ci format-check
# --- end of packaging and first contact ---------------------------------------

for s in check-san distcheck check-valgrind fuzz steps; do
	[ -f "$log/$s.log" ] || continue
	echo "== $s"
	grep -h '^\(PASS\|FAIL\|SKIP\|ERROR\):' "$log/$s.log"
done
rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ $san -eq 0 ] && [ $dist -eq 0 ] && [ $vg -eq 0 ] && [ $fz -eq 0 ]
