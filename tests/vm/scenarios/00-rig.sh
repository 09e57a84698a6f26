#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=90 stress-timeout=600
# The rig proves itself: the right kernel with the fail-fast settings, the
# USB modules, dummy_hcd at full speed with N UDCs, systemd-udevd running
# rules for real, and N plain FunctionFS gadgets (written from the shell,
# no emulator) enumerating at once at 12 Mb/s with 64-byte bulk packets,
# then unplugged and replugged.
. /lib/cnid-vm.sh

# --- the kernel and its settings ---------------------------------------
want=$(sed -n 's/.*cnidvm_kver=\([^ ]*\).*/\1/p' /proc/cmdline)
cnid_check rig.kernel-version [ -n "$want" -a "$(uname -r)" = "$want" ]
cnid_check rig.panic-on-oops [ "$(cat /proc/sys/kernel/panic_on_oops)" = 1 ]
cnid_check rig.hung-task-panic [ "$(cat /proc/sys/kernel/hung_task_panic)" = 1 ]
cnid_check rig.slub-debug [ "$(cat /sys/kernel/slab/kmalloc-64/sanity_checks 2>/dev/null)" = 1 ]
cnid_check rig.watchdog [ -c /dev/watchdog ]

# --- the unprivileged user ----------------------------------------------
who=$(cnid_as_user id)
case $who in
"uid=1000(cnidtest) gid=1000(cnidtest) groups="*"(plugdev)"*"(cnid)"*) cnid_pass rig.unprivileged-user ;;
*) cnid_fail rig.unprivileged-user "cnid_as_user id: $who" ;;
esac
caps=$(cnid_as_user sh -c 'sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status')
cnid_check rig.unprivileged-no-caps [ "$caps" = 0000000000000000 ]

# --- modules, configfs, UDCs --------------------------------------------
# what every scenario needs, and every module the kernel's conf asks for
# (KMODS, passed by run.sh as cnidvm_kmods=a,b,...)
kmods=$(sed -n 's/.*cnidvm_kmods=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',-' ' _')
missing=
for m in usbcore udc_core dummy_hcd configfs libcomposite usb_f_fs $kmods; do
	[ -d "/sys/module/$m" ] || missing="$missing $m"
done
if [ -z "$missing" ]; then cnid_pass rig.modules; else cnid_fail rig.modules "missing:$missing"; fi
# The deep tier's debug kernel (cnid_deep=1, tests/deep/kernel.conf): its
# scenarios need raw_gadget, kmemleak and lockdep, and a missing one fails.
if grep -qw 'cnid_deep=1' /proc/cmdline; then
	if [ -c /dev/raw-gadget ]; then cnid_pass rig.deep.raw-gadget; else
		cnid_fail rig.deep.raw-gadget "no /dev/raw-gadget (raw_gadget not loaded?)"; fi
	# kmemleak refuses every command once it is off (kmemleak=off, or out of memory)
	if echo scan=off 2>/dev/null >/sys/kernel/debug/kmemleak; then cnid_pass rig.deep.kmemleak; else
		cnid_fail rig.deep.kmemleak "kmemleak missing or off ($(dmesg | grep -m1 'kmemleak:'))"; fi
	if grep -q 'debug_locks: *1$' /proc/lockdep_stats 2>/dev/null &&
		[ "$(cat /proc/sys/kernel/prove_locking 2>/dev/null)" = 1 ]; then
		cnid_pass rig.deep.lockdep
	else
		cnid_fail rig.deep.lockdep "lockdep missing or off: $(grep debug_locks /proc/lockdep_stats 2>&1)," \
			"prove_locking=$(cat /proc/sys/kernel/prove_locking 2>&1)"
	fi
fi
cnid_check rig.cnid-not-loaded sh -c '! grep -q "^cnid " /proc/modules'
cnid_check rig.full-speed-param [ "$(cat /sys/module/dummy_hcd/parameters/is_high_speed)" = N ]
cnid_check rig.configfs [ -d /sys/kernel/config/usb_gadget ]
n=$(cnid_udcs | wc -l)
cnid_check rig.udc-count [ "$n" = "$CNID_VM_UDCS" ]

# --- systemd-udevd ------------------------------------------------------
cnid_check rig.udevd-running pidof systemd-udevd
cnid_check rig.udev-coldplug-rule grep -q "^add dummy_udc.0$" /run/cnid-vm-rig-udc
cnid_check rig.udev-db sh -c 'udevadm info -q property -p /class/udc/dummy_udc.0 | grep -qx CNID_VM_RIG=1'
udevadm trigger --action=change --subsystem-match=udc --settle 2>/dev/null ||
	{ udevadm trigger --action=change --subsystem-match=udc && udevadm settle; }
cnid_check rig.udev-change-event grep -q "^change dummy_udc.0$" /run/cnid-vm-rig-udc

# --- N gadgets at once --------------------------------------------------
# FunctionFS v2 descriptors, full speed only: one vendor interface with a
# bulk OUT and a bulk IN endpoint of 64 bytes; then one string.
DESC='\003\000\000\000\047\000\000\000\001\000\000\000\003\000\000\000'
DESC=$DESC'\011\004\000\000\002\377\000\000\001'
DESC=$DESC'\007\005\001\002\100\000\000\007\005\201\002\100\000\000'
STRS='\002\000\000\000\026\000\000\000\001\000\000\000\001\000\000\000\011\004rig\000'
G=/sys/kernel/config/usb_gadget
gadget_up() { # i udc
	g=$G/rig$1
	mkdir "$g" "$g/strings/0x409" "$g/configs/c.1" "$g/functions/ffs.rig$1" &&
		echo 0x1d6b >"$g/idVendor" && echo 0x0104 >"$g/idProduct" &&
		echo "cnid rig $1" >"$g/strings/0x409/product" &&
		ln -s "$g/functions/ffs.rig$1" "$g/configs/c.1/" &&
		mkdir -p "/dev/ffs-rig$1" && mount -t functionfs "rig$1" "/dev/ffs-rig$1" || return 1
	# ep0 must stay open for the function to live: a sleeper holds it
	sh -c "printf '$DESC' >&3 && printf '$STRS' >&3 && exec sleep 100000" \
		3<>"/dev/ffs-rig$1/ep0" &
	cnid_wait_for 5 [ -e "/dev/ffs-rig$1/ep2" ] || return 1
	echo "$2" >"$g/UDC"
}
rig_devices() { # sysfs names of the enumerated rig gadgets
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 1d6b:0104 ] &&
			basename "$d"
	done
}
count_is() { [ "$(rig_devices | wc -l)" = "$1" ]; }

i=0
for udc in $(cnid_udcs); do
	gadget_up "$i" "$udc" || cnid_fail "rig.gadget-up.$i" "cannot set up a gadget on $udc"
	i=$((i + 1))
done
if cnid_wait_for 20 count_is "$n"; then
	cnid_pass rig.gadgets-enumerate
else
	cnid_fail rig.gadgets-enumerate "$(rig_devices | wc -l) of $n gadgets enumerated"
fi
udevadm settle
bad=
for d in $(rig_devices); do
	[ "$(cat "/sys/bus/usb/devices/$d/speed")" = 12 ] || bad="$bad $d:speed=$(cat "/sys/bus/usb/devices/$d/speed")"
	for ep in "/sys/bus/usb/devices/$d/$d:1.0"/ep_*; do
		[ "$(cat "$ep/type")" = Bulk ] || continue
		[ "$(cat "$ep/wMaxPacketSize")" = 0040 ] || bad="$bad $d:${ep##*/}=$(cat "$ep/wMaxPacketSize")"
	done
done
if [ -z "$bad" ] && [ -n "$(rig_devices)" ]; then cnid_pass rig.full-speed-64; else cnid_fail rig.full-speed-64 "$bad"; fi
hot=$(grep -c '1d6b:0104' /run/cnid-vm-rig-usb 2>/dev/null)
cnid_check rig.udev-hotplug-rule [ "${hot:-0}" = "$n" ]
d=$(rig_devices | head -n 1)
node=/dev/bus/usb/$(printf %03d "$(cat "/sys/bus/usb/devices/$d/busnum")")/$(printf %03d "$(cat "/sys/bus/usb/devices/$d/devnum")")
cnid_check rig.udev-usb-id sh -c "udevadm info -q property -p /bus/usb/devices/$d | grep -qx ID_VENDOR_ID=1d6b"
cnid_check rig.udev-node-mode sh -c "ls -l $node | grep -q '^crw-rw-r--'"

# --- unplug and replug --------------------------------------------------
echo "" >"$G/rig0/UDC"
cnid_wait_for 10 count_is $((n - 1)) && cnid_pass rig.unplug || cnid_fail rig.unplug "still $(rig_devices | wc -l) devices"
cycles=$(cnid_iterations 1 20)
k=0
while [ "$k" -lt "$cycles" ]; do
	echo "$(cnid_udcs | head -n 1)" >"$G/rig0/UDC" && cnid_wait_for 10 count_is "$n" || break
	echo "" >"$G/rig0/UDC" && cnid_wait_for 10 count_is $((n - 1)) || break
	k=$((k + 1))
done
if [ "$k" = "$cycles" ]; then cnid_pass rig.replug; else cnid_fail rig.replug "failed at cycle $k of $cycles"; fi
echo "rig: $k replug cycles"
cnid_finish
