# SPDX-License-Identifier: LGPL-2.1-or-later
# make demo (the README's first command): tests/demo/run.sh boots one QEMU
# guest on DEMO_KERNEL with cnid.ko, cnidd (as installed: dynamic, libudev)
# and the virtual reader in its realistic delay profile, and shows the four
# card types being read: cnid watch as a user in no group and as a member
# of group cnid, the uevents, the record file and the decoded card; exits 1
# when an expected event did not come.  make demo-host decodes the sample
# cards on the host only (helper/cli/cli.mk, no QEMU).
#   make demo-canary   the demo with planted faults must fail (~2 min; not
#                      in make check)
# Included after the daemon's and the emulator's fragments (their binaries).

# What the demo's guest needs on the host beyond DEPS_BUILD: the rig's core
# (DEPS_VM, tests/vm/vm.mk; Debian's default kernel and its headers).
DEPS_DEMO += $(DEPS_VM)
DEMO_KERNEL ?= 6.1
# Only what the demo's guest runs (not the whole rig's guest content, whose
# USB/IP tools and libusb client are make check's).
DEMO_GUEST_BINS := $(CNID_EMU_STATIC) $(CNID_CLI_STATIC) $(DAEMON_SCAN_STATIC)
DEMO_GUEST_FILES := tests/emu/gadget.sh $(EMU_CARDS) $(DAEMON_GUEST_DYN)/cnidd-udev $(DAEMON_GUEST_LIBS)

.PHONY: demo-vm demo-canary
demo-vm: $(DEMO_GUEST_BINS) $(DEMO_GUEST_FILES)
	@VM_GUEST_BINS='$(strip $(DEMO_GUEST_BINS))' VM_GUEST_FILES='$(strip $(DEMO_GUEST_FILES))' \
		BUILD='$(BUILD)' tests/demo/run.sh $(DEMO_KERNEL)

# Planted: a cnid tool that gives details to anyone (the public watch must
# show none) and a cnidd that announces no card_read to cnid.ko (its log
# still says it read the card: the events and uevents must be missing).
demo-canary: $(DEMO_GUEST_BINS) $(DEMO_GUEST_FILES) $(CLI_OBJS_STATIC) $(DAEMON_OBJS)
	@CC='$(CC)' CFLAGS_ALL='$(CFLAGS_ALL)' DAEMON_CFLAGS='$(DAEMON_CFLAGS)' CLI_CFLAGS='$(CLI_CFLAGS)' \
		DAEMON_OBJS='$(DAEMON_OBJS)' DAEMON_LIBS='$(DAEMON_LIBS)' LIBCNID='$(LIBCNID)' \
		CLI_OBJS_STATIC='$(CLI_OBJS_STATIC)' CLI_LIBS='$(CLI_LIBS)' CNID_CLI_STATIC='$(CNID_CLI_STATIC)' \
		DAEMON_GUEST_DYN='$(DAEMON_GUEST_DYN)' \
		VM_GUEST_BINS='$(strip $(DEMO_GUEST_BINS))' VM_GUEST_FILES='$(strip $(DEMO_GUEST_FILES))' \
		BUILD='$(BUILD)' tests/demo/canary.sh $(BUILD)/demo-canary $(DEMO_KERNEL)
