#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=600
#
# cnid.ko's quarantine (kmod/README.md): a caller that gives up on a card
# read the reader answers after 800 ms - ioctl timeout, write() then close(),
# write() then SIGKILL - or a reply followed by trailing bytes and a second
# copy of the frame must leave nothing for the next caller: its SAM-status
# request gets the SAM-status reply and its card read the card, in both pipe
# modes.  tests/kmod/quarantine-canary.sh boots this scenario with a module
# built without the quarantine (KCFLAGS=-DCNID_TEST_NO_QUARANTINE) and
# requires kmod.*.stale-* to fail.
. /lib/cnid-vm.sh

cnid_emu_env
[ -f "$CNID_TEST_DIR/cnid-quarantine-canary.ko" ] && CNID_MODULE=$CNID_TEST_DIR/cnid-quarantine-canary.ko
cnid_check kmod.stale.load cnid_load || cnid_finish

# reader NAME UDC_INDEX MODE: each case on a fresh reader, so that one
# case's stale reply (with a broken module) cannot decide the next one's.
reader() {
	name=$1 idx=$2 mode=$3 rc=0
	for c in ioctl-timeout ioctl-timeout-nonblock write-close write-sigkill trailing-bytes; do
		if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
			echo "TEST kmod.$mode.stale-$c-setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
			sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
			return 1
		fi
		kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
			--card "$CARD" --name "kmod.$mode" "stale-$c" || rc=1
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1 || rc=1
	done
	return $rc
}

cnid_both_modes reader || _cnid_failed=1
cnid_finish
