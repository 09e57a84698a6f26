#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# verdict.sh [--label L] [--wall S] [--boot MODE] [--counts FILE] CONSOLE RESULTS
# Judge one guest run from its console log (ttyS0) and its result channel
# (ttyS1): count TEST lines, require the completion marker, run the kernel
# log checker over the console and the final dmesg dump.  Prints
#   L: N passed, M failed (skipped K) ...timings
# plus the failures, and the console log when anything failed.  Writes
# "passed failed skipped" to the counts file.  Exit status 1 on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
label=vm wall= bootmode= counts=/dev/null
while [ $# -gt 2 ]; do
	case $1 in
	--label) label=$2 ;;
	--wall) wall=$2 ;;
	--boot) bootmode=$2 ;;
	--counts) counts=$2 ;;
	*) echo "verdict.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ $# -eq 2 ] || { echo "usage: verdict.sh [options] CONSOLE RESULTS" >&2; exit 2; }
console=$1 results=$2
# Until the verdict is complete the run counts as failed: a verdict that dies
# (exit 2: a grep or awk error) leaves "0 1 0", never a clean count.
echo "0 1 0" >"$counts"
[ -f "$console" ] || : >"$console"
[ -f "$results" ] || : >"$results"

problems=()
# count RE: lines of $tests matching the extended regexp RE.  grep -c exits
# 1 when it counts 0 (fine) and 2 on an error (the verdict fails: exit 2).
count() {
	local n rc=0
	n=$(grep -c -E "$1" <<<"$tests") || rc=$?
	[ "$rc" -le 1 ] || { echo "verdict.sh: grep failed (exit $rc)" >&2; exit 2; }
	echo "$n"
}

res=$(tr -d '\r' <"$results")
# Result lines, as the guest runner picks them up (outside the dmesg dump).
tests=$(awk '/^CNID-VM-DMESG-BEGIN/ { d = 1 } /^CNID-VM-DMESG-END/ { d = 0; next }
	!d && /^TEST [^ ]+ (PASS|FAIL|SKIP)/' <<<"$res")
dmesg=$(awk '/^CNID-VM-DMESG-END/ { d = 0 } d { print } /^CNID-VM-DMESG-BEGIN/ { d = 1 }' <<<"$res")
# Exact grammar (tests/vm/README.md): "TEST name PASS", optionally followed by
# a "# comment"; "TEST name FAIL|SKIP reason".  A PASS word elsewhere in a
# line is no pass; a line that fits none of the three is malformed (a failure).
passed=$(count '^TEST [^ ]+ PASS( +#.*)?$')
failed=$(count '^TEST [^ ]+ FAIL( .*)?$')
skipped=$(count '^TEST [^ ]+ SKIP( .*)?$')
all=$(count '^TEST ')
# The guest's own totals (CNID-VM-SUMMARY, counted by the runner as the
# scenarios ended) must equal the host's count of the lines it received.
counted="passed=$passed failed=$failed skipped=$skipped"
if [ "$all" != $((passed + failed + skipped)) ]; then
	problems+=("$((all - passed - failed - skipped)) malformed result line(s):"$'\n'"$(grep -v -E \
		'^TEST [^ ]+ (PASS( +#.*)?|FAIL( .*)?|SKIP( .*)?)$' <<<"$tests")")
	failed=$((failed + all - passed - failed - skipped))
fi

up() { sed -n "s/^$1 uptime=\([0-9.]*\).*/\1/p" <<<"$res" | head -n 1; }
t_boot=$(up CNID-VM-BOOT) t_ready=$(up CNID-VM-READY) t_done=$(up CNID-VM-DONE)
if [ -z "$t_done" ]; then
	problems+=("no completion marker: the guest crashed, hung or timed out")
	failed=$((failed + 1))
fi
summary=$(sed -n 's/^CNID-VM-SUMMARY //p' <<<"$res" | head -n 1)
if [ -z "$summary" ]; then
	[ -n "$t_done" ] && problems+=("no summary line") && failed=$((failed + 1))
elif [ "$summary" != "$counted" ]; then
	problems+=("the guest counted $summary, the host received $counted")
	failed=$((failed + 1))
fi
# The taint mask the guest read at the end of the run (CNID-VM-TAINT): only
# O (out-of-tree module, 4096) and E (unsigned module, 8192) are expected.
taint=$(sed -n 's/^CNID-VM-TAINT mask=\([0-9][0-9]*\)$/\1/p' <<<"$res" | head -n 1)
if [ -z "$taint" ]; then
	[ -n "$t_done" ] && problems+=("no taint line (CNID-VM-TAINT)") && failed=$((failed + 1))
elif [ $((taint & ~(4096 | 8192))) != 0 ]; then
	letters=PFSRMBUDAWCIOELKXTNJ bits=
	for ((b = 0; b < 32; b++)); do
		((taint >> b & 1)) || continue
		[ "$b" = 12 ] || [ "$b" = 13 ] && continue
		bits+=" ${letters:b:1}(bit $b)"	# no letter past J (bit 19)
	done
	where=$(sed -n 's/.*cnid-vm: scenario \([^ ]*\) end rc=[0-9-]* taint=\([0-9]*\).*/\1 \2/p' <<<"$dmesg" |
		while read -r sc m; do
			[ $((m & ~(4096 | 8192))) = 0 ] || { echo " (first seen after scenario $sc)"; break; }
		done)
	problems+=("kernel tainted: mask $taint, unexpected:$bits$where")
	failed=$((failed + 1))
fi
rc=0
reports=$(printf '%s\n' "$dmesg" | cat "$console" - | "$here/check-log.sh" 2>&1) || rc=$?
if [ "$rc" = 1 ]; then
	problems+=("kernel log reports:"$'\n'"$reports")
	failed=$((failed + 1))
elif [ "$rc" != 0 ]; then
	problems+=("the kernel log checker failed (exit $rc): $reports")
	failed=$((failed + 1))
fi

timing=
[ -n "$t_boot" ] && timing+=" boot->init ${t_boot}s"
[ -n "$t_ready" ] && [ -n "$t_done" ] &&
	timing+=" init->done $(awk -v a="$t_boot" -v b="$t_done" 'BEGIN { printf "%.1f", b - a }')s"
[ -n "$wall" ] && timing+=" wall ${wall}s"
[ -n "$bootmode" ] && timing+=" ($bootmode)"
sk=
[ "$skipped" -gt 0 ] && sk=" (skipped $skipped)"
echo "$label: $passed passed, $failed failed$sk,$timing"
echo "$passed $failed $skipped" >"$counts"

times=$(awk '$1 == "CNID-VM-TIME" { printf "%s %s %ss", sep, $2, $3; sep = "," }' <<<"$res")
[ -n "$times" ] && echo "  $label: scenario times:$times"
# (awk, not sed: a --hcd run's label has a slash, "vm 6.1.0-57-amd64/uhci")
grep -E '^TEST [^ ]+ FAIL' <<<"$tests" | awk -v l="$label" '{ print "  " l ": " $0 }' || [ $? = 1 ]
for p in "${problems[@]+"${problems[@]}"}"; do
	printf '  %s: %s\n' "$label" "$p"
done
if [ "$failed" -gt 0 ]; then
	n=$(wc -l <"$console")
	echo "---- $label: guest console ($console, $n lines) ----"
	if [ "$n" -gt 3000 ]; then
		head -n 200 "$console"
		echo "[... $((n - 2700)) lines cut ...]"
		tail -n 2500 "$console"
	else
		cat "$console"
	fi
	echo "---- $label: end of guest console ----"
	exit 1
fi
exit 0
