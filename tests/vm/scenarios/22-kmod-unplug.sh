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

GADGET=$CNID_TEST_DIR/gadget.sh
CARD=$CNID_TEST_DIR/resident-fp2.card
export CNID_EMU_RUN="$CNID_VM_TMP/emu"
CYCLES=$(cnid_iterations 15 1000)
mkdir -p "$CNID_EMU_RUN"

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

if [ "${CNID_VM_UDCS:-1}" -ge 2 ]; then
	reader sam0 0 split >"$CNID_EMU_RUN.split.out" 2>&1 &
	p1=$!
	reader sam1 1 single >"$CNID_EMU_RUN.single.out" 2>&1 &
	p2=$!
	wait $p1 || _cnid_failed=1
	wait $p2 || _cnid_failed=1
	cat "$CNID_EMU_RUN.split.out" "$CNID_EMU_RUN.single.out"
else
	reader sam0 0 split || _cnid_failed=1
	reader sam0 0 single || _cnid_failed=1
fi
cnid_check kmod.unload-after-unplugs cnid_unload
cnid_finish
