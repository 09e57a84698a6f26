#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=180
#
# The virtual reader on QEMU's host controller (run.sh --hcd uhci|xhci):
# cnid-emu-redir speaks usbredir's device side and the guest sees the
# reader with the real reader's bus view.  Checked from sysfs (speed,
# endpoint addresses, the controller's driver) and by libusb-reader, a
# libusb client with the reference's endpoint numbers fixed in its code,
# reading a card in both pipe modes with no cnid.ko.  The judge must FAIL
# on a planted fault: a reader whose descriptors carry dummy_hcd's
# numbering (--endpoints 81,02,86,07).  Skipped on dummy_hcd.
. /lib/cnid-vm.sh

cnid_emu_env
if [ "${CNID_VM_HCD:-dummy}" = dummy ]; then
	cnid_skip usbredir.all "booted with dummy_hcd (run.sh --hcd uhci|xhci)"
	cnid_finish
fi
case $CNID_VM_HCD in uhci) drv=uhci_hcd ;; xhci) drv=xhci_hcd ;; *) drv=unknown ;; esac

# usbdev NAME: the sysfs directory of the reader set up as NAME
usbdev() { cat "$CNID_EMU_RUN/$1/usbdev"; }
# hc_driver DIR: the PCI driver of the controller the device is on
hc_driver() {
	_bus=$(cat "$1/busnum")
	basename "$(readlink "/sys/bus/usb/devices/usb$_bus/../driver")"
}
# eps DIR: the interface's endpoint addresses, sorted
eps() { ls -d "$1/$(basename "$1"):1.0"/ep_* 2>/dev/null | sed 's/.*ep_//' | sort | tr '\n' ' '; }

for mode in split single; do
	name=rd$mode
	if ! sh "$GADGET" setup -n "$name" -u 0 -m "$mode" -c "$CARD" >"$CNID_VM_TMP/setup.$mode" 2>&1; then
		cnid_fail "usbredir.$mode.setup" "$(tail -n 3 "$CNID_VM_TMP/setup.$mode" | tr '\n' ' ')"
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
		continue
	fi
	d=$(usbdev "$name")
	cnid_check "usbredir.$mode.controller" [ "$(hc_driver "$d")" = "$drv" ]
	cnid_check "usbredir.$mode.full-speed" [ "$(cat "$d/speed")" = 12 ]
	want="02 06 81 85 "
	[ $mode = single ] && want="02 81 "
	got=$(eps "$d")
	if [ "$got" = "$want" ]; then cnid_pass "usbredir.$mode.endpoint-addresses"; else
		cnid_fail "usbredir.$mode.endpoint-addresses" "sysfs has '$got', want '$want'"; fi
	libusb-reader --serial "$name" --mode "$mode" --card "$CARD" --name "libusb.$mode" ||
		_cnid_failed=1
	# unplug/replug over the control socket: a usbredir disconnect/connect
	cnid-emu ctl "$CNID_EMU_RUN/$name/ctl" unplug >/dev/null
	cnid_check "usbredir.$mode.unplug" cnid_wait_for 10 sh -c "[ ! -e $d ]"
	cnid-emu ctl "$CNID_EMU_RUN/$name/ctl" replug >/dev/null
	cnid_check "usbredir.$mode.replug" cnid_wait_for 10 sh -c "[ \"\$(cat $d/bConfigurationValue 2>/dev/null)\" = 1 ]"
	cnid_check "usbredir.$mode.teardown" sh "$GADGET" teardown -n "$name"
done

# Planted fault: the split reader with dummy_hcd's endpoint numbering.  The
# fixed-endpoint client must fail on it (its endpoint check and its reads).
if sh "$GADGET" setup -n rdbad -u 1 -m split -c "$CARD" -- --endpoints 81,02,86,07 \
	>"$CNID_VM_TMP/setup.bad" 2>&1; then
	# the sysfs judge above, on the planted reader, must see the difference
	got=$(eps "$(usbdev rdbad)")
	if [ "$got" = "02 06 81 85 " ]; then
		cnid_fail usbredir.endpoint-judge-catches-wrong "sysfs shows the real numbering on a planted reader"
	else
		cnid_pass usbredir.endpoint-judge-catches-wrong
	fi
	libusb-reader --serial rdbad --mode split --card "$CARD" --name planted >"$CNID_VM_TMP/bad.out" 2>&1
	rc=$?
	sed 's/^TEST /planted: /' "$CNID_VM_TMP/bad.out"
	if [ "$rc" = 1 ] && grep -q '^TEST planted.endpoints FAIL' "$CNID_VM_TMP/bad.out" &&
		grep -q '^TEST planted.read FAIL' "$CNID_VM_TMP/bad.out"; then
		cnid_pass libusb.catches-wrong-endpoints
	else
		cnid_fail libusb.catches-wrong-endpoints "libusb-reader exit $rc on 81,02,86,07"
	fi
	sh "$GADGET" teardown -n rdbad >/dev/null 2>&1
else
	cnid_fail libusb.catches-wrong-endpoints "setup: $(tail -n 2 "$CNID_VM_TMP/setup.bad" | tr '\n' ' ')"
fi
cnid_finish
