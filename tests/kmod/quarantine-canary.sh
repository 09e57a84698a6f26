#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/quarantine-canary.sh: prove the stale-reply tests can fail.
# Builds cnid.ko for one kernel (default 6.1) with
# KCFLAGS=-DCNID_TEST_NO_QUARANTINE (kmod/xfer.c: no quarantine after an
# abandoned reply, so the next caller gets it, as before the fix), boots the
# rig with it in place of cnid.ko and only 24-kmod-stale, and requires that
# run to FAIL with every stale-reply case of both pipe modes failing (B's
# SAM-status request, or the O_NONBLOCK one, gets A's card).
# Exit 0 when the planted fault was caught.
#   tests/kmod/quarantine-canary.sh [KERNEL]     (make quarantine-canary)
# shellcheck source=tests/kmod/canary-lib.sh
. "$(dirname "$0")/canary-lib.sh"
if canary_run quarantine-canary CNID_TEST_NO_QUARANTINE no-quarantine 24-kmod-stale "${1:-6.1}"; then
	echo "quarantine-canary: the run PASSED with a module that has no quarantine:" \
		"the stale-reply tests are blind ($log)"
	exit 1
fi
# verdict.sh prints each failed result line of the guest as "  vm KVER: TEST ..."
missing=$(canary_missing stale-ioctl-timeout stale-nonblock-eagain stale-write-close \
	stale-write-sigkill stale-trailing-bytes)
if [ -n "$missing" ]; then
	echo "quarantine-canary: the run failed, but these cases did not:$missing ($log):"
	grep -E "^  vm $kver: " "$log" | head -n 20
	exit 1
fi
echo "quarantine-canary: the planted fault was caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\.(split|single)\.stale-[a-z-]* FAIL" "$log" | grep -v then-read | cut -c 1-200
