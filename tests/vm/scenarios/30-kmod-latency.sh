#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=1800
#
# Benchmark: round trip of the 1295-byte read through /dev/cnidN and
# through raw usbfs (asynchronous URBs, the ones the module queues) against
# the same virtual reader in the same run, per pipe mode
# (bench/kmod-latency.c): ROUNDS rounds of 25 round trips per path, the
# order of the two paths drawn at random per round; 1,000 per path (40
# rounds) in make check, 5,000 under make vmstress or N with VM_STRESS=N
# (200 on the debug kernel).  Short rounds, so that the load of a shared
# machine drifting during the run falls on both paths alike.  Goal: ratio
# of the medians cnid/usbfs <= 1.0.  The figures are TCG + dummy_hcd timings:
# compare paths, never predict hardware.
#
# The scenario fails only if a transaction fails.  Its PASS line carries
# the figures as a comment:
#   TEST bench.kmod-latency.split PASS  # n=1000 cnid_p50=.. cnid_p90=.. usbfs_p50=.. usbfs_p90=.. ratio=..
# and the host judges them across kernels: tests/vm/latency-gate.sh (run by
# run.sh at the end) prints the table and fails the run when a mode's ratio
# exceeds 1.25 on every release kernel of the run.
# Planted fault: kernel command line cnid_latency_delay_us=N (run.sh
# --append) makes every cnid.ko round trip N us slower.
. /lib/cnid-vm.sh

cnid_emu_env
ITER=25
# round trips per path: 1,000; make vmstress 5,000; VM_STRESS=N: N
ROUNDS=$(($(cnid_iterations 1000 5000) / ITER))
[ "$ROUNDS" -ge 1 ] || ROUNDS=1
# The debug kernel (make check-deep) is not gated (it measures KASAN and
# lockdep) and is slow: 200 per path, figures for the record only.
grep -qw 'cnid_deep=1' /proc/cmdline && [ "$CNID_VM_STRESS" = 0 ] && ROUNDS=8
DELAY=$(sed -n 's/.*cnid_latency_delay_us=\([0-9]*\).*/\1/p' /proc/cmdline)
cnid_check bench.kmod.load cnid_load || cnid_finish

for mode in split single; do
	if ! sh "$GADGET" setup -n lat -u 0 -m "$mode" -c "$CARD" >"$CNID_VM_TMP/setup" 2>&1; then
		cnid_fail "bench.kmod-latency.$mode" "setup: $(tail -n 2 "$CNID_VM_TMP/setup")"
		continue
	fi
	if kmod-latency --serial lat --ctl "$CNID_EMU_RUN/lat/ctl" --iterations "$ITER" \
		--rounds "$ROUNDS" ${DELAY:+--cnid-delay-us "$DELAY"} >"$CNID_VM_TMP/out" 2>&1; then
		sed "s/^/$mode /" "$CNID_VM_TMP/out"
		figures=$(sed -n 's/^RESULT \(n=[0-9]* .*ratio=[0-9.]*\) failed=0$/\1/p' "$CNID_VM_TMP/out")
		if [ -n "$figures" ]; then
			echo "TEST bench.kmod-latency.$mode PASS  # $figures"
		else
			cnid_fail "bench.kmod-latency.$mode" "no RESULT line: $(tail -n 1 "$CNID_VM_TMP/out")"
		fi
	else
		cat "$CNID_VM_TMP/out"
		cnid_fail "bench.kmod-latency.$mode" "a transaction failed"
	fi
	sh "$GADGET" teardown -n lat >/dev/null 2>&1
done
cnid_finish
