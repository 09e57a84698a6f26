#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=3
# Live self-test (make vm-selftest-live): a scenario that never ends must
# become "FAIL timeout" and must not stop the run.
echo "TEST selftest.hang.started PASS"
sleep 1000
