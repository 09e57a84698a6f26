#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=400 stress-timeout=800
#
# cnid.ko's transaction engine (kmod/README.md "Transactions"; review
# 2026-11-kmod.md #2-#4, #9), in both pipe modes: module parameters refuse
# values out of range; kill -9 ends a caller blocked in every state within
# 100 ms (never in D state); O_NONBLOCK calls and poll() never sleep;
# USBDEVFS_RESET ends a 60-s wait at once (ECONNABORTED); a file that wrote
# and stopped does not starve another past its deadline; no lost wake-ups;
# replies that end on a packet boundary with and without a ZLP on every
# path; interrupted ioctls restart and send their request once; runtime PM
# stays balanced across unbind/bind with a file open.  Then, one mode at a
# time (it suspends the whole guest), a system suspend during a card read:
# the caller gets ECONNABORTED and the reader works after resume.
# tests/kmod/engine-canary.sh boots this scenario with a module that has
# one planted fault per promise (KCFLAGS=-DCNID_TEST_ENGINE_PLANT).
. /lib/cnid-vm.sh

cnid_emu_env
[ -f "$CNID_TEST_DIR/cnid-engine-canary.ko" ] && CNID_MODULE=$CNID_TEST_DIR/cnid-engine-canary.ko
cnid_check kmod.engine.load cnid_load || cnid_finish

# reader NAME UDC_INDEX MODE TEST
reader() {
	name=$1 idx=$2 mode=$3 test=$4 rc=0
	if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
		echo "TEST kmod.$mode.$test-setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
		return 1
	fi
	kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
		--card "$CARD" --name "kmod.$mode" "$test" || rc=1
	sh "$GADGET" teardown -n "$name" >/dev/null 2>&1 || rc=1
	return $rc
}

cnid_both_modes reader engine || _cnid_failed=1
reader sam0 0 split suspend || _cnid_failed=1
reader sam0 0 single suspend || _cnid_failed=1
cnid_finish
