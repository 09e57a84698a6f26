#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=120
#
# A serial reader behind a USB-serial bridge, tagged for cnidd by a udev
# rule as an administrator writes one (udev-rules/70-cnid.rules, README):
# QEMU's usb-serial (FTDI, 0403:6001, ftdi_sio: /dev/ttyUSB0) whose line ends
# at cnid-emu --tty (run.sh --hcd xhci; skipped elsewhere).
# - the rule matches the bridge's ids: ttyUSB0 gets CNID_READER=1, group
#   cnid, 0660;
# - cnidd as installed (dynamic, libudev, no reader in its configuration)
#   finds the tagged tty, registers it on /dev/cnid-ctl, reads the card and
#   announces it: the netlink group sees reader_added (port=ttyUSB0) and
#   the card_read of its cnid-sN, a uevent on cnid-ctl says card_read, the
#   record file is written;
# - the bridge unplugged (the USB device deauthorized: ftdi_sio lets go,
#   ttyUSB0 goes): cnidd drops the reader (card_removed, record gone, the
#   module's reader_removed); plugged back (authorized): attached and read
#   again;
# - a tty the rule does not tag is left alone (the planted judge: the same
#   cnidd with the rule's ids changed must not attach);
# - no name or number in cnidd's log, the netlink capture or the uevents.
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
W=$CNID_TEST_DIR
G=$(sed -n 's/^cnid:x:\([0-9]*\):.*/\1/p' /etc/group)
port=
for d in /sys/class/virtio-ports/*; do
	[ "$(cat "$d/name" 2>/dev/null)" = cnid.tty0 ] && port=/dev/${d##*/}
done
if [ -z "$port" ]; then
	cnid_skip daemon-serial.all "no usb-serial line (run.sh --hcd xhci boots one)"
	cnid_finish
fi
LOG=$T/cnidd.log
MARK=0
mark() { MARK=$(wc -l <"$LOG"); }
seen() { tail -n "+$((MARK + 1))" "$LOG" | grep -Eq "$1"; }
wait_log() { cnid_wait_for "${2:-10}" seen "$1"; }
RULE=/etc/udev/rules.d/71-cnid-test-serial.rules
rule() { # VENDOR PRODUCT: the administrator's rule for the bridge
	echo "SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"$1\", ATTRS{idProduct}==\"$2\", GROUP=\"cnid\", MODE=\"0660\", ENV{CNID_READER}=\"1\"" >"$RULE"
	udevadm control --reload
	udevadm trigger --action=add /sys/class/tty/ttyUSB0
	udevadm settle -t 10
}
tagged() { udevadm info -q property -n /dev/ttyUSB0 2>/dev/null | grep -qx CNID_READER=1; }

cnid_check daemon-serial.ttyUSB0 cnid_wait_for 10 [ -c /dev/ttyUSB0 ]
usbdev=$(readlink -f /sys/class/tty/ttyUSB0/device/../..)
cnid_check daemon-serial.ftdi-ids sh -c "[ \"\$(cat $usbdev/idVendor):\$(cat $usbdev/idProduct)\" = 0403:6001 ]"
cnid_check daemon-serial.load cnid_load || cnid_finish
cnid_wait_for 5 [ -c /dev/cnid-ctl ]

R=$CNID_EMU_RUN/tty
mkdir -p "$R"
cnid-emu --tty "$port" --ctl "$R/ctl" --log "$R/log" --cards-dir "$W" --card "$CARD" \
	>"$R/stdout" 2>"$R/stderr" &
cnid_wait_for 5 [ -S "$R/ctl" ]
emu() { cnid-emu ctl "$R/ctl" "$@" >/dev/null; }

cnid-nl --as 1000 listen 1000 100 >"$T/mc" 2>&1 &
cnid_wait_for 5 grep -q listening "$T/mc"
udevadm monitor --kernel --property >"$T/uev" 2>&1 &

mkdir -p /run/cnid
printf 'poll_interval_ms = 100\nrecord_dir = /run/cnid\nrecord_group = %s\n' "$G" >"$T/cnidd.conf"
start_cnidd() {
	: >"$LOG"
	MARK=0
	LD_LIBRARY_PATH=$W "$W/cnidd-udev" --log-time -c "$T/cnidd.conf" >"$LOG" 2>&1 &
	dpid=$!
	cnid_wait_for 5 grep -q . "$LOG"
}
stop_cnidd() { kill -TERM "$dpid"; wait "$dpid"; }

# --- planted: a rule for another bridge (CH340, 1a86:7523) tags nothing ---
rule 1a86 7523
cnid_check daemon-serial.other-rule-untagged sh -c '! udevadm info -q property -n /dev/ttyUSB0 | grep -q CNID_READER'
start_cnidd
sleep 2
cnid_check daemon-serial.untagged-left-alone sh -c "! grep -q ttyUSB0 '$LOG'"
stop_cnidd

# --- the administrator's rule: the bridge's ids ---
rule 0403 6001
cnid_check daemon-serial.tagged tagged
cnid_check daemon-serial.node-mode sh -c "[ \"\$(stat -c '%a %g' /dev/ttyUSB0)\" = '660 $G' ]"
start_cnidd
cnid_check daemon-serial.attached wait_log "ttyUSB0: attached \(/dev/ttyUSB0, serial\)"
cnid_check daemon-serial.registered wait_log "ttyUSB0: serving the reader for cnid.ko"
cnid_check daemon-serial.sam-ok wait_log "event ttyUSB0 sam_state state=ok"
cnid_check daemon-serial.card-read wait_log "event ttyUSB0 card_read type=resident valid=1 expired=0" 15
sid=$(sed -n 's/^reader_added reader=\([0-9]*\) devname=\(cnid-s[0-9]*\) port=ttyUSB0$/\1 \2/p' "$T/mc" | tail -n 1)
dev=${sid#* }
sid=${sid%% *}
echo "  ttyUSB0 registered as reader $sid ($dev)"
cnid_check daemon-serial.nl-added test -n "$sid"
cnid_check daemon-serial.nl-card-read cnid_wait_for 5 grep -q "^card_event reader=$sid devname=$dev event=2 " "$T/mc"
cnid_check daemon-serial.uevent-card-read cnid_wait_for 5 grep -qx CNID_EVENT=card_read "$T/uev"
cnid_check daemon-serial.record sh -c "[ \"\$(stat -c '%a %g' /run/cnid/ttyUSB0.json)\" = '640 $G' ] && grep -q '\"type\": \"resident\"' /run/cnid/ttyUSB0.json"

# --- the bridge unplugged, then plugged back ---
mark
echo 0 >"$usbdev/authorized"
cnid_check daemon-serial.unplug-tty-gone cnid_wait_for 10 [ ! -e /dev/ttyUSB0 ]
cnid_check daemon-serial.unplug-removed wait_log "ttyUSB0: removed \(unplugged\)"
cnid_check daemon-serial.unplug-card-removed wait_log "event ttyUSB0 card_removed"
cnid_check daemon-serial.unplug-record-gone test ! -e /run/cnid/ttyUSB0.json
cnid_check daemon-serial.unplug-nl-removed cnid_wait_for 5 grep -q "^reader_removed reader=$sid devname=$dev" "$T/mc"
cnid_check daemon-serial.unplug-survives kill -0 "$dpid"
mark
echo 1 >"$usbdev/authorized"
cnid_check daemon-serial.replug-tty cnid_wait_for 10 [ -c /dev/ttyUSB0 ]
cnid_check daemon-serial.replug-attached wait_log "ttyUSB0: attached \(/dev/ttyUSB0, serial\)" 15
cnid_check daemon-serial.replug-reads wait_log "event ttyUSB0 card_read type=resident" 15

stop_cnidd
cnid_check daemon-serial.sigterm-exit-0 test "$?" = 0
cnid_failed && { echo "cnidd's log:"; sed 's/^/  /' "$LOG" | tail -n 40; grep -v raw= "$T/mc" | sed 's/^/  mc: /' | tail -n 20; }
rm -f "$RULE"
udevadm control --reload
for f in "$LOG" "$T/mc" "$T/uev"; do
	cnid_check "daemon-serial.privacy.$(basename "$f")" scan-log "$f" "$W"/*.card
done
cnid_finish
