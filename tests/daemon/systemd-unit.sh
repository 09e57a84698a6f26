#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-daemon-systemd: cnidd.service as shipped, under a real systemd
# (Debian 12's 252) in a systemd-nspawn container, never the host's init.
# The container is a minimal bookworm root (mmdebstrap from the host's own
# apt sources, made once and kept in /var/tmp/cnid-systemd-root or
# CNID_SYSTEMD_ROOT; ~55 s and ~200 MB) with the unit, cnidd,
# sysusers.d/cnid.conf and a configuration naming one serial reader: the
# virtual reader on a pseudo-terminal (cnid-emu --pty), since no cnid.ko can
# be loaded here.  A drop-in allows the pty (char-pts; the unit allows the
# readers' classes only) - nothing else of the unit is changed.  Checks:
#   start       `systemctl start` returns 0 and the unit is active/running
#               (Type=notify: only after cnidd's READY=1);
#   identity    runs as cnidd:cnid with CAP_NET_ADMIN and no other capability
#               (effective, permitted, bounding, ambient);
#   card-read   a card presented is read: the record is 0640 cnidd:cnid and
#               holds the card type, despite the unit's system call filter;
#   removed     the record goes with the card;
#   reload      `systemctl reload` (SIGHUP) returns 0, cnidd says it reloaded;
#   stop        `systemctl stop`: the unit ends with Result=success;
#   privacy     the journal of the unit holds no name or number (scan-log).
# Then again with two planted faults, both of which must fail: the record
# chowned whatever its group (record.c: the filter refuses fchown, EPERM) and
# ExecReload=/bin/kill (procps, absent from a minimal system).
#
# Usage: tests/daemon/systemd-unit.sh OUTDIR CNIDD SCAN_LOG CNID_EMU
# env: CC, CFLAGS_ALL, DAEMON_CFLAGS, CLI_CFLAGS, DAEMON_OBJS, LIBCNID, DAEMON_LIBS
set -euo pipefail
out=$1 cnidd=$2 scan=$3 emu=$4
# outside build/: make reads every *.d file under build/ (Makefile)
root=${CNID_SYSTEMD_ROOT:-/var/tmp/cnid-systemd-root}
die() { echo "check-daemon-systemd: $*" >&2; exit 1; }
# shellcheck source=tools/debian-root.sh
. "$(dirname "$0")/../../tools/debian-root.sh"
[ "$(id -u)" = 0 ] || die "needs root (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is missing (apt install systemd-container)"
mkdir -p "$out"

if [ ! -e "$root/.ready" ]; then
	rm -rf "$root"
	bookworm_mirrors "$out/sources" || die "no bookworm entry in the host's apt sources"
	host_aptopts
	echo "check-daemon-systemd: making a bookworm root with systemd in $root (once)"
	mmdebstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libjson-c5,libnettle8,libudev1 \
		"${APTOPTS[@]+"${APTOPTS[@]}"}" \
		bookworm "$root" "${MIRRORS[@]}" >"$out/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$out/mmdebstrap.log"; die "mmdebstrap failed"; }
	touch "$root/.ready"
fi

# the container's fixed part: the reader, the configuration, the test
install -d "$root/usr/share/cnid-test" "$root/etc/cnid" "$root/usr/lib/sysusers.d" \
	"$root/etc/systemd/system/multi-user.target.wants" "$root/usr/local/lib/cnid-test" "$root/out"
install -m 0755 "$emu" "$root/usr/local/bin/cnid-emu"
cp tests/emu/cards/*.card "$root/usr/share/cnid-test/"
install -m 0644 udev-rules/cnid.sysusers "$root/usr/lib/sysusers.d/cnid.conf"
cat >"$root/etc/cnid/cnidd.conf" <<'EOF'
udev = no
serial = /run/cnid-emu/sam0
control_node =
poll_interval_ms = 200
EOF
cat >"$root/etc/systemd/system/cnid-emu.service" <<'EOF'
[Unit]
Description=virtual SAM reader on a pseudo-terminal (test)
[Service]
RuntimeDirectory=cnid-emu
ExecStart=/usr/local/bin/cnid-emu --pty --link /run/cnid-emu/sam0 --ctl /run/cnid-emu/ctl --cards-dir /usr/share/cnid-test
EOF
cat >"$root/etc/systemd/system/cnid-test.service" <<'EOF'
[Unit]
Description=cnidd.service under systemd (test)
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/lib/cnid-test/test.sh
ExecStopPost=/usr/bin/systemctl poweroff --no-block
EOF
ln -sf /etc/systemd/system/cnid-test.service "$root/etc/systemd/system/multi-user.target.wants/"
cat >"$root/usr/local/lib/cnid-test/test.sh" <<'EOF'
#!/bin/sh
# in the container: one TEST line per check to /out/result, details to /out/log
exec >/out/log 2>&1
r=/out/result
t() { if "$@"; then echo "TEST $n PASS" >>$r; else echo "TEST $n FAIL" >>$r; fi; }
ctl() { /usr/local/bin/cnid-emu ctl /run/cnid-emu/ctl "$@"; }
wait_for() { _i=$(($1 * 10)); shift; until "$@"; do _i=$((_i - 1)); [ $_i -le 0 ] && return 1; sleep 0.1; done; }
systemctl --version | head -n 1
systemctl start cnid-emu.service
wait_for 5 test -S /run/cnid-emu/ctl
pty=$(readlink -f /run/cnid-emu/sam0)
chgrp cnid "$pty" && chmod 0660 "$pty"
show() { systemctl show -p "$1" --value cnidd.service; }
systemctl start cnidd.service; s=$?
n=start; t [ "$s" = 0 -a "$(show ActiveState)/$(show SubState)" = active/running ]
pid=$(show MainPID)
grep -E '^(Uid|Gid|Cap(Eff|Prm|Bnd|Amb)):' "/proc/$pid/status"
field() { sed -n "s/^$1:\t//p" "/proc/$pid/status"; }
identity() {
	u=$(id -u cnidd) g=$(getent group cnid | cut -d: -f3)
	[ "$(field Uid)" = "$u	$u	$u	$u" ] && [ "$(field Gid)" = "$g	$g	$g	$g" ] &&
		for c in CapEff CapPrm CapBnd CapAmb; do [ "$(field $c)" = 0000000000001000 ] || return 1; done
}
n=identity; t identity
ctl present resident-fp2.card
wait_for 10 test -e /run/cnid/sam0.json
ls -l /run/cnid
card_read() {
	[ "$(stat -c '%a %U:%G' /run/cnid/sam0.json 2>/dev/null)" = "640 cnidd:cnid" ] &&
		grep -q '"type": "resident"' /run/cnid/sam0.json
}
n=card-read; t card_read
ctl remove
n=removed; t wait_for 5 test ! -e /run/cnid/sam0.json
reload() {
	systemctl reload cnidd.service &&
		wait_for 5 sh -c 'journalctl -u cnidd.service | grep -q "configuration reloaded"'
}
n=reload; t reload
systemctl stop cnidd.service
n=stop; t [ "$(show Result)" = success -a "$(show ActiveState)" = inactive ]
journalctl -b -u cnidd.service --no-pager -o short-monotonic >/out/journal
EOF
chmod 0755 "$root/usr/local/lib/cnid-test/test.sh"

# boot NAME CNIDD_BINARY [DROP-IN LINES]: one container boot, results in $out/NAME
boot() {
	local name=$1 bin=$2 extra=${3:-}
	install -m 0755 "$bin" "$root/usr/sbin/cnidd"
	sed 's|@SBINDIR@|/usr/sbin|' helper/daemon/cnidd.service >"$root/usr/lib/systemd/system/cnidd.service"
	rm -rf "$root/etc/systemd/system/cnidd.service.d" "$root/out"/*
	mkdir -p "$root/etc/systemd/system/cnidd.service.d"
	printf '[Service]\nDeviceAllow=char-pts rw\n%s' "$extra" \
		>"$root/etc/systemd/system/cnidd.service.d/test.conf"
	# no host bus, no machined here: --register=no --keep-unit
	timeout 180 systemd-nspawn -q --keep-unit --register=no --capability=CAP_NET_ADMIN \
		-D "$root" -b --console=pipe >"$out/$name.console" 2>&1 || true
	rm -rf "${out:?}/$name"
	cp -r "$root/out" "$out/$name"
	touch "$out/$name/result"
}

boot shipped "$cnidd"
sed 's/^/  /' "$out/shipped/log"
if [ -s "$out/shipped/journal" ]; then
	sed 's/^/  journal: /' "$out/shipped/journal"
	if "$scan" "$out/shipped/journal" tests/emu/cards/*.card >"$out/scan.log" 2>&1; then
		echo "TEST privacy PASS" >>"$out/shipped/result"
	else
		cat "$out/scan.log"
		echo "TEST privacy FAIL" >>"$out/shipped/result"
	fi
fi
rc=0
for c in start identity card-read removed reload stop privacy; do
	grep -qx "TEST $c PASS" "$out/shipped/result" || { echo "check-daemon-systemd: $c failed" >&2; rc=1; }
done
cat "$out/shipped/result"
[ "$rc" = 0 ] || { tail -n 30 "$out/shipped.console"; exit 1; }

# the planted faults
sed 's/st\.st_gid != gid && fchown/fchown/' helper/daemon/record.c >"$out/record.c"
! cmp -s helper/daemon/record.c "$out/record.c" || die "the record plant did not apply"
# shellcheck disable=SC2086
$CC $CFLAGS_ALL $DAEMON_CFLAGS $CLI_CFLAGS -Ihelper/daemon -c -o "$out/record.o" "$out/record.c"
others=$(for x in $DAEMON_OBJS; do case $x in */record.o) ;; *) echo "$x" ;; esac; done)
# shellcheck disable=SC2086
$CC $CFLAGS_ALL -o "$out/cnidd-planted" "$out/record.o" $others "$LIBCNID" $DAEMON_LIBS
boot planted "$out/cnidd-planted" $'ExecReload=\nExecReload=/bin/kill -HUP $MAINPID\n'
for c in card-read reload; do
	grep -qx "TEST $c FAIL" "$out/planted/result" ||
		{ cat "$out/planted/result" >&2; die "the planted fault did not fail $c"; }
	echo "check-daemon-systemd: planted: $c FAIL, as it must"
done
grep -q 'start PASS' "$out/planted/result" || die "the planted boot did not even start cnidd"
echo "check-daemon-systemd: cnidd.service under systemd $(sed -n 's/^systemd \([0-9]*\).*/\1/p' "$out/shipped/log"): every check passed; both planted faults caught"
