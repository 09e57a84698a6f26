#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install the Debian 12 packages that cnid's targets run.  The lists are not
# kept here: each Makefile fragment declares what its own targets use
# (DEPS_BUILD for `make`, DEPS_DEMO for what `make demo` adds, DEPS_CHECK
# for the rest of `make check`), and `make deps` / `make deps-demo` /
# `make deps-build` pass them in.  Fast no-op
# when everything is present.  Run as root.
#
# Usage: tools/install-deps.sh [--dry-run] ITEM...
#   ITEM is one of
#     PACKAGE                     a Debian package name (PACKAGE:ARCH for a
#                                 foreign architecture's, e.g. libcmocka-dev:arm64)
#     arch:ARCH                   enable the foreign architecture ARCH (dpkg
#                                 --add-architecture) before installing, for the
#                                 PACKAGE:ARCH items (the arm64 cross build)
#     kernel-pair:GLOB            the newest linux-headers-V apt offers whose V
#                                 matches the shell pattern GLOB, with
#                                 linux-image-V-unsigned, unless a
#                                 /boot/vmlinuz-V matching it exists
#     kernel-build-deps:TARBALL   what the kernel source in TARBALL says it
#                                 needs to build: the Build-Depends of the
#                                 Debian package its own scripts/package/mkdebian
#                                 writes (conditional ones included).  The
#                                 tarball comes from a package in the same list;
#                                 the result is cached per tarball.
#   --dry-run  print what would be installed, install nothing
#   --print-kernel-build-deps TARBALL   print the derived list and exit
set -eu

die() { echo "install-deps: $*" >&2; exit 1; }

# kernel_build_deps TARBALL: package names from the kernel's own Debian
# packaging script (Build-Depends line plus the if_enabled_echo extras),
# alternatives reduced to their first choice, :native qualifiers dropped.
kernel_build_deps() {
	tarball=$1
	[ -r "$tarball" ] || die "kernel-build-deps: $tarball not found"
	cache=${CNID_DEPS_CACHE:-/var/cache/cnid}
	key=$(stat -c '%s-%Y' "$tarball")
	cf="$cache/kernel-build-deps-$(basename "$tarball" .tar.xz)-$key"
	if [ -s "$cf" ]; then
		cat "$cf"
		return 0
	fi
	top=$(tar -tJf "$tarball" 2>/dev/null | head -n 1 | cut -d/ -f1) || true
	[ -n "$top" ] || die "kernel-build-deps: cannot list $tarball"
	script=$(tar -xJOf "$tarball" "$top/scripts/package/mkdebian") ||
		die "kernel-build-deps: $tarball has no scripts/package/mkdebian"
	list=$(printf '%s\n' "$script" | awk '
		/^Build-Depends(-Arch)?:/ { sub(/^[A-Za-z-]+:/, ""); print; cont = 1; next }
		cont && /^[ \t]/ { print; next }
		{ cont = 0 }
		/extra_build_depends=.*if_enabled_echo CONFIG_[A-Z0-9_]+ / {
			s = $0
			while (match(s, /if_enabled_echo CONFIG_[A-Z0-9_]+ [^) ]+/)) {
				m = substr(s, RSTART, RLENGTH); split(m, f, " "); print f[3]
				s = substr(s, RSTART + RLENGTH)
			}
		}' | tr ',' '\n' | sed -e 's/|.*//' -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' \
		-e 's/<[^>]*>//g' -e 's/:native//' -e 's/\$[{]*[A-Za-z_]*[}]*//g' -e 's/[[:space:]]//g' |
		grep -E '^[a-z0-9][a-z0-9+.-]*[a-z0-9+]$' | sort -u) ||
		die "kernel-build-deps: no Build-Depends found in $top/scripts/package/mkdebian"
	[ -n "$list" ] || die "kernel-build-deps: empty Build-Depends in $top/scripts/package/mkdebian"
	# the kernel's debian/rules runs make and the compiler (Build-Essential)
	list=$(printf 'build-essential\n%s\n' "$list" | sort -u)
	if mkdir -p "$cache" 2>/dev/null; then
		printf '%s\n' "$list" >"$cf.tmp" && mv "$cf.tmp" "$cf"
	fi
	printf '%s\n' "$list"
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_updated=0
apt_install() {
	[ $# -gt 0 ] || return 0
	if [ "$dry" = 1 ]; then
		echo "install-deps: would install: $*"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "missing packages: $*; run as root (or with sudo)"
	export DEBIAN_FRONTEND=noninteractive
	if [ "$apt_updated" = 0 ]; then
		apt-get update -q || die "apt-get update failed"
		apt_updated=1
	fi
	echo "install-deps: installing: $*" >&2
	apt-get install -y -q --no-install-recommends "$@" || die "apt-get install failed for: $*"
}

dry=0
case ${1:-} in
--dry-run) dry=1; shift ;;
--print-kernel-build-deps) kernel_build_deps "$2"; exit 0 ;;
esac
[ $# -gt 0 ] || die "no packages given (run it through make deps)"

set -f # items are patterns, never file names
plain="" derived="" pairs="" archs=""
for item in "$@"; do
	case $item in
	arch:*) archs="$archs ${item#arch:}" ;;
	kernel-build-deps:*) derived="$derived ${item#kernel-build-deps:}" ;;
	kernel-pair:*) pairs="$pairs ${item#kernel-pair:}" ;;
	*) plain="$plain $item" ;;
	esac
done

# Foreign architectures first: their package lists come with the next update.
for a in $archs; do
	dpkg --print-foreign-architectures | grep -qx "$a" && continue
	[ "$a" != "$(dpkg --print-architecture)" ] || continue
	if [ "$dry" = 1 ]; then
		echo "install-deps: would enable the foreign architecture $a"
		continue
	fi
	[ "$(id -u)" = 0 ] || die "architecture $a not enabled; run as root (or with sudo)"
	echo "install-deps: enabling the foreign architecture $a" >&2
	dpkg --add-architecture "$a" || die "dpkg --add-architecture $a failed"
	apt_updated=0 # its package lists are not there yet
done

missing=""
for p in $plain; do
	installed "$p" || missing="$missing $p"
done
# matching GLOB: the lines of stdin that match the shell pattern GLOB
matching() {
	while IFS= read -r l; do
		# shellcheck disable=SC2254
		case $l in $1) printf '%s\n' "$l" ;; esac
	done
}
for glob in $pairs; do
	[ -n "$(ls /boot | sed -n 's/^vmlinuz-//p' | matching "$glob")" ] && continue
	[ "$apt_updated" = 1 ] || { apt-get update -q >&2 && apt_updated=1; } || die "apt-get update failed"
	v=$(apt-cache search --names-only '^linux-headers-' | awk '{print $1}' |
		sed 's/^linux-headers-//' | matching "$glob" | sort -V | tail -n 1)
	[ -n "$v" ] || die "no kernel matching $glob in apt"
	missing="$missing linux-image-$v-unsigned linux-headers-$v"
done
# shellcheck disable=SC2086
apt_install $missing

# Second round: what the kernel sources just installed say they need.
missing=""
for t in $derived; do
	if [ ! -r "$t" ] && [ "$dry" = 1 ]; then
		echo "install-deps: would derive the kernel build requirements from $t"
		continue
	fi
	for p in $(kernel_build_deps "$t"); do
		installed "$p" || missing="$missing $p"
	done
done
# shellcheck disable=SC2086
apt_install $missing
exit 0
