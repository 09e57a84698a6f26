#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# After `make install DESTDIR=D` (make check-install): build
# tests/lib/consumer.c in a directory outside the tree with pkg-config alone,
# pointed into D, and run it against D's libcnid.so.0; with PYTHONDIR set,
# import the installed Python module (it must load D's library).
#
# Usage: [PYTHONDIR=DIR] tests/lib/check-install.sh DESTDIR PREFIX LIBDIR CC
set -eu

die() { echo "check-install: $*" >&2; exit 1; }
[ $# -eq 4 ] || die "usage: $0 DESTDIR PREFIX LIBDIR CC"
dest=$1 prefix=$2 libdir=$3 cc=$4
src=$(cd "$(dirname "$0")" && pwd)/consumer.c

for f in "$libdir/libcnid.so.0" "$libdir/libcnid.so" "$libdir/pkgconfig/libcnid.pc" \
	"$prefix/include/cnid/cnid.h"; do
	[ -e "$dest$f" ] || die "not installed: $f"
done
[ ! -e "$dest$prefix/include/cnid-private.h" ] || die "the private header was installed"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp "$src" "$out/"
cd "$out" # nothing of the tree on any path from here
export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_LIBDIR="$dest$libdir/pkgconfig" PKG_CONFIG_PATH=
flags=$(pkg-config --cflags --libs libcnid) || die "pkg-config cannot find libcnid"
echo "check-install: pkg-config --cflags --libs libcnid: $flags"
# shellcheck disable=SC2086
$cc -std=c99 -Wall -Wextra -Werror -o consumer consumer.c $flags || die "consumer did not build"
resolved=$(LD_LIBRARY_PATH="$dest$libdir" ldd ./consumer | awk '/libcnid/ { print $3 }')
[ "$resolved" = "$dest$libdir/libcnid.so.0" ] || die "consumer resolves libcnid to '$resolved'"
LD_LIBRARY_PATH="$dest$libdir" ./consumer || die "consumer failed"

# The installed Python module finds the installed library by its soname.
if [ -n "${PYTHONDIR:-}" ]; then
	v=$(LD_LIBRARY_PATH="$dest$libdir" PYTHONPATH="$dest$PYTHONDIR" CNID_LIBRARY='' python3 -B -c \
		'import cnid; print(cnid.LIBRARY, cnid.version(), cnid.__file__)') ||
		die "the installed Python module does not load"
	case $v in
	"libcnid.so.0 "*" $dest$PYTHONDIR/cnid.py") echo "check-install: python3: $v" ;;
	*) die "the Python module loaded something else: $v" ;;
	esac
fi
