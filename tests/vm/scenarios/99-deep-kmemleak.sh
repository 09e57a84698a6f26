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
sleep 6	# kmemleak's minimum object age is 5 s
echo scan >"$K"
echo scan >"$K"
if grep -q 'unreferenced object' "$K"; then
	n=$(grep -c 'unreferenced object' "$K")
	cat "$K"
	cnid_fail deep.kmemleak "$n unreferenced object(s) at the end of the run (report above)"
else
	cnid_pass deep.kmemleak
fi
cnid_finish
