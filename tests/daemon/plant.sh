#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-daemon-canary: every planted fault of tests/daemon/plants must
# make its test of tests/daemon/test_daemon.py fail.
#
# Usage: tests/daemon/plant.sh PLANTS OUTDIR
# env: CC, CFLAGS_ALL, DAEMON_CFLAGS, DAEMON_OBJS, DAEMON_LIBS, CLI_CFLAGS,
# CLI_OBJS, CLI_LIBS, LIBCNID and the test's environment (CNID_EMU, CNID,
# CNID_SCAN, CNID_PLUGIN, and CNIDD: the daemon as built).  The planted file
# rebuilds whichever of cnidd and cnid link it (helper/cli/reader-io.c:
# both), and the test runs those.
set -eu

die() { echo "check-daemon-canary: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 PLANTS OUTDIR"
plants=$1 out=$2
: "${CC:?}" "${CFLAGS_ALL:?}" "${DAEMON_CFLAGS:?}" "${DAEMON_OBJS:?}" "${LIBCNID:?}" "${DAEMON_LIBS:?}"
: "${CLI_CFLAGS:?}" "${CLI_OBJS:?}" "${CLI_LIBS:?}"
rm -rf "$out"
n=0

while IFS='@' read -r name file expr test; do
	case $name in '#'* | '') continue ;; esac
	d=$out/$name
	mkdir -p "$d"
	base=$(basename "$file" .c)
	sed "$expr" "$file" >"$d/$base.c"
	cmp -s "$file" "$d/$base.c" && die "$name: the plant did not apply to $file"
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL $DAEMON_CFLAGS $CLI_CFLAGS -I"$(dirname "$file")" -c -o "$d/$base.o" "$d/$base.c"
	daemon=$CNIDD
	case " $DAEMON_OBJS " in
	*/$base.o\ *)
		others=$(for x in $DAEMON_OBJS; do case $x in */$base.o) ;; *) echo "$x" ;; esac; done)
		# shellcheck disable=SC2086
		$CC $CFLAGS_ALL -o "$d/cnidd" "$d/$base.o" $others "$LIBCNID" $DAEMON_LIBS
		daemon=$d/cnidd ;;
	esac
	tool=$CNID
	case " $CLI_OBJS " in
	*/helper/cli/$base.o\ *)
		others=$(for x in $CLI_OBJS; do case $x in */$base.o) ;; *) echo "$x" ;; esac; done)
		# shellcheck disable=SC2086
		$CC $CFLAGS_ALL -o "$d/cnid" "$d/$base.o" $others "$LIBCNID" $CLI_LIBS
		tool=$d/cnid ;;
	esac
	rm -f "$d"/*.d
	start=$(date +%s)
	if CNIDD="$daemon" CNID="$tool" python3 tests/daemon/test_daemon.py "$test" >"$d/log" 2>&1; then
		die "$name: $test PASSED with the fault planted in $file"
	fi
	grep -Eq "^(FAIL|ERROR): ${test#*.} " "$d/log" ||
		{ echo "check-daemon-canary: $name: $test did not fail as a test:" >&2; cat "$d/log" >&2; exit 1; }
	how=$(grep -m1 -E '^[A-Za-z.]*Error: ' "$d/log" | tr -d '\n' | cut -c1-110)
	echo "check-daemon-canary: $name ($file) -> $test fails ($(($(date +%s) - start)) s): $how"
	n=$((n + 1))
done <"$plants"
[ "$n" -gt 0 ] || die "no plants in $plants"
echo "check-daemon-canary: all $n planted faults caught"
