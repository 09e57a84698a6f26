#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Debian packages installed and purged with apt in a Debian 12 root
# (make check-pkg-install; the last step of make check-fresh).
#
#   tests/pkg/install-test.sh --here DEBDIR [OUTDIR]
#       on this system, which must be a throwaway one (a chroot: the
#       mmdebstrap root of check-fresh or of --root; --force skips that
#       check), as root:
#       0. installs what the four packages need from apt (their Depends,
#          less each other), dkms and linux-headers-amd64, then notes every
#          path of the root (type, mode, owner) and the content of /etc;
#       1. `apt-get install` DEBDIR's cnid-dkms, cnid, libcnid0, libcnid-dev;
#       2. judges: DKMS built and installed cnid.ko for every kernel whose
#          headers are there (`dkms status`: installed; the module's
#          vermagic is that kernel's); `getent` knows group cnid and user
#          cnidd (in cnid); the files are in place (`dpkg --verify`, the
#          tool, the daemon's configuration check, pkg-config, the Python
#          module);
#       3. `apt-get purge` all four; judge: the root's paths and /etc's
#          content are as before, but for ALLOWED below;
#       4. canaries (each judge must fail on a planted fault, in packages
#          repacked from DEBDIR's): a cnid-dkms whose postinst does not
#          run DKMS, a cnid without the sysusers call in its postinst and
#          without its udev rules, in one round: `dkms`, `users`, `files`
#          must fail; then a cnid-dkms without its prerm (`dkms remove`):
#          `leftovers` must fail (what it left is then cleaned up).
#   tests/pkg/install-test.sh --root DIR DEBDIR [OUTDIR]
#       makes a minimal bookworm root in DIR with mmdebstrap (the host's
#       apt sources, as tools/check-fresh.sh does), copies this script and
#       the packages in, runs --here there (chroot, /proc, /sys, /dev and
#       /run mounted), removes DIR.  Logs in OUTDIR (default build/pkg-install).
#
# Time: every apt/dkms command runs under `timeout` (APT_TIMEOUT, 600 s);
# make check-pkg-install bounds the whole run too.
set -uo pipefail

# What may differ after the purge (each a path at the start of a line
# "PATH MARK ..."): what apt and dpkg themselves change (their logs, caches,
# state); the user and group the cnid package made, with the shadow tools'
# backups (kept after purge, as Debian keeps every package's system users:
# systemd-sysusers never removes one); ld.so's cache; depmod's indexes of
# a kernel whose headers are installed but not its image (DKMS runs depmod
# when it installs and removes the module; with the image installed, as on
# a real machine, they exist before); and DKMS's own signing key
# /var/lib/dkms/mok.key, .pub, which dkms makes at its first build when
# openssl is there and keeps for every later module (dkms's, not cnid's:
# the one enrolled for Secure Boot, README).
E='( |$)'
ALLOWED_PATHS="^/var/log/apt/|^/var/log/dpkg\.log$E|^/var/cache/apt/|^/var/cache/debconf/|^/var/lib/apt/|^/var/lib/dpkg/|^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$E|^/etc/ld\.so\.cache$E|^/usr/lib/modules/[^/]+/modules\.[a-z.]+$E|^/var/lib/dkms/mok\.(key|pub)$E"
ALLOWED_ETC="^/etc/(passwd|group|shadow|gshadow)-?$E|^/etc/ld\.so\.cache$E"
APT_TIMEOUT=${APT_TIMEOUT:-600}
PKGS="cnid-dkms cnid libcnid0 libcnid-dev"

say() { echo "check-pkg-install: $*"; }
die() { say "FAILED: $*" >&2; exit 1; }
apt_get() { DEBIAN_FRONTEND=noninteractive timeout "$APT_TIMEOUT" apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }

# ---------------------------------------------------------------- --root
if [ "${1:-}" = --root ]; then
	root=$2 debdir=$(cd "$3" && pwd) out=${4:-build/pkg-install}
	[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap, chroot)"
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing"
	mkdir -p "$out" && out=$(cd "$out" && pwd)
	# shellcheck source=tools/debian-root.sh
	. "$(dirname "$0")/../../tools/debian-root.sh"
	umount_all() { unmount_under "$root"; }
	trap 'umount_all; rm -rf "$root"' EXIT
	umount_all
	rm -rf "$root"
	bookworm_mirrors "$out/sources" || die "no bookworm entry in the host's apt sources"
	host_aptopts
	t0=$(date +%s)
	timeout "$APT_TIMEOUT" mmdebstrap --variant=minbase "${APTOPTS[@]+"${APTOPTS[@]}"}" bookworm "$root" "${MIRRORS[@]}" >"$out/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$out/mmdebstrap.log"; die "mmdebstrap"; }
	say "a minimal bookworm root in $root in $(($(date +%s) - t0)) s"
	mkdir -p "$root/root/cnid-pkg/debs"
	cp "$0" "$root/root/cnid-pkg/install-test.sh"
	for p in $PKGS; do cp "$debdir/${p}_"*.deb "$root/root/cnid-pkg/debs/" || die "no $p package in $debdir"; done
	mount_root "$root" || die "mounting /proc, /sys, /dev and /run in $root failed"
	rc=0
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		APT_TIMEOUT="$APT_TIMEOUT" /bin/bash /root/cnid-pkg/install-test.sh --here /root/cnid-pkg/debs \
		/root/cnid-pkg/out || rc=$?
	cp -r "$root/root/cnid-pkg/out/." "$out/" 2>/dev/null
	say "in all $(($(date +%s) - t0)) s; logs in $out"
	exit "$rc"
fi

# ---------------------------------------------------------------- --here
force=0
[ "${1:-}" = --force ] && { force=1; shift; }
[ "${1:-}" = --here ] || { echo "usage: $0 --root DIR DEBDIR [OUTDIR] | [--force] --here DEBDIR [OUTDIR]" >&2; exit 2; }
debdir=$(cd "$2" && pwd) || die "no $2"
out=${3:-build/pkg-install}
mkdir -p "$out" && out=$(cd "$out" && pwd)
[ "$(id -u)" = 0 ] || die "must run as root"
if [ "$force" = 0 ] && ! ischroot; then
	die "this installs and purges packages and plants faults: run it in a throwaway root (--root DIR, or a chroot such as make check-fresh's), or with --force"
fi
t0=$(date +%s)
# the paths not to look at: mounts, the scratch places, this tree and its
# logs, the rig's and check-fresh's big caches
here=$(cd "$(dirname "$0")" && pwd)
case $here in */tests/pkg) top=$(cd "$here/../.." && pwd) ;; *) top=$here ;; esac
[ "$top" != / ] || die "cannot tell this tree's directory from $here"
prune=(/proc /sys /dev /run /tmp /var/tmp "$top" "$(dirname "$debdir")" "$out" /var/cache/cnid /var/cache/cnid-unstable /var/cache/cnid-deep)

snapshot() { # NAME: NAME.paths (every path: type, mode, owner) and NAME.etc (sha256 of /etc's files)
	local args=() p
	for p in "${prune[@]}"; do args+=(-path "$p" -o); done
	find / -xdev \( "${args[@]}" -false \) -prune -o -printf '%y %m %u:%g %p\n' 2>/dev/null |
		LC_ALL=C sort -k4 >"$out/$1.paths"
	find /etc -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum >"$out/$1.etc" 2>/dev/null
}
# leftovers BEFORE AFTER: what is not as before, less ALLOWED; 1 if any
leftovers() {
	diff "$out/$1.paths" "$out/$2.paths" | grep '^[<>]' | awk '{ print $5, $1, $2, $3, $4 }' |
		grep -Ev "$ALLOWED_PATHS" >"$out/$2.leftover-paths"
	diff "$out/$1.etc" "$out/$2.etc" | grep '^[<>]' | awk '{ print $3, $1 }' |
		grep -Ev "$ALLOWED_ETC" | sort -u >"$out/$2.leftover-etc"
	if [ -s "$out/$2.leftover-paths" ] || [ -s "$out/$2.leftover-etc" ]; then
		say "not as before the install (< gone, > new; then /etc's content):"
		sed 's/^/  /' "$out/$2.leftover-paths" "$out/$2.leftover-etc" | head -n 40
		say "(PATH < gone | > new, TYPE MODE OWNER; /etc: PATH < old | > new content)"
		return 1
	fi
}

# --- the judges of an installed set ---
kernels() { for b in /lib/modules/*/build; do [ -e "$b" ] && basename "$(dirname "$b")"; done; }
judge_dkms() {
	local k n=0 st
	st=$(dkms status -m cnid -v 0.1 2>&1)
	for k in $(kernels); do
		n=$((n + 1))
		grep -q "^cnid/0.1, $k, x86_64: installed" <<<"$st" || { say "dkms status: no cnid/0.1 installed for $k: $st"; return 1; }
		local ko
		ko=$(modinfo -k "$k" -F filename cnid 2>/dev/null)
		if [ -z "$ko" ] || ! modinfo -F vermagic "$ko" | grep -q "^$k "; then
			say "no cnid.ko for $k where modprobe looks ($ko)"
			return 1
		fi
		say "dkms: cnid/0.1 built and installed for $k ($ko)"
	done
	[ "$n" -gt 0 ] || { say "no kernel headers in the root"; return 1; }
}
judge_users() {
	local g u
	g=$(getent group cnid) || { say "no group cnid"; return 1; }
	u=$(getent passwd cnidd) || { say "no user cnidd"; return 1; }
	[ "$(id -gn cnidd)" = cnid ] || { say "cnidd's primary group is $(id -gn cnidd), not cnid"; return 1; }
	say "users: $g; $u"
}
judge_files() {
	local f more=""
	# shellcheck disable=SC2086 # PKGS: four names
	dpkg --verify $PKGS >"$out/verify" 2>&1 || true
	[ -s "$out/verify" ] && { say "dpkg --verify:"; cat "$out/verify"; return 1; }
	for f in /usr/sbin/cnidd /usr/bin/cnid /usr/lib/udev/rules.d/70-cnid.rules \
		/usr/lib/systemd/system/cnidd.service /usr/lib/sysusers.d/cnid.conf /etc/cnid/cnidd.conf \
		/usr/src/cnid-0.1/dkms.conf /usr/include/cnid/cnid.h; do
		[ -f "$f" ] || { say "missing: $f"; return 1; }
	done
	cnid --version >"$out/version" 2>&1 || { say "cnid --version failed: $(cat "$out/version")"; return 1; }
	cnidd --check-config >"$out/check-config" 2>&1 || { say "cnidd --check-config failed: $(cat "$out/check-config")"; return 1; }
	if command -v pkg-config >/dev/null; then
		pkg-config --exists libcnid || { say "pkg-config does not know libcnid"; return 1; }
		more="$more, pkg-config libcnid $(pkg-config --modversion libcnid)"
	fi
	if command -v python3 >/dev/null; then
		if ! (cd / && python3 -B -c 'import cnid; print(cnid.__file__)') >"$out/python" 2>&1 ||
			! grep -q '^/usr/lib/python3/dist-packages/cnid.py$' "$out/python"; then
			say "import cnid: $(cat "$out/python")"
			return 1
		fi
		more="$more, python3: import cnid from $(cat "$out/python")"
	fi
	say "files: dpkg --verify clean, $(head -n 1 "$out/version"), cnidd --check-config ok$more"
}
install_set() { # DIR: apt-get install its four packages
	local d=$1 debs=()
	for p in $PKGS; do debs+=("$(ls "$d/${p}_"*.deb)"); done
	apt_get install --no-install-recommends "${debs[@]}" >"$out/install.log" 2>&1 ||
		{ tail -n 30 "$out/install.log"; return 1; }
}
purge_set() {
	# shellcheck disable=SC2086
	apt_get purge $PKGS >"$out/purge.log" 2>&1 || { tail -n 30 "$out/purge.log"; return 1; }
}

# --- 0. what the packages need ---
deps=$(for p in $PKGS; do dpkg-deb -f "$(ls "$debdir/${p}_"*.deb)" Depends; done | tr ',' '\n' |
	sed 's/^ *//; s/ *$//' | grep -Ev '^(cnid|cnid-dkms|libcnid0|libcnid-dev)( |$)' | grep . | sort -u | paste -sd, -)
say "prerequisites: $deps; dkms; linux-headers-amd64"
apt_get update >"$out/apt-update.log" 2>&1 || { tail "$out/apt-update.log"; die "apt-get update"; }
apt_get install --no-install-recommends dkms linux-headers-amd64 >"$out/prereq.log" 2>&1 ||
	{ tail -n 30 "$out/prereq.log"; die "installing dkms and linux-headers-amd64"; }
apt_get satisfy --no-install-recommends "$deps" >>"$out/prereq.log" 2>&1 ||
	{ tail -n 30 "$out/prereq.log"; die "installing the packages' dependencies"; }
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed' && die "$p is installed already: not a fresh root"
done
t1=$(date +%s)
say "prerequisites in $((t1 - t0)) s; kernels with headers: $(kernels | tr '\n' ' ')"

# --- 4a. canaries first (group cnid must not exist yet for the sysusers plant) ---
if getent group cnid >/dev/null; then
	die "group cnid exists already: the sysusers canary needs a root without it"
fi
plants=$out/plants
rm -rf "$plants" && mkdir -p "$plants/x"
for p in $PKGS; do cp "$debdir/${p}_"*.deb "$plants/"; done
repack() { # PKG EDIT-COMMAND (run in the unpacked tree)
	local deb
	deb=$(ls "$plants/${1}_"*.deb)
	rm -rf "$plants/x" && dpkg-deb -R "$deb" "$plants/x" && (cd "$plants/x" && eval "$2") &&
		dpkg-deb -b --root-owner-group "$plants/x" "$deb" >/dev/null
}
repack cnid-dkms 'printf "#!/bin/sh\nexit 0\n" >DEBIAN/postinst' || die "repacking cnid-dkms"
repack cnid 'sed -i "s/^ *systemd-sysusers .*/   :/" DEBIAN/postinst && rm usr/lib/udev/rules.d/70-cnid.rules &&
	sed -i "/70-cnid.rules/d" DEBIAN/md5sums' || die "repacking cnid"
snapshot plant0
install_set "$plants" || die "installing the planted packages"
caught=""
judge_dkms >"$out/plant.dkms" 2>&1 || caught="$caught dkms"
judge_users >"$out/plant.users" 2>&1 || caught="$caught users"
judge_files >"$out/plant.files" 2>&1 || caught="$caught files"
purge_set || die "purging the planted packages"
[ "$caught" = " dkms users files" ] || die "planted (postinst without DKMS, without sysusers, no udev rules): caught only:$caught"
say "canary: a cnid-dkms without DKMS in its postinst, a cnid without sysusers and without its udev rules: caught by$caught ($(tail -n 1 "$out/plant.dkms" | cut -c1-80))"
snapshot plant1
leftovers plant0 plant1 || die "the planted round left files"

# --- 0..3: the real packages ---
snapshot before
t2=$(date +%s)
install_set "$debdir" || die "apt-get install of the four packages"
new=$(grep -c '^Setting up ' "$out/install.log")
say "installed the four packages ($new set up) in $(($(date +%s) - t2)) s"
ok=1
judge_dkms || ok=0
judge_users || ok=0
judge_files || ok=0
[ "$ok" = 1 ] || die "the installed packages (logs in $out)"
t3=$(date +%s)
purge_set || die "apt-get purge"
snapshot after
leftovers before after || die "apt-get purge left files behind"
dkms status -m cnid 2>/dev/null | grep -q . && die "dkms still knows cnid: $(dkms status -m cnid)"
say "purged in $(($(date +%s) - t3)) s: every path as before ($(wc -l <"$out/after.paths") paths; allowed: apt's and dpkg's logs, caches and state, the kept group and user, ld.so.cache, depmod's indexes, DKMS's signing key)"

# --- 4b. canary: a cnid-dkms without its prerm leaves its module behind ---
cp "$debdir"/*.deb "$plants/" 2>/dev/null
repack cnid-dkms 'rm DEBIAN/prerm' || die "repacking cnid-dkms"
install_set "$plants" || die "installing the planted cnid-dkms"
purge_set || die "purging the planted cnid-dkms"
snapshot plant2
if leftovers before plant2 >"$out/plant.leftovers" 2>&1; then
	die "a cnid-dkms without dkms remove left nothing behind?"
fi
say "canary: a cnid-dkms without its prerm: caught ($(grep -c '^  /.* > ' "$out/plant.leftovers") paths left, e.g. $(grep -m1 'cnid.ko' "$out/plant.leftovers" | sed 's/^ *//'))"
# clean up what it left (the DKMS tree and the module), and prove it
rm -rf /var/lib/dkms/cnid
for k in $(kernels); do rm -f /lib/modules/"$k"/updates/dkms/cnid.ko*; rmdir /lib/modules/"$k"/updates/dkms /lib/modules/"$k"/updates 2>/dev/null; depmod "$k" 2>/dev/null; done
snapshot clean
leftovers before clean || die "cleaning up after the prerm canary"
say "PASSED in $(($(date +%s) - t0)) s (prerequisites $((t1 - t0)) s)"
