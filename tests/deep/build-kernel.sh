#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build (or find in the cache) cnid's deep-tier debug kernel: Debian's
# linux-source-6.1 tarball, `make tinyconfig` + tests/deep/debug-kernel.fragment
# (KASAN, lockdep, kmemleak, UBSAN, raw_gadget, dummy_hcd, configfs/FunctionFS
# as modules), `make olddefconfig`, `make bzImage modules modules_prepare`,
# `make modules_install` into a private root.
#
# The tree is cached outside the checkout, keyed by the source package version
# and the fragment's sha256, so a second run does not rebuild:
#   ${CNID_DEEP_CACHE:-/var/cache/cnid-deep}/<version>-<sha256[0:12]>/linux
# On success the last line on stdout is the tree's path (bzImage at
# arch/x86/boot/bzImage; build modules with `make -C TREE M=DIR`); the
# kernel's own modules are installed under <cache dir>/modroot/lib/modules/.
#
# Environment: CNID_DEEP_CACHE (cache root), CNID_DEEP_FRAGMENT (another
# config fragment, for experiments), CNID_DEEP_SRC (source tarball,
# default /usr/src/linux-source-6.1.tar.xz), CNID_DEEP_JOBS (default 2),
# CNID_DEEP_NICE (default 19).
# Usage: build-kernel.sh [--print-key]  (--print-key: print the cache dir, build nothing)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
frag=${CNID_DEEP_FRAGMENT:-$here/debug-kernel.fragment}
src=${CNID_DEEP_SRC:-/usr/src/linux-source-6.1.tar.xz}
cache=${CNID_DEEP_CACHE:-/var/cache/cnid-deep}
jobs=${CNID_DEEP_JOBS:-2}
niceness=${CNID_DEEP_NICE:-19}

die() { echo "deep/build-kernel: $*" >&2; exit 1; }
log() { echo "deep/build-kernel: $*" >&2; }

[ -r "$frag" ] || die "missing $frag"
[ -r "$src" ] || die "missing $src (tools/install-deps.sh vm installs linux-source-6.1)"

# Source version: the Debian package's version when the tarball is the
# package's, else a hash of the tarball itself.
ver=""
if [ "$src" = /usr/src/linux-source-6.1.tar.xz ]; then
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
fi
[ -n "$ver" ] || ver=src-$(sha256sum "$src" | cut -c1-12)
fhash=$(sha256sum "$frag" | cut -c1-12)
key=$ver-$fhash
dir=$cache/$key
tree=$dir/linux

if [ "${1:-}" = --print-key ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
# One builder per key: a concurrent caller waits for the first to finish.
exec 9>"$dir.lock"
if ! flock -n 9; then
	log "another build of $key is running; waiting for it"
	flock 9
fi

if [ -f "$dir/built" ] && [ -f "$tree/arch/x86/boot/bzImage" ]; then
	log "cached: $tree (built in $(cat "$dir/build-seconds" 2>/dev/null || echo '?') s)"
	echo "$tree"
	exit 0
fi

t0=$(date +%s)
mkdir -p "$dir"
if [ ! -f "$tree/Makefile" ]; then
	log "extracting $src into $dir"
	rm -rf "$dir/extract" "$tree"
	mkdir -p "$dir/extract"
	tar xJf "$src" -C "$dir/extract" --strip-components=1
	mv "$dir/extract" "$tree"
fi
cp "$frag" "$dir/debug-kernel.fragment"

run() { nice -n "$niceness" "$@"; }
cd "$tree"
if [ ! -f .config ] || ! cmp -s "$frag" "$dir/config-from"; then
	log "configuring: tinyconfig + $(basename "$frag")"
	run make -s tinyconfig >"$dir/config.log" 2>&1 || { cat "$dir/config.log" >&2; die "tinyconfig failed"; }
	run scripts/kconfig/merge_config.sh -m .config "$frag" >>"$dir/config.log" 2>&1 ||
		{ cat "$dir/config.log" >&2; die "merge_config failed"; }
	run make -s olddefconfig >>"$dir/config.log" 2>&1 || { cat "$dir/config.log" >&2; die "olddefconfig failed"; }
	cp "$frag" "$dir/config-from"
fi

# Every option of the fragment must have survived olddefconfig: a dropped
# KASAN or PROVE_LOCKING would make the whole tier silently worthless.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" .config || {
			opt=${line%%=*}
			log "DROPPED: want '$line', .config has '$(grep -E "^(# )?$opt[= ]" .config || echo absent)'"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" .config || { log "DROPPED: want '$line', .config has '$(grep "^$opt=" .config)'"; bad=1; } ;;
	esac
done <"$frag"
[ "$bad" = 0 ] || { rm -f "$dir/config-from"; die "olddefconfig dropped fragment options (see above); fix $frag"; }
log "config verified: all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set)' "$frag") fragment options kept"

log "building bzImage + modules_prepare with -j$jobs under nice -n $niceness (log: $dir/build.log)"
tb=$(date +%s)
if ! run make -j"$jobs" bzImage modules modules_prepare >"$dir/build.log" 2>&1; then
	tail -n 40 "$dir/build.log" >&2
	die "kernel build failed (full log: $dir/build.log)"
fi
# The modules (the USB gadget stack, raw_gadget, softdog) in a root of
# their own, with modules.dep, for the rig's `modprobe -d ROOT` resolution.
rm -rf "$dir/modroot"
if ! run make -s modules_install INSTALL_MOD_PATH="$dir/modroot" >>"$dir/build.log" 2>&1; then
	tail -n 20 "$dir/build.log" >&2
	die "modules_install failed (full log: $dir/build.log)"
fi
t1=$(date +%s)
echo $((t1 - t0)) >"$dir/build-seconds"
echo $((t1 - tb)) >"$dir/make-seconds"
make -s kernelrelease >"$dir/kernelrelease"
touch "$dir/built"
log "built $(cat "$dir/kernelrelease") in $((t1 - t0)) s (make alone $((t1 - tb)) s): $tree"
echo "$tree"
