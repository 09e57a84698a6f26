#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/deep/canary.sh: prove the deep tier fails when it should.  Builds
# tests/deep/canary/deep-canary.ko against the debug kernel, boots the rig
# with it (scenario 05-deep-canary loads it, 99-deep-kmemleak scans) and
# requires the run to FAIL with every planted bug reported: KASAN
# use-after-free, UBSAN shift, sleep in atomic context, lockdep ABBA, a
# kmemleak leak.  Exit 0 when all five were caught.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
out=$ROOT/$BUILD/deep/canary
tree=$(tests/deep/build-kernel.sh | tail -n 1)
key=$(tests/deep/build-kernel.sh --print-key)
rm -rf "$out"
mkdir -p "$out"
cp tests/deep/canary/Kbuild tests/deep/canary/deep-canary.c "$out/"
make -s -C "$tree" M="$out" modules >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }

log=$out/run.log
if VM_GUEST_BINS= VM_GUEST_FILES="$out/deep-canary.ko" BUILD=$BUILD tests/deep/run.sh \
	--no-module --only 05-deep-canary,99-deep-kmemleak --append cnid_deep_canary=1 >"$log" 2>&1; then
	echo "deep-canary: the run PASSED with five planted bugs: the deep tier is blind ($log)"
	exit 1
fi
console=$ROOT/$BUILD/vm/$(cat "$key/kernelrelease")/last/console.log
missing=()
while IFS='|' read -r what pattern; do
	grep -q -E "$pattern" "$console" || missing+=("$what")
done <<'EOF2'
KASAN|BUG: KASAN: use-after-free in canary_uaf
UBSAN|UBSAN: shift-out-of-bounds in .*deep-canary
atomic sleep|BUG: sleeping function called from invalid context
lockdep|WARNING: possible circular locking dependency detected
kmemleak|unreferenced object
EOF2
if [ ${#missing[@]} -gt 0 ]; then
	echo "deep-canary: not reported: ${missing[*]} (console: $console)"
	exit 1
fi
echo "deep-canary: all 5 planted bugs reported (KASAN, UBSAN, atomic sleep, lockdep, kmemleak) and the run failed, as it must"
