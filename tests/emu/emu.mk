# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual reader (cnid-emu), its usbfs test client and its host tests.
#   $(CNID_EMU)          build/cnid-emu, for the host (pty transport, tests)
#   $(CNID_EMU_STATIC)   build/static/cnid-emu, for the QEMU guest (-static)
#   $(USBFS_CLIENT)      build/static/usbfs-client, the guest's usbfs tester
#   $(CNID_EMU_SAN)      build/san/cnid-emu, ASan+UBSan (check-emu runs both)
#   check-emu            host tests over a pseudo-terminal (no kernel needed)

EMU_SRCS := tests/emu/emu.c tests/emu/sam.c tests/emu/ctl.c tests/emu/pty.c tests/emu/ffs.c
EMU_HDRS := tests/emu/emu.h $(LIB_HDRS)
CNID_EMU := $(BUILD)/cnid-emu
CNID_EMU_SAN := $(BUILD)/san/cnid-emu
CNID_EMU_STATIC := $(BUILD)/static/cnid-emu
USBFS_CLIENT := $(BUILD)/static/usbfs-client
EMU_TEST := $(BUILD)/tests/emu-test
EMU_CARDS := $(wildcard tests/emu/cards/*.card)

$(CNID_EMU): $(EMU_SRCS) $(EMU_HDRS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -o $@ $(EMU_SRCS) $(LIBCNID)

$(CNID_EMU_SAN): $(EMU_SRCS) $(EMU_HDRS) $(LIBCNID_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -Itests/emu -o $@ $(EMU_SRCS) $(LIBCNID_SAN)

$(CNID_EMU_STATIC): $(EMU_SRCS) $(EMU_HDRS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -static -o $@ $(EMU_SRCS) $(LIBCNID)

$(USBFS_CLIENT): tests/emu/usbfs-client.c tests/emu/emu-client.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -static -o $@ tests/emu/usbfs-client.c $(LIBCNID)

$(EMU_TEST): tests/emu/emu-test.c tests/emu/emu-client.h tests/emu/secret-scan.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -o $@ tests/emu/emu-test.c $(LIBCNID) -lcmocka

.PHONY: emu check-emu
emu: $(CNID_EMU) $(CNID_EMU_STATIC) $(USBFS_CLIENT)

EMU_TEST_CARDS := tests/emu/cards$(if $(wildcard tests/cards/*.card),:tests/cards)

# The same tests against the plain emulator and an ASan+UBSan one.
check-emu: $(CNID_EMU) $(CNID_EMU_SAN) $(EMU_TEST)
	@set -e; for e in $(CNID_EMU) $(CNID_EMU_SAN); do \
		echo "== $(EMU_TEST) against $$e"; \
		CNID_EMU=$$e CNID_EMU_CARDS=$(EMU_TEST_CARDS) $(EMU_TEST); \
	done

ALL_TARGETS += $(CNID_EMU)
CHECK_TARGETS += check-emu
VM_GUEST_BINS += $(CNID_EMU_STATIC) $(USBFS_CLIENT)
VM_GUEST_FILES += tests/emu/gadget.sh $(EMU_CARDS)
