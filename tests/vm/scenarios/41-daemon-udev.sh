#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=120
#
# cnidd as installed (dynamic, libudev; no reader in its configuration)
# with systemd-udevd running the project's rules: a reader plugged before
# cnidd starts is found by the enumeration, one plugged after by the
# monitor; each is served and its card read; an unplugged reader is
# removed (its card announced gone), and attached again when replugged.
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
W=$CNID_TEST_DIR
G=$(sed -n 's/^cnid:x:\([0-9]*\):.*/\1/p' /etc/group)
LOG=$T/cnidd.log
MARK=0
mark() { MARK=$(wc -l <"$LOG"); }
seen() { tail -n "+$((MARK + 1))" "$LOG" | grep -Eq "$1"; }
wait_log() { cnid_wait_for "${2:-10}" seen "$1"; }

cnid_check daemon-udev.load cnid_load || cnid_finish
sh "$GADGET" setup -n sam0 -u 0 -m single -c "$CARD" -- --cards-dir "$W" >"$T/setup" 2>&1 ||
	{ cnid_fail daemon-udev.setup "$(tail -n 2 "$T/setup")"; cnid_finish; }
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
name=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
udevadm settle -t 10 2>/dev/null

mkdir -p /run/cnid
printf 'poll_interval_ms = 100\nrecord_dir = /run/cnid\nrecord_group = %s\n' "$G" >"$T/cnidd.conf"
: >"$LOG"
LD_LIBRARY_PATH=$W "$W/cnidd-udev" --log-time -c "$T/cnidd.conf" >"$LOG" 2>&1 &
dpid=$!
cnid_check daemon-udev.enumerated wait_log "$name: attached \(/dev/$name, cnid.ko\)"
cnid_check daemon-udev.enumerated-serves wait_log "$name: serving the reader for cnid.ko"
cnid_check daemon-udev.enumerated-reads wait_log "event $name card_read type=resident"

if [ "${CNID_VM_UDCS:-1}" -ge 2 ]; then
	mark
	sh "$GADGET" setup -n sam1 -u 1 -m split -c "$W/foreign-2023.card" >"$T/setup1" 2>&1 ||
		cnid_fail daemon-udev.setup1 "$(tail -n 2 "$T/setup1")"
	cnid_check daemon-udev.monitored wait_log "cnid[0-9]+: attached \(/dev/cnid[0-9]+, cnid.ko\)"
	name1=$(tail -n "+$((MARK + 1))" "$LOG" | sed -n 's/^[0-9]* \(cnid[0-9]*\): attached .*/\1/p' | head -n 1)
	cnid_check daemon-udev.monitored-reads wait_log "event $name1 card_read type=foreign_permanent_2023"
	cnid_check daemon-udev.record test -e "/run/cnid/$name1.json"
	mark
	sh "$GADGET" teardown -n sam1 >/dev/null 2>&1
	cnid_check daemon-udev.unplugged-removed wait_log "$name1: removed \(unplugged\)"
	cnid_check daemon-udev.unplugged-card-gone sh -c "grep -q 'event $name1 card_removed' '$LOG' && [ ! -e /run/cnid/$name1.json ]"
else
	cnid_skip daemon-udev.monitored "one UDC only"
fi

mark
cnid-emu ctl "$CNID_EMU_RUN/sam0/ctl" unplug >/dev/null
cnid_check daemon-udev.sam0-removed wait_log "$name: removed \(unplugged\)"
mark
cnid-emu ctl "$CNID_EMU_RUN/sam0/ctl" replug >/dev/null
cnid_check daemon-udev.replug-attached wait_log "cnid[0-9]+: attached \(/dev/cnid[0-9]+, cnid.ko\)" 20
cnid_check daemon-udev.replug-reads wait_log "event cnid[0-9]+ card_read type=resident" 20

kill -TERM "$dpid"
cnid_check daemon-udev.sigterm-exit-0 wait "$dpid"
cnid_failed && { echo "cnidd's log:"; sed 's/^/  /' "$LOG" | tail -n 40; }
cnid_check daemon-udev.privacy scan-log "$LOG" "$W"/*.card
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
cnid_finish
