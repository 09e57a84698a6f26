#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Print decode+validate cost per card for each card type: instructions per
# card under callgrind (stable: a run of N cards minus a run of 0 cards,
# divided by N) and cards per second measured natively (noisy on a busy
# machine).  Exit 1 when a card type's block costs more than the target.
# Usage: bench/run-bench.sh [--check] BUILD/bench/bench_decode [...]
#   --check        the budget gate of make check (check-bench-budget): block
#                  instructions per card only, per card type, against the
#                  target; no rates, no frames, no profiles (a few seconds)
#   BENCH_N        cards per callgrind run (default 2000; 200 with --check:
#                  instruction counts do not depend on N)
#   BENCH_TARGET   instructions per card allowed (default 2000)
#   BENCH_TYPES    card types to measure (default: all, bench_decode list)
#   BENCH_REPEAT   decode+validate each card this many times (default 1):
#                  the planted overrun check-bench-budget requires to fail
#   BENCH_PROFILE  1: print the top functions of every profile (block and
#                  frame), not only of the card types over the target
set -eu

CHECK=0
if [ "${1:-}" = --check ]; then
	CHECK=1
	shift
fi
N=${BENCH_N:-2000}
[ "$CHECK" = 0 ] || N=${BENCH_N:-200}
TARGET=${BENCH_TARGET:-2000}
REPEAT=${BENCH_REPEAT:-1}
PROFILE=${BENCH_PROFILE:-0}

command -v valgrind >/dev/null || { echo "run-bench: valgrind is not installed (tools/install-deps.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Instructions the collection window of one run counted.
instructions() { # bin scope type n
	out=$tmp/cg.$2.$3.$4
	valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out" \
		"$1" count "$2" "$3" "$4" "$REPEAT" >/dev/null 2>"$out.log" ||
		{ cat "$out.log" >&2; exit 2; }
	awk '/^totals:/ { print $2; found = 1 } END { if (!found) exit 1 }' "$out" ||
		awk '/^summary:/ { print $2; found = 1 } END { if (!found) exit 1 }' "$out" ||
		{ echo "run-bench: no instruction count in $out" >&2; exit 2; }
}

per_card() { # bin scope type
	zero=$(instructions "$1" "$2" "$3" 0) || exit 2
	many=$(instructions "$1" "$2" "$3" "$N") || exit 2
	# a run that counted nothing measured nothing: no verdict from it
	[ "$many" -gt "$zero" ] || { echo "run-bench: $3 $2: $many instructions for $N cards, $zero for none" >&2; exit 2; }
	echo $(( (many - zero + N / 2) / N ))
}
types() { # bin
	if [ -n "${BENCH_TYPES:-}" ]; then echo "$BENCH_TYPES"; else "$1" list; fi
}

top_functions() { # bin scope type
	echo "top functions, $3 $2 (self instructions per card, share):"
	callgrind_annotate --inclusive=no "$tmp/cg.$2.$3.$N" 2>/dev/null | sed "s/( */(/" |
		awk -v n="$N" 'seen && NF >= 3 && $1 ~ /^[0-9,]+$/ {
				ir = $1; gsub(",", "", ir); fn = $3; sub(/^.*:/, "", fn)
				file = $3; sub(/:[^:]*$/, "", file); sub(/^.*\//, "", file)
				printf "  %8.1f %9s  %s (%s)\n", ir / n, $2, fn, file
			}
			/file:function/ { seen = 1 }' | head -n 10
}

status=0
for bin in "$@"; do
	case $(basename "$bin") in
	bench_decode) ;;
	*) [ "$CHECK" = 1 ] || { echo "== $bin"; "$bin"; }; continue ;;
	esac
	if [ "$CHECK" = 1 ]; then
		over=""
		for type in $(types "$bin"); do
			bi=$(per_card "$bin" block "$type") || exit 2
			if [ "$bi" -le "$TARGET" ]; then
				echo "bench budget: $type $bi instructions per card (block) <= $TARGET ok"
			else
				echo "bench budget: $type $bi instructions per card (block) > $TARGET OVER"
				over="$over $type"
			fi
		done
		[ -z "$over" ] || { echo "bench budget: over the $TARGET-instruction target:$over"; status=1; }
		continue
	fi
	echo "decode+validate per card: callgrind instructions (mean of N=$N cards, minus"
	echo "the empty run) and native cards/s.  block = cnid_card_decode + cnid_card_validate"
	echo "of a 256-byte block; frame = the 1295-byte read reply through the frame parser,"
	echo "read splitter, decode and validate.  Target: <= $TARGET instructions per card (block)."
	echo
	printf '%-24s %12s %-14s %12s %12s %12s\n' "card type" "block instr" "vs target" \
		"frame instr" "block card/s" "frame card/s"
	over=""
	for type in $(types "$bin"); do
		bi=$(per_card "$bin" block "$type") || exit 2
		fi=$(per_card "$bin" frame "$type") || exit 2
		br=$("$bin" rate block "$type")
		fr=$("$bin" rate frame "$type")
		if [ "$bi" -le "$TARGET" ]; then verdict="<= $TARGET ok"; else verdict="> $TARGET OVER"; over="$over $type"; fi
		printf '%-24s %12s %-14s %12s %12s %12s\n' "$type" "$bi" "$verdict" "$fi" "$br" "$fr"
	done
	for type in $(types "$bin"); do
		case " $over " in
		*" $type "*) top_functions "$bin" block "$type" ;;
		*) [ "$PROFILE" != 1 ] || top_functions "$bin" block "$type" ;;
		esac
		[ "$PROFILE" != 1 ] || top_functions "$bin" frame "$type"
	done
	[ -z "$over" ] || { echo "over the $TARGET-instruction target:$over"; status=1; }
done
exit "$status"
