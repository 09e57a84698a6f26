#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Live self-test (make vm-selftest-live): a taint bit other than O/E (here U,
# "user requested", bit 6) must fail a run whose results are all PASS, named
# by letter and attributed to this scenario.
if echo 64 >/proc/sys/kernel/tainted; then
	echo "TEST selftest.taint.set PASS"
else
	echo "TEST selftest.taint.set FAIL cannot write /proc/sys/kernel/tainted"
fi
