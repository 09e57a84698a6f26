#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=420
#
# The thin-client path: the reader exported with USB/IP (usbip-host, usbipd)
# and attached back over loopback through vhci-hcd, as a government counter's
# server sees a reader on a thin client.  cnid.ko binds the vhci device; then
# the module's basic checks, a dropped connection (the reader leaves in the
# middle of a reply: usbip-host drops the connection, vhci-hcd detaches the
# device, the caller gets ENODEV), the reader attached again as a thin
# client's agent does, and the latency benchmark, in both pipe modes.  Whatever bus the reader is on (dummy_hcd, or
# QEMU's uhci/xhci with run.sh --hcd).  The judge that the device was really
# on vhci must fail on a planted fault: the same check on the exported device.
. /lib/cnid-vm.sh

cnid_emu_env
# Opt-in (cnidvm_usbip=1, make vmcheck-usbip / check-usbip): usbip-host of
# Debian's 6.1, 6.12 and 7.2 kernels reads a freed object on every unlink of
# a URB in flight (stub_recv_cmd_unlink, tests/vm/README.md "USB/IP"); under
# the rig's slab poisoning that is a panic, which would end the whole guest
# run of make vmcheck.  The USB/IP targets boot with that one cache unpoisoned.
if ! grep -qw cnidvm_usbip=1 /proc/cmdline; then
	cnid_skip kmod.usbip "opt-in: cnidvm_usbip=1 (make vmcheck-usbip, make check-usbip)"
	cnid_finish
fi
if [ ! -d /sys/bus/usb/drivers/usbip-host ] || ! ls -d /sys/devices/platform/vhci_hcd* >/dev/null 2>&1 ||
	! command -v usbip >/dev/null; then
	cnid_skip kmod.usbip "no usbip-host/vhci-hcd modules or no usbip tools in this image"
	cnid_finish
fi
# make vmcheck-usbip / check-usbip boot with slub_debug=FZPU;-,stub_priv: usbip-host's
# stub_priv objects are not poisoned, because usbip-host reads one after freeing it
# (stub_recv_cmd_unlink, tests/vm/README.md "USB/IP"), which poisoning turns into a panic
# at any close.  The exclusion must stay that narrow: every other cache keeps the rig's
# checks (planted: slub_debug=- on the command line must fail kmod.usbip.slab-exclusion).
slab_exclusion_narrow() {
	[ "$(cat /sys/kernel/slab/stub_priv/poison 2>/dev/null)" = 0 ] || return 0
	for c in kmalloc-64 kmalloc-512 kmalloc-1k; do
		[ "$(cat "/sys/kernel/slab/$c/poison" 2>/dev/null)" = 1 ] || { echo "$c not poisoned" >&2; return 1; }
	done
}
cnid_check kmod.usbip.slab-exclusion slab_exclusion_narrow
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
cnid_check kmod.usbip.load cnid_load || cnid_finish
usbipd -D >"$CNID_VM_TMP/usbipd.log" 2>&1
cnid_check kmod.usbip.daemon cnid_wait_for 10 sh -c 'netstat -ltn 2>/dev/null | grep -q ":3240 "'

# the exported reader's bus id (the device with serial NAME not on vhci)
busid_of() {
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] || continue
		on_vhci "$d" && continue
		basename "$d"
		return 0
	done
	return 1
}
# on_vhci DIR: the device hangs on a vhci_hcd root hub
on_vhci() {
	_b=$(cat "$1/busnum" 2>/dev/null) || return 1
	readlink -f "/sys/bus/usb/devices/usb$_b" | grep -q '/vhci_hcd'
}
# the node cnid.ko made for serial NAME, and its device directory
node_dev() {
	for n in /sys/class/usbmisc/cnid*; do
		[ -e "$n" ] || continue
		[ "$(cat "$n/device/../serial" 2>/dev/null)" = "$1" ] && { readlink -f "$n/device/.."; return 0; }
	done
	return 1
}

# attach_reader NAME BUSID: export the reader (usbip-host takes it from
# cnid.ko) and attach it over loopback; wait for cnid.ko's node on vhci
attach_reader() {
	if [ "$(basename "$(readlink "/sys/bus/usb/devices/$2/driver" 2>/dev/null)")" != usbip-host ]; then
		usbip bind -b "$2" >"$CNID_VM_TMP/bind" 2>&1 || return 1
	fi
	usbip attach -r 127.0.0.1 -b "$2" >"$CNID_VM_TMP/attach" 2>&1 || return 1
	cnid_wait_for 15 node_on_vhci "$1"
}
# node_on_vhci NAME: cnid.ko's node for NAME is the vhci device's
node_on_vhci() { _nd=$(node_dev "$1") && on_vhci "$_nd"; }
# on_vhci_serial NAME: some device with serial NAME hangs on vhci
on_vhci_serial() {
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && on_vhci "$d" && return 0
	done
	return 1
}

mkdir -p /var/run/vhci_hcd   # usbip attach records its connections there
for mode in split single; do
	name=ip$mode
	if ! sh "$GADGET" setup -n "$name" -u 0 -m "$mode" -c "$CARD" >"$CNID_VM_TMP/setup" 2>&1; then
		cnid_fail "kmod.usbip.$mode.setup" "$(tail -n 2 "$CNID_VM_TMP/setup" | tr '\n' ' ')"
		continue
	fi
	cnid_wait_for 10 busid_of "$name" >/dev/null
	b=$(busid_of "$name")
	if [ -z "$b" ]; then
		cnid_fail "kmod.usbip.$mode.busid" "no local device with serial $name"
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
		continue
	fi
	cnid_check "kmod.usbip.$mode.bind" usbip bind -b "$b"
	cnid_check "kmod.usbip.$mode.attach" usbip attach -r 127.0.0.1 -b "$b"
	cnid_wait_for 15 node_dev "$name" >/dev/null
	d=$(node_dev "$name")
	if [ -n "$d" ] && on_vhci "$d"; then cnid_pass "kmod.usbip.$mode.on-vhci"; else
		cnid_fail "kmod.usbip.$mode.on-vhci" "cnid node for $name on '${d:-no device}'"; fi
	# planted: the same judge on the exported device must say "not on vhci"
	if on_vhci "/sys/bus/usb/devices/$b"; then
		cnid_fail "kmod.usbip.$mode.judge-catches-local" "the exported device passed as on vhci"
	else
		cnid_pass "kmod.usbip.$mode.judge-catches-local"
	fi
	kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" --card "$CARD" \
		--name "kmod.usbip.$mode" basic read || _cnid_failed=1
	# A dropped connection is a detach: the reader leaves in the middle of a
	# reply, usbip-host drops the connection, vhci-hcd detaches the device;
	# the caller gets ENODEV.  (kmod-test then replugs the reader, which comes
	# back local, bound to cnid.ko: its later lines are not about USB/IP.)
	kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" --card "$CARD" \
		--name "kmod.usbip.$mode" --cycles 0 unplug >"$CNID_VM_TMP/unplug" 2>&1
	grep "^TEST kmod.usbip.$mode.unplug-mid-reply-enodev " "$CNID_VM_TMP/unplug" ||
		cnid_fail "kmod.usbip.$mode.unplug-mid-reply-enodev" "no result: $(tail -n 1 "$CNID_VM_TMP/unplug")"
	grep -q "^TEST kmod.usbip.$mode.unplug-mid-reply-enodev PASS" "$CNID_VM_TMP/unplug" || _cnid_failed=1
	if on_vhci_serial "$name"; then
		cnid_fail "kmod.usbip.$mode.detached" "the reader is still on vhci after it left"
	else
		cnid_pass "kmod.usbip.$mode.detached"
	fi
	# the thin client's agent attaches the returned reader again
	cnid_check "kmod.usbip.$mode.reattach" attach_reader "$name" "$b"
	# Latency through USB/IP: the card read's commands through cnid.ko
	# (card-read-time, no delays).  kmod-latency's comparison with usbfs
	# (cnid.ko detached and attached again every round) crashed usbip-host on
	# 6.12 (use-after-free in stub_rx_loop, tests/vm/README.md); it runs only
	# with cnidvm_usbip_usbfs=1 on the kernel command line (run.sh --append).
	if grep -qw cnidvm_usbip_usbfs=1 /proc/cmdline; then
		kmod-latency --serial "$name" --ctl "$CNID_EMU_RUN/$name/ctl" --iterations 25 --rounds 8 \
			>"$CNID_VM_TMP/lat" 2>&1
		rc=$?
		figures=$(sed -n 's/^RESULT \(n=[0-9]* .*ratio=[0-9.]*\) failed=0$/\1/p' "$CNID_VM_TMP/lat")
	else
		card-read-time --serial "$name" --ctl "$CNID_EMU_RUN/$name/ctl" --card "$CARD" --rounds 20 \
			>"$CNID_VM_TMP/lat" 2>&1
		rc=$?
		figures=$(sed -n 's/^card-read \(total\) *median *\([0-9.]*\) ms *max *\([0-9.]*\) ms.*/card_read_median_ms=\2 max_ms=\3/p' \
			"$CNID_VM_TMP/lat")
	fi
	sed "s/^/usbip $mode /" "$CNID_VM_TMP/lat"
	if [ "$rc" = 0 ] && [ -n "$figures" ]; then
		echo "TEST kmod.usbip.$mode.latency PASS  # $figures"
	else
		cnid_fail "kmod.usbip.$mode.latency" "exit $rc: $(tail -n 1 "$CNID_VM_TMP/lat")"
	fi
	d=$(node_dev "$name")
	cnid_check "kmod.usbip.$mode.latency-on-vhci" on_vhci "$d"
	for p in $(usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p'); do
		usbip detach -p "$p" >/dev/null 2>&1
	done
	usbip unbind -b "$b" >/dev/null 2>&1
	sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
done
kill "$(pidof usbipd)" 2>/dev/null
cnid_finish
