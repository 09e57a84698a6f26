#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=120
#
# A serial reader behind a USB-serial bridge: QEMU's usb-serial (an FTDI
# chip, driven by ftdi_sio: /dev/ttyUSB0) whose line ends at cnid-emu --tty
# on the virtio-serial port cnid.tty0 (run.sh --hcd xhci).  serial-client
# does a SAM exchange and a card read through /dev/ttyUSB0, a real
# USB-serial driver and tty, not a pty.  The judge must fail on a planted
# fault: a reply with a bad checksum.
. /lib/cnid-vm.sh

cnid_emu_env
port=
for d in /sys/class/virtio-ports/*; do
	[ "$(cat "$d/name" 2>/dev/null)" = cnid.tty0 ] && port=/dev/${d##*/}
done
if [ -z "$port" ]; then
	cnid_skip usbserial.all "no usb-serial line (run.sh --hcd xhci boots one)"
	cnid_finish
fi
cnid_check usbserial.ttyUSB0 cnid_wait_for 10 [ -c /dev/ttyUSB0 ]
cnid_check usbserial.ftdi sh -c 'readlink /sys/class/tty/ttyUSB0/device/driver | grep -q ftdi_sio'
R=$CNID_EMU_RUN/tty
mkdir -p "$R"
cnid-emu --tty "$port" --ctl "$R/ctl" --log "$R/log" --cards-dir "$CNID_TEST_DIR" --card "$CARD" \
	>"$R/stdout" 2>"$R/stderr" &
emu=$!
cnid_wait_for 5 [ -S "$R/ctl" ]
serial-client --tty /dev/ttyUSB0 --card "$CARD" --name usbserial || _cnid_failed=1
# planted: a reply with a bad checksum must fail the exchange
cnid-emu ctl "$R/ctl" fault checksum >/dev/null
if serial-client --tty /dev/ttyUSB0 --card "$CARD" --name planted >"$CNID_VM_TMP/planted" 2>&1; then
	cnid_fail usbserial.catches-bad-checksum "serial-client passed a bad checksum"
else
	if grep -q '^TEST planted.sam-status FAIL' "$CNID_VM_TMP/planted"; then
		cnid_pass usbserial.catches-bad-checksum
	else
		cnid_fail usbserial.catches-bad-checksum "$(grep FAIL "$CNID_VM_TMP/planted" | head -n 1)"
	fi
fi
kill "$emu" 2>/dev/null
wait "$emu" 2>/dev/null
cnid_finish
