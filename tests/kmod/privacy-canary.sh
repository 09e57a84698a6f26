#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/privacy-canary.sh: prove the privacy test can fail.  Builds
# cnid.ko for one kernel (default 6.1) with KCFLAGS=-DCNID_TEST_LEAK, the
# planted leaks: kmod/xfer.c print_hex_dump()s every reply (card included)
# into the kernel log; kmod/netlink.c puts the card type and token into the
# public card event (two extra attributes) and the card type into the
# uevent.  It boots the rig with it in place of cnid.ko and only the netlink
# scenario, and requires that run to FAIL with each of these checks failing:
# kmod.nl.no-secret-in-dmesg (the reply), kmod.nl.no-secret-in-netlink (the
# token), kmod.nl.mc-public-only (the extra attributes),
# kmod.nl.uevent-public-keys (the extra key).  Exit 0 when all were caught.
#   tests/kmod/privacy-canary.sh [KERNEL]     (make privacy-canary)
# shellcheck source=tests/kmod/canary-lib.sh
. "$(dirname "$0")/canary-lib.sh"
if canary_run privacy-canary CNID_TEST_LEAK leaks-replies 21-kmod-netlink "${1:-6.1}"; then
	echo "privacy-canary: the run PASSED with a module that leaks replies into dmesg and" \
		"card details into the public channels: the privacy test is blind ($log)"
	exit 1
fi
missed=0
for t in no-secret-in-dmesg no-secret-in-netlink mc-public-only uevent-public-keys; do
	# verdict.sh prints each failed result line of the guest as "  vm KVER: TEST ..."
	if ! grep -q "^  vm $kver: TEST kmod\.nl\.$t FAIL" "$log"; then
		echo "privacy-canary: kmod.nl.$t did not fail: that leak went unseen ($log)"
		missed=1
	fi
done
if [ "$missed" = 1 ]; then
	grep -E "^  vm $kver: " "$log" | head -n 20
	exit 1
fi
echo "privacy-canary: the planted leaks were caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\.nl\.(no-secret|not-a-test|mc-public|uevent-public)" "$log" | cut -c 1-200
