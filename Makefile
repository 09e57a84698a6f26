# SPDX-License-Identifier: LGPL-2.1-or-later
#
# cnid top-level Makefile: the userspace helper (library, CLI, daemon), the
# tests and benchmarks.  The kernel module is built by kbuild through the
# top-level Kbuild file: `make module` (or make -C $KDIR M=$PWD).
#
# Each part of the tree owns a fragment (*.mk) that adds its targets and
# appends to CHECK_TARGETS; `make check` runs all of them.

CC ?= gcc
CLANG ?= clang
BUILD ?= build
DEBUG ?= 0
PREFIX ?= /usr/local

CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE \
	-Ihelper/lib -I$(BUILD)/gen
ifeq ($(DEBUG),1)
CFLAGS_OPT := -O0 -g
else
CFLAGS_OPT := -O2 -g
endif
# CPPFLAGS, CFLAGS and (on the installed programs) LDFLAGS come last, as
# dpkg-buildflags sets them for the Debian packages (debian/rules).
CFLAGS_ALL := $(CFLAGS_BASE) $(CFLAGS_OPT) $(CPPFLAGS) $(CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

KDIR ?= /lib/modules/$(shell uname -r)/build

CHECK_TARGETS :=
ALL_TARGETS :=
# Debian packages, declared by the fragment whose targets run them:
# DEPS_BUILD for `make`, DEPS_DEMO for what `make demo` adds (the QEMU
# rig's core), DEPS_CHECK for the rest of `make check`
# (tools/install-deps.sh explains the kernel-* items).
DEPS_BUILD := build-essential
DEPS_DEMO :=
DEPS_CHECK :=
# shell words for a package list, sorted, each quoted (items may hold globs)
deps_words = $(foreach d,$(sort $(1)),'$(d)')

.PHONY: all check deps deps-build deps-demo print-deps demo module module-clean clean install
.DEFAULT_GOAL := all

include helper/lib/lib.mk
include helper/cli/cli.mk
include helper/python/python.mk
include tests/unit/unit.mk
include tests/cross/cross.mk
include tests/fuzz/fuzz.mk
include bench/bench.mk
include tests/emu/emu.mk
# after emu.mk: the daemon's tests name $(CNID_EMU) as a prerequisite
include helper/daemon/daemon.mk
include tests/vm/vm.mk
include kmod/kmod.mk
include tests/deep/deep.mk
include man/man.mk
include debian/pkg.mk
include tests/demo/demo.mk

all: $(ALL_TARGETS)

# After a real `make install` (no DESTDIR): the cnid group and the cnidd user
# (systemd-sysusers), and ld.so, systemd and udev told about the new files;
# after `make uninstall` the same, less the group and user (kept, as Debian
# keeps a removed package's system users).  The DKMS part is kmod.mk's.
INSTALL_PARTS := install-lib install-cli install-daemon install-python install-man install-dkms
UNINSTALL_PARTS := $(subst install-,uninstall-,$(INSTALL_PARTS))
.PHONY: install-activate uninstall-activate
install: install-activate
uninstall: uninstall-activate
define activate
	@if [ -z '$(DESTDIR)' ]; then \
		$(1) \
		if command -v ldconfig >/dev/null; then echo ldconfig; ldconfig; fi; \
		if [ -d /run/systemd/system ]; then echo systemctl daemon-reload; systemctl daemon-reload; fi; \
		if udevadm control --ping >/dev/null 2>&1; then \
			echo udevadm control --reload; udevadm control --reload; fi; \
	fi
endef
install-activate: $(INSTALL_PARTS)
	$(call activate,if command -v systemd-sysusers >/dev/null; then \
		echo systemd-sysusers '$(SYSUSERSDIR)/cnid.conf'; systemd-sysusers '$(SYSUSERSDIR)/cnid.conf'; fi;)
# cnid's own directories go once empty (a changed cnidd.conf stays, and so its directory)
uninstall-activate: $(UNINSTALL_PARTS)
	-@rmdir '$(DESTDIR)$(INCLUDEDIR)/cnid' '$(DESTDIR)$(SYSCONFDIR)/cnid' 2>/dev/null
	$(call activate,)

deps:
	@tools/install-deps.sh $(call deps_words,$(DEPS_BUILD) $(DEPS_DEMO) $(DEPS_CHECK))

deps-build:
	@tools/install-deps.sh $(call deps_words,$(DEPS_BUILD))

deps-demo:
	@tools/install-deps.sh $(call deps_words,$(DEPS_BUILD) $(DEPS_DEMO))

print-deps:
	@echo "DEPS_BUILD=$(call deps_words,$(DEPS_BUILD))"
	@echo "DEPS_DEMO=$(call deps_words,$(DEPS_DEMO))"
	@echo "DEPS_CHECK=$(call deps_words,$(DEPS_CHECK))"

check: deps
	@$(MAKE) --no-print-directory check-run

.PHONY: check-run
check-run: $(CHECK_TARGETS)
	@echo "make check: all of [$(CHECK_TARGETS)] passed"

# The README's first command (tests/demo/demo.mk): build everything, then
# the QEMU guest's show.  (make demo-host: the sample cards decoded on the
# host only.)
demo: deps-demo
	@echo "make demo: building everything (make all)"
	@$(MAKE) -s --no-print-directory all
	@$(MAKE) -s --no-print-directory demo-vm

# The README's two commands and the packages' install test in a fresh Debian 12 root (tools/check-fresh.sh;
# ~45 min, not part of make check).  FRESH_ARGS="--keep" keeps the root.
.PHONY: check-fresh
check-fresh:
	@tools/install-deps.sh mmdebstrap git
	@BUILD='$(BUILD)' tools/check-fresh.sh $(FRESH_ARGS)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
