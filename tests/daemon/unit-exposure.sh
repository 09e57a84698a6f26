#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-daemon-unit: `systemd-analyze verify` finds nothing to say
# about cnidd.service (with ExecStart pointing at the built cnidd), and a
# copy with a misspelled key must draw a complaint; its exposure level from
# `systemd-analyze security --offline=true` must be at most MAX, and the
# same unit without its hardening lines (the canary) must exceed it.
#
# Usage: tests/daemon/unit-exposure.sh UNIT MAX WORKDIR [CNIDD]
set -eu
unit=$1 max=$2 work=$3 cnidd=${4:-}
rm -rf "$work"
mkdir -p "$work/hardened" "$work/bare" "$work/verify" "$work/typo"

if [ -n "$cnidd" ]; then
	sed "s|^ExecStart=.*|ExecStart=$(realpath "$cnidd")|" "$unit" >"$work/verify/cnidd.service"
	sed 's/^ProtectSystem=/ProtectSystme=/' "$work/verify/cnidd.service" >"$work/typo/cnidd.service"
	systemd-analyze verify "$work/verify/cnidd.service" >"$work/verify.out" 2>&1 || true
	[ ! -s "$work/verify.out" ] ||
		{ echo "check-daemon-unit: systemd-analyze verify complains:" >&2; cat "$work/verify.out" >&2; exit 1; }
	systemd-analyze verify "$work/typo/cnidd.service" >"$work/typo.out" 2>&1 || true
	grep -q "Unknown key 'ProtectSystme'" "$work/typo.out" ||
		{ echo "check-daemon-unit: a misspelled key drew no complaint: the verify judge is blind" >&2; exit 1; }
	echo "check-daemon-unit: systemd-analyze verify: nothing to say (a misspelled key: caught)"
fi

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
