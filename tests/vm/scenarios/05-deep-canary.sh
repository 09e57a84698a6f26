#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The deep tier's canary (tests/deep/canary.sh, `make deep-canary`): loads
# deep-canary.ko, which commits one bug of each kind the debug kernel must
# report.  Runs only when the kernel command line has cnid_deep_canary=1;
# every other run skips it.
# cnid-vm: timeout=120
. /lib/cnid-vm.sh

if ! grep -q 'cnid_deep_canary=1' /proc/cmdline; then
	cnid_skip deep.canary "only under make deep-canary"
	exit 0
fi
ko=$CNID_TEST_DIR/deep-canary.ko
if [ ! -f "$ko" ]; then
	cnid_fail deep.canary "no $ko in the image"
	cnid_finish
fi
cnid_check deep.canary.insmod insmod "$ko"
cnid_finish
