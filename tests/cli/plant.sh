#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-cli-canary: every planted fault of tests/cli/plants must make
# its CLI test fail.
#
# Usage: tests/cli/plant.sh PLANTS OUTDIR
# env: CC, CFLAGS_ALL, CLI_OBJS, LIBCNID, CLI_LIBS
set -eu

die() { echo "check-cli-canary: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 PLANTS OUTDIR"
plants=$1 out=$2
: "${CC:?}" "${CFLAGS_ALL:?}" "${CLI_OBJS:?}" "${LIBCNID:?}" "${CLI_LIBS:?}"
rm -rf "$out"
n=0

while IFS='@' read -r name file expr test; do
	case $name in '#'* | '') continue ;; esac
	d=$out/$name
	mkdir -p "$d"
	sed "$expr" "helper/cli/$file" >"$d/$file"
	cmp -s "helper/cli/$file" "$d/$file" && die "$name: the plant did not apply to $file"
	o=$d/${file%.c}.o
	others=$(for x in $CLI_OBJS; do case $x in */helper/cli/${file%.c}.o) ;; *) echo "$x" ;; esac; done)
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL -Ihelper/cli -c -o "$o" "$d/$file"
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL -o "$d/cnid" "$o" $others "$LIBCNID" $CLI_LIBS
	rm -f "$d"/*.d
	if python3 tests/cli/test_cli.py --cnid "$d/cnid" --cards tests/cards "CliTest.$test" \
		>"$d/log" 2>&1; then
		die "$name: $test PASSED with the fault planted in $file"
	fi
	grep -Eq "^(FAIL|ERROR): $test " "$d/log" ||
		{ echo "check-cli-canary: $name: $test did not fail as a test:" >&2; cat "$d/log" >&2; exit 1; }
	how=$(grep -m1 -E '^[A-Za-z]*Error: ' "$d/log" | tr -d '\n' | cut -c1-120)
	echo "check-cli-canary: $name ($file) -> $test fails: $how"
	n=$((n + 1))
done <"$plants"
[ "$n" -gt 0 ] || die "no plants in $plants"
echo "check-cli-canary: all $n planted faults caught"
