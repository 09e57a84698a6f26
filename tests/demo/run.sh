#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make demo: boot one QEMU guest (tests/vm/run.sh, Debian's default kernel,
# dummy_hcd) with cnid.ko, cnidd and the virtual reader, and show what a
# user sees while the four card types are presented (tests/demo/demo.sh,
# run in the guest as a scenario).  The guest's show is printed as it
# happens, without the kernel's messages and the rig's own lines; a check
# that fails is printed and makes the exit status 1.  The whole console
# stays in $BUILD/vm/<kernel>/last/console.log.
#
# Usage: tests/demo/run.sh [KERNEL]      (default 6.1; from the top of the tree)
# env: VM_GUEST_BINS, VM_GUEST_FILES (make demo sets them), BUILD
set -uo pipefail
kernel=${1:-6.1}
t0=$(date +%s)
echo "cnid demo: booting Debian's $kernel kernel under QEMU with cnid.ko, cnidd and a"
echo "virtual reader; four synthetic cards follow, one at a time (about a minute under TCG)"
echo
# The guest's lines between the scenario's start and end markers; kernel
# messages (a printk timestamp) and passing TEST lines left out.
VM_GUEST_DYN_BINS='' tests/vm/run.sh --kernel "$kernel" --only none --scenario tests/demo/demo.sh -v 2>&1 |
	tr -d '\r' | awk '
		/^vm [^ ]+: [0-9]+ passed/ || /^[0-9]+ passed, [0-9]+ failed/ { print "rig: " $0; next }
		over { next }	# (the rig prints the whole console again when a check failed)
		/^==== scenario demo done/ { on = 0; over = 1; next }
		/^==== scenario demo / { on = 1; next }
		!on || /^cnid-vm: TEST / { next }
		/^TEST [^ ]+ FAIL/ { print "FAILED: " $0; fflush(); next }
		/^ *\[ *[0-9]+\.[0-9]+\]/ || /^TEST / { next }
		{ print; fflush() }'
rc=${PIPESTATUS[0]}
t1=$(date +%s)
res=$(ls -d "${BUILD:-build}"/vm/"$kernel"*/last 2>/dev/null | head -n 1)
n=$(grep -ac '^TEST demo\.[^ ]* PASS' "$res/results.log" 2>/dev/null)
echo
if [ "$rc" = 0 ]; then
	echo "cnid demo: done in $((t1 - t0)) s: ${n:-0} checks passed (guest console: $res/console.log)"
else
	echo "cnid demo: FAILED after $((t1 - t0)) s (exit $rc of tests/vm/run.sh; console: $res/console.log)" >&2
	exit 1
fi
