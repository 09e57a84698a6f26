#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libcnid.so.0's ABI against the committed baseline (make check-abi).
#
# Usage:
#   tools/check-abi.sh check    SO HEADER BASELINE SUPPRESSIONS
#   tools/check-abi.sh baseline SO HEADER BASELINE SUPPRESSIONS
#   tools/check-abi.sh canary   'OBJS' HEADER BASELINE SUPPRESSIONS
#       (env: BUILD, CC, CFLAGS_ALL)
#
# check: (1) the dynamic symbols SO defines are exactly the functions HEADER
# declares with CNID_EXPORT (a version script entry without a declaration,
# or a declaration the script forgot, fails); (2) abidiff of BASELINE (an
# abidw dump) against SO, public types only (those HEADER's directory
# defines), finds no change at all: an incompatible change fails, and so
# does a compatible one (added function) until the baseline is rewritten
# with `make abi-baseline` and committed, so every ABI change is a reviewed
# commit.
# canary: planted breaks, each relinked from OBJS into $BUILD/abi-canary,
# must fail `check`: a symbol dropped from the version script, and a
# member of a public struct changed.
set -eu

die() { echo "check-abi: $*" >&2; exit 1; }
[ $# -eq 5 ] || die "usage: $0 check|baseline|canary SO HEADER BASELINE SUPPRESSIONS"
mode=$1 so=$2 header=$3 baseline=$4 suppr=$5
hdrdir=$(dirname "$header")
command -v abidiff >/dev/null || die "abidiff not found (package abigail-tools; make deps)"

header_exports() {
	# CNID_EXPORT <type> [*]name( ... : the name before the first '('
	sed -n 's/^CNID_EXPORT [^(]*[ *]\(cnid_[a-z0-9_]*\)(.*/\1/p' "$1" | sort -u
}
so_exports() {
	nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRW]$/ { sub(/@.*/, "", $3); print $3 }' | sort -u
}

check() { # SO HEADER -> 0 if the ABI matches the baseline
	_so=$1 _hdr=$2
	header_exports "$_hdr" >"$tmp/h"
	so_exports "$_so" >"$tmp/s"
	if ! cmp -s "$tmp/h" "$tmp/s"; then
		echo "check-abi: $_so exports differ from $_hdr's CNID_EXPORT functions" \
			"(< header only, > library only):" >&2
		diff "$tmp/h" "$tmp/s" | grep '^[<>]' >&2
		return 1
	fi
	rc=0
	abidiff --no-show-locs --suppressions "$suppr" --headers-dir2 "$(dirname "$_hdr")" \
		"$baseline" "$_so" >"$tmp/diff" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "check-abi: abidiff $baseline $_so: exit $rc" \
			"(4 changed, 8 incompatible, bits OR-ed):" >&2
		cat "$tmp/diff" >&2
		return 1
	fi
	return 0
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case $mode in
check)
	check "$so" "$header" || die "FAILED (an intended change: make abi-baseline, commit it)"
	echo "check-abi: $(wc -l <"$tmp/s") exported functions match $header and $baseline"
	;;
baseline)
	abidw --no-corpus-path --headers-dir "$hdrdir" "$so" >"$baseline.tmp"
	mv "$baseline.tmp" "$baseline"
	echo "check-abi: wrote $baseline"
	;;
canary)
	: "${BUILD:?}" "${CC:?}" "${CFLAGS_ALL:?}"
	objs=$so
	sym=$(dirname "$header")/../libcnid.sym
	dir=$BUILD/abi-canary
	rm -rf "$dir"
	mkdir -p "$dir/cnid"
	fails=0
	# plant 1: cnid_card_get_field dropped from the version script
	grep -v '^[[:space:]]*cnid_card_get_field;' "$sym" >"$dir/drop.sym"
	# shellcheck disable=SC2086
	$CC -shared -Wl,-soname,libcnid.so.0 -Wl,--version-script="$dir/drop.sym" \
		-o "$dir/libcnid.so.0" $objs
	if check "$dir/libcnid.so.0" "$header" 2>"$tmp/out1"; then
		echo "check-abi canary: a dropped symbol PASSED the ABI check" >&2
		fails=1
	else
		echo "check-abi canary: dropped cnid_card_get_field -> caught: $(grep -m1 '^<' "$tmp/out1")"
	fi
	# plant 2: struct cnid_fp_header's quality widened to uint16_t (library rebuilt)
	sed 's/^\tuint8_t quality; /\tuint16_t quality;/' "$header" >"$dir/cnid/cnid.h"
	cmp -s "$header" "$dir/cnid/cnid.h" && die "canary: plant 2 did not apply"
	for o in $objs; do
		src=$(echo "$o" | sed -n 's|.*/obj/\(helper/lib/.*\)\.o$|\1.c|p')
		[ -n "$src" ] || { cp "$o" "$dir/"; continue; }
		# shellcheck disable=SC2086
		$CC -I"$dir" $CFLAGS_ALL -O0 -c -o "$dir/$(basename "$o")" "$src"
	done
	$CC -shared -Wl,-soname,libcnid.so.0 -Wl,--version-script="$sym" \
		-o "$dir/libcnid.so.0" "$dir"/*.o
	rm -f "$dir"/*.d
	if check "$dir/libcnid.so.0" "$dir/cnid/cnid.h" 2>"$tmp/out2"; then
		echo "check-abi canary: a changed public struct PASSED the ABI check" >&2
		fails=1
	else
		echo "check-abi canary: cnid_fp_header.quality widened -> caught: $(grep -m1 -i 'size\|change' "$tmp/out2" | sed 's/^ *//')"
	fi
	[ "$fails" = 0 ] || die "canary FAILED: the ABI check misses a planted break"
	echo "check-abi canary: both planted breaks fail the ABI check"
	;;
*) die "unknown mode $mode" ;;
esac
