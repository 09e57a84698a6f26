#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# selftest-live.sh [KERNEL]: boot one kernel with the canned bad scenarios
# of tests/vm/selftest/ (a hang, then a kernel crash) and check that the rig
# reports each the way it must: the run fails, the hang is a timeout, the
# completion marker is missing and the panic is in the kernel log reports.
# Then a second boot whose one scenario taints the kernel (U) and passes:
# the run must fail on the taint, named and attributed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
k=${1:-6.1}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0 cur=0
check() { # name, grep pattern
	if grep -q -E "$2" "$out"; then echo "TEST vm-selftest-live.$1 PASS"; else
		echo "TEST vm-selftest-live.$1 FAIL no match for: $2"; cur=1; fi
}
# boot NAME SCENARIO...: one guest run that must fail; its output in $out
boot() {
	_name=$1
	shift
	cur=0
	VM_GUEST_BINS= VM_GUEST_FILES= "$here/run.sh" --kernel "$k" --no-module --only none \
		"$@" >"$out" 2>&1
	if [ $? != 0 ]; then echo "TEST vm-selftest-live.$_name PASS"; else
		echo "TEST vm-selftest-live.$_name FAIL the run passed"; cur=1; fi
}
# after_boot: print the run's output when a check of it failed
after_boot() { [ "$cur" = 0 ] || { echo "---- run.sh output ----"; cat "$out"; fail=1; }; }

boot run-fails --scenario "$here/selftest/01-hang.sh" --scenario "$here/selftest/02-crash.sh"
check timeout 'TEST 01-hang FAIL timeout after 3s'
check no-marker 'no completion marker'
check panic-reported '^\[ *[0-9.]+\] Kernel panic - not syncing: sysrq triggered crash'
check console-printed 'guest console'
check summary '^[0-9]+ passed, [1-9][0-9]* failed$'
after_boot

# A second boot: a scenario that taints the kernel (U) and passes.
boot taint-fails --scenario "$here/selftest/03-taint.sh"
check taint-set 'TEST selftest.taint.set PASS'
check taint-named 'kernel tainted: mask 64, unexpected: U\(bit 6\) \(first seen after scenario 03-taint\)'
after_boot
exit "$fail"
