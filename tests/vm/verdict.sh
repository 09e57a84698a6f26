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
[ -f "$console" ] || : >"$console"
[ -f "$results" ] || : >"$results"

res=$(tr -d '\r' <"$results")
tests=$(awk '/^CNID-VM-DMESG-BEGIN/ { d = 1 } /^CNID-VM-DMESG-END/ { d = 0; next }
	!d && /^TEST [^ ]+ (PASS|FAIL|SKIP)/' <<<"$res")
dmesg=$(awk '/^CNID-VM-DMESG-END/ { d = 0 } d { print } /^CNID-VM-DMESG-BEGIN/ { d = 1 }' <<<"$res")
passed=$(grep -c ' PASS' <<<"$tests" || true)
failed=$(grep -c ' FAIL' <<<"$tests" || true)
skipped=$(grep -c ' SKIP' <<<"$tests" || true)
problems=()

up() { sed -n "s/^$1 uptime=\([0-9.]*\).*/\1/p" <<<"$res" | head -n 1; }
t_boot=$(up CNID-VM-BOOT) t_ready=$(up CNID-VM-READY) t_done=$(up CNID-VM-DONE)
if [ -z "$t_done" ]; then
	problems+=("no completion marker: the guest crashed, hung or timed out")
	failed=$((failed + 1))
fi
if ! grep -q '^CNID-VM-SUMMARY' <<<"$res"; then
	[ -n "$t_done" ] && problems+=("no summary line") && failed=$((failed + 1))
fi
if reports=$(printf '%s\n' "$dmesg" | cat "$console" - | "$here/check-log.sh"); then
	:
else
	problems+=("kernel log reports:"$'\n'"$reports")
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
grep ' FAIL' <<<"$tests" | sed "s/^/  $label: /" || true
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
