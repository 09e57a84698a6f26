#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=900 stress-timeout=7200
#
# cnid.ko and hot-unplug: the device leaves in the middle of a reply, and
# during a blocked read(), a blocked transaction and a poll() at once,
# then comes back as a new /dev/cnidN.  `make check` runs a few dozen
# cycles per kernel; `make vmstress` runs 1,000 per pipe mode and prints
# how many survived ("unplug cycles survived: N of M").
. /lib/cnid-vm.sh

cnid_emu_env
CYCLES=$(cnid_iterations 15 1000)

cnid_check kmod.load cnid_load || cnid_finish

reader() {
	name=$1 idx=$2 mode=$3 rc=0
	if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
		echo "TEST kmod.unplug.$mode.setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
		return 1
	fi
	kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
		--card "$CARD" --name "kmod.unplug.$mode" --cycles "$CYCLES" unplug || rc=1
	sh "$GADGET" teardown -n "$name" >/dev/null 2>&1 || rc=1
	return $rc
}

cnid_both_modes reader || _cnid_failed=1
cnid_check kmod.unload-after-unplugs cnid_unload
cnid_finish
