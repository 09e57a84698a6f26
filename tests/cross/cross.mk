# SPDX-License-Identifier: LGPL-2.1-or-later
# arm64 (aarch64), as on the thin clients of government offices: libcnid,
# the CLI and the unit tests built with Debian's cross compiler, the unit
# tests run under qemu-user.
#
#   make check-arm64   build $(BUILD)/arm64/{libcnid.a,libcnid.so.0,cnid,tests/*},
#                      run every unit test and the CLI tests (tests/cli) under
#                      qemu-aarch64 (~30 s)
#
# The cross toolchain (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) needs no
# foreign architecture, but cmocka, json-c and nettle for arm64 come from
# Debian's arm64 packages, which need dpkg's multiarch: the arch:arm64 item
# makes tools/install-deps.sh run `dpkg --add-architecture arm64` first.

DEPS_CHECK += gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user file arch:arm64 \
	libcmocka-dev:arm64 libjson-c-dev:arm64 nettle-dev:arm64 libnl-genl-3-dev:arm64 libnl-3-dev:arm64

CC_ARM64 ?= aarch64-linux-gnu-gcc
AR_ARM64 ?= aarch64-linux-gnu-ar
QEMU_ARM64 ?= qemu-aarch64 -L /usr/aarch64-linux-gnu
ARM64 := $(BUILD)/arm64
CFLAGS_ARM64 := $(CFLAGS_BASE) $(CFLAGS_OPT)

LIB_OBJS_ARM64 := $(patsubst %.c,$(ARM64)/obj/%.o,$(LIB_SRCS) $(LIB_GEN))
CLI_OBJS_ARM64 := $(patsubst %.c,$(ARM64)/obj/%.o,$(CLI_SRCS))
UNIT_BINS_ARM64 := $(patsubst tests/unit/%.c,$(ARM64)/tests/%,$(UNIT_SRCS))
LIBCNID_ARM64 := $(ARM64)/libcnid.a
LIBCNID_SO_ARM64 := $(ARM64)/$(LIBCNID_SO_NAME)
CNID_CLI_ARM64 := $(ARM64)/cnid

$(ARM64)/obj/helper/lib/%.o: helper/lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC_ARM64) $(CFLAGS_ARM64) $(LIB_CFLAGS) -c -o $@ $<
$(ARM64)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC_ARM64) $(CFLAGS_ARM64) $(LIB_CFLAGS) -c -o $@ $<
$(ARM64)/obj/helper/cli/%.o: helper/cli/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC_ARM64) $(CFLAGS_ARM64) $(CLI_CFLAGS) -c -o $@ $<

$(LIBCNID_ARM64): $(LIB_OBJS_ARM64)
	$(AR_ARM64) rcs $@ $^
$(LIBCNID_SO_ARM64): $(LIB_OBJS_ARM64) $(LIBCNID_SYM)
	$(CC_ARM64) $(CFLAGS_ARM64) -shared -Wl,-soname,$(LIBCNID_SO_NAME) \
		-Wl,--version-script=$(LIBCNID_SYM) -Wl,--no-undefined -o $@ $(LIB_OBJS_ARM64)
$(CNID_CLI_ARM64): $(CLI_OBJS_ARM64) $(LIBCNID_ARM64)
	$(CC_ARM64) $(CFLAGS_ARM64) -o $@ $(CLI_OBJS_ARM64) $(LIBCNID_ARM64) $(CLI_LIBS)
$(UNIT_BINS_ARM64): $(UNIT_GEN)
$(ARM64)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCNID_ARM64)
	@mkdir -p $(dir $@)
	$(CC_ARM64) $(CFLAGS_ARM64) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCNID_ARM64) -lcmocka

.PHONY: check-arm64
check-arm64: $(UNIT_BINS_ARM64) $(CNID_CLI_ARM64) $(LIBCNID_SO_ARM64) $(BUILD)/samples/resident.frame
	@file -b $(CNID_CLI_ARM64) | grep -q 'ARM aarch64' || { echo "check-arm64: $(CNID_CLI_ARM64) is not an aarch64 program" >&2; exit 1; }
	@set -e; for t in $(UNIT_BINS_ARM64); do echo "== $$t (arm64, qemu-user)"; $(QEMU_ARM64) $$t; done
	@$(QEMU_ARM64) $(CNID_CLI_ARM64) --version
	@$(QEMU_ARM64) $(CNID_CLI_ARM64) decode --json --today 2030-01-01 $(BUILD)/samples/resident.frame > $(ARM64)/resident.json
	@$(CNID_CLI) decode --json --today 2030-01-01 $(BUILD)/samples/resident.frame | cmp -s - $(ARM64)/resident.json || \
		{ echo "check-arm64: the arm64 CLI decodes the resident sample differently" >&2; exit 1; }
	@printf '#!/bin/sh\nexec $(QEMU_ARM64) %s "$$@"\n' '$(abspath $(CNID_CLI_ARM64))' > $(ARM64)/cnid-qemu
	@chmod +x $(ARM64)/cnid-qemu
	@echo "== CLI tests (tests/cli/test_cli.py) on $(CNID_CLI_ARM64) under qemu-aarch64"
	@python3 tests/cli/test_cli.py --cnid $(ARM64)/cnid-qemu --cards tests/cards
	@echo "check-arm64: unit and CLI tests pass under qemu-aarch64; the arm64 CLI decodes as the native one"

CHECK_TARGETS += check-arm64
