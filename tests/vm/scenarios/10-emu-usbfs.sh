#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=3600
#
# The virtual reader proven before any driver relies on it: cnid-emu as a
# FunctionFS gadget, driven through raw usbfs (usbfs-client), no cnid.ko.
# Two readers at once, one per pipe mode, each on its own dummy UDC (one
# after the other when the guest has a single UDC).
. /lib/cnid-vm.sh

cnid_emu_env
ITER=$(cnid_iterations 20 500)
UNPLUGS=$(cnid_iterations 2 50)
# Under vmstress, also walk all 2320 packet boundaries of a 30 10 reply.
WALK=
[ "${CNID_VM_STRESS:-0}" != 0 ] && WALK=--walk-all

# reader NAME UDC_INDEX MODE: set up, test, tear down; prints TEST lines.
reader() {
	name=$1 idx=$2 mode=$3 rc=0
	if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
		echo "TEST emu.$mode.setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
		return 1
	fi
	echo "TEST emu.$mode.setup PASS"
	usbfs-client --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
		--card "$CARD" --name "emu.$mode" --iterations "$ITER" --unplugs "$UNPLUGS" $WALK || rc=1
	if [ $rc != 0 ]; then
		echo "--- last lines of the $mode emulator's log:"
		tail -n 40 "$CNID_EMU_RUN/$name/log"
	fi
	# The emulator's log recorded both directions with timestamps.
	if grep -q ' rx ' "$CNID_EMU_RUN/$name/log" && grep -q ' tx ' "$CNID_EMU_RUN/$name/log"; then
		echo "TEST emu.$mode.log PASS"
	else
		echo "TEST emu.$mode.log FAIL no rx/tx lines in the emulator log"
		rc=1
	fi
	if sh "$GADGET" teardown -n "$name"; then
		echo "TEST emu.$mode.teardown PASS"
	else
		echo "TEST emu.$mode.teardown FAIL gadget.sh teardown"
		rc=1
	fi
	return $rc
}

cnid_both_modes reader || _cnid_failed=1
[ "${CNID_VM_UDCS:-1}" -ge 2 ] && cnid_pass emu.two-readers-at-once
cnid_finish
