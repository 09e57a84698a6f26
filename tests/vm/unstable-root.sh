#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Debian unstable root holding the newest kernel of Debian's archive, as a
# user of unstable would have it: linux-headers-VER-amd64 (which brings the
# compiler that kernel is built with, gcc-16 for 7.x, which bookworm lacks),
# dkms and sparse installed with apt; the kernel's image and modules
# (linux-binary-VER + linux-modules-VER, or linux-image-VER[-unsigned] where
# the image is not split) unpacked into it, with depmod run, for the QEMU rig
# to boot.
#
# "Newest": the highest linux-image-VER-amd64[-unsigned] that apt sees in
# unstable (flavour amd64; not cloud, rt or dbg).
#
# The apt sources are the host's own Debian entries with the suite replaced by
# sid (so the mirror is whatever this machine uses); the host's
# Acquire::Check-Valid-Until and proxy settings are passed on.
#
# Cache: ${CNID_UNSTABLE_CACHE:-/var/cache/cnid-unstable}/VER/root, one per
# kernel version, made under a lock (a concurrent caller waits).  Whether a
# newer kernel has appeared is asked of apt (an `apt-get update` in the cached
# root, ~3 s) at most every CNID_UNSTABLE_TTL seconds (default 3600); offline,
# the cached root is used.  When a newer kernel appears a new root is made and
# the older ones are removed.
#
# Usage:
#   unstable-root.sh prepare     make/refresh the root; last line:
#                                "VER ROOTDIR IMAGE" (IMAGE: the bzImage, host path)
#   unstable-root.sh cached      "VER ROOTDIR IMAGE" of the newest ready root (no
#                                network, no lock); exit 1 if there is none
#   unstable-root.sh run [--bind DIR]... [--cd DIR] -- CMD [ARG]...
#                                run CMD chrooted in the newest ready root,
#                                in a private mount namespace with /proc,
#                                /sys, /dev and each DIR bind-mounted at the
#                                same path (the mounts vanish with CMD)
set -euo pipefail

cache=${CNID_UNSTABLE_CACHE:-/var/cache/cnid-unstable}
ttl=${CNID_UNSTABLE_TTL:-3600}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# the packages the root holds besides the kernel's (a change rebuilds it)
pkgs="dkms sparse kmod make ca-certificates"
stamp="pkgs=$pkgs checker=$(sha256sum "$top/tests/kmod/checker-valid.sh" | cut -c1-12)"

log() { echo "unstable-root: $*" >&2; }
die() { log "$*"; exit 1; }

# newest ready root: "VER DIR IMAGE"
cached() {
	local d best=
	for d in "$cache"/*/ready; do
		[ -f "$d" ] || continue
		[ "$(cat "$d")" = "$stamp" ] || continue
		d=${d%/ready}
		best=$(printf '%s\n%s\n' "$best" "${d##*/}" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best $cache/$best/root $cache/$best/root$(cat "$cache/$best/image")"
}

# in_root ROOT [--bind DIR]... [--cd DIR] -- CMD...
in_root() {
	local r=$1 binds=() cdir=/ b
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--bind) binds+=("$2"); shift ;;
		--cd) cdir=$2; shift ;;
		--) shift; break ;;
		*) break ;;
		esac
		shift
	done
	[ $# -gt 0 ] || die "run: no command"
	local script='set -e; r=$1; cdir=$2; n=$3; shift 3
		mount -t proc proc "$r/proc"; mount -t sysfs sysfs "$r/sys"
		mount --rbind /dev "$r/dev"
		while [ "$n" -gt 0 ]; do mkdir -p "$r$1"; mount --bind "$1" "$r$1"; shift; n=$((n - 1)); done
		exec chroot "$r" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cdir" "$@"'
	for b in "${binds[@]+"${binds[@]}"}"; do
		[ -d "$b" ] || die "run: --bind $b: not a directory"
	done
	unshare -m --propagation private /bin/sh -c "$script" sh "$r" "$cdir" "${#binds[@]}" \
		"${binds[@]+"${binds[@]}"}" "$@"
}

# sid_sources OUT: the host's Debian entries with the suite replaced by sid
sid_sources() {
	local out=$1 code f
	code=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$code" ] || die "cannot tell the host's Debian codename (/etc/os-release)"
	: >"$out.sources"
	: >"$out.list"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v code="$code" 'BEGIN { RS = ""; ORS = "\n\n" }
			$0 ~ ("Suites:[^\n]*" code) && /debian-archive-keyring/ && !/URIs:[^\n]*-security/ {
				n = split($0, l, "\n"); s = ""
				for (i = 1; i <= n; i++) {
					if (l[i] ~ /^#/) continue
					if (l[i] ~ /^Suites:/) l[i] = "Suites: sid"
					s = s l[i] "\n"
				}
				print s; exit
			}' "$f" >>"$out.sources"
		[ -s "$out.sources" ] && break
	done
	if [ ! -s "$out.sources" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			awk -v code="$code" '$1 == "deb" && !/-security/ {
				for (i = 2; i <= NF; i++) if ($i == code) { $i = "sid"; print; exit } }' \
				"$f" >>"$out.list"
			[ -s "$out.list" ] && break
		done
	fi
	[ -s "$out.sources" ] || [ -s "$out.list" ] ||
		die "no Debian entry for $code in the host's apt sources"
	[ -s "$out.sources" ] && echo "$out.sources" || echo "$out.list"
}

# host_aptopts: the host's apt settings a copy of its sources needs
# shellcheck source=tools/debian-root.sh
. "$here/../../tools/debian-root.sh"

# newest ROOT: the newest "VER IMAGE-PACKAGE" apt sees in the root
newest() {
	in_root "$1" -- apt-cache search --names-only '^linux-image-[0-9].*-amd64(-unsigned)?$' |
		awk '{ print $1 }' | grep -v -E -e '-(cloud|rt)-amd64' | sed -n 's/^linux-image-\(.*-amd64\)\(-unsigned\)\{0,1\}$/\1 &/p' |
		sort -V -k1,1 | tail -n 1
}

# image ROOT VER: the kernel image's path in ROOT (7.x packages put it in
# /usr/lib/modules/VER/vmlinuz, older ones in /boot)
image() {
	local p
	for p in "/boot/vmlinuz-$2" "/usr/lib/modules/$2/vmlinuz"; do
		[ -f "$1$p" ] && { echo "$p"; return 0; }
	done
	return 0
}

# populate ROOT VER IMAGEPKG: headers (+ compiler), dkms, sparse, the image
populate() {
	local r=$1 v=$2 img=$3 files d
	in_root "$r" -- env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "linux-headers-$v" $pkgs  # (split on purpose)
	# the kernel's files: split (linux-binary + linux-modules) or one image package
	if in_root "$r" -- apt-cache show "linux-binary-$v" >/dev/null 2>&1; then
		files="linux-binary-$v linux-modules-$v"
	else
		files=$img
	fi
	mkdir -p "$r/var/tmp/kdebs"
	# shellcheck disable=SC2086
	in_root "$r" --cd /var/tmp/kdebs -- apt-get download -q $files
	for d in "$r"/var/tmp/kdebs/*.deb; do
		dpkg-deb -x "$d" "$r/"
	done
	rm -rf "$r/var/tmp/kdebs"
	in_root "$r" -- apt-get clean
	in_root "$r" -- depmod "$v"
	[ -n "$(image "$r" "$v")" ] || die "no vmlinuz for $v in $files"
	# Debian's 7.x headers lack scripts/checker-valid.sh, without which C=1
	# silently runs no sparse: supply the upstream one.
	d=$r/usr/src/linux-headers-${v%-amd64}-common
	if grep -q checker-valid "$d/Makefile" && [ ! -f "$d/scripts/checker-valid.sh" ]; then
		install -m 755 "$top/tests/kmod/checker-valid.sh" "$d/scripts/checker-valid.sh"
	fi
}

# build a new root; prints "VER DIR IMAGE"
build() {
	local tmp=$cache/new.$$ src nv v img t0=$SECONDS
	rm -rf "$tmp"
	mkdir -p "$tmp"
	src=$(sid_sources "$tmp/sid")
	log "making a Debian unstable root (log: $tmp/mmdebstrap.log)"
	host_aptopts
	if ! mmdebstrap --variant=apt --skip=cleanup/apt/lists "${APTOPTS[@]+"${APTOPTS[@]}"}" \
		--include="$(echo "$pkgs" | tr ' ' ,)" sid "$tmp/root" "$src" \
		>"$tmp/mmdebstrap.log" 2>&1; then
		tail -n 30 "$tmp/mmdebstrap.log" >&2
		die "mmdebstrap failed"
	fi
	nv=$(newest "$tmp/root")
	[ -n "$nv" ] || die "no linux-image-*-amd64 in unstable"
	read -r v img <<<"$nv"
	log "newest kernel in unstable: $v ($img)"
	populate "$tmp/root" "$v" "$img" >>"$tmp/mmdebstrap.log" 2>&1 ||
		{ tail -n 30 "$tmp/mmdebstrap.log" >&2; die "installing $v's packages failed"; }
	rm -rf "${cache:?}/$v"
	mkdir -p "$cache/$v"
	mv "$tmp/root" "$cache/$v/root"
	mv "$tmp/mmdebstrap.log" "$cache/$v/"
	echo "$v" >"$cache/$v/version"
	image "$cache/$v/root" "$v" >"$cache/$v/image"
	echo "$stamp" >"$cache/$v/ready"
	touch "$cache/$v/checked"
	rm -rf "$tmp"
	log "root for $v ready in $((SECONDS - t0)) s: $cache/$v/root"
	echo "$v $cache/$v/root $cache/$v/root$(cat "$cache/$v/image")"
}

prepare() {
	local cur v r nv age d
	mkdir -p "$cache"
	exec 9>"$cache/lock"
	if ! flock -n 9; then
		log "another run is preparing the root; waiting for it"
		flock 9
	fi
	if cur=$(cached); then
		read -r v r _ <<<"$cur"
		age=$(($(date +%s) - $(stat -c %Y "$cache/$v/checked" 2>/dev/null || echo 0)))
		if [ "$age" -lt "$ttl" ]; then
			log "cached: $v (checked for a newer kernel ${age} s ago)"
		elif in_root "$r" -- apt-get update -q >"$cache/$v/update.log" 2>&1; then
			nv=$(newest "$r")
			touch "$cache/$v/checked"
			if [ -n "$nv" ] && [ "${nv%% *}" != "$v" ]; then
				log "unstable now has ${nv%% *} (cached: $v)"
				cur=$(build)
			else
				log "cached: $v (still the newest)"
			fi
		else
			log "cannot reach the archive (see $cache/$v/update.log): using the cached $v"
		fi
	else
		cur=$(build)
	fi
	# older roots go
	for d in "$cache"/*/; do
		d=${d%/}
		[ "${d##*/}" = "${cur%% *}" ] || [ ! -d "$d/root" ] || rm -rf "$d"
	done
	echo "$cur"
}

case ${1:-} in
prepare) prepare ;;
cached) cached ;;
run)
	shift
	cur=$(cached) || die "no unstable root yet (unstable-root.sh prepare)"
	read -r _ r _ <<<"$cur"
	in_root "$r" "$@"
	;;
*) sed -n 's/^#   //p' "$0" >&2; exit 2 ;;
esac
