#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=120
#
# Do the FunctionFS descriptors alone force full speed?  No.  cnid-emu gives
# full-speed descriptors only.  On a high-speed dummy_hcd (is_high_speed=1)
# the device still connects at high speed, and since its one configuration
# has no high-speed descriptors, composite offers none: the host logs "new
# high-speed USB device ... no configurations" and enumeration fails.  The
# gadget's configfs max_speed=full-speed does force it: 12 Mb/s, 64-byte
# packets, whatever the UDC could do.  gadget.sh therefore writes max_speed
# (and the rig loads dummy_hcd with is_high_speed=0 as well).
. /lib/cnid-vm.sh

cnid_emu_env
HCD=/lib/modules/rig/dummy_hcd.ko

# speed_of NAME: "SPEED MAXP" of the reader with serial NAME (first endpoint).
speed_of() {
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] || continue
		[ "$(cat "$d/idVendor")" = 0400 ] || continue
		ep=$(ls -d "$d"/*:1.0/ep_* 2>/dev/null | head -n 1)
		echo "$(cat "$d/speed") $(cat "$ep/wMaxPacketSize" 2>/dev/null)"
		return 0
	done
	return 1
}

reload_hcd() {
	rmmod dummy_hcd && insmod "$HCD" "$@"
}

# Full-speed descriptors only, no max_speed: must NOT come up, at high speed.
descriptors_alone() {
	cnid_kmsg "emu.speed: descriptors alone"
	if CNID_GADGET_MAX_SPEED=none CNID_GADGET_WAIT=4 sh "$GADGET" setup -n speed -u 0 \
		-m single -c "$CARD" >"$CNID_VM_TMP/speed.setup" 2>&1; then
		cnid_fail emu.speed.descriptors-alone-do-not-force-fs \
			"enumerated: $(speed_of speed)"
	elif dmesg | sed -n '/emu.speed: descriptors alone/,$p' |
		grep -q 'new high-speed USB device'; then
		cnid_pass emu.speed.descriptors-alone-do-not-force-fs
	else
		cnid_fail emu.speed.descriptors-alone-do-not-force-fs "no high-speed attempt seen"
	fi
	sh "$GADGET" teardown -n speed || cnid_fail emu.speed.teardown "teardown"
}

# max_speed=full-speed: full speed, 64-byte bulk packets.
max_speed_attr() {
	if ! sh "$GADGET" setup -n speed -u 0 -m single -c "$CARD" >"$CNID_VM_TMP/speed.setup" 2>&1; then
		cnid_fail emu.speed.max-speed-attribute \
			"setup: $(tail -n 2 "$CNID_VM_TMP/speed.setup" | tr '\n' ' ')"
	else
		cnid_wait_for 5 speed_of speed >/dev/null
		got=$(speed_of speed)
		echo "emu.speed: max_speed=full-speed on a high-speed UDC -> speed, wMaxPacketSize: $got"
		case $got in
		"12 0040") cnid_pass emu.speed.max-speed-attribute ;;
		*) cnid_fail emu.speed.max-speed-attribute "speed/maxpacket '$got'" ;;
		esac
	fi
	sh "$GADGET" teardown -n speed || cnid_fail emu.speed.teardown "teardown"
}

if ! reload_hcd is_high_speed=1 num=1; then
	cnid_fail emu.speed.reload "could not reload dummy_hcd at high speed"
	cnid_finish
fi
descriptors_alone
max_speed_attr
reload_hcd is_high_speed=0 num="$CNID_VM_UDCS" || cnid_fail emu.speed.restore "reload dummy_hcd"
[ "$(ls /sys/class/udc | wc -l)" = "$CNID_VM_UDCS" ] || cnid_fail emu.speed.restore "UDC count"
cnid_finish
