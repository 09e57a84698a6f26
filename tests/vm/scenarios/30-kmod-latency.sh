#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=900
#
# Benchmark: round trip of the 1295-byte read through /dev/cnidN and
# through raw usbfs against the same virtual reader in the same run, per
# pipe mode (bench/kmod-latency.c).  Goal: ratio cnid/usbfs <= 1.0.  The
# figures are TCG + dummy_hcd timings: compare paths, never predict
# hardware.  The test fails only if a transaction fails; a ratio above the
# goal is printed as "goal missed".
. /lib/cnid-vm.sh

cnid_emu_env
ITER=$(cnid_iterations 50 200)
cnid_check bench.kmod.load cnid_load || cnid_finish

for mode in split single; do
	if ! sh "$GADGET" setup -n lat -u 0 -m "$mode" -c "$CARD" >"$CNID_VM_TMP/setup" 2>&1; then
		cnid_fail "bench.kmod-latency.$mode" "setup: $(tail -n 2 "$CNID_VM_TMP/setup")"
		continue
	fi
	if kmod-latency --serial lat --ctl "$CNID_EMU_RUN/lat/ctl" --iterations "$ITER" --rounds 4 \
		>"$CNID_VM_TMP/out" 2>&1; then
		sed "s/^/$mode /" "$CNID_VM_TMP/out"
		ratio=$(sed -n 's/.*ratio=\([0-9.]*\).*/\1/p' "$CNID_VM_TMP/out")
		cnid_pass "bench.kmod-latency.$mode"
		if awk "BEGIN { exit !($ratio <= 1.0) }"; then
			echo "bench kmod-latency $mode: goal ratio <= 1.0 met ($ratio)"
		else
			echo "bench kmod-latency $mode: goal ratio <= 1.0 missed ($ratio)"
		fi
	else
		cat "$CNID_VM_TMP/out"
		cnid_fail "bench.kmod-latency.$mode" "a transaction failed"
	fi
	sh "$GADGET" teardown -n lat >/dev/null 2>&1
done
cnid_finish
