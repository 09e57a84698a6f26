#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=600 stress-timeout=3600
#
# cnid.ko against the virtual reader, in both pipe modes at once (one
# reader per dummy UDC): every command, malformed requests, every injected
# fault and its errno, replies split at every packet boundary, read/write/
# poll/O_NONBLOCK, four processes sharing one reader.  Then the module's
# binding rules: a gadget with the wrong endpoints is refused, dynamic IDs
# bind another VID:PID, rmmod with a file open is refused and works after.
. /lib/cnid-vm.sh

cnid_emu_env
HAMMER=$(cnid_iterations 40 1000)

# The generic netlink family "cnid" resolves over CTRL_CMD_GETFAMILY (id and
# "events" group) once the module is loaded, and not before (the negative
# control: the same lookup must fail when the family is absent).
genl_absent() { cnid-nl family 2>&1 | grep -qx 'cnid-nl: family cnid: No such file or directory'; }
cnid_check kmod.genl-family-absent-before-load genl_absent
cnid_check kmod.load cnid_load || cnid_finish
cnid_check kmod.genl-family sh -c 'cnid-nl family | grep -qx "family cnid id=[1-9][0-9]* events=[1-9][0-9]*"'

# reader NAME UDC_INDEX MODE TESTS...
reader() {
	name=$1 idx=$2 mode=$3 rc=0
	shift 3
	if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
		echo "TEST kmod.$mode.setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
		return 1
	fi
	kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
		--card "$CARD" --name "kmod.$mode" --hammer "$HAMMER" "$@" || rc=1
	sh "$GADGET" teardown -n "$name" >/dev/null 2>&1 || rc=1
	return $rc
}

cnid_both_modes reader || _cnid_failed=1

# --- binding rules ------------------------------------------------------
# A plain FunctionFS gadget as 0400:c35a with one bulk IN only: refused.
G=/sys/kernel/config/usb_gadget/kbad
DESC='\003\000\000\000\040\000\000\000\001\000\000\000\002\000\000\000'
DESC=$DESC'\011\004\000\000\001\377\000\000\001'
DESC=$DESC'\007\005\201\002\100\000\000'
STRS='\002\000\000\000\026\000\000\000\001\000\000\000\001\000\000\000\011\004bad\000'
udc=$(cnid_free_udc)
mkdir -p "$G/strings/0x409" "$G/configs/c.1" "$G/functions/ffs.kbad" /dev/ffs-kbad
echo 0x0400 >"$G/idVendor"
echo 0xc35a >"$G/idProduct"
ln -s "$G/functions/ffs.kbad" "$G/configs/c.1/"
mount -t functionfs kbad /dev/ffs-kbad
sh -c "printf '$DESC' >&3 && printf '$STRS' >&3 && exec sleep 100000" 3<>/dev/ffs-kbad/ep0 &
sleeper=$!
cnid_wait_for 5 [ -e /dev/ffs-kbad/ep1 ]
echo "$udc" >"$G/UDC"
cnid_wait_for 10 sh -c 'dmesg | grep -q "not a SAM reader interface"'
cnid_check kmod.refuses-wrong-endpoints sh -c 'dmesg | grep -q "not a SAM reader interface: 1 bulk IN and 0 bulk OUT"'
echo "" >"$G/UDC"
kill $sleeper 2>/dev/null
wait $sleeper 2>/dev/null
cnid_gadget_cleanup

# Dynamic IDs: a reader of the same kind under another VID:PID (a configfs
# gadget on dummy_hcd whatever the rig's --hcd: its IDs change in place).
CNID_EMU_TRANSPORT=ffs sh "$GADGET" setup -n dyn -u 0 -m single -c "$CARD" >"$CNID_EMU_RUN.dyn.setup" 2>&1 &&
	echo 0x1234 >/dev/null
G2=/sys/kernel/config/usb_gadget/cnid-dyn
if [ -e "$G2" ]; then
	echo "" >"$G2/UDC"
	echo 0x1209 >"$G2/idVendor"
	echo 0x0c35 >"$G2/idProduct"
	echo "$(cat "$CNID_EMU_RUN/dyn/udc")" >"$G2/UDC"
	sleep 1
	n0=$(ls /sys/class/usbmisc 2>/dev/null | grep -c '^cnid')
	echo "1209 0c35" >/sys/bus/usb/drivers/cnid/new_id
	cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
	n1=$(ls /sys/class/usbmisc 2>/dev/null | grep -c '^cnid')
	cnid_check kmod.dynamic-id [ "$n0" = 0 -a "$n1" = 1 ]
	kmod-test --serial dyn --mode single --ctl "$CNID_EMU_RUN/dyn/ctl" --card "$CARD" \
		--name kmod.dynid basic >"$CNID_EMU_RUN.dyn.out" 2>&1
	grep -E '^TEST kmod.dynid.(open|sam-status|read) ' "$CNID_EMU_RUN.dyn.out"
	grep -q '^TEST kmod.dynid.read PASS' "$CNID_EMU_RUN.dyn.out" || _cnid_failed=1
	echo "1209 0c35" >/sys/bus/usb/drivers/cnid/remove_id

	# rmmod with the device bound and a file open: refused; after close: fine.
	node=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
	exec 7<>"/dev/$node"
	if rmmod cnid 2>/dev/null; then
		cnid_fail kmod.rmmod-with-open-file-refused "rmmod succeeded"
	else
		cnid_pass kmod.rmmod-with-open-file-refused
	fi
	exec 7>&-
	cnid_check kmod.rmmod-with-device-bound rmmod cnid
	cnid_check kmod.gone-after-rmmod sh -c '! ls /sys/class/usbmisc 2>/dev/null | grep -q "^cnid"'
	cnid_check kmod.genl-family-gone-after-rmmod genl_absent
	cnid_check kmod.reload cnid_load
	CNID_EMU_TRANSPORT=ffs sh "$GADGET" teardown -n dyn >/dev/null 2>&1
else
	cnid_fail kmod.dynamic-id "gadget setup: $(tail -n 2 "$CNID_EMU_RUN.dyn.setup" | tr '\n' ' ')"
fi
cnid_finish
