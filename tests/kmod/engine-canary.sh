#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/engine-canary.sh: prove the engine tests (25-kmod-engine) can
# fail.  Builds cnid.ko for one kernel (default 6.1) with
# KCFLAGS=-DCNID_TEST_ENGINE_PLANT, where CNID_PLANT() (kmod/cnid_drv.h)
# plants one fault per promise: the wait for a free reader is killable
# (D state) rather than interruptible; an IN URB is one byte longer than the rest of the
# reply (a packet-boundary reply then needs a ZLP); an interrupted ioctl
# sends its request again; release skips its runtime-PM put after unbind;
# suspend and reset end a transaction with EIO.  Boots 25-kmod-engine alone
# with it and requires each of the judges below to fail in both modes.
# (stopped-owner, no-lost-wakeups and nonblock-never-sleeps have no plant
# here: a plant for them blocks the other judges; each failed against the
# module before the cdc-wdm redesign, see kmod/README.md "Tests".)
# Exit 0 when the planted faults were caught.
#   tests/kmod/engine-canary.sh [KERNEL]     (make engine-canary)
# shellcheck source=tests/kmod/canary-lib.sh
. "$(dirname "$0")/canary-lib.sh"
if canary_run engine-canary CNID_TEST_ENGINE_PLANT engine-plant 25-kmod-engine "${1:-6.1}"; then
	echo "engine-canary: the run PASSED with the planted module: the engine tests are blind ($log)"
	exit 1
fi
missing=
for m in split single; do
	for c in kill-write-waiting-for-other kill-ioctl-waiting-for-quarantine reset-ends-blocked-ioctl \
		packet-multiple-replies ioctl-restarts-after-signals \
		ioctl-eintr-then-same-request-gets-its-reply pm-balanced-across-unbind suspend-mid-transaction; do
		grep -q "^  vm $kver: TEST kmod\.$m\.$c FAIL" "$log" || missing="$missing $m.$c"
	done
done
if [ -n "$missing" ]; then
	echo "engine-canary: the run failed, but these judges did not:$missing ($log):"
	grep -E "^  vm $kver: " "$log" | head -n 40
	exit 1
fi
echo "engine-canary: the planted faults were caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\.(split|single)\.[a-z-]* FAIL" "$log" | cut -c 1-200
