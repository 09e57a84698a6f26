#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-fresh: prove that a fresh Debian 12 machine passes the README's
# two commands and installs and purges the Debian packages.  Builds a
# minimal bookworm root with mmdebstrap (only `make` added: the README's
# commands start with it), clones this repository's HEAD into it (a clean
# clone: uncommitted changes are not in it), mounts /proc, /sys and /dev
# and runs, inside it, as root with CI=true:
#     make demo;  make check;  make check-pkg-install-here
# (the last: the .debs installed with apt in that root, DKMS building the
# module for its kernel headers, then purged, nothing left behind;
# tests/pkg/install-test.sh).  Everything else must be installed by the
# project's own scripts.  Each step is timed; the logs stay in
# $BUILD/fresh/.  The root is removed at the end (keep it with --keep).
# Not part of make check: it takes ~45 min.
#
# The root's apt sources are the host's own Debian entries (so the mirror is
# whatever this machine uses), with the host's apt settings that mirror needs
# (tools/debian-root.sh: Valid-Until/Date checks, proxies).
#
# Usage: tools/check-fresh.sh [--keep] [--root DIR] [--steps 'CMD;CMD']
#   --steps   other commands to run in the clone instead of those three
#             (experiments: --steps 'make deps; make deep-kernel')
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
out=$ROOT/$BUILD/fresh
froot=${CNID_FRESH_ROOT:-/var/tmp/cnid-fresh}
keep=0
steps=("make demo" "make check" "make check-pkg-install-here")
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--root) froot=$2; shift ;;
	--steps) IFS=';' read -r -a steps <<<"$2"; shift ;;
	*) echo "usage: tools/check-fresh.sh [--keep] [--root DIR] [--steps 'CMD;CMD']" >&2; exit 2 ;;
	esac
	shift
done

say() { echo "check-fresh: $*"; }
die() { say "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (it builds a root file system and chroots into it)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (make check-fresh installs it)"

# shellcheck source=tools/debian-root.sh
. "$ROOT/tools/debian-root.sh"
unmount_all() { unmount_under "$froot"; }
cleanup() {
	unmount_all
	if [ "$keep" = 0 ]; then rm -rf "$froot"; fi
}
trap cleanup EXIT

mkdir -p "$out"
rm -f "$out"/*.log
unmount_all
rm -rf "$froot"

# The host's Debian sources for bookworm.
bookworm_mirrors "$out/sources" || die "no bookworm entry in the host's apt sources"
host_aptopts

t0=$(date +%s)
say "building a minimal bookworm root in $froot (log: $out/mmdebstrap.log)"
mmdebstrap --variant=minbase --include=make "${APTOPTS[@]+"${APTOPTS[@]}"}" bookworm "$froot" "${MIRRORS[@]}" \
	>"$out/mmdebstrap.log" 2>&1 || { tail -n 30 "$out/mmdebstrap.log"; die "mmdebstrap failed"; }
t1=$(date +%s)
say "root ready in $((t1 - t0)) s ($(du -sh "$froot" | cut -f1))"

git clone -q "$ROOT" "$froot/root/cnid"
say "cloned $(git -C "$ROOT" rev-parse --short HEAD) into /root/cnid (uncommitted changes are not in it)"

mount_root "$froot" || die "mounting /proc, /sys, /dev and /run in $froot failed"

status=0
summary=()
i=0
for step in "${steps[@]}"; do
	step=$(echo "$step" | sed 's/^ *//; s/ *$//')
	[ -n "$step" ] || continue
	i=$((i + 1))
	log=$out/step$i.log
	say "step $i: $step (log: $log)"
	ts=$(date +%s)
	rc=0
	chroot "$froot" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 CI=true \
		/bin/sh -c "cd /root/cnid && $step" </dev/null >"$log" 2>&1 || rc=$?
	te=$(date +%s)
	if [ "$rc" = 0 ]; then
		summary+=("step $i '$step': passed in $((te - ts)) s")
	else
		summary+=("step $i '$step': FAILED (exit $rc) after $((te - ts)) s")
		tail -n 40 "$log"
		status=1
		break
	fi
done
tend=$(date +%s)
for l in "${summary[@]}"; do say "$l"; done
say "root $((t1 - t0)) s; total $((tend - t0)) s"
if [ "$status" = 0 ]; then
	say "PASSED: a fresh Debian 12 root ran: ${steps[*]}"
else
	say "FAILED (logs in $out)"
fi
exit "$status"
