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

# plant N HEADER_SED SRC SRC_SED WHAT: rebuild the library from $objs with
# HEADER_SED applied to the public header (and SRC_SED to helper/lib/SRC
# unless SRC is -), then expect check to fail.  Uses dir, objs, sym, fails.
plant() {
	_n=$1 _hsed=$2 _src=$3 _ssed=$4 _what=$5
	_d=$dir/plant$_n
	mkdir -p "$_d/cnid"
	sed "$_hsed" "$header" >"$_d/cnid/cnid.h"
	cmp -s "$header" "$_d/cnid/cnid.h" && die "canary: plant $_n did not apply to the header"
	for o in $objs; do
		src=$(echo "$o" | sed -n 's|.*/obj/\(helper/lib/.*\)\.o$|\1.c|p')
		[ -n "$src" ] || { cp "$o" "$_d/"; continue; }
		if [ "$(basename "$src")" = "$_src" ]; then
			sed "$_ssed" "$src" >"$_d/$_src"
			cmp -s "$src" "$_d/$_src" && die "canary: plant $_n did not apply to $_src"
			src=$_d/$_src
		fi
		# shellcheck disable=SC2086
		$CC -I"$_d" -Ihelper/lib $CFLAGS_ALL -O0 -c -o "$_d/$(basename "$o")" "$src"
	done
	rm -f "$_d"/*.d
	$CC -shared -Wl,-soname,libcnid.so.0 -Wl,--version-script="$sym" \
		-o "$_d/libcnid.so.0" "$_d"/*.o
	if check "$_d/libcnid.so.0" "$_d/cnid/cnid.h" 2>"$tmp/out$_n"; then
		echo "check-abi canary: plant $_n ($_what) PASSED the ABI check" >&2
		fails=1
	else
		echo "check-abi canary: $_what -> caught: $(grep -m1 -E '\[[CDA]\]' "$tmp/out$_n" | sed 's/^ *//')"
	fi
}

case $mode in
check)
	check "$so" "$header" || die "FAILED (an intended change: make abi-baseline, commit it)"
	echo "check-abi: $(wc -l <"$tmp/s") exported functions match $header and $baseline"
	;;
baseline)
	abidw --no-corpus-path --no-comp-dir-path --drop-undefined-syms --headers-dir "$hdrdir" "$so" >"$baseline.tmp"
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
	# plant 2: struct cnid_fp_header's quality widened to uint16_t;
	# plant 3: cnid_mod11_2_check returns long (header and definition)
	plant 2 's/^\tuint8_t quality; /\tuint16_t quality;/' - - "cnid_fp_header.quality widened"
	plant 3 's/^CNID_EXPORT int cnid_mod11_2_check(/CNID_EXPORT long cnid_mod11_2_check(/' \
		validate.c 's/^int cnid_mod11_2_check(/long cnid_mod11_2_check(/' \
		"cnid_mod11_2_check returns long"
	[ "$fails" = 0 ] || die "canary FAILED: the ABI check misses a planted break"
	echo "check-abi canary: all three planted breaks fail the ABI check"
	;;
*) die "unknown mode $mode" ;;
esac
