# SPDX-License-Identifier: LGPL-2.1-or-later
# Host-side helpers of the QEMU rig, sourced by run.sh (bash).  Nothing here
# touches the host kernel: modules are only copied, never loaded.

vm_log() { printf '%s\n' "$*" >&2; }
vm_die() { printf 'vm: error: %s\n' "$*" >&2; exit 2; }

# kver_glob PATTERN: the newest installed kernel version matching PATTERN
# that has both /boot/vmlinuz-VER and /lib/modules/VER (empty if none).
kver_glob() {
	local pat=$1 v best=
	for v in /lib/modules/$pat; do
		v=${v#/lib/modules/}
		[ -e "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
	done
	printf '%s\n' "$best"
}

# hash_files FILE...: one sha256 over the names and contents of FILEs.
hash_files() {
	local f
	for f in "$@"; do
		printf '%s ' "$f"
		sha256sum <"$f" | cut -d' ' -f1
	done | sha256sum | cut -c1-16
}

# extract_vmlinux BZIMAGE OUT: write the ELF vmlinux held in a bzImage.
# The setup header says where the compressed payload is (setup_sects at
# 0x1f1, payload_offset/length at 0x248/0x24c); its first bytes say how it
# is compressed.  Returns non-zero when it cannot.
extract_vmlinux() {
	local img=$1 out=$2 ss po pl off magic
	ss=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
	po=$(od -An -tu4 -j $((0x248)) -N4 "$img" | tr -d ' ')
	pl=$(od -An -tu4 -j $((0x24c)) -N4 "$img" | tr -d ' ')
	[ -n "$ss" ] && [ -n "$po" ] && [ -n "$pl" ] && [ "$pl" -gt 4 ] || return 1
	off=$(((ss + 1) * 512 + po))
	magic=$(od -An -tx1 -j "$off" -N4 "$img" | tr -d ' ')
	# The kernel build appends the 4-byte uncompressed size: drop it.
	case $magic in
	fd377a58) set -- xz -dc --single-stream ;;
	28b52ffd) set -- zstd -q -dc ;;
	1f8b*) set -- gzip -dc ;;
	*) return 1 ;;
	esac
	dd if="$img" iflag=skip_bytes,count_bytes skip="$off" count=$((pl - 4)) bs=1M \
		status=none | "$@" >"$out.tmp" 2>/dev/null ||
		{ rm -f "$out.tmp"; return 1; }
	[ "$(od -An -tx1 -N4 "$out.tmp" | tr -d ' ')" = 7f454c46 ] ||
		{ rm -f "$out.tmp"; return 1; }
	mv "$out.tmp" "$out"
}

# probe_accel: print kvm when KVM really runs an ordinary guest, else tcg.
# /dev/kvm on these machines may be kvm_pvm, which opens fine and even runs
# a boot sector but fails on a real kernel; so boot the given kernel for a
# few seconds and require its first console line.  Cached per host boot.
probe_accel() {
	local kimage=$1 cache=$2 boot_id res
	boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none)
	if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$boot_id" ]; then
		sed -n 2p "$cache"
		return
	fi
	res=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then
		if timeout 15 qemu-system-x86_64 -accel kvm -m 256 -nodefaults \
			-no-user-config -display none -serial stdio -no-reboot \
			-kernel "$kimage" -append "console=ttyS0 panic=-1 earlyprintk=ttyS0" \
			</dev/null 2>/dev/null | grep -q -m1 'Linux version'; then
			res=kvm
		fi
	fi
	mkdir -p "$(dirname "$cache")"
	printf '%s\n%s\n' "$boot_id" "$res" >"$cache"
	echo "$res"
}

# module_list KVER KMODDIR MODS...: the .ko files (host paths) to load, in
# dependency order, each once.  A module modprobe cannot resolve is an error
# (message on stderr, status 1): callers run this inside $(...), where
# vm_die would only end the subshell, so they must check the status.
module_list() {
	local kver=$1 moddir=$2 m root deps all=
	shift 2
	root=${moddir%/lib/modules/$kver}
	for m in "$@"; do
		if ! deps=$(modprobe ${root:+-d "$root"} -S "$kver" --show-depends "$m" 2>&1); then
			vm_log "vm: error: modprobe cannot resolve module $m for $kver: $deps"
			return 1
		fi
		all+=$deps$'\n'
	done
	printf '%s' "$all" | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# copy_with_libs ROOT FILE...: copy dynamically linked programs and every
# shared library ldd lists (plus the loader) into ROOT at the same paths.
copy_with_libs() {
	local root=$1 f lib
	shift
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
		for lib in $(ldd "$f" | awk '/=>/ && $3 ~ /^\// { print $3 } /^\t\// { print $1 }'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

# mk_cpio DIR OUT: a newc archive of DIR, owned by root.
mk_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0) >"$2"
}

# Rules from /lib/udev/rules.d the guest gets (what a desktop has for USB
# and serial devices; the rest would only slow `udevadm settle`).
VM_UDEV_BASE_RULES=${VM_UDEV_BASE_RULES:-"50-udev-default.rules 60-serial.rules 99-systemd.rules"}

# mk_base STAGE KVER KMODDIR "MODS" OUT: the part of the initramfs that only
# changes with the kernel or the host packages: busybox and its applet
# links, /dev nodes, the kernel's modules (decompressed: busybox insmod
# passes the file to init_module as is), systemd-udevd with its libraries.
# Non-zero status when a module cannot be resolved or unpacked (run.sh
# calls it inside $(...): check the status).
mk_base() {
	local stage=$1 kver=$2 moddir=$3 mods=$4 out=$5 bb ko kos n=0 d f
	rm -rf "$stage"
	mkdir -p "$stage"
	for d in bin sbin usr/bin usr/sbin dev proc sys tmp run etc root mnt \
		lib/modules/rig lib/udev/rules.d etc/udev/rules.d lib/systemd \
		usr/share/cnid-test scenarios; do
		mkdir -p "$stage/$d"
	done
	bb=$(command -v busybox)
	file -L "$bb" | grep -q 'statically linked' || vm_die "$bb is not static (busybox-static)"
	cp "$bb" "$stage/bin/busybox"
	busybox --list-full | while read -r f; do
		[ -e "$stage/$f" ] || ln -s /bin/busybox "$stage/$f"
	done
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$stage/dev/console" c 5 1
		mknod -m 666 "$stage/dev/null" c 1 3
	fi
	if [ -n "$mods" ]; then
		kos=$(module_list "$kver" "$moddir" $mods) || return 1
		for ko in $kos; do
			n=$((n + 1))
			f=$(basename "$ko")
			f=${f%.xz}; f=${f%.zst}; f=${f%.gz}
			case $ko in
			*.xz) xz -dc "$ko" ;;
			*.zst) zstd -q -dc "$ko" ;;
			*.gz) gzip -dc "$ko" ;;
			*) cat "$ko" ;;
			esac >"$stage/lib/modules/rig/$f" || { vm_log "vm: error: cannot unpack $ko"; return 1; }
			echo "$f" >>"$stage/lib/modules/rig/order"
		done
	fi
	: >>"$stage/lib/modules/rig/order"
	copy_with_libs "$stage" /usr/bin/udevadm
	ln -s /usr/bin/udevadm "$stage/lib/systemd/systemd-udevd"
	for f in $VM_UDEV_BASE_RULES; do
		[ -e "/lib/udev/rules.d/$f" ] && cp "/lib/udev/rules.d/$f" "$stage/lib/udev/rules.d/"
	done
	mk_cpio "$stage" "$out"
}

# base_inputs KVER KMODDIR "MODS": the files whose content keys the cache
# (status 1 when a module cannot be resolved).
base_inputs() {
	local kver=$1 moddir=$2 mods=$3 f
	command -v busybox
	if [ -n "$mods" ]; then
		module_list "$kver" "$moddir" $mods || return 1
	fi
	echo /usr/bin/udevadm
	ldd /usr/bin/udevadm | awk '/=>/ && $3 ~ /^\// { print $3 } /^\t\// { print $1 }'
	for f in $VM_UDEV_BASE_RULES; do
		[ -e "/lib/udev/rules.d/$f" ] && echo "/lib/udev/rules.d/$f"
	done
	echo "$VM_LIB_SH"
}
