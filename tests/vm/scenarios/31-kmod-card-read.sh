#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=120
#
# The whole card read a daemon does (find, select, read) through /dev/cnidN,
# with the virtual reader in its realistic delay profile (find 20 ms, select
# 20 ms, read 600 ms): card-read-time prints each command's median beside
# the configured delay (tests/vm/README.md, "Figures").  Passes when every
# read worked.  Planted fault: the same with a stall armed must fail.
. /lib/cnid-vm.sh

cnid_emu_env
cnid_check kmod.card-read.load cnid_load || cnid_finish
if ! sh "$GADGET" setup -n rt -u 0 -m split -c "$CARD" -- --delay realistic >"$CNID_VM_TMP/setup" 2>&1; then
	cnid_fail kmod.card-read.setup "$(tail -n 2 "$CNID_VM_TMP/setup" | tr '\n' ' ')"
	cnid_finish
fi
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
if card-read-time --serial rt --ctl "$CNID_EMU_RUN/rt/ctl" --card "$CARD" --rounds 3 \
	>"$CNID_VM_TMP/out" 2>&1; then
	sed "s/^/${CNID_VM_HCD:-dummy} /" "$CNID_VM_TMP/out"
	cnid_pass kmod.card-read.realistic
else
	cat "$CNID_VM_TMP/out"
	cnid_fail kmod.card-read.realistic "a command failed"
fi
# planted: a reader that stalls once must make the judge fail
cnid-emu ctl "$CNID_EMU_RUN/rt/ctl" delay none >/dev/null
cnid-emu ctl "$CNID_EMU_RUN/rt/ctl" fault stall >/dev/null
if card-read-time --serial rt --ctl "$CNID_EMU_RUN/rt/ctl" --card "$CARD" --rounds 1 \
	>"$CNID_VM_TMP/planted" 2>&1; then
	cnid_fail kmod.card-read.catches-stall "passed with a stalled reply"
else
	cnid_pass kmod.card-read.catches-stall
fi
sh "$GADGET" teardown -n rt >/dev/null 2>&1
cnid_finish
