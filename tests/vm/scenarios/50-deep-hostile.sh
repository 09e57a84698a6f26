#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The deep tier's hostile USB device (tests/deep/hostile.c, through
# raw_gadget) against cnid.ko's probe and I/O paths: malformed descriptors
# must be refused with one clear message, a misbehaving well-formed device
# must give documented errnos, nothing may crash, leak or hang.  The deep
# tier's debug kernel (cnid_deep=1 on its command line, tests/deep/kernel.conf)
# must have raw_gadget and kmemleak: there, a missing one FAILS.  The Debian
# kernels (no raw_gadget) skip.  Random cases: 10 under make check, 300 under
# make vmstress (or VM_STRESS=N); on the host CNID_DEEP_SEED=S,
# CNID_DEEP_CASES=a,b and CNID_DEEP_RANDOM=N (kernel cmdline cnid_deep_seed=
# etc.) replay or narrow; the seed is printed in every run.
# cnid_deep_fault=KIND:CASE,... plants faults in the harness (tests/deep/faults.sh).
# cnid-vm: timeout=900 stress-timeout=10800
. /lib/cnid-vm.sh

KMEMLEAK=/sys/kernel/debug/kmemleak
deep=0
grep -qw 'cnid_deep=1' /proc/cmdline && deep=1

if [ ! -c /dev/raw-gadget ]; then
	if [ "$deep" = 1 ]; then
		why="raw_gadget is not loaded"
		grep -q '^raw_gadget ' /proc/modules && why="raw_gadget is loaded, yet made no device"
		cnid_fail deep.hostile "no /dev/raw-gadget on the deep tier's kernel $CNID_VM_KERNEL: $why"
		cnid_finish
	fi
	cnid_skip deep.hostile "no /dev/raw-gadget (CONFIG_USB_RAW_GADGET) in $CNID_VM_KERNEL"
	exit 0
fi
udc=$(cnid_free_udc) || {
	cnid_fail deep.hostile "no free UDC"
	cnid_finish
}
cmdline() { sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
seed=$(cmdline cnid_deep_seed)
cases=$(cmdline cnid_deep_cases)
nrandom=$(cmdline cnid_deep_random)
fault=$(cmdline cnid_deep_fault)
[ -n "$nrandom" ] || nrandom=$(cnid_iterations 10 300)
# transactions per bound case: write()+read() and CNID_IOC_XFER alternately
tx=2
[ "${CNID_VM_STRESS:-0}" != 0 ] && tx=4
set -- --udc "$udc" --cases "${cases:-all}" --random "$nrandom" --tx "$tx" --xfer-ms 700
[ -n "$seed" ] && set -- "$@" --seed "$seed"
[ -n "$fault" ] && set -- "$@" --fault "$fault"
if cnid_have_module; then
	# read()/write() use the module default: keep NAK cases short
	cnid_load timeout_ms=1000 || {
		cnid_fail deep.hostile.insmod "insmod cnid.ko failed"
		cnid_finish
	}
else
	echo "# no cnid.ko in this image: the USB core alone meets the hostile device"
	set -- "$@" --no-driver
fi

hostile_rc=0
cnid-hostile run "$@" || hostile_rc=$?	# it prints a TEST line per case

# Leaks while cnid.ko is still loaded, so the backtraces have its symbols.
# kmemleak refuses to scan (EPERM) once it is off (kmemleak=off, or it ran
# out of memory and switched itself off).
if [ ! -e "$KMEMLEAK" ]; then
	[ "$deep" = 1 ] && cnid_fail deep.hostile.kmemleak "no $KMEMLEAK on the deep tier's kernel"
elif ! echo scan=off >"$KMEMLEAK" 2>/dev/null; then
	cnid_fail deep.hostile.kmemleak "kmemleak is off: it refuses commands ($(dmesg | grep -m1 'kmemleak:'))"
else
	sleep 6	# kmemleak's minimum object age is 5 s
	if ! echo scan >"$KMEMLEAK" || ! echo scan >"$KMEMLEAK"; then
		cnid_fail deep.hostile.kmemleak "kmemleak refuses to scan: it turned itself off"
	elif grep -q 'unreferenced object' "$KMEMLEAK"; then
		n=$(grep -c 'unreferenced object' "$KMEMLEAK")
		cat "$KMEMLEAK"
		cnid_fail deep.hostile.kmemleak "$n unreferenced object(s) after the hostile cases (report above)"
	else
		cnid_pass deep.hostile.kmemleak
	fi
fi
if cnid_module_loaded; then
	cnid_check deep.hostile.rmmod rmmod cnid
fi
[ "$hostile_rc" = 0 ] || exit 1
cnid_finish
