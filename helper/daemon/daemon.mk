# SPDX-License-Identifier: LGPL-2.1-or-later
# cnidd, the daemon (helper/daemon/README.md), and its host tests.
#
#   $(CNIDD)             build/cnidd
#   $(CNIDD_SAN)         build/san/cnidd (ASan+UBSan; check-daemon runs it too)
#   check-daemon         cnidd against the virtual reader over pseudo-terminals
#                        (tests/daemon/), no kernel
#   check-daemon-canary  planted faults (tests/daemon/plants) must fail it

DEPS_BUILD += libudev-dev libnl-genl-3-dev libnl-3-dev

DAEMON_SRCS := $(wildcard helper/daemon/*.c)
# shared with the tool: the card's JSON, the reader transport, helpers
DAEMON_SHARED := helper/cli/card-json.c helper/cli/reader-io.c helper/cli/util.c
DAEMON_CFLAGS := -Ihelper/cli -Ikmod
DAEMON_LIBS := -ljson-c -lnettle -ludev -ldl
CNIDD := $(BUILD)/cnidd
CNIDD_SAN := $(BUILD)/san/cnidd
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(DAEMON_SRCS) $(DAEMON_SHARED))
DAEMON_OBJS_SAN := $(patsubst %.c,$(BUILD)/san/obj/%.o,$(DAEMON_SRCS) $(DAEMON_SHARED))

$(BUILD)/obj/helper/daemon/%.o: helper/daemon/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DAEMON_CFLAGS) -c -o $@ $<
$(BUILD)/san/obj/helper/daemon/%.o: helper/daemon/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DAEMON_CFLAGS) -O1 $(SAN_FLAGS) -c -o $@ $<

$(CNIDD): $(DAEMON_OBJS) $(LIBCNID)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(LIBCNID) $(DAEMON_LIBS)
$(CNIDD_SAN): $(DAEMON_OBJS_SAN) $(LIBCNID_SAN)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -o $@ $(DAEMON_OBJS_SAN) $(LIBCNID_SAN) $(DAEMON_LIBS)

ALL_TARGETS += $(CNIDD)

# Static, for the QEMU guest (tests/vm/scenarios/40-daemon.sh): no libudev
# (Debian ships no static one) and no plug-ins; readers from the
# configuration (`reader = /dev/cnid0`).
CNIDD_STATIC := $(BUILD)/static/cnidd
DAEMON_OBJS_STATIC := $(patsubst %.c,$(BUILD)/static/obj/%.o,$(DAEMON_SRCS) $(DAEMON_SHARED))
$(BUILD)/static/obj/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DAEMON_CFLAGS) $(CLI_CFLAGS) -DCNIDD_NO_UDEV -DCNIDD_NO_PLUGIN -c -o $@ $<
$(CNIDD_STATIC): $(DAEMON_OBJS_STATIC) $(LIBCNID)
	$(CC) $(CFLAGS_ALL) -static -o $@ $(DAEMON_OBJS_STATIC) $(LIBCNID) -ljson-c -lnettle
VM_GUEST_BINS += $(CNIDD_STATIC)

# The tool, static, for the guest: cnid list / watch / read against cnid.ko.
CNID_CLI_STATIC := $(BUILD)/static/cnid
CLI_OBJS_STATIC := $(patsubst %.c,$(BUILD)/static/obj/%.o,$(CLI_SRCS))
$(CNID_CLI_STATIC): $(CLI_OBJS_STATIC) $(LIBCNID)
	$(CC) $(CFLAGS_ALL) -static -o $@ $(CLI_OBJS_STATIC) $(LIBCNID) $(CLI_LIBS) -lpthread -lm
VM_GUEST_BINS += $(CNID_CLI_STATIC)

# ---- host tests (tests/daemon/) ----
DAEMON_SCAN := $(BUILD)/tests/scan-log
DAEMON_PLUGIN := $(BUILD)/tests/photo-plugin.so

$(DAEMON_SCAN): tests/daemon/scan-log.c tests/emu/emu-client.h tests/emu/secret-scan.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -o $@ $< $(LIBCNID)

DAEMON_SCAN_STATIC := $(BUILD)/static/scan-log
$(DAEMON_SCAN_STATIC): tests/daemon/scan-log.c tests/emu/emu-client.h tests/emu/secret-scan.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -static -o $@ $< $(LIBCNID)
VM_GUEST_BINS += $(DAEMON_SCAN_STATIC)

$(DAEMON_PLUGIN): tests/daemon/photo-plugin.c helper/daemon/cnid-photo-plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ihelper/daemon -shared -fPIC -o $@ $<

DAEMON_TEST_DEPS := $(CNIDD) $(CNIDD_SAN) $(CNID_CLI) $(CNID_EMU) $(DAEMON_SCAN) $(DAEMON_PLUGIN)
DAEMON_TEST_ENV = CNID_EMU=$(CNID_EMU) CNID=$(CNID_CLI) CNID_SCAN=$(DAEMON_SCAN) \
	CNID_PLUGIN=$(DAEMON_PLUGIN)

.PHONY: check-daemon check-daemon-canary
# The tests against the plain daemon and an ASan+UBSan one.
check-daemon: $(DAEMON_TEST_DEPS)
	@set -e; for d in $(CNIDD) $(CNIDD_SAN); do \
		echo "== tests/daemon/test_daemon.py against $$d"; \
		$(DAEMON_TEST_ENV) CNIDD=$$d python3 tests/daemon/test_daemon.py; \
	done

CHECK_TARGETS += check-daemon

# Planted faults (tests/daemon/plants): a read committed without its
# confirming select, the post-read quirk or a swap unnoticed, no retries, a
# record left behind or world-readable, a number in the log, blocking I/O,
# a daemon that eats a serial line's input between its polls, a tool that
# believes find's 0x80, a stale serial reply taken; each must fail its test.
check-daemon-canary: tests/daemon/plants tests/daemon/plant.sh $(DAEMON_TEST_DEPS) $(CLI_OBJS)
	@$(DAEMON_TEST_ENV) CNIDD=$(CNIDD) CC='$(CC)' CFLAGS_ALL='$(CFLAGS_ALL)' DAEMON_CFLAGS='$(DAEMON_CFLAGS)' \
		DAEMON_OBJS='$(DAEMON_OBJS)' LIBCNID='$(LIBCNID)' DAEMON_LIBS='$(DAEMON_LIBS)' \
		CLI_CFLAGS='$(CLI_CFLAGS)' CLI_OBJS='$(CLI_OBJS)' CLI_LIBS='$(CLI_LIBS)' \
		tests/daemon/plant.sh tests/daemon/plants $(BUILD)/daemon-canary

CHECK_TARGETS += check-daemon-canary

# ---- install ----
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DAEMON_UNIT := $(BUILD)/cnidd.service

$(DAEMON_UNIT): helper/daemon/cnidd.service
	@mkdir -p $(dir $@)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@

.PHONY: install-daemon uninstall-daemon
install: install-daemon
uninstall: uninstall-daemon
# the configuration is installed only when there is none
install-daemon: $(CNIDD) $(DAEMON_UNIT)
	install -d '$(DESTDIR)$(SBINDIR)' '$(DESTDIR)$(UNITDIR)' '$(DESTDIR)$(USERUNITDIR)' \
		'$(DESTDIR)$(UDEVRULESDIR)' '$(DESTDIR)$(SYSUSERSDIR)' '$(DESTDIR)$(SYSCONFDIR)/cnid' \
		'$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(INCLUDEDIR)/cnid'
	install -m 0755 $(CNIDD) '$(DESTDIR)$(SBINDIR)/cnidd'
	install -m 0644 $(DAEMON_UNIT) '$(DESTDIR)$(UNITDIR)/cnidd.service'
	install -m 0644 udev-rules/70-cnid.rules '$(DESTDIR)$(UDEVRULESDIR)/70-cnid.rules'
	install -m 0644 udev-rules/cnid.sysusers '$(DESTDIR)$(SYSUSERSDIR)/cnid.conf'
	install -m 0644 helper/daemon/cnid-photo-plugin.h '$(DESTDIR)$(INCLUDEDIR)/cnid/cnid-photo-plugin.h'
	install -m 0755 helper/daemon/examples/cnid-notify '$(DESTDIR)$(BINDIR)/cnid-notify'
	install -m 0644 helper/daemon/examples/cnid-notify.service '$(DESTDIR)$(USERUNITDIR)/cnid-notify.service'
	[ -e '$(DESTDIR)$(SYSCONFDIR)/cnid/cnidd.conf' ] || \
		install -m 0644 helper/daemon/cnidd.conf '$(DESTDIR)$(SYSCONFDIR)/cnid/cnidd.conf'
uninstall-daemon:
	rm -f '$(DESTDIR)$(SBINDIR)/cnidd' '$(DESTDIR)$(UNITDIR)/cnidd.service' \
		'$(DESTDIR)$(UDEVRULESDIR)/70-cnid.rules' '$(DESTDIR)$(SYSUSERSDIR)/cnid.conf' \
		'$(DESTDIR)$(INCLUDEDIR)/cnid/cnid-photo-plugin.h' '$(DESTDIR)$(BINDIR)/cnid-notify' \
		'$(DESTDIR)$(USERUNITDIR)/cnid-notify.service'
	# the configuration goes only when it is still the one installed
	! cmp -s helper/daemon/cnidd.conf '$(DESTDIR)$(SYSCONFDIR)/cnid/cnidd.conf' || \
		rm -f '$(DESTDIR)$(SYSCONFDIR)/cnid/cnidd.conf'
check-install: $(CNIDD) $(DAEMON_UNIT)

# ---- the unit's hardening ----
# `systemd-analyze security --offline` must rate cnidd.service at most
# DAEMON_EXPOSURE_MAX (today 1.3; Debian 12's pcscd.service: 9.6), and the
# same unit stripped of its hardening must fail that bound (the canary).
DEPS_CHECK += systemd
DAEMON_EXPOSURE_MAX := 2.0
.PHONY: check-daemon-unit
check-daemon-unit: $(DAEMON_UNIT) $(CNIDD)
	@tests/daemon/unit-exposure.sh $(DAEMON_UNIT) $(DAEMON_EXPOSURE_MAX) $(BUILD)/unit-check $(CNIDD)
CHECK_TARGETS += check-daemon-unit

# cnidd.service under a real systemd (Debian 12's) in a systemd-nspawn
# container, not the host's init: starts (Type=notify: Ready), runs as
# cnidd:cnid with CAP_NET_ADMIN alone, reads a card from a pty reader, the
# record 0640 cnidd:cnid, reload, stop, no personal data in its journal; then
# a planted record.c and ExecReload must fail (tests/daemon/systemd-unit.sh).
# Root; the container's root is made once with mmdebstrap (~55 s, ~200 MB in
# /var/tmp/cnid-systemd-root), then ~13 s; not part of make check.
DEPS_CHECK += systemd-container
.PHONY: check-daemon-systemd
check-daemon-systemd: $(CNIDD) $(DAEMON_OBJS) $(LIBCNID) $(DAEMON_SCAN) $(BUILD)/static/cnid-emu
	@CC='$(CC)' CFLAGS_ALL='$(CFLAGS_ALL)' DAEMON_CFLAGS='$(DAEMON_CFLAGS)' CLI_CFLAGS='$(CLI_CFLAGS)' \
		DAEMON_OBJS='$(DAEMON_OBJS)' LIBCNID='$(LIBCNID)' DAEMON_LIBS='$(DAEMON_LIBS)' \
		tests/daemon/systemd-unit.sh $(BUILD)/daemon-systemd $(CNIDD) $(DAEMON_SCAN) \
		$(BUILD)/static/cnid-emu

# The QEMU scenario 40-daemon must fail with a planted static cnidd (a read
# committed unconfirmed, a number logged) and cnid (details for anyone), and
# 41-daemon-udev with a udev-deaf dynamic one; 40-daemon again with a cnidd
# that waits for each reply (four readers, one stalled), 32-daemon-latency
# with one that sleeps before announcing, 42-daemon-usb-serial (xHCI) with the
# udev-deaf one (tests/daemon/vm-canary.sh): four boots, ~7 min, not part of
# make check (make vmcheck runs the scenarios themselves on every kernel).
DAEMON_VM_CANARY_SERIAL ?= xhci:6.12
DAEMON_VM_CANARY_KERNEL ?= 6.1
.PHONY: daemon-vm-canary
daemon-vm-canary: $(DAEMON_OBJS_STATIC) $(CLI_OBJS_STATIC) $(DAEMON_OBJS) $(LIBCNID) vm-guest
	@CC='$(CC)' CFLAGS_ALL='$(CFLAGS_ALL)' DAEMON_CFLAGS='$(DAEMON_CFLAGS)' \
		DAEMON_OBJS='$(DAEMON_OBJS)' DAEMON_LIBS='$(DAEMON_LIBS)' DAEMON_GUEST_DYN='$(DAEMON_GUEST_DYN)' \
		CLI_OBJS_STATIC='$(CLI_OBJS_STATIC)' CLI_LIBS='$(CLI_LIBS)' CNID_CLI_STATIC='$(CNID_CLI_STATIC)' \
		CLI_CFLAGS='$(CLI_CFLAGS)' DAEMON_OBJS_STATIC='$(DAEMON_OBJS_STATIC)' \
		LIBCNID='$(LIBCNID)' CNIDD_STATIC='$(CNIDD_STATIC)' \
		VM_GUEST_BINS='$(strip $(VM_GUEST_BINS))' VM_GUEST_FILES='$(strip $(VM_GUEST_FILES))' \
		VM_GUEST_DYN_BINS='$(strip $(VM_GUEST_DYN_BINS))' DAEMON_VM_CANARY_SERIAL='$(DAEMON_VM_CANARY_SERIAL)' \
		tests/daemon/vm-canary.sh $(BUILD)/daemon-vm-canary $(DAEMON_VM_CANARY_KERNEL)

# cnidd's figures (bench/daemon-bench.py): event latency p50/p99 over 200
# presentations, whole read against the realistic delays, 60 s idle with no
# reader and with one; ~3 min, not part of make check.
.PHONY: bench-daemon
bench-daemon: $(CNIDD) $(CNID_EMU)
	@CNIDD=$(CNIDD) CNID_EMU=$(CNID_EMU) python3 bench/daemon-bench.py $(BENCH_DAEMON_ARGS)

# The event latency end to end in the QEMU guest (tests/vm/scenarios/
# 32-daemon-latency.sh): the reader's last byte of the read reply -> the
# card_read event in a netlink subscriber of cnid.ko's group, p50/p99 over
# BENCH_DAEMON_VM_N (200) presentations, on every kernel (~2 min a kernel
# under TCG; make vmcheck runs the same scenario with 20).
BENCH_DAEMON_VM_N ?= 200
.PHONY: bench-daemon-vm
bench-daemon-vm: vm-guest
	@mkdir -p $(BUILD)/vm && touch $(BUILD)/vm/bench-daemon-vm.stamp
	@VM_GUEST_BINS='$(strip $(VM_GUEST_BINS))' VM_GUEST_DYN_BINS='$(strip $(VM_GUEST_DYN_BINS))' \
	VM_GUEST_FILES='$(strip $(VM_GUEST_FILES))' BUILD='$(BUILD)' \
	tests/vm/run.sh --only 32-daemon --append cnidvm_daemon_latency_n=$(BENCH_DAEMON_VM_N) $(VM_ARGS)
	@for f in $(BUILD)/vm/*/last/results.log; do \
		[ "$$f" -nt $(BUILD)/vm/bench-daemon-vm.stamp ] || continue; \
		k=$${f#$(BUILD)/vm/}; \
		sed -n "s|^TEST bench.daemon-latency PASS  # |bench-daemon-vm $${k%%/*}: |p" "$$f"; \
	done

# The dynamic cnidd (libudev) for tests/vm/scenarios/41-daemon-udev.sh, with
# the libraries the guest lacks (it has glibc, for udevadm); run there with
# LD_LIBRARY_PATH=/usr/share/cnid-test.
DAEMON_GUEST_DYN := $(BUILD)/guest-dyn
DAEMON_GUEST_LIBS := $(addprefix $(DAEMON_GUEST_DYN)/,libjson-c.so.5 libnettle.so.8 libudev.so.1)
$(DAEMON_GUEST_DYN)/cnidd-udev: $(CNIDD)
	@mkdir -p $(dir $@)
	cp $< $@
$(DAEMON_GUEST_LIBS): $(CNIDD)
	@mkdir -p $(dir $@)
	@lib=$$(ldd $(CNIDD) | awk -v n=$(notdir $@) '$$1 == n { print $$3 }'); \
		[ -n "$$lib" ] || { echo "$(notdir $@): not a library of $(CNIDD)" >&2; exit 1; }; \
		cp -L "$$lib" $@
VM_GUEST_FILES += $(DAEMON_GUEST_DYN)/cnidd-udev $(DAEMON_GUEST_LIBS)
