#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/nl-canary.sh: prove the trust, netlink and public-channel
# judges of 21-kmod-netlink can fail.  Copies kmod/ into
# $BUILD/kmod/nl-canary/, plants seven faults into that copy of netlink.c
# (never into kmod/; no hook in the module's source), builds it for one
# kernel (default 6.1), boots the rig with it in place of cnid.ko and only
# the netlink scenario, and requires each judge below to FAIL.  Exit 0 when
# every fault was caught.
#   F1 liberal netlink (v1's resv_start_op + GENL_DONT_VALIDATE_*) -> strict-*
#   F2 device access alone may serve or register     -> *-needs-capability
#   F3 no "one server per reader"                    -> one-server-per-reader
#   F4 no nl_dump_check_consistent                   -> dump-intr-on-change
#   F5 no EPOLLPRI                                   -> epollpri-then-cleared
#   F6 a refused announcement moves the seq on       -> refused-changed-nothing
#   F7 the card type and token in the public event, the type in the uevent
#                            -> mc-public-only, uevent-public-keys, no-secret-in-netlink
#   tests/kmod/nl-canary.sh [KERNEL]     (make nl-canary)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
kname=${1:-6.1}
out=$ROOT/$BUILD/kmod/nl-canary
kver=$(tests/vm/run.sh --list-kernels | awk -v k="$kname" '$1 == k && $2 !~ /^\(/ { print $2 }')
[ -n "$kver" ] || { echo "nl-canary: kernel $kname not installed (make deps)"; exit 1; }

rm -rf "$out"
mkdir -p "$out/src/kmod/uapi"
cp Kbuild "$out/src/"
cp kmod/Kbuild kmod/*.c kmod/*.h "$out/src/kmod/"
cp kmod/uapi/cnid.h "$out/src/kmod/uapi/"
# each pattern must match exactly once, or the canary fails (it planted nothing)
python3 - "$out/src/kmod/netlink.c" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
def plant(name, old, new):
    global s
    if s.count(old) != 1:
        sys.exit(f"nl-canary: {name}: its pattern is not in netlink.c once; update the canary")
    s = s.replace(old, new)
plant("F1", "\t\t.maxattr = ARRAY_SIZE(cnid_nl_get_policy) - 1,\n",
      "\t\t.maxattr = ARRAY_SIZE(cnid_nl_get_policy) - 1,\n"
      "\t\t.validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP_STRICT,\n")
plant("F1", "\t.version = CNID_GENL_VERSION,\n",
      "\t.version = CNID_GENL_VERSION,\n\t.resv_start_op = CNID_NL_CMD_GET_READER + 1,\n")
plant("F2", "\treturn (file->f_mode & FMODE_WRITE) &&\n"
      "\t       (capable(CAP_NET_ADMIN) || capable(CAP_SYS_ADMIN));",
      "\treturn file->f_mode & FMODE_WRITE;")
plant("F3", "\telse if (!r->served)\n", "\telse\n")
plant("F4", "\tif (cb)\n\t\tgenl_dump_check_consistent(cb, hdr);\n", "")
plant("F5", "? EPOLLPRI : 0;", "? 0 : 0;")
plant("F6", "\tret = cnid_announce_check(&a, &n);\n\tif (ret)\n\t\treturn ret;\n",
      "\tret = cnid_announce_check(&a, &n);\n\tif (ret) {\n"
      "\t\tWRITE_ONCE(r->st.seq, r->st.seq + 1);\n\t\treturn ret;\n\t}\n")
plant("F7", "\tgenlmsg_end(msg, hdr);\n\treturn msg;\n",
      "\tif (st && (nla_put_u8(msg, CNID_NL_A_MAX + 1, st->card_type) ||\n"
      "\t\t   nla_put(msg, CNID_NL_A_MAX + 2, CNID_TOKEN_LEN, st->token)))\n"
      "\t\tgoto nospace;\n\tgenlmsg_end(msg, hdr);\n\treturn msg;\n")
plant("F7", "\tkobject_uevent_env(&d->kobj, KOBJ_CHANGE, envp);\n",
      "\tsnprintf(sam, sizeof(sam), \"CNID_CARD_TYPE=%u\", st->card_type);\n"
      "\tenvp[3] = sam;\n\tkobject_uevent_env(&d->kobj, KOBJ_CHANGE, envp);\n")
open(p, "w").write(s)
EOF
make -C "/lib/modules/$kver/build" M="$out/src" -j"$(nproc)" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; exit 1; }
# the name 21-kmod-netlink loads in place of cnid.ko
ko=$out/cnid-nl-canary.ko
cp "$out/src/kmod/cnid.ko" "$ko"

# Started by hand (not from make): what goes into the guest, as run.sh asks.
if [ -z "${VM_GUEST_BINS+set}" ]; then
	vars=$(make --no-print-directory -s BUILD="$BUILD" vm-print-guest)
	VM_GUEST_BINS=$(sed -n 's/^VM_GUEST_BINS=//p' <<<"$vars")
	VM_GUEST_FILES=$(sed -n 's/^VM_GUEST_FILES=//p' <<<"$vars")
	make --no-print-directory -s BUILD="$BUILD" vm-guest >&2
fi
log=$out/run.log
if VM_GUEST_BINS=$VM_GUEST_BINS VM_GUEST_FILES="${VM_GUEST_FILES:-} $ko" BUILD=$BUILD \
	tests/vm/run.sh --kernel "$kname" --no-module --only 21-kmod-netlink >"$log" 2>&1; then
	echo "nl-canary: the run PASSED with seven planted faults: the judges are blind ($log)"
	exit 1
fi
missed=0
for t in strict-unknown-attr strict-long strict-trailing strict-reserved strict-nested-flag \
	serve-needs-capability serial-register-needs-capability one-server-per-reader \
	dump-intr-on-change epollpri-then-cleared refused-changed-nothing \
	mc-public-only uevent-public-keys no-secret-in-netlink; do
	# verdict.sh prints each failed result line of the guest as "  vm KVER: TEST ..."
	if ! grep -q "^  vm $kver: TEST kmod\\.nl\\.$t FAIL" "$log"; then
		echo "nl-canary: kmod.nl.$t did not fail: its planted fault went unseen ($log)"
		missed=1
	fi
done
[ "$missed" = 0 ] || { grep -E "^  vm $kver: " "$log" | head -n 30; exit 1; }
echo "nl-canary: the planted faults were caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\\.nl\\..* FAIL" "$log" | cut -c 1-120
