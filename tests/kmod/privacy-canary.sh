#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/privacy-canary.sh: prove the privacy test can fail.  Builds
# cnid.ko for one kernel (default 6.1) with KCFLAGS=-DCNID_TEST_LEAK, the
# planted leak of kmod/xfer.c (every reply, card included, print_hex_dump()ed
# into the kernel log), boots the rig with it in place of cnid.ko and only
# the netlink scenario, and requires that run to FAIL with
# kmod.nl.no-secret-in-dmesg failing.  Exit 0 when the leak was caught.
# (Card details leaked into the public channels: tests/kmod/nl-canary.sh.)
#   tests/kmod/privacy-canary.sh [KERNEL]     (make privacy-canary)
# shellcheck source=tests/kmod/canary-lib.sh
. "$(dirname "$0")/canary-lib.sh"
if canary_run privacy-canary CNID_TEST_LEAK leaks-replies 21-kmod-netlink "${1:-6.1}"; then
	echo "privacy-canary: the run PASSED with a module that dumps every reply into dmesg:" \
		"the privacy test is blind ($log)"
	exit 1
fi
# verdict.sh prints each failed result line of the guest as "  vm KVER: TEST ..."
want="^  vm $kver: TEST kmod.nl.no-secret-in-dmesg FAIL"
if ! grep -q "$want" "$log"; then
	echo "privacy-canary: the run failed, but not kmod.nl.no-secret-in-dmesg ($log):"
	grep -E "^  vm $kver: " "$log" | head -n 20
	exit 1
fi
echo "privacy-canary: the planted leak was caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\.nl\.(no-secret|not-a-test)" "$log" | cut -c 1-200
