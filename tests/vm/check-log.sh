#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-log.sh [FILE...]: print every kernel report found in guest kernel
# logs (console output or a dmesg dump; stdin without FILE) and exit 1 if
# there is any.  Only kernel lines count, i.e. lines carrying a printk
# timestamp "[   12.345678]" (anywhere: on a serial console a kernel message
# may start in the middle of a line a program was writing); the rig's own
# "cnid-vm:" markers are not reports.  tests/vm/selftest.sh proves it trips.
set -eu

# One extended regular expression per line; case-sensitive.
PATTERNS='BUG:
BUG [a-z0-9_-]+ \(
kernel BUG
WARNING:
Oops
general protection
Poison overwritten
Redzone
Object padding
Padding overwritten
Freepointer corrupt
Kernel panic
blocked for more than
soft lockup
hard LOCKUP
hung task
rcu_sched self-detected stall
rcu: INFO: rcu_.* detected stalls
KASAN
UBSAN
KFENCE
possible circular locking
possible recursive locking
inconsistent lock state
suspicious RCU usage
sleeping function called from invalid context
scheduling while atomic
list_add corruption
list_del corruption
refcount_t:
unreferenced object
kmemleak: [0-9]+ new suspected
Call Trace
ODEBUG:
trying to register non-static key
double fault
stack-protector
softdog: Initiating panic
Software Watchdog Timer expired'

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "$PATTERNS" >"$tmp"

# Each report is printed once, from its timestamp on, with the scenario
# during which it appeared (from the runner's "cnid-vm: scenario" markers).
cat "$@" | tr -d '\r' |
	grep -E '\[ *[0-9]+\.[0-9]+\]' |
	awk -v pf="$tmp" '
	BEGIN { while ((getline p < pf) > 0) pats[n++] = p; at = "boot" }
	/cnid-vm: scenario [^ ]+ start/ {
		s = $0; sub(/.*cnid-vm: scenario /, "", s); sub(/ .*/, "", s)
		at = "during scenario " s; next
	}
	/cnid-vm: scenario [^ ]+ end/ {
		s = $0; sub(/.*cnid-vm: scenario /, "", s); sub(/ .*/, "", s)
		at = "after scenario " s; next
	}
	/cnid-vm: |ommand line|passed to user space/ { next }
	{
		for (i = 0; i < n; i++) {
			if ($0 !~ pats[i]) continue
			line = $0
			if (match(line, /\[ *[0-9]+\.[0-9]+\]/)) line = substr(line, RSTART)
			if (!seen[line]++) print line "   <- " at
			break
		}
	}' >"$tmp.hits" || true
if [ -s "$tmp.hits" ]; then
	cat "$tmp.hits"
	rm -f "$tmp.hits"
	exit 1
fi
rm -f "$tmp.hits"
exit 0
