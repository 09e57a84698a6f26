#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-unit-canary: every planted fault of tests/unit/plants must make
# its unit test fail, in the named test function (cmocka's FAILED line, or,
# for a sanitizer abort, the function that was running).
#
# Usage: tests/unit/plant.sh PLANTS OUTDIR
# env: CC, CFLAGS_PLAIN, CFLAGS_SAN, OBJS_PLAIN, OBJS_SAN, UNIT_HELPERS
set -eu

die() { echo "check-unit-canary: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 PLANTS OUTDIR"
plants=$1 out=$2
: "${CC:?}" "${CFLAGS_PLAIN:?}" "${CFLAGS_SAN:?}" "${OBJS_PLAIN:?}" "${OBJS_SAN:?}" "${UNIT_HELPERS:?}"
rm -rf "$out"
n=0

while IFS='@' read -r name file expr test func variant; do
	case $name in '#'* | '') continue ;; esac
	d=$out/$name
	mkdir -p "$d"
	sed "$expr" "helper/lib/$file" >"$d/$file"
	cmp -s "helper/lib/$file" "$d/$file" && die "$name: the plant did not apply to $file"
	case $variant in
	plain) flags=$CFLAGS_PLAIN objs=$OBJS_PLAIN ;;
	san) flags=$CFLAGS_SAN objs=$OBJS_SAN ;;
	*) die "$name: variant '$variant' is neither plain nor san" ;;
	esac
	o=$d/${file%.c}.o
	others=$(for x in $objs; do case $x in */helper/lib/${file%.c}.o) ;; *) echo "$x" ;; esac; done)
	# shellcheck disable=SC2086
	$CC $flags -c -o "$o" "$d/$file"
	# shellcheck disable=SC2086
	$CC $flags -Itests/unit -o "$d/$test" "tests/unit/$test.c" $UNIT_HELPERS "$o" $others -lcmocka
	rm -f "$d"/*.d
	if "$d/$test" >"$d/log" 2>&1; then
		die "$name: $test PASSED with the fault planted in $file"
	fi
	if grep -q "^\[  FAILED  \] $func\$" "$d/log"; then
		how=$(grep -m1 -E '^\[  ERROR   \]|^ERROR' "$d/log" | sed 's/^\[  ERROR   \] --- //')
	elif [ "$(grep '^\[ RUN      \]' "$d/log" | tail -n 1)" = "[ RUN      ] $func" ] &&
		grep -q 'Sanitizer' "$d/log"; then
		how=$(grep -m1 'ERROR: .*Sanitizer' "$d/log" | sed 's/^.*ERROR: //')
	else
		echo "check-unit-canary: $name: $test failed, but not in $func:" >&2
		cat "$d/log" >&2
		exit 1
	fi
	echo "check-unit-canary: $name ($file) -> $test: $func fails: $how"
	n=$((n + 1))
done <"$plants"
[ "$n" -gt 0 ] || die "no plants in $plants"
echo "check-unit-canary: all $n planted faults caught"
