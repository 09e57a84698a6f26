# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Sourced (bash) by the scripts that make throwaway Debian 12 roots with
# mmdebstrap: tools/check-fresh.sh, tests/pkg/install-test.sh --root and
# tests/daemon/systemd-unit.sh.

# bookworm_mirrors PREFIX: write the host's apt entries for bookworm
# (deb822 stanzas signed by debian-archive-keyring and one-line entries
# alike) to PREFIX.sources and PREFIX.list, and set the array MIRRORS to
# those of the two that are not empty, as mmdebstrap's mirror arguments: the
# roots use whatever mirror this machine uses.  Returns 1 when there is none.
bookworm_mirrors() {
	local f
	: >"$1.sources"
	: >"$1.list"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" } /Suites:[^\n]*bookworm/ && /debian-archive-keyring/' \
			"$f" >>"$1.sources"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		grep -E '^deb .* bookworm' "$f" >>"$1.list" || true
	done
	MIRRORS=()
	[ -s "$1.sources" ] && MIRRORS+=("$1.sources")
	[ -s "$1.list" ] && MIRRORS+=("$1.list")
	[ ${#MIRRORS[@]} -gt 0 ]
}

# host_aptopts: set the array APTOPTS to mmdebstrap --aptopt arguments
# carrying the host's apt settings that its mirror needs: whether a Release
# file's Valid-Until and Date are checked (a snapshot mirror's Release files
# expire: this machine's apt turns both checks off) and its proxies.
# mmdebstrap writes them into the root's /etc/apt/apt.conf.d/99mmdebstrap,
# so apt inside the root (and the roots made from it) sees the mirror as
# the host does.
host_aptopts() {
	# shellcheck disable=SC2034 # for the caller
	mapfile -t APTOPTS < <(apt-config dump 2>/dev/null |
		grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' |
		sed 's/^\([^ ]*\) \(.*\);$/--aptopt=\1 \2/')
}

# mount_root ROOT: what a chroot into ROOT needs mounted, as on a real
# machine: ROOT itself (a bind mount: / is a mount point, and inside
# `unshare --propagation private` (tests/vm/unstable-root.sh) changes the
# propagation of /, which fails (EINVAL) on a plain directory), /proc, /sys,
# the host's /dev (its changes not propagated back) and a tmpfs /run.
# unmount_under ROOT undoes it.
mount_root() {
	mount --bind "$1" "$1" &&
		mount -t proc proc "$1/proc" &&
		mount -t sysfs sysfs "$1/sys" &&
		mount --rbind /dev "$1/dev" &&
		mount --make-rslave "$1/dev" &&
		mount -t tmpfs -o mode=0755 tmpfs "$1/run"
}

# unmount_under ROOT: lazily unmount ROOT and every mount below it, deepest
# first.
unmount_under() {
	local m
	awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
