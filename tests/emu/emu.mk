# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual reader (cnid-emu), its usbfs test client and its host tests.
#   $(CNID_EMU)          build/cnid-emu, for the host (pty transport, tests)
#   $(CNID_EMU_STATIC)   build/static/cnid-emu, for the QEMU guest (-static)
#   $(USBFS_CLIENT)      build/static/usbfs-client, the guest's usbfs tester
#   $(CNID_EMU_SAN)      build/san/cnid-emu, ASan+UBSan (check-emu runs both)
#   $(CNID_EMU_REDIR)    build/dyn/cnid-emu-redir, for the guest: cnid-emu with the
#                        usbredir transport (libusbredirparser has no static
#                        archive: a dynamic binary, its libraries go along)
#   check-emu            host tests over a pseudo-terminal (no kernel needed)

EMU_SRCS := tests/emu/emu.c tests/emu/sam.c tests/emu/ctl.c tests/emu/pty.c tests/emu/ffs.c
EMU_HDRS := tests/emu/emu.h $(LIB_HDRS)
# the usbredir transport (tests/emu/usbredir.c): not in the static guest build
REDIR_CFLAGS = -DCNID_EMU_USBREDIR $(shell pkg-config --cflags libusbredirparser-0.5 2>/dev/null)
REDIR_LIBS = $(shell pkg-config --libs libusbredirparser-0.5 2>/dev/null || echo -lusbredirparser)
CNID_EMU_REDIR := $(BUILD)/dyn/cnid-emu-redir
# the fixed-endpoint libusb client (dynamic: Debian has no static libudev)
LIBUSB_READER := $(BUILD)/dyn/libusb-reader
CNID_EMU := $(BUILD)/cnid-emu
CNID_EMU_SAN := $(BUILD)/san/cnid-emu
CNID_EMU_STATIC := $(BUILD)/static/cnid-emu
USBFS_CLIENT := $(BUILD)/static/usbfs-client
EMU_TEST := $(BUILD)/tests/emu-test
EMU_CARDS := $(wildcard tests/emu/cards/*.card)

$(CNID_EMU): $(EMU_SRCS) tests/emu/usbredir.c $(EMU_HDRS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(REDIR_CFLAGS) -Itests/emu -o $@ $(EMU_SRCS) tests/emu/usbredir.c \
		$(LIBCNID) $(REDIR_LIBS)

$(CNID_EMU_REDIR): $(CNID_EMU)
	@mkdir -p $(dir $@)
	cp $< $@

$(LIBUSB_READER): tests/emu/libusb-reader.c tests/emu/emu-client.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags libusb-1.0) -Itests/emu -o $@ \
		tests/emu/libusb-reader.c $(LIBCNID) $(shell pkg-config --libs libusb-1.0)

$(CNID_EMU_SAN): $(EMU_SRCS) tests/emu/usbredir.c $(EMU_HDRS) $(LIBCNID_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(REDIR_CFLAGS) -O1 $(SAN_FLAGS) -Itests/emu -o $@ $(EMU_SRCS) \
		tests/emu/usbredir.c $(LIBCNID_SAN) $(REDIR_LIBS)

$(CNID_EMU_STATIC): $(EMU_SRCS) $(EMU_HDRS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -static -o $@ $(EMU_SRCS) $(LIBCNID)

$(USBFS_CLIENT): tests/emu/usbfs-client.c tests/emu/emu-client.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -static -o $@ tests/emu/usbfs-client.c $(LIBCNID)

# the usb-serial guest test client (13-emu-usb-serial)
SERIAL_CLIENT := $(BUILD)/static/serial-client
$(SERIAL_CLIENT): tests/emu/serial-client.c tests/emu/emu-client.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -static -o $@ tests/emu/serial-client.c $(LIBCNID)

# usbredir on the host, no QEMU: redir-test plays QEMU's side (check-emu)
REDIR_TEST := $(BUILD)/tests/redir-test
$(REDIR_TEST): tests/emu/redir-test.c $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(REDIR_CFLAGS) -Itests/emu -o $@ tests/emu/redir-test.c $(LIBCNID) \
		$(REDIR_LIBS)

$(EMU_TEST): tests/emu/emu-test.c tests/emu/emu-client.h tests/emu/secret-scan.h $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/emu -o $@ tests/emu/emu-test.c $(LIBCNID) -lcmocka

.PHONY: emu check-emu
emu: $(CNID_EMU) $(CNID_EMU_STATIC) $(USBFS_CLIENT) $(CNID_EMU_REDIR) $(LIBUSB_READER) \
	$(SERIAL_CLIENT)

EMU_TEST_CARDS := tests/emu/cards$(if $(wildcard tests/cards/*.card),:tests/cards)

# The same tests against the plain emulator and an ASan+UBSan one.
check-emu: $(CNID_EMU) $(CNID_EMU_SAN) $(EMU_TEST) $(REDIR_TEST)
	@set -e; for e in $(CNID_EMU) $(CNID_EMU_SAN); do \
		echo "== $(EMU_TEST) against $$e"; \
		CNID_EMU=$$e CNID_EMU_CARDS=$(EMU_TEST_CARDS) $(EMU_TEST); \
		echo "== $(REDIR_TEST) against $$e"; \
		$(REDIR_TEST) $$e split; $(REDIR_TEST) $$e single; \
	done
	@if $(REDIR_TEST) $(CNID_EMU) split -- --endpoints 81,02,86,07 \
		>$(BUILD)/tests/redir-planted.log 2>&1; then \
		cat $(BUILD)/tests/redir-planted.log; \
		echo "redir-test passed a reader with dummy_hcd's endpoint numbers: it is blind" >&2; exit 1; \
	else \
		echo "== redir-test: a reader planted with endpoints 81,02,86,07 fails, as it must"; \
	fi

ALL_TARGETS += $(CNID_EMU)
CHECK_TARGETS += check-emu
VM_GUEST_BINS += $(CNID_EMU_STATIC) $(USBFS_CLIENT) $(SERIAL_CLIENT)
VM_GUEST_DYN_BINS += $(CNID_EMU_REDIR) $(LIBUSB_READER)
DEPS_BUILD += libusbredirparser-dev pkg-config
DEPS_CHECK += libusb-1.0-0-dev
VM_GUEST_FILES += tests/emu/gadget.sh $(EMU_CARDS)
