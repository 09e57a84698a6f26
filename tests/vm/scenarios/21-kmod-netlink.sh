#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=600
#
# The generic netlink family "cnid" and the readers' uevents: any user can
# dump readers and join the events group; announcing needs CAP_NET_ADMIN
# (EPERM for an unprivileged user); announcements come back as multicast
# messages and as KOBJ_CHANGE uevents with the CNID_* keys; reader added/
# removed events; and neither channel ever carries the card's name or
# number (the test reads a card, keeps them aside and greps for them).
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
# an unprivileged user (uid/gid 1000, no capabilities)
asuser() { _p=$1; shift; "$_p" --as 1000 "$@"; }

cnid_check kmod.nl.load cnid_load || cnid_finish
sh "$GADGET" setup -n sam0 -u 0 -m split -c "$CARD" >"$T/setup" 2>&1 ||
	{ cnid_fail kmod.nl.setup "$(tail -n 2 "$T/setup")"; cnid_finish; }
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
name=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
minor=$(cut -d: -f2 "/sys/class/usbmisc/$name/dev")
chmod 0666 "/dev/$name" # the uaccess/group rule is tested in 23-kmod-udev

# dump and listen as an unprivileged user
asuser cnid-nl dump >"$T/dump" 2>&1
cnid_check kmod.nl.unprivileged-dump grep -q "^reader minor=$minor devname=$name .*vendor=1024 product=50010 pipe_mode=1 packet_size=64" "$T/dump"
asuser cnid-nl listen 6 60 >"$T/mc" 2>&1 &
lpid=$!
cnid_wait_for 5 grep -q listening "$T/mc"
udevadm monitor --kernel --property --subsystem-match=usbmisc >"$T/uev" 2>&1 &
upid=$!
sleep 1

asuser cnid-nl announce "$minor" card_removed >"$T/eperm" 2>&1
rc=$?
cnid_check kmod.nl.unprivileged-announce-eperm sh -c "[ $rc = 1 ] && grep -q 'announce: Operation not permitted' '$T/eperm'"

cnid_check kmod.nl.read-and-announce cnid-nl read-announce "/dev/$name" "$minor" "$T/secrets"
cnid_check kmod.nl.announce-read-failed cnid-nl announce "$minor" read_failed reason=3 sw3=0x41
cnid_check kmod.nl.announce-sam-state cnid-nl announce "$minor" sam_state state=1 id=05.01-20101129-0001228293-0296863149
cnid_check kmod.nl.sysfs-sam-id grep -qx 05.01-20101129-0001228293-0296863149 "/sys/class/usbmisc/$name/device/cnid/sam_id"
cnid_check kmod.nl.unknown-attribute-tolerated cnid-nl announce "$minor" card_removed unknown=1
cnid_check kmod.nl.sysfs-card-state grep -qx absent "/sys/class/usbmisc/$name/device/cnid/card_state"
cnid_check kmod.nl.bad-sam-id-einval sh -c "! cnid-nl announce $minor sam_state state=1 id=05.01-x"
cnid_check kmod.nl.missing-attr-einval sh -c "! cnid-nl announce $minor card_read type=1"
cnid_check kmod.nl.no-such-reader sh -c "! cnid-nl announce 250 card_removed"

# reader removed / added, seen by the unprivileged listener
cnid-emu ctl "$CNID_EMU_RUN/sam0/ctl" unplug >/dev/null
sleep 1
cnid-emu ctl "$CNID_EMU_RUN/sam0/ctl" replug >/dev/null
wait $lpid
lrc=$?
sleep 1
kill $upid 2>/dev/null
wait $upid 2>/dev/null

cnid_check kmod.nl.listener-got-all [ "$lrc" = 0 ]
sed 's/^/  dump: /' "$T/dump"
sed 's/^/  multicast: /' "$T/mc"
grep '^CNID_' "$T/uev" | sed 's/^/  uevent: /'
cnid_check kmod.nl.mc-card-read grep -q "^card_event minor=$minor .*event=1 seq=[0-9]* card_state=2 .*card_type=1 valid=[01] expired=[01] token=[0-9a-f]\{32\}" "$T/mc"
cnid_check kmod.nl.mc-read-failed grep -q "^card_event .*event=2 .*reason=3 sw3=65" "$T/mc"
cnid_check kmod.nl.mc-sam-state grep -q "^card_event .*event=4 .*sam_id=05.01-20101129-0001228293-0296863149" "$T/mc"
cnid_check kmod.nl.mc-reader-removed grep -q "^reader_removed minor=$minor" "$T/mc"
cnid_check kmod.nl.mc-reader-added grep -q "^reader_added minor=" "$T/mc"
cnid_check kmod.nl.uevent-card-read sh -c "grep -q '^CNID_EVENT=card_read' '$T/uev' && grep -q '^CNID_CARD_TYPE=resident' '$T/uev' && grep -q '^CNID_CARD_VALID=[01]' '$T/uev' && grep -q '^CNID_SEQ=1' '$T/uev'"
cnid_check kmod.nl.uevent-read-failed grep -q '^CNID_REASON=sam' "$T/uev"
cnid_check kmod.nl.uevent-sam-state grep -q '^CNID_SAM_STATE=ok' "$T/uev"
cnid_check kmod.nl.uevent-card-removed grep -q '^CNID_EVENT=card_removed' "$T/uev"
# The card's name and number were read (they are in $T/secrets) and must be nowhere else.
n=$(wc -l <"$T/secrets")
leak=0
while read -r s; do
	[ -n "$s" ] || continue
	grep -qF "$s" "$T/mc" "$T/uev" "$T/dump" && leak=1
done <"$T/secrets"
cnid_check kmod.nl.secrets-were-read [ "$n" = 2 ]
cnid_check kmod.nl.no-name-or-number-in-events [ "$leak" = 0 ]
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
cnid_finish
