#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The QEMU rig's host driver: for each kernel of tests/vm/kernels/*.conf,
# build cnid.ko against its headers, build the initramfs, boot it under
# qemu-system-x86_64, run the scenarios, judge the results and the kernel
# log.  Usage and the contract: tests/vm/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VMDIR=$ROOT/tests/vm
VM_LIB_SH=$VMDIR/lib.sh
# shellcheck source=tests/vm/lib.sh
. "$VM_LIB_SH"
cd "$ROOT"
BUILD=${BUILD:-build}
OUT=$ROOT/$BUILD/vm

usage() {
	sed -n 's/^`run.sh` options: //p' "$VMDIR/README.md" >&2
	cat >&2 <<-EOF
	usage: tests/vm/run.sh [--kernel K]... [--only PREFIX]... [--stress [N]] [--udcs N]
	       [--timeout S] [--scenario-timeout S] [--accel tcg|kvm|auto] [--smp N]
	       [--mem MB] [--append ARGS] [--scenario FILE]... [--jobs N] [--no-module]
	       [--hcd dummy|uhci|xhci] [--shell] [-v]
	       tests/vm/run.sh --list-kernels
	EOF
	exit 2
}

kernels=() only=() extra_scen=() stress=${CNID_VM_STRESS:-0} udcs=${VM_UDCS:-2}
host_timeout=${VM_TIMEOUT:-} stimeout=${VM_SCENARIO_TIMEOUT:-120}
accel=${VM_ACCEL:-auto} smp=${VM_SMP:-2} mem=${VM_MEM:-768} append=${VM_APPEND:-}
hcd=${VM_HCD:-dummy} verbose=0 keep_going=1 no_module=0 shell=0 list=0 jobs=${VM_JOBS:-1}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernels+=("$2"); shift ;;
	--kernel=*) kernels+=("${1#*=}") ;;
	--only) only+=("$2"); shift ;;
	--scenario) extra_scen+=("$(realpath "$2")"); shift ;;
	--only=*) only+=("${1#*=}") ;;
	--stress)
		if [ $# -gt 1 ] && [[ $2 =~ ^[0-9]+$ ]]; then stress=$2; shift; else stress=1; fi ;;
	--stress=*) stress=${1#*=} ;;
	--udcs) udcs=$2; shift ;;
	--timeout) host_timeout=$2; shift ;;
	--scenario-timeout) stimeout=$2; shift ;;
	--accel) accel=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--append) append="$append $2"; shift ;;
	--keep-going) keep_going=1 ;;
	--jobs) jobs=$2; shift ;;
	--hcd) hcd=$2; shift ;;
	--hcd=*) hcd=${1#*=} ;;
	-j*) jobs=${1#-j}; [ -n "$jobs" ] || { jobs=$2; shift; } ;;
	--fail-fast) keep_going=0 ;;
	--no-module) no_module=1 ;;
	--shell) shell=1; verbose=1 ;;
	--list-kernels) list=1 ;;
	-v | --verbose) verbose=1 ;;
	-h | --help) usage ;;
	*) vm_log "run.sh: unknown argument $1"; usage ;;
	esac
	shift
done
[[ $udcs =~ ^[0-9]+$ ]] && [ "$udcs" -ge 1 ] || vm_die "--udcs wants a number >= 1"
[[ $stress =~ ^[0-9]+$ ]] || vm_die "--stress wants a number"
[[ $jobs =~ ^[0-9]+$ ]] || vm_die "--jobs wants a number"
[ "$shell" = 1 ] && jobs=1
case $hcd in dummy | uhci | xhci) ;; *) vm_die "--hcd wants dummy, uhci or xhci" ;; esac
# Started by hand (not from make): ask make what goes into the guest, and
# build it.
if [ -z "${VM_GUEST_BINS+set}" ] && [ "$list" = 0 ]; then
	vars=$(make --no-print-directory -s BUILD="$BUILD" vm-print-guest) ||
		vm_die "make vm-print-guest failed"
	VM_GUEST_BINS=$(sed -n 's/^VM_GUEST_BINS=//p' <<<"$vars")
	VM_GUEST_FILES=$(sed -n 's/^VM_GUEST_FILES=//p' <<<"$vars")
	VM_GUEST_DYN_BINS=$(sed -n 's/^VM_GUEST_DYN_BINS=//p' <<<"$vars")
	make --no-print-directory -s BUILD="$BUILD" vm-guest >&2 || vm_die "building the guest programs failed"
fi
read -r -a guest_bins <<<"${VM_GUEST_BINS:-}"
read -r -a guest_files <<<"${VM_GUEST_FILES:-}"
read -r -a guest_dyn_bins <<<"${VM_GUEST_DYN_BINS:-}"

# kernel_conf CONF: set the K* variables from one kernels/*.conf file.
kernel_conf() {
	KNAME= KVER= KIMAGE= KDIR= KPREPARE= KAPPEND= KBOOT=auto KDEFAULT=1 KMAKE=make
	unset KMODDIR
	KMODS="dummy_hcd libcomposite usb_f_fs softdog"
	# shellcheck disable=SC1090
	. "$1"
	: "${KNAME:=$(basename "$1" .conf)}"
	# a QEMU host controller (--hcd): its driver, and virtio-serial for the
	# usbredir streams (dummy_hcd stays: scenarios also build gadgets)
	# (not in KMODS_CONF, which 00-rig checks: some are built in on 6.12)
	KMODS_CONF=$KMODS
	case $hcd in
	uhci) KMODS="$KMODS uhci_hcd virtio_pci virtio_console" ;;
	xhci) KMODS="$KMODS xhci_pci virtio_pci virtio_console ftdi_sio" ;;
	esac
	if [ -n "$KVER" ]; then
		: "${KIMAGE:=/boot/vmlinuz-$KVER}"
		: "${KDIR:=/lib/modules/$KVER/build}"
		: "${KMODDIR=/lib/modules/$KVER}"
	fi
}

confs=()
# shellcheck disable=SC2086
for conf in "$VMDIR"/kernels/*.conf ${VM_KERNEL_CONFS:-}; do
	kernel_conf "$conf"
	if [ "$list" = 1 ]; then
		printf '%-8s %-28s %s\n' "$KNAME" "${KVER:-(not installed)}" "$conf"
		continue
	fi
	if [ ${#kernels[@]} -eq 0 ]; then
		[ "${KDEFAULT:-1}" = 1 ] && confs+=("$conf")
		continue
	fi
	for k in "${kernels[@]}"; do
		if [ "$k" = "$KNAME" ] || [ "$k" = "$KVER" ] || [ "$k" = "$(basename "$conf" .conf)" ]; then
			confs+=("$conf")
			break
		fi
	done
done
[ "$list" = 1 ] && exit 0
[ ${#confs[@]} -gt 0 ] || vm_die "no kernel selected (see --list-kernels)"

# Scenarios and the guest's share of the host timeout.
scen=()
for f in "$VMDIR"/scenarios/*.sh; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .sh)
	if [ ${#only[@]} -gt 0 ]; then
		ok=0
		for p in $(printf '%s\n' "${only[@]}" | tr ',' ' '); do
			case $n in "$p"*) ok=1 ;; esac
		done
		[ $ok = 1 ] || continue
	fi
	scen+=("$f")
done
for f in "${extra_scen[@]+"${extra_scen[@]}"}"; do
	[ -f "$f" ] || vm_die "--scenario $f: no such file"
	scen+=("$f")
	[ ${#only[@]} -gt 0 ] && only+=("$(basename "$f" .sh)")
done
[ ${#scen[@]} -gt 0 ] || vm_die "no scenario matches: ${only[*]:-(all)}"
if [ -z "$host_timeout" ]; then
	host_timeout=120
	for f in "${scen[@]}"; do
		key=timeout
		[ "$stress" != 0 ] && key=stress-timeout
		t=$(sed -n "s/^# cnid-vm:.*[[:space:]]$key=\([0-9][0-9]*\).*/\1/p" "$f" | head -n 1)
		[ -n "$t" ] || { [ "$stress" != 0 ] && t=3600 || t=$stimeout; }
		host_timeout=$((host_timeout + t + 5))
	done
fi

# kmod/ is buildable once it has C sources and its kbuild file.
have_module_sources() {
	compgen -G "kmod/*.c" >/dev/null && { [ -f kmod/Kbuild ] || [ -f kmod/Makefile ]; }
}

# build_module KVER KDIR WORK: cnid.ko for that kernel, in a copy of the
# sources (kbuild writes its objects next to them).  Prints the .ko path.
build_module() {
	local kver=$1 kdir=$2 work=$3
	mkdir -p "$work/src"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
		--exclude='*.mod*' --exclude='modules.order' --exclude='Module.symvers' \
		--filter='protect *.o' --filter='protect *.ko' --filter='protect .*.cmd' \
		--filter='protect *.mod' --filter='protect *.mod.c' --filter='protect modules.order' \
		--filter='protect Module.symvers' \
		Kbuild kmod "$work/src/"
	# shellcheck disable=SC2086 # KMAKE: a command line (e.g. make in a chroot)
	if ! $KMAKE -C "$kdir" M="$work/src" -j"$(nproc)" modules >"$work/module-build.log" 2>&1 </dev/null; then
		vm_log "vm $kver: building cnid.ko failed:"
		cat "$work/module-build.log" >&2
		return 1
	fi
	find "$work/src" -name cnid.ko | head -n 1
}

# build_base KVER WORK: the cached base cpio (path printed).  Runs inside
# $(...), where errexit and vm_die stop only the subshell: every step's
# status is checked, and a failure (e.g. a module of KMODS that modprobe
# cannot resolve) returns non-zero for the caller to fail the kernel's run.
build_base() {
	local kver=$1 work=$2 key base inputs
	inputs=$(base_inputs "$kver" "$KMODDIR" "$KMODS") || return 1
	# shellcheck disable=SC2046
	key=$(hash_files $(sort -u <<<"$inputs")) || return 1
	base=$work/base-$key.cpio
	if [ ! -f "$base" ]; then
		rm -f "$work"/base-*.cpio
		if ! mk_base "$work/base.$$" "$kver" "$KMODDIR" "$KMODS" "$base.$$" >&2; then
			rm -rf "$work/base.$$" "$base.$$"
			return 1
		fi
		mv "$base.$$" "$base" || return 1
		rm -rf "$work/base.$$"
	fi
	echo "$base"
}

# build_initrd RUN BASE KO: the run's initrd: base + overlay, concatenated.
build_initrd() {
	local work=$1 base=$2 ko=$3 ov f
	ov=$work/overlay
	rm -rf "$ov"
	mkdir -p "$ov/lib/modules" "$ov/usr/bin" "$ov/usr/share/cnid-test" "$ov/scenarios" \
		"$ov/etc/udev/rules.d"
	install -m 755 "$VMDIR/guest/init" "$ov/init"
	install -m 644 "$VMDIR/guest/cnid-vm.sh" "$ov/lib/cnid-vm.sh"
	install -m 644 "$VMDIR/guest/cnid-vm-runner.sh" "$ov/lib/cnid-vm-runner.sh"
	cp "$VMDIR"/guest/etc/* "$ov/etc/"
	cp "$VMDIR/guest/99-cnid-vm-rig.rules" "$ov/etc/udev/rules.d/"
	for f in udev-rules/*.rules; do
		[ -f "$f" ] && cp "$f" "$ov/etc/udev/rules.d/"
	done
	for f in "${scen[@]}"; do
		install -m 755 "$f" "$ov/scenarios/"
	done
	[ -n "$ko" ] && install -m 644 "$ko" "$ov/lib/modules/cnid.ko"
	for f in "${guest_bins[@]}"; do
		[ -f "$f" ] || vm_die "VM_GUEST_BINS: $f does not exist (build it first)"
		if ! file -L "$f" | grep -q -E 'statically linked|static-pie linked'; then
			vm_die "VM_GUEST_BINS: $f is not statically linked"
		fi
		install -m 755 "$f" "$ov/usr/bin/"
	done
	for f in "${guest_dyn_bins[@]+"${guest_dyn_bins[@]}"}"; do
		[ -f "$f" ] || vm_die "VM_GUEST_DYN_BINS: $f does not exist (build it first)"
		copy_with_libs "$ov" "$(realpath "$f")"
		mkdir -p "$ov/usr/bin"
		mv "$ov$(realpath "$f")" "$ov/usr/bin/$(basename "$f")"
	done
	for f in "${guest_files[@]}"; do
		[ -f "$f" ] || vm_die "VM_GUEST_FILES: $f does not exist"
		cp -p "$f" "$ov/usr/share/cnid-test/"
	done
	mk_cpio "$ov" "$work/overlay.cpio"
	# the top-level Makefile includes every *.d under build/: no rules.d here
	rm -rf "$ov"
	cat "$base" "$work/overlay.cpio" >"$work/initrd.cpio"
}

# boot KVER RUN MODE(pvh|bzimage): run the guest; RUN/console.log, results.log.
boot() {
	local kver=$1 work=$2 mode=$3 kernel cmdline a
	kernel=$KIMAGE
	[ "$mode" = pvh ] && kernel=$work/vmlinux	# (the run's link to the cached one)
	a=$ACCEL
	cmdline="console=ttyS0 printk.time=1 panic=-1 oops=panic softlockup_panic=1"
	cmdline+=" hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=30 slub_debug=FZPU"
	# faster TCG boots: no CPU-bug mitigations, no crypto self-tests (~0.5 s)
	cmdline+=" mitigations=off cryptomgr.notests tsc=reliable no_timer_check 8250.nr_uarts=2"
	cmdline+=" cnidvm_kver=$kver cnidvm_udcs=$udcs cnidvm_stress=$stress cnidvm_timeout=$stimeout cnidvm_shell=$shell"
	# the modules the kernel's conf asks for: 00-rig checks each one is loaded
	[ -n "$KMODS_CONF" ] && cmdline+=" cnidvm_kmods=$(echo $KMODS_CONF | tr ' ' ',')"
	if [ ${#only[@]} -gt 0 ]; then
		cmdline+=" cnidvm_only=$(printf '%s,' "${only[@]}" | sed 's/,$//')"
	fi
	cmdline+=" cnidvm_hcd=$hcd $KAPPEND $append"
	local qemu=(qemu-system-x86_64 -accel "$a" -m "$mem" -smp "$smp" -nodefaults
		-no-user-config -display none -no-reboot
		-kernel "$kernel" -initrd "$work/initrd.cpio" -append "$cmdline")
	# QEMU's host controller with one usb-redir device per reader slot, its
	# stream joined (a unix socket, QEMU on both ends) to the virtio-serial
	# port cnid.redirN where the guest's cnid-emu-redir speaks usbredir.
	if [ "$hcd" != dummy ]; then
		local i sock
		case $hcd in
		uhci) qemu+=(-device piix3-usb-uhci,id=hc) ;;
		xhci) qemu+=(-device qemu-xhci,id=hc) ;;
		esac
		qemu+=(-device virtio-serial-pci,id=vser)
		# readers on root ports (uhci has 2, qemu-xhci 4 USB 2.0 ones); more
		# go where QEMU puts them (behind a usb-hub it adds by itself)
		local nports=2 port
		[ "$hcd" = xhci ] && nports=4
		for ((i = 0; i < udcs; i++)); do
			sock=$work/redir$i.sock
			port=
			[ "$i" -lt "$nports" ] && port=",port=$((i + 1))"
			qemu+=(-chardev "socket,id=redir$i,path=$sock,server=on,wait=off"
				-device "usb-redir,chardev=redir$i,id=usbredir$i,bus=hc.0$port"
				-chardev "socket,id=vport$i,path=$sock"
				-device "virtserialport,bus=vser.0,chardev=vport$i,name=cnid.redir$i")
		done
		# xhci: a USB-serial bridge (QEMU's usb-serial, an FTDI chip: ftdi_sio,
		# /dev/ttyUSB0) whose line ends at the virtio-serial port cnid.tty0,
		# where 13-emu-usb-serial runs cnid-emu --tty
		if [ "$hcd" = xhci ]; then
			sock=$work/tty0.sock
			qemu+=(-chardev "socket,id=ttyline0,path=$sock,server=on,wait=off"
				-device "usb-serial,chardev=ttyline0,id=usbserial0,bus=hc.0,port=$((nports))"
				-chardev "socket,id=ttyport0,path=$sock"
				-device "virtserialport,bus=vser.0,chardev=ttyport0,name=cnid.tty0")
		fi
	fi
	[ "$a" = kvm ] && qemu+=(-cpu host)
	# more QEMU options, for debugging (e.g. VM_QEMU_ARGS="-trace usb_uhci_*")
	local extra
	read -r -a extra <<<"${VM_QEMU_ARGS:-}"
	qemu+=("${extra[@]+"${extra[@]}"}")
	if [ "$shell" = 1 ]; then
		qemu+=(-serial mon:stdio -serial "file:$work/results.log")
		timeout --foreground "$host_timeout" "${qemu[@]}" | tee "$work/console.log" || true
		return
	fi
	qemu+=(-serial stdio -serial "file:$work/results.log")
	printf '%q ' "${qemu[@]}" >"$work/qemu-cmd"
	# In the background, so that the trap below can stop QEMU when run.sh is
	# interrupted (timeout(1) puts QEMU in a process group of its own).
	if [ "$verbose" = 1 ]; then
		timeout "$host_timeout" "${qemu[@]}" </dev/null > >(tee "$work/console.log") 2>&1 &
	else
		timeout "$host_timeout" "${qemu[@]}" </dev/null >"$work/console.log" 2>&1 &
	fi
	QPID=$!
	wait "$QPID" || true
	QPID=
}
QPID=
stop_qemu() {
	if [ -n "$QPID" ]; then
		kill -TERM "$QPID" 2>/dev/null || true
		wait "$QPID" 2>/dev/null || true
	fi
}
trap 'stop_qemu; exit 130' INT
trap 'stop_qemu; exit 143' TERM

# prepare_kernel WORK: under the per-kernel lock (concurrent runs of the
# rig share the caches): cnid.ko, the base cpio, the ELF vmlinux.  Sets
# KO, BASE, MODE.
prepare_kernel() {
	local work=$1 key
	KO= BASE= MODE=bzimage
	if [ "$no_module" = 0 ] && have_module_sources; then
		KO=$(build_module "$KVER" "$KDIR" "$work") || {
			echo "vm $KVER: 0 passed, 1 failed (cnid.ko does not build)"
			return 1
		}
		[ -n "$KO" ] || { echo "vm $KVER: 0 passed, 1 failed (make produced no cnid.ko)"; return 1; }
	elif [ "$no_module" = 0 ]; then
		echo "vm $KVER: kmod/ has no sources (or no kmod/Kbuild) yet: no cnid.ko in the image"
	fi
	# USB/IP (26-kmod-usbip): its modules when the kernel has them
	local m root=${KMODDIR%/lib/modules/$KVER}
	for m in usbip_host vhci_hcd; do
		# shellcheck disable=SC2086
		modprobe ${root:+-d "$root"} -S "$KVER" --show-depends "$m" >/dev/null 2>&1 &&
			KMODS="$KMODS $m"
	done
	BASE=$(build_base "$KVER" "$work") || {
		echo "vm $KVER: 0 passed, 1 failed (the initramfs cannot be built: see the error above)"
		return 1
	}
	if [ "$KBOOT" != bzimage ]; then
		key=$(hash_files "$KIMAGE")
		if [ ! -f "$work/vmlinux" ] || [ "$(cat "$work/vmlinux.key" 2>/dev/null)" != "$key" ]; then
			rm -f "$work/pvh-broken"
			if extract_vmlinux "$KIMAGE" "$work/vmlinux.$$"; then
				mv "$work/vmlinux.$$" "$work/vmlinux"
				echo "$key" >"$work/vmlinux.key"
			fi
		fi
		[ -f "$work/vmlinux" ] && [ ! -f "$work/pvh-broken" ] && MODE=pvh
		[ "$KBOOT" = pvh ] && [ "$MODE" != pvh ] && vm_log "vm $KVER: no ELF vmlinux, booting the bzImage"
	fi
	return 0
}

run_kernel() {
	local conf=$1 work run t0 t1 wall lockfd rc=0
	kernel_conf "$conf"
	if [ -n "$KPREPARE" ]; then
		eval "$KPREPARE" || { echo "vm $KNAME: preparing the kernel failed: 0 passed, 1 failed"
			echo "0 1 0" >"$COUNTS/$KNAME"; return 1; }
		kernel_conf "$conf"
	fi
	if [ -z "$KVER" ] || [ ! -f "$KIMAGE" ]; then
		echo "vm $KNAME: kernel not installed (tools/install-deps.sh vm): 0 passed, 1 failed"
		echo "0 1 0" >"$COUNTS/$KNAME"
		return 1
	fi
	work=$OUT/$KVER
	run=$work/run.$$
	mkdir -p "$work"
	# what interrupted runs (and older versions of the rig) left behind
	for d in "$work"/run.*; do
		[ -d "$d" ] && ! kill -0 "${d##*.}" 2>/dev/null && rm -rf "$d"
	done
	rm -f "$work"/{console.log,results.log,initrd.cpio,overlay.cpio,qemu-cmd}
	rm -rf "$run"
	mkdir -p "$run"
	exec {lockfd}>"$work/lock"
	if ! flock -n "$lockfd"; then
		vm_log "vm $KVER: waiting for another run of the rig to finish preparing this kernel"
		flock "$lockfd"
	fi
	prepare_kernel "$work" || rc=1
	[ -n "$KO" ] && cp "$KO" "$run/cnid.ko"
	if [ "$MODE" = pvh ]; then
		ln "$work/vmlinux" "$run/vmlinux" 2>/dev/null || cp "$work/vmlinux" "$run/vmlinux"
	fi
	exec {lockfd}>&-
	if [ "$rc" != 0 ]; then
		echo "0 1 0" >"$COUNTS/$KNAME"
		rm -rf "$run"
		return 1
	fi
	build_initrd "$run" "$BASE" "${KO:+$run/cnid.ko}"

	[ "$verbose" = 1 ] && vm_log "vm $KVER: booting ($MODE, $ACCEL, timeout ${host_timeout}s)"
	t0=$(date +%s.%N)
	boot "$KVER" "$run" "$MODE"
	t1=$(date +%s.%N)
	if [ "$MODE" = pvh ] && ! grep -q '^CNID-VM-BOOT' "$run/results.log" 2>/dev/null &&
		! grep -q 'Linux version' "$run/console.log"; then
		vm_log "vm $KVER: the ELF vmlinux (PVH) did not boot; retrying with the bzImage"
		touch "$work/pvh-broken"
		MODE=bzimage
		t0=$(date +%s.%N)
		boot "$KVER" "$run" "$MODE"
		t1=$(date +%s.%N)
	fi
	wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
	# keep the logs of this run as the kernel's latest
	rm -f "$run/initrd.cpio" "$run/overlay.cpio" "$run/vmlinux" "$run/cnid.ko" "$run"/redir*.sock "$run"/tty*.sock
	local last=$work/last label="vm $KVER"
	# a QEMU host controller run keeps its logs apart: last-uhci, last-xhci
	[ "$hcd" != dummy ] && last=$work/last-$hcd label="vm $KVER/$hcd"
	rm -rf "$last"
	mv -T "$run" "$last" 2>/dev/null || { rm -rf "$last"; mv -T "$run" "$last"; }
	# for the latency gate at the end: this run's results (a copy: another
	# run of the rig may replace last/ meanwhile), and whether this kernel
	# counts (release kernels, KDEFAULT=1; not the debug kernel)
	cp "$last/results.log" "$COUNTS/$KNAME.results.log" 2>/dev/null ||
		: >"$COUNTS/$KNAME.results.log"
	echo "$KVER ${KDEFAULT:-1} $COUNTS/$KNAME.results.log" >"$COUNTS/$KNAME.results"
	"$VMDIR/verdict.sh" --label "$label" --wall "$wall" --boot "$MODE/$ACCEL" \
		--counts "$COUNTS/$KNAME" "$last/console.log" "$last/results.log"
}

mkdir -p "$OUT"
COUNTS=$OUT/counts.$$
mkdir -p "$COUNTS"
trap 'stop_qemu; rm -rf "$COUNTS"' EXIT
if [ "$accel" = auto ]; then
	kernel_conf "${confs[0]}"
	ACCEL=$(probe_accel "$KIMAGE" "$OUT/accel")
else
	ACCEL=$accel
fi
[ "$stress" != 0 ] && echo "vm: stress mode, CNID_VM_STRESS=$stress"
rc=0
if [ "$jobs" -le 1 ] || [ ${#confs[@]} -le 1 ]; then
	for conf in "${confs[@]}"; do
		if ! run_kernel "$conf"; then
			rc=1
			[ "$keep_going" = 1 ] || break
		fi
	done
else
	# Several kernels at once: each in a subshell with its own QEMU (TCG
	# guests mostly wait on timers, so two share 2 cores well); outputs
	# are printed in kernel order once all are done.
	kids=()
	stop_kids() {
		for k in "${kids[@]+"${kids[@]}"}"; do kill -TERM "$k" 2>/dev/null || true; done
		wait
	}
	trap 'stop_kids; exit 130' INT
	trap 'stop_kids; exit 143' TERM
	i=0
	for conf in "${confs[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
		(
			QPID=
			trap 'stop_qemu; exit 143' TERM INT
			run_kernel "$conf" >"$COUNTS/out.$i" 2>&1
			echo $? >"$COUNTS/rc.$i"
		) &
		kids+=($!)
		i=$((i + 1))
	done
	wait
	trap 'stop_qemu; exit 130' INT
	trap 'stop_qemu; exit 143' TERM
	for ((j = 0; j < i; j++)); do
		cat "$COUNTS/out.$j"
		[ "$(cat "$COUNTS/rc.$j" 2>/dev/null)" = 0 ] || rc=1
	done
fi
total_p=0 total_f=0 total_s=0 gate=()
for conf in "${confs[@]}"; do
	kernel_conf "$conf"
	if [ -f "$COUNTS/$KNAME.results" ]; then
		read -r gk gd gf <"$COUNTS/$KNAME.results"
		gate+=(--run "$gk" "$gd" "$gf")
	fi
	[ -f "$COUNTS/$KNAME" ] || continue
	read -r p f s <"$COUNTS/$KNAME"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done
# The latency benchmark across kernels (tests/vm/latency-gate.sh): prints
# the ratios; fails when a pipe mode is over 1.25 on every release kernel.
if [ ${#gate[@]} -gt 0 ] && ! "$VMDIR/latency-gate.sh" "${gate[@]}"; then
	total_f=$((total_f + 1))
fi
[ "$total_f" -gt 0 ] && rc=1
[ "$total_s" -gt 0 ] && echo "vm: $total_s skipped"
echo "$total_p passed, $total_f failed"
exit $rc
