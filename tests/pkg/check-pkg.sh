#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check-pkg: what `make install` and the Debian packages put where.
#   1. `make install DESTDIR=...` (PREFIX=/usr/local; no dkms run) installs
#      exactly tests/pkg/install-files.txt (type, mode, path), and
#      `make uninstall` removes every file and cnid's own directories;
#   2. dpkg-buildpackage -us -uc -b, in a copy of the tree's files, builds
#      cnid-dkms, cnid, libcnid0 and libcnid-dev holding exactly
#      tests/pkg/deb-files.txt;
#   3. lintian finds no error and no warning in them (the .changes);
#   4. canaries: the same comparison must fail with a line dropped from the
#      expected list, and lintian must fail on a copy of libcnid0 repacked
#      without its copyright file.
# Usage: tests/pkg/check-pkg.sh STAGE   (from the top of the tree; MAKE)
set -eu
stage=$1
make=${MAKE:-make}
top=$(pwd)
rm -rf "$stage"
mkdir -p "$stage"
stage=$(cd "$stage" && pwd)
t0=$(date +%s)
fail() { echo "check-pkg: FAILED: $*" >&2; exit 1; }

# "f MODE PATH" and "l PATH -> TARGET", sorted; the Python version's
# directory as python3.X
listing() { # DIR
	(cd "$1" && find . \( -type f -printf 'f %m %P\n' \) -o \( -type l -printf 'l %P -> %l\n' \)) |
		sed 's|/python3\.[0-9]*/|/python3.X/|' | LC_ALL=C sort
}
# compare NAME EXPECTED ACTUAL: no output and 0 when equal
compare() {
	if ! diff -u "$2" "$3" > "$stage/$1.diff"; then
		echo "check-pkg: $1 differs from $2 (- expected, + found):" >&2
		tail -n +3 "$stage/$1.diff" | grep '^[-+]' >&2
		return 1
	fi
}

# 1. make install
"$make" --no-print-directory -s install PREFIX=/usr/local DESTDIR="$stage/destdir" >"$stage/install.log" 2>&1 ||
	{ cat "$stage/install.log" >&2; fail "make install"; }
listing "$stage/destdir" > "$stage/install-files.txt"
compare install tests/pkg/install-files.txt "$stage/install-files.txt" ||
	fail "make install: update tests/pkg/install-files.txt if the change is meant"
# make uninstall: no file left, nor a directory of cnid's own
"$make" --no-print-directory -s uninstall PREFIX=/usr/local DESTDIR="$stage/destdir" >>"$stage/install.log" 2>&1 ||
	{ cat "$stage/install.log" >&2; fail "make uninstall"; }
left=$(cd "$stage/destdir" && find . \( -type f -o -type l -o -path '*cnid*' \) -printf '%P\n')
[ -z "$left" ] || fail "make uninstall left: $left"
echo "check-pkg: make install DESTDIR: $(wc -l < "$stage/install-files.txt") files as listed; make uninstall: none left"

# 2. the packages, from a copy of the tree's files (tracked and new, not ignored)
src=$stage/src/cnid
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -xf - -C "$src"
# (not the calling make's flags and variables: debian/rules sets its own)
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL DEB_BUILD_OPTIONS="parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) \
	>"$stage/build.log" 2>&1 || { tail -40 "$stage/build.log" >&2; fail "dpkg-buildpackage (log: $stage/build.log)"; }
: > "$stage/deb-files.txt"
for p in cnid-dkms cnid libcnid0 libcnid-dev; do
	deb=$(ls "$stage/src/${p}_"*.deb 2>/dev/null) || fail "no package $p"
	rm -rf "$stage/x" && dpkg-deb -x "$deb" "$stage/x"
	listing "$stage/x" | sed "s|^|$p |" >> "$stage/deb-files.txt"
done
compare debs tests/pkg/deb-files.txt "$stage/deb-files.txt" ||
	fail "package contents: update tests/pkg/deb-files.txt if the change is meant"
echo "check-pkg: dpkg-buildpackage: 4 packages, $(wc -l < "$stage/deb-files.txt") files as listed"

# 3. lintian
changes=$(ls "$stage/src/"cnid_*.changes)
lintian --fail-on error,warning --tag-display-limit 0 "$changes" > "$stage/lintian.log" 2>&1 ||
	{ cat "$stage/lintian.log" >&2; fail "lintian (errors or warnings)"; }
echo "check-pkg: lintian: no error, no warning"

# 4. canaries: each judge must fail on its planted fault
sed 1d tests/pkg/install-files.txt > "$stage/install-files.canary"
if compare install-canary "$stage/install-files.canary" "$stage/install-files.txt" 2>"$stage/canary1.log"; then
	fail "canary: a file missing from the expected list went unnoticed"
fi
echo "check-pkg: canary caught: $(grep -m1 '^+' "$stage/canary1.log")"
rm -rf "$stage/x" && dpkg-deb -R "$stage/src/"libcnid0_*.deb "$stage/x"
rm -f "$stage/x/usr/share/doc/libcnid0/copyright"
mkdir -p "$stage/canary" && dpkg-deb -b "$stage/x" "$stage/canary/" >/dev/null
if lintian --fail-on error,warning "$stage/canary/"*.deb > "$stage/canary2.log" 2>&1; then
	fail "canary: lintian passed a package without its copyright file"
fi
grep -q '^E: libcnid0: no-copyright-file' "$stage/canary2.log" ||
	{ cat "$stage/canary2.log" >&2; fail "canary: lintian failed, but not on the missing copyright file"; }
echo "check-pkg: canary caught: $(grep -m1 'no-copyright-file' "$stage/canary2.log")"
echo "check-pkg: ok ($(($(date +%s) - t0)) s)"
