# SPDX-License-Identifier: LGPL-2.1-or-later
# The deep tier (tests/deep/README.md): the module's whole QEMU suite on a
# KASAN + lockdep + kmemleak + UBSAN kernel built from Debian's
# linux-source-6.1, and a raw_gadget hostile device attacking probe.
#   make deep-kernel     build (or find cached) the debug kernel
#   make check-deep      the suite + hostile cases on it (in make check)
#   make vmstress-deep   the same, stressed (VM_STRESS=N random hostile cases)
#   make deep-selftest   host-only checks of the hostile device's tables
#   make deep-canary     a module with planted bugs must make the tier fail
#                        (KASAN, UBSAN, atomic sleep, lockdep, kmemleak)
#   make deep-faults     faults planted in the tier's own judges must make it
#                        fail: a dead gadget, a case never unplugged, the driver
#                        gone before ok-single.last, kmemleak/lockdep off, no
#                        raw_gadget
#   DEEP_SCENARIOS=50-deep DEEP_ARGS=-v   the scenarios (prefixes) and extra
#                                  tests/deep/run.sh (= tests/vm/run.sh) options

# The debug kernel is built from Debian's linux-source-6.1; what building it
# needs is what that source's own Debian packaging says (install-deps.sh).
DEPS_CHECK += linux-source-6.1 kernel-build-deps:/usr/src/linux-source-6.1.tar.xz

DEEP_HOSTILE := $(BUILD)/static/cnid-hostile
DEEP_HOSTILE_HOST := $(BUILD)/tests/cnid-hostile
DEEP_ARGS ?=
DEEP_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -pthread

$(DEEP_HOSTILE): tests/deep/hostile.c kmod/uapi/cnid.h
	@mkdir -p $(dir $@)
	$(CC) $(DEEP_CFLAGS) -static -o $@ $<

$(DEEP_HOSTILE_HOST): tests/deep/hostile.c kmod/uapi/cnid.h
	@mkdir -p $(dir $@)
	$(CC) $(DEEP_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ $<

.PHONY: deep-kernel check-deep vmstress-deep deep-selftest deep-canary deep-faults
deep-kernel:
	@tests/deep/build-kernel.sh >/dev/null

deep-selftest: $(DEEP_HOSTILE_HOST)
	@$(DEEP_HOSTILE_HOST) selftest

# The debug kernel runs every scenario but the daemon's (4x: user space on
# the module's interfaces, which 21-kmod-netlink covers under KASAN too),
# for the 40-minute budget of make check.
DEEP_SCENARIOS ?= 0,1,2,3,5,9
check-deep: deep-selftest vm-guest
	@VM_GUEST_BINS='$(strip $(VM_GUEST_BINS))' VM_GUEST_FILES='$(strip $(VM_GUEST_FILES))' \
	BUILD='$(BUILD)' tests/deep/run.sh --only $(DEEP_SCENARIOS) $(DEEP_ARGS)

deep-canary:
	@BUILD='$(BUILD)' tests/deep/canary.sh

deep-faults: vm-guest
	@VM_GUEST_BINS='$(strip $(VM_GUEST_BINS))' VM_GUEST_FILES='$(strip $(VM_GUEST_FILES))' \
	BUILD='$(BUILD)' tests/deep/faults.sh

vmstress-deep: vm-guest
	@VM_GUEST_BINS='$(strip $(VM_GUEST_BINS))' VM_GUEST_FILES='$(strip $(VM_GUEST_FILES))' \
	BUILD='$(BUILD)' tests/deep/run.sh --stress $(or $(VM_STRESS),1) $(DEEP_ARGS)

# make vmstress stresses the deep tier too
vmstress: vmstress-deep

CHECK_TARGETS += check-deep deep-canary deep-faults
VM_GUEST_BINS += $(DEEP_HOSTILE)
