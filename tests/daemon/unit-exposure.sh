#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-daemon-unit: cnidd.service's exposure level from
# `systemd-analyze security --offline=true` must be at most MAX; the same
# unit without its hardening lines (the canary) must exceed it.
#
# Usage: tests/daemon/unit-exposure.sh UNIT MAX WORKDIR
set -eu
unit=$1 max=$2 work=$3
rm -rf "$work"
mkdir -p "$work/hardened" "$work/bare"

exposure() {
	systemd-analyze security --offline=true "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
cp "$unit" "$work/hardened/cnidd.service"
# the canary: only the [Unit]/[Service] basics and the user survive
grep -E '^(\[|Description|Type|NotifyAccess|ExecStart|ExecReload|User|Group|RuntimeDirectory|WantedBy)' \
	"$unit" >"$work/bare/cnidd.service"

good=$(exposure "$work/hardened/cnidd.service")
bare=$(exposure "$work/bare/cnidd.service")
[ -n "$good" ] && [ -n "$bare" ] || { echo "check-daemon-unit: systemd-analyze gave no exposure level" >&2; exit 1; }
awk -v g="$good" -v m="$max" 'BEGIN { exit !(g <= m) }' ||
	{ echo "check-daemon-unit: cnidd.service exposure $good is above $max" >&2
	  systemd-analyze security --offline=true "$work/hardened/cnidd.service" | grep '✗' >&2; exit 1; }
awk -v b="$bare" -v m="$max" 'BEGIN { exit !(b > m) }' ||
	{ echo "check-daemon-unit: the canary (no hardening) rated $bare, not above $max: the judge cannot fail" >&2; exit 1; }
echo "check-daemon-unit: cnidd.service exposure $good (at most $max); without its hardening $bare (caught)"
