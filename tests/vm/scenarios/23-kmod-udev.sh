#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=120
#
# udev-rules/70-cnid.rules for real (systemd-udevd runs in the guest):
# /dev/cnidN belongs to group cnid, mode 0660, tagged uaccess; so does
# /dev/cnid-ctl (group cnid, 0660, no uaccess); a uid in no group cannot
# open either; a change uevent from the module is seen by udev.
. /lib/cnid-vm.sh

cnid_emu_env

cnid_check kmod.udev.load cnid_load || cnid_finish
sh "$GADGET" setup -n sam0 -u 0 -m single -c "$CARD" >"$CNID_VM_TMP/setup" 2>&1 ||
	{ cnid_fail kmod.udev.setup "$(tail -n 2 "$CNID_VM_TMP/setup")"; cnid_finish; }
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
name=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
udevadm settle -t 10 2>/dev/null
cnid_check kmod.udev.group-and-mode sh -c "[ \"\$(stat -c '%G %a' /dev/$name)\" = 'cnid 660' ]"
cnid_check kmod.udev.uaccess-tag sh -c "udevadm info -q property -n /dev/$name | grep -q '^TAGS=.*:uaccess:'"
gid=$(sed -n 's/^cnid:x:\([0-9]*\):.*/\1/p' /etc/group)
cnid_check kmod.udev.group-member-opens cnid-nl --as "1000:$gid" open "/dev/$name"
cnid_check kmod.udev.others-refused sh -c "cnid-nl --as 1000 open /dev/$name | grep -q 'Permission denied'"
cnid_check kmod.udev.ctl-group-and-mode sh -c "[ \"\$(stat -c '%G %a' /dev/cnid-ctl)\" = 'cnid 660' ]"
cnid_check kmod.udev.ctl-group-member-opens cnid-nl --as "1000:$gid" open /dev/cnid-ctl
cnid_check kmod.udev.ctl-others-refused sh -c "cnid-nl --as 1000 open /dev/cnid-ctl | grep -q 'Permission denied'"
# a change uevent from the module goes through udevd (rules see it)
udevadm monitor --udev --property --subsystem-match=usbmisc >"$CNID_VM_TMP/mon" 2>&1 &
mon=$!
sleep 1
cnid-nl announce "/dev/$name" sam_state state=1 >/dev/null
udevadm settle -t 10 2>/dev/null
sleep 1
kill $mon 2>/dev/null
wait $mon 2>/dev/null
cnid_check kmod.udev.change-event-processed sh -c "grep -q '^UDEV .*change' '$CNID_VM_TMP/mon' && grep -qx CNID_SAM_STATE=ok '$CNID_VM_TMP/mon'"
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
cnid_finish
