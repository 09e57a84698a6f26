#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The deep tier's closing kmemleak scan: after every other scenario (cnid.ko
# loaded and unloaded many times, readers plugged and unplugged), nothing
# may be left unreferenced.  Kernels without kmemleak skip.
# cnid-vm: timeout=300 stress-timeout=600
. /lib/cnid-vm.sh

K=/sys/kernel/debug/kmemleak
if [ ! -e "$K" ]; then
	cnid_skip deep.kmemleak "no kmemleak in $CNID_VM_KERNEL"
	exit 0
fi
cnid_module_loaded && rmmod cnid
# Detectors that switch themselves off would make every PASS meaningless:
# lockdep stops at its first report or at a taint that makes it unreliable;
# kmemleak stops when its object pool runs out.
if [ -r /proc/lockdep_stats ]; then
	if grep -q 'debug_locks: *1$' /proc/lockdep_stats; then
		cnid_pass deep.lockdep-alive
	else
		cnid_fail deep.lockdep-alive "lockdep turned itself off during the run ($(grep debug_locks /proc/lockdep_stats))"
	fi
fi
sleep 6	# kmemleak's minimum object age is 5 s
if ! echo scan >"$K" || ! echo scan >"$K"; then
	cnid_fail deep.kmemleak "kmemleak refuses to scan: it turned itself off ($(dmesg | grep -m1 'kmemleak:'))"
	cnid_finish
fi
if grep -q 'unreferenced object' "$K"; then
	n=$(grep -c 'unreferenced object' "$K")
	cat "$K"
	cnid_fail deep.kmemleak "$n unreferenced object(s) at the end of the run (report above)"
else
	cnid_pass deep.kmemleak
fi
cnid_finish
