#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Live self-test (make vm-selftest-live): a kernel crash must fail the run
# through the missing completion marker and the kernel log checker.
echo c >/proc/sysrq-trigger
sleep 60
