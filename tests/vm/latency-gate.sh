#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# latency-gate.sh [--limit R] --run KVER GATED RESULTS [--run ...]
# latency-gate.sh --selftest
#
# The host's judge of the latency benchmark (scenario 30-kmod-latency,
# bench/kmod-latency.c) across the kernels of one run of the rig.  run.sh
# calls it at the end with one --run per kernel that booted: its version,
# whether it is a release kernel the gate counts (1: KDEFAULT=1 in its conf,
# i.e. tests/vm/kernels/*.conf; 0: the deep tier's debug kernel, whose
# KASAN/lockdep instrumentation is what it would measure) and its results.log.
# From the PASS lines
#   TEST bench.kmod-latency.MODE PASS  # n=N cnid_p50=.. cnid_p90=.. usbfs_p50=.. usbfs_p90=.. ratio=R
# it prints a table (one line per kernel and pipe mode), then the verdict:
# a mode FAILS when its ratio cnid/usbfs exceeds the limit (default 1.25) on
# EVERY gated kernel that measured it; one kernel over the limit is noise
# (TCG timings on a shared machine), all of them is the module.
# Exit 0 pass (also when no kernel ran the benchmark), 1 gate tripped,
# 2 cannot judge (unreadable results, a latency PASS line without figures).
#
# --selftest: feeds the gate canned results (planted slow modes) and checks
# that it trips exactly when it must (make vm-selftest).
set -euo pipefail

limit=1.25
runs=()
selftest() {
	local t rc out l fails=0 checks=0
	t=$(mktemp -d)
	trap 'rm -rf "$t"' RETURN
	# res FILE SPLIT_RATIO SINGLE_RATIO ("-": that mode did not pass)
	res() {
		: >"$t/$1"
		for m in split single; do
			r=$2
			[ "$m" = single ] && r=$3
			[ "$r" = - ] && { echo "TEST bench.kmod-latency.$m FAIL a transaction failed" >>"$t/$1"; continue; }
			echo "TEST bench.kmod-latency.$m PASS  # n=1000 cnid_p50=1100 cnid_p90=1500 usbfs_p50=1000 usbfs_p90=1400 ratio=$r" >>"$t/$1"
		done
		echo "CNID-VM-SUMMARY passed=2 failed=0 skipped=0" >>"$t/$1"
	}
	# expect WANT_RC GREP_RE ARGS...: the gate's exit status and output
	expect() {
		local want=$1 re=$2
		shift 2
		rc=0 checks=$((checks + 1))
		out=$("$0" "$@" 2>&1) || rc=$?
		if [ "$rc" != "$want" ] || ! grep -q -E -e "$re" <<<"$out"; then
			echo "latency-gate selftest: FAIL: $* -> exit $rc (want $want, /$re/):"
			while IFS= read -r l; do echo "    $l"; done <<<"$out"
			fails=$((fails + 1))
		fi
	}
	res ok1 0.950 1.100
	res ok2 0.900 1.200
	res slow1 1.300 1.251
	res slow2 1.400 1.260
	res mixed 1.400 1.000
	res edge 1.250 1.250
	res failed - 1.300
	printf 'TEST bench.kmod-latency.split PASS\n' >"$t/bare"
	printf 'TEST bench.kmod-latency.split PASS  # n=1000 ratio=1,3\n' >"$t/comma"
	: >"$t/none"
	expect 0 'gate: pass' --run 6.1 1 "$t/ok1" --run 6.12 1 "$t/ok2"
	expect 0 'split +1100 / +1000 us = 0\.950' --run 6.1 1 "$t/ok1"
	# every gated kernel over the limit, in one mode or both
	expect 1 'single: .*exceeds 1\.25 on every release kernel' --run 6.1 1 "$t/slow1" --run 6.12 1 "$t/slow2"
	expect 1 'split: 1\.400 .*exceeds' --run 6.1 1 "$t/mixed" --run 6.12 1 "$t/slow1"
	expect 1 'exceeds' --run 6.1 1 "$t/slow1"
	# one kernel over the limit is noise; the limit itself passes
	expect 0 'gate: pass' --run 6.1 1 "$t/slow1" --run 6.12 1 "$t/ok1"
	expect 0 'gate: pass' --run 6.1 1 "$t/edge" --run 6.12 1 "$t/edge"
	# a debug kernel is shown, never judged, and never rescues a release kernel
	expect 0 'not gated' --run deep 0 "$t/slow1" --run 6.1 1 "$t/ok1"
	expect 1 'single: .*exceeds' --run deep 0 "$t/ok1" --run 6.1 1 "$t/slow2" --run 6.12 1 "$t/slow1"
	# a kernel whose mode failed (no figures) is not counted either way
	expect 1 'single: 1\.300 1\.251: .*exceeds' --run 6.1 1 "$t/failed" --run 6.12 1 "$t/slow1"
	expect 0 'gate: pass' --run 6.1 1 "$t/failed" --run 6.12 1 "$t/ok1"
	# nothing to judge; cannot judge
	expect 0 '^$' --run 6.1 1 "$t/none"
	expect 2 'no figures' --run 6.1 1 "$t/bare"
	expect 2 'no figures' --run 6.1 1 "$t/comma"
	expect 2 'cannot read' --run 6.1 1 "$t/missing"
	expect 2 'limit' --limit x --run 6.1 1 "$t/ok1"
	if [ "$fails" != 0 ]; then
		echo "latency-gate selftest: $fails check(s) failed"
		return 1
	fi
	echo "latency-gate selftest: $checks checks passed (a mode over 1.25 on every release kernel trips the gate)"
}

while [ $# -gt 0 ]; do
	case $1 in
	--selftest) selftest; exit ;;
	--limit) limit=$2; shift 2 ;;
	--run) [ $# -ge 4 ] || { echo "latency-gate.sh: --run KVER GATED RESULTS" >&2; exit 2; }
		runs+=("$2" "$3" "$4"); shift 4 ;;
	*) echo "latency-gate.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[[ $limit =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "latency-gate.sh: bad --limit $limit" >&2; exit 2; }

# rows: "KVER GATED MODE N CNID_P50 CNID_P90 USBFS_P50 USBFS_P90 RATIO"
rows=
for ((i = 0; i < ${#runs[@]}; i += 3)); do
	kver=${runs[i]} gated=${runs[i + 1]} file=${runs[i + 2]}
	[ -r "$file" ] || { echo "vm latency gate: cannot read $file ($kver)" >&2; exit 2; }
	# result lines only (the dmesg dump at the end holds none of this form)
	lines=$(tr -d '\r' <"$file" | grep -E '^TEST bench\.kmod-latency\.[a-z]+ PASS' || [ $? = 1 ])
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		re='^TEST bench\.kmod-latency\.([a-z]+) PASS  # n=([0-9]+) cnid_p50=([0-9]+) cnid_p90=([0-9]+) usbfs_p50=([0-9]+) usbfs_p90=([0-9]+) ratio=([0-9]+\.[0-9]+)$'
		if ! [[ $l =~ $re ]]; then
			echo "vm latency gate: $kver: a latency result with no figures: $l" >&2
			exit 2
		fi
		rows+="$kver $gated ${BASH_REMATCH[*]:1}"$'\n'
	done <<<"$lines"
done
[ -n "$rows" ] || exit 0

echo "vm latency (30-kmod-latency): 1295-byte read round trip, median cnid.ko / usbfs (p90), ratio:"
awk '$1 != "" { printf "  %-26s %-6s %6d / %6d us = %s  (p90 %d / %d us, n=%d)%s\n", $1, $3, $5, $7, $9,
	$6, $8, $4, $2 == 1 ? "" : "  [debug kernel: not gated]" }' <<<"$rows"
# per mode: gated kernels that measured it, and how many exceed the limit
verdict=$(awk -v lim="$limit" '$1 != "" && $2 == 1 {
		if (!($3 in n)) order[++k] = $3
		n[$3]++; r[$3] = r[$3] sep[$3] $9; sep[$3] = " "
		if ($9 + 0 > lim + 0) over[$3]++
	}
	END {
		bad = 0
		for (i = 1; i <= k; i++) {
			m = order[i]
			if (over[m] == n[m]) {
				printf "vm latency gate: FAIL: %s: %s: the ratio exceeds %s on every release kernel of this run (%d of %d)\n",
					m, r[m], lim, over[m], n[m]
				bad = 1
			} else
				printf "vm latency gate: %s: %s: over %s on %d of %d release kernel(s): ok\n",
					m, r[m], lim, over[m] + 0, n[m]
		}
		if (!bad) print "vm latency gate: pass (fails when a mode exceeds " lim " on every release kernel)"
		exit bad
	}' <<<"$rows") && rc=0 || rc=$?
printf '%s\n' "$verdict"
exit "$rc"
