# SPDX-License-Identifier: GPL-2.0-only
# The kernel module cnid.ko (kmod/), its checks and its guest tests.
#   make kmod            cnid.ko for every installed kernel's headers, each in
#                        its own build dir: $(BUILD)/kmod/VER/kmod/cnid.ko
#   make check-kmod      W=1 + sparse (C=1) builds, warnings are errors;
#                        checkpatch --strict on kmod/; the DKMS round trip
#   make kmod-dkms-test  dkms add/build/install/remove for every kernel (root)
#   make kmod-newest     the same W=1 + sparse build and DKMS round trip for the
#                        newest kernel of Debian unstable, inside a cached
#                        unstable root (tests/vm/unstable-root.sh; gcc-16)
#   make privacy-canary  a module built to leak replies into dmesg must make
#                        the netlink scenario's privacy check fail (6.1)
#   make nl-canary       a module with seven trust/netlink/privacy faults
#                        planted must make the matching judges of
#                        21-kmod-netlink fail (6.1)
#   make quarantine-canary  a module built without the quarantine must make
#                        every stale-reply case of 24-kmod-stale fail (6.1)
# Kernels: KMOD_KVERS (default: every /lib/modules/*/build).

# W=1/sparse/DKMS builds: the kernels' headers come with tests/vm/vm.mk's
# kernels; checkpatch comes from the kernel source tarball.
DEPS_CHECK += sparse dkms linux-source-6.1
# The newest kernel's checks run in a Debian unstable root (mmdebstrap).
DEPS_CHECK += mmdebstrap

KMOD_SRCS := kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) kmod/uapi/cnid.h
KMOD_KVERS ?= $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build)))
KMOD_SOURCE_TAR ?= /usr/src/linux-source-6.1.tar.xz
KMOD_CHECKPATCH := $(BUILD)/kmod/checkpatch/scripts/checkpatch.pl
# Out-of-tree code that builds for several kernels: version checks are
# deliberate (kmod/cnid_drv.h), and USB descriptor fields are CamelCase.
KMOD_CHECKPATCH_IGNORE := LINUX_VERSION_CODE,CONSTANT_COMPARISON,CAMELCASE

# Stage Kbuild + kmod/ into DIR (never build in the source tree).
define kmod_stage
	rm -rf $(1) && mkdir -p $(1)/kmod/uapi && cp Kbuild $(1)/ && \
	cp kmod/Kbuild kmod/*.c kmod/*.h $(1)/kmod/ && cp kmod/uapi/cnid.h $(1)/kmod/uapi/
endef

$(BUILD)/kmod/%/kmod/cnid.ko: $(KMOD_SRCS) Kbuild
	@$(call kmod_stage,$(BUILD)/kmod/$*)
	$(MAKE) -C /lib/modules/$*/build M=$(abspath $(BUILD)/kmod/$*) modules

.PHONY: kmod check-kmod kmod-sparse kmod-checkpatch kmod-dkms-test kmod-newest
kmod: $(foreach v,$(KMOD_KVERS),$(BUILD)/kmod/$(v)/kmod/cnid.ko)

# W=1 and sparse for each kernel; any diagnostic fails.
kmod-sparse:
	@set -e; for v in $(KMOD_KVERS); do \
		d=$(BUILD)/kmod-check/$$v; $(call kmod_stage,$$d); \
		$(MAKE) -s -C /lib/modules/$$v/build M=$(abspath $(BUILD))/kmod-check/$$v \
			W=1 C=1 modules >$$d/log 2>&1 || { cat $$d/log; exit 1; }; \
		if grep -v -e 'Skipping BTF generation' $$d/log | grep -q .; then \
			echo "kmod: diagnostics building for $$v:"; cat $$d/log; exit 1; fi; \
		echo "kmod: $$v: W=1 C=1 clean"; \
	done

$(KMOD_CHECKPATCH): $(KMOD_SOURCE_TAR)
	@mkdir -p $(BUILD)/kmod/checkpatch
	tar -xJf $< -C $(BUILD)/kmod/checkpatch --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	@touch $@

kmod-checkpatch: $(KMOD_CHECKPATCH)
	@$(KMOD_CHECKPATCH) --strict --no-tree --quiet --ignore $(KMOD_CHECKPATCH_IGNORE) \
		-f $(filter %.c %.h,$(KMOD_SRCS)) && echo "kmod: checkpatch --strict clean"

# One DKMS round trip at a time on this machine (it touches /usr/src and
# /lib/modules/*/updates).
kmod-dkms-test:
	@flock /tmp/cnid-dkms-test.lock tests/kmod/dkms-test.sh $(BUILD)/kmod/dkms $(KMOD_KVERS)

# The newest kernel in Debian unstable: its compiler is not bookworm's, so
# W=1 + sparse and the DKMS round trip run chrooted in the unstable root
# (made once, then cached in /var/cache/cnid-unstable; ~1 min cold).
KMOD_UNSTABLE := tests/vm/unstable-root.sh
kmod-newest:
	@set -e; u=$$($(KMOD_UNSTABLE) prepare); v=$${u%% *}; \
		d=$(abspath $(BUILD))/kmod-check/$$v; $(call kmod_stage,$$d); \
		$(KMOD_UNSTABLE) run --bind $$d -- make -s -C /lib/modules/$$v/build M=$$d \
			W=1 C=1 modules >$$d/log 2>&1 || { cat $$d/log; exit 1; }; \
		if grep -v -e 'Skipping BTF generation' $$d/log | grep -q .; then \
			echo "kmod: diagnostics building for $$v:"; cat $$d/log; exit 1; fi; \
		cc=$$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' \
			"$$(echo "$$u" | cut -d' ' -f2)/lib/modules/$$v/build/.config"); \
		echo "kmod: $$v (unstable root, $$cc): W=1 C=1 clean"; \
		flock /tmp/cnid-dkms-test.lock $(KMOD_UNSTABLE) run --bind $(CURDIR) --cd $(CURDIR) -- \
			tests/kmod/dkms-test.sh $(BUILD)/kmod/dkms-newest $$v

check-kmod: kmod-sparse kmod-checkpatch kmod-dkms-test kmod-newest

CHECK_TARGETS += check-kmod

# Guest test programs (tests/kmod/), static, for the QEMU rig.
KMOD_TEST := $(BUILD)/static/kmod-test
$(KMOD_TEST): tests/kmod/kmod-test.c tests/emu/emu-client.h kmod/uapi/cnid.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -Ikmod -static -o $@ tests/kmod/kmod-test.c $(LIBCNID)

VM_GUEST_BINS += $(KMOD_TEST)

CNID_NL := $(BUILD)/static/cnid-nl
$(CNID_NL): tests/kmod/cnid-nl.c tests/emu/secret-scan.h kmod/uapi/cnid.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ikmod -Itests/emu -static -o $@ tests/kmod/cnid-nl.c $(LIBCNID)

VM_GUEST_BINS += $(CNID_NL)

# The module canaries, each tests/kmod/NAME.sh: one guest boot on one
# kernel (KMOD_CANARY_KERNEL) with a module built to fail one scenario's
# judges.
#   privacy-canary     21-kmod-netlink: KCFLAGS=-DCNID_TEST_LEAK dumps every
#                      reply into dmesg (~40 s)
#   nl-canary          21-kmod-netlink: seven faults planted into a copy of
#                      netlink.c (~45 s: the EPOLLPRI judge waits out its 20 s)
#   quarantine-canary  24-kmod-stale: KCFLAGS=-DCNID_TEST_NO_QUARANTINE; every
#                      stale-reply case of both pipe modes must fail (~18 s)
#   engine-canary      25-kmod-engine: KCFLAGS=-DCNID_TEST_ENGINE_PLANT, one
#                      planted fault per promise; each judge must fail (~90 s)
KMOD_CANARY_KERNEL ?= 6.1
KMOD_CANARIES := privacy-canary nl-canary quarantine-canary engine-canary
.PHONY: $(KMOD_CANARIES)
$(KMOD_CANARIES): vm-guest
	@VM_GUEST_BINS='$(strip $(VM_GUEST_BINS))' VM_GUEST_FILES='$(strip $(VM_GUEST_FILES))' \
	BUILD='$(BUILD)' tests/kmod/$@.sh $(KMOD_CANARY_KERNEL)

CHECK_TARGETS += $(KMOD_CANARIES)

# Guest benchmark: /dev/cnidN vs usbfs round trip (bench/kmod-latency.c),
# run by tests/vm/scenarios/30-kmod-latency.sh.
KMOD_LATENCY := $(BUILD)/static/kmod-latency
$(KMOD_LATENCY): bench/kmod-latency.c tests/emu/emu-client.h kmod/uapi/cnid.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -Ikmod -static -o $@ bench/kmod-latency.c $(LIBCNID)

VM_GUEST_BINS += $(KMOD_LATENCY)

# Guest benchmark: the whole card read through /dev/cnidN against the reader's
# configured delays (bench/card-read-time.c; 31-kmod-card-read).
CARD_READ_TIME := $(BUILD)/static/card-read-time
$(CARD_READ_TIME): bench/card-read-time.c tests/emu/emu-client.h kmod/uapi/cnid.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -Ikmod -static -o $@ bench/card-read-time.c $(LIBCNID)
VM_GUEST_BINS += $(CARD_READ_TIME)

# ---- install: the module through DKMS ----
# make install copies the module's source to DKMS_SRCDIR (/usr/src/cnid-V,
# V = dkms.conf's PACKAGE_VERSION).  Without DESTDIR, as root, and with
# dkms installed it then registers it and builds and installs it for the
# running kernel (dkms add + install; DKMS builds it for later kernels by
# itself, and signs it with its MOK key under Secure Boot); DKMS=0 skips
# that (the Debian package's postinst does it instead).  make uninstall
# undoes both.
DKMS ?= 1
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRCDIR ?= /usr/src/cnid-$(DKMS_VERSION)
DKMS_KVER ?= $(shell uname -r)
.PHONY: install-dkms uninstall-dkms
install: install-dkms
uninstall: uninstall-dkms
install-dkms:
	install -d '$(DESTDIR)$(DKMS_SRCDIR)/kmod/uapi'
	install -m 0644 dkms.conf Kbuild '$(DESTDIR)$(DKMS_SRCDIR)/'
	install -m 0644 kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) '$(DESTDIR)$(DKMS_SRCDIR)/kmod/'
	install -m 0644 kmod/uapi/cnid.h '$(DESTDIR)$(DKMS_SRCDIR)/kmod/uapi/cnid.h'
	@if [ -z '$(DESTDIR)' ] && [ '$(DKMS)' != 0 ] && command -v dkms >/dev/null; then \
		set -x; dkms remove cnid/$(DKMS_VERSION) --all >/dev/null 2>&1 || true; \
		dkms add cnid/$(DKMS_VERSION) || exit 1; \
		if [ -d /lib/modules/$(DKMS_KVER)/build ]; then \
			dkms install cnid/$(DKMS_VERSION) -k $(DKMS_KVER) || exit 1; \
		else set +x; echo "install-dkms: no headers for $(DKMS_KVER):" \
			"apt install linux-headers-$(DKMS_KVER), then dkms autoinstall"; fi; \
	elif [ -z '$(DESTDIR)' ] && [ '$(DKMS)' != 0 ]; then \
		echo "install-dkms: dkms is not installed: apt install dkms, then" \
			"dkms add cnid/$(DKMS_VERSION) && dkms autoinstall"; \
	fi
uninstall-dkms:
	@if [ -z '$(DESTDIR)' ] && [ '$(DKMS)' != 0 ] && command -v dkms >/dev/null; then \
		echo "dkms remove cnid/$(DKMS_VERSION) --all"; \
		dkms remove cnid/$(DKMS_VERSION) --all >/dev/null 2>&1 || true; \
	fi
	for f in dkms.conf Kbuild kmod/uapi/cnid.h kmod/Kbuild $(wildcard kmod/*.c kmod/*.h); do \
		rm -f '$(DESTDIR)$(DKMS_SRCDIR)'/$$f; done
	-rmdir '$(DESTDIR)$(DKMS_SRCDIR)/kmod/uapi' '$(DESTDIR)$(DKMS_SRCDIR)/kmod' \
		'$(DESTDIR)$(DKMS_SRCDIR)' 2>/dev/null
