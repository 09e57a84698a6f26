#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The deep tier's closing kmemleak scan: after every other scenario (cnid.ko
# loaded and unloaded many times, readers plugged and unplugged), nothing
# may be left unreferenced; and the detectors must still be on.  On the deep
# tier's debug kernel (cnid_deep=1 on its command line) a missing or disabled
# kmemleak or lockdep FAILS; kernels without them (Debian's) skip.
# cnid-vm: timeout=300 stress-timeout=600
. /lib/cnid-vm.sh

K=/sys/kernel/debug/kmemleak
deep=0
grep -qw 'cnid_deep=1' /proc/cmdline && deep=1

cnid_module_loaded && rmmod cnid
# Detectors that switch themselves off would make every PASS meaningless:
# lockdep stops at its first report or at a taint that makes it unreliable
# (debug_locks 0), and proves nothing with lockdep.prove_locking=0;
# kmemleak stops when its object pool runs out, or never starts (kmemleak=off).
if [ -r /proc/lockdep_stats ]; then
	if ! grep -q 'debug_locks: *1$' /proc/lockdep_stats; then
		cnid_fail deep.lockdep-alive "lockdep turned itself off during the run ($(grep debug_locks /proc/lockdep_stats))"
	elif [ "$(cat /proc/sys/kernel/prove_locking 2>/dev/null)" != 1 ]; then
		cnid_fail deep.lockdep-alive "lockdep does not prove locking (prove_locking=$(cat /proc/sys/kernel/prove_locking 2>/dev/null))"
	else
		cnid_pass deep.lockdep-alive
	fi
elif [ "$deep" = 1 ]; then
	cnid_fail deep.lockdep-alive "no /proc/lockdep_stats on the deep tier's kernel $CNID_VM_KERNEL"
else
	cnid_skip deep.lockdep-alive "no lockdep in $CNID_VM_KERNEL"
fi

if [ ! -e "$K" ]; then
	if [ "$deep" = 1 ]; then
		cnid_fail deep.kmemleak "no $K on the deep tier's kernel $CNID_VM_KERNEL"
	else
		cnid_skip deep.kmemleak "no kmemleak in $CNID_VM_KERNEL"
	fi
	cnid_finish
fi
# a harmless command (auto-scan is off already) that kmemleak refuses when off
if ! echo scan=off >"$K" 2>/dev/null; then
	cnid_fail deep.kmemleak "kmemleak is off: it refuses commands ($(dmesg | grep -m1 'kmemleak:'))"
	cnid_finish
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
