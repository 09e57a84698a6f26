#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=600
#
# The generic netlink family "cnid" and the readers' uevents: any user can
# dump readers and join the events group; announcing needs CAP_NET_ADMIN
# (EPERM for an unprivileged user); announcements come back as multicast
# messages and as KOBJ_CHANGE uevents with the CNID_* keys; reader added/
# removed events.
#
# Privacy: the test reads a card (cnid-nl read-announce keeps its name and
# number aside in $T/secrets), then offers them to the kernel: announcements
# that carry them in attributes the module must not relay (cnid-nl offer).
# Then every channel is searched for them (cnid-nl scan: UTF-8, UCS-2LE,
# raw and hex, on one line or across lines): every netlink message with all
# its bytes (dumps and the events group), every uevent with its properties,
# dmesg, every readable sysfs file of the reader's USB device and of the
# module, and the emulator's log.  tests/kmod/privacy-canary.sh boots this
# scenario with a module built to leak every reply into dmesg
# (KCFLAGS=-DCNID_TEST_LEAK) and requires kmod.nl.no-secret-in-dmesg to fail.
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
# an unprivileged user (uid/gid 1000, no capabilities)
asuser() { _p=$1; shift; "$_p" --as 1000 "$@"; }
# The privacy canary's image carries its leaky build instead of cnid.ko.
[ -f "$CNID_TEST_DIR/cnid-privacy-canary.ko" ] && CNID_MODULE=$CNID_TEST_DIR/cnid-privacy-canary.ko

# kmod.nl.no-secret-in-WHERE FILE...: the card's name and number in none of the files.
no_secret_in() {
	_w=$1
	shift
	if cnid-nl scan "$T/secrets" "$@" >"$T/scan.$_w" 2>&1; then
		sed -n 's/^scan: /  scanned: /p' "$T/scan.$_w"
		cnid_pass "kmod.nl.no-secret-in-$_w"
	else
		cnid_fail "kmod.nl.no-secret-in-$_w" "$(grep -c '^leak' "$T/scan.$_w") finding(s):" \
			"$(grep -v '^scan:' "$T/scan.$_w" | head -n 4 | tr '\n' ';')"
	fi
}
# every readable regular file under the reader's USB device and the module
snap_sysfs() {
	_usb=$(readlink -f "/sys/class/usbmisc/$name/device/..")
	find "$_usb" /sys/module/cnid -type f -perm -400 2>/dev/null | while read -r _f; do
		echo "== $_f"
		cat "$_f" 2>/dev/null
		echo
	done >"$1"
}

cnid_check kmod.nl.load cnid_load || cnid_finish
# a real build never carries the canary's leak (MODULE_INFO cnid_test_build)
cnid_check kmod.nl.not-a-test-build sh -c "! tr '\\000' '\\n' <'$CNID_MODULE' | grep -q '^cnid_test_build='"
sh "$GADGET" setup -n sam0 -u 0 -m split -c "$CARD" >"$T/setup" 2>&1 ||
	{ cnid_fail kmod.nl.setup "$(tail -n 2 "$T/setup")"; cnid_finish; }
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
name=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
minor=$(cut -d: -f2 "/sys/class/usbmisc/$name/dev")
chmod 0666 "/dev/$name" # the uaccess/group rule is tested in 23-kmod-udev

# dump and listen as an unprivileged user
asuser cnid-nl dump >"$T/dump" 2>&1
cnid_check kmod.nl.unprivileged-dump grep -q "^reader minor=$minor devname=$name .*vendor=1024 product=50010 pipe_mode=1 packet_size=64" "$T/dump"
# 9 messages: 3 offers, card_read, read_failed, sam_state, card_removed, removed, added
asuser cnid-nl listen 9 60 >"$T/mc" 2>&1 &
lpid=$!
cnid_wait_for 5 grep -q listening "$T/mc"
# every uevent (kernel and udev), every property
udevadm monitor --kernel --udev --property >"$T/uev" 2>&1 &
upid=$!
sleep 1

asuser cnid-nl announce "$minor" card_removed >"$T/eperm" 2>&1
rc=$?
cnid_check kmod.nl.unprivileged-announce-eperm sh -c "[ $rc = 1 ] && grep -q 'announce: Operation not permitted' '$T/eperm'"

cnid_check kmod.nl.read-and-announce cnid-nl read-announce "/dev/$name" "$minor" "$T/secrets"
# the name and number offered in attributes the module must drop; all accepted
cnid-nl offer "$minor" "$T/secrets" >"$T/offer" 2>&1
rc=$?
sed 's/^/  /' "$T/offer"
cnid_check kmod.nl.offer-accepted [ "$rc" = 0 ]
asuser cnid-nl dump >"$T/dump2" 2>&1
snap_sysfs "$T/sysfs"
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
dmesg >"$T/dmesg"

cnid_check kmod.nl.listener-got-all [ "$lrc" = 0 ]
sed 's/^/  dump: /' "$T/dump"
grep -v '^  raw=' "$T/mc" | sed 's/^/  multicast: /'
grep '^CNID_' "$T/uev" | sed 's/^/  uevent: /'
cnid_check kmod.nl.mc-card-read grep -q "^card_event minor=$minor .*event=1 seq=[0-9]* card_state=2 .*card_type=1 valid=[01] expired=[01] token=[0-9a-f]\{32\}" "$T/mc"
cnid_check kmod.nl.mc-read-failed grep -q "^card_event .*event=2 .*reason=3 sw3=65" "$T/mc"
cnid_check kmod.nl.mc-sam-state grep -q "^card_event .*event=4 .*sam_id=05.01-20101129-0001228293-0296863149" "$T/mc"
cnid_check kmod.nl.mc-reader-removed grep -q "^reader_removed minor=$minor" "$T/mc"
cnid_check kmod.nl.mc-reader-added grep -q "^reader_added minor=" "$T/mc"
# the offers were relayed (event and state only), no attribute the module does not know
cnid_check kmod.nl.mc-offers-relayed [ "$(grep -c '^card_event .*event=[123] ' "$T/mc")" = 6 ]
cnid_check kmod.nl.mc-no-unknown-attribute sh -c "! grep -q ' attr[0-9]' '$T/mc'"
cnid_check kmod.nl.uevent-card-read sh -c "grep -q '^CNID_EVENT=card_read' '$T/uev' && grep -q '^CNID_CARD_TYPE=resident' '$T/uev' && grep -q '^CNID_CARD_VALID=[01]' '$T/uev' && grep -q '^CNID_SEQ=1' '$T/uev'"
cnid_check kmod.nl.uevent-read-failed grep -q '^CNID_REASON=sam' "$T/uev"
cnid_check kmod.nl.uevent-sam-state grep -q '^CNID_SAM_STATE=ok' "$T/uev"
cnid_check kmod.nl.uevent-card-removed grep -q '^CNID_EVENT=card_removed' "$T/uev"

# The card's name and number were read (they are in $T/secrets) and must be nowhere else.
cnid_check kmod.nl.secrets-were-read [ "$(grep -c . "$T/secrets")" = 2 ]
# the scanner does find them (here, where they are)
cnid_check kmod.nl.scan-finds-secrets sh -c "! cnid-nl scan '$T/secrets' '$T/secrets' >/dev/null"
no_secret_in netlink "$T/dump" "$T/dump2" "$T/mc"
no_secret_in uevents "$T/uev"
no_secret_in dmesg "$T/dmesg"
no_secret_in sysfs "$T/sysfs"
no_secret_in emu-log "$CNID_EMU_RUN/sam0/log"
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
cnid_finish
