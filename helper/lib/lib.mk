# SPDX-License-Identifier: LGPL-2.1-or-later
# libcnid: every helper/lib/*.c plus the generated country table.
#   $(LIBCNID_SO)   libcnid.so.0: the public API of helper/lib/cnid/cnid.h
#                   only (-fvisibility=hidden + version script libcnid.sym),
#                   what `make install` installs with libcnid.pc
#   $(LIBCNID)      the same objects as a static archive, linked by the CLI,
#                   emulator, tests and bench (which may use cnid-private.h)
#   $(LIBCNID_SAN)  ASan+UBSan build, linked by the unit tests
#   $(LIBCNID_FUZZ) clang build with fuzzer instrumentation
#
#   make install / uninstall   PREFIX (/usr/local), DESTDIR, BINDIR, LIBDIR,
#                              INCLUDEDIR, PKGCONFIGDIR
#   make check-abi        the exported symbols are exactly the header's
#                         CNID_EXPORT functions, and abidiff finds no change
#                         against the committed baseline helper/lib/libcnid.abi
#   make check-abi-canary planted breaks (a symbol dropped, a struct member
#                         changed) must fail that comparison
#   make abi-baseline     rewrite the baseline (an intended, compatible change)
#   make check-install    install into a DESTDIR, build tests/lib/consumer.c
#                         outside the tree with pkg-config alone, run it; the
#                         installed Python module loads the installed library

# python3 generates the country table from the committed snapshot
# helper/lib/countries.tsv (make countries-update rewrites that from
# iso-codes); clang, its runtime and llvm build the fuzzing variant.
DEPS_BUILD += python3
DEPS_CHECK += clang libclang-rt-14-dev llvm

LIB_SRCS := $(wildcard helper/lib/*.c)
LIB_HDRS := helper/lib/cnid/cnid.h helper/lib/cnid-private.h helper/lib/card-internal.h
LIB_GEN := $(BUILD)/gen/countries.c
LIBCNID := $(BUILD)/libcnid.a
LIBCNID_SAN := $(BUILD)/san/libcnid.a
LIBCNID_FUZZ := $(BUILD)/fuzz/libcnid.a

LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS) $(LIB_GEN))
LIB_OBJS_SAN := $(patsubst %.c,$(BUILD)/san/obj/%.o,$(LIB_SRCS) $(LIB_GEN))
LIB_OBJS_FUZZ := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS) $(LIB_GEN))

ISO_JSON ?= /usr/share/iso-codes/json/iso_3166-1.json
ISO_ZH_MO ?= /usr/share/locale/zh_CN/LC_MESSAGES/iso_3166-1.mo

COUNTRIES_TSV := helper/lib/countries.tsv
$(LIB_GEN): tools/gen-countries.py $(COUNTRIES_TSV)
	@mkdir -p $(dir $@)
	python3 tools/gen-countries.py $(COUNTRIES_TSV) > $@.tmp && mv $@.tmp $@

# Rewrite the snapshot from this host's iso-codes (apt install iso-codes);
# review `git diff helper/lib/countries.tsv` before committing.
.PHONY: countries-update
countries-update:
	python3 tools/gen-countries.py --snapshot $(ISO_JSON) $(ISO_ZH_MO) > $(COUNTRIES_TSV).tmp
	mv $(COUNTRIES_TSV).tmp $(COUNTRIES_TSV)

# The library's own objects serve both the archive and the shared object.
LIB_CFLAGS := -fPIC -fvisibility=hidden -DCNID_BUILDING_LIBRARY
$(BUILD)/obj/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<
$(BUILD)/obj/helper/lib/%.o: helper/lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LIB_CFLAGS) -c -o $@ $<
$(BUILD)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/san/obj/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -c -o $@ $<
$(BUILD)/san/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -c -o $@ $<

# Sanitizer findings are fatal in the fuzzers as everywhere else (a UBSan
# report that only logs lets the run pass).
FUZZ_CFLAGS := $(CFLAGS_BASE) -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/fuzz/obj/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<
$(BUILD)/fuzz/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

# The scalar paths on x86: CNID_NO_SIMD turns off the SSE2 text and
# validation code (what an aarch64 build runs); tests/unit runs against it.
LIBCNID_SCALAR := $(BUILD)/scalar/libcnid.a
LIB_OBJS_SCALAR := $(patsubst %.c,$(BUILD)/scalar/obj/%.o,$(LIB_SRCS) $(LIB_GEN))
$(BUILD)/scalar/obj/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DCNID_NO_SIMD -c -o $@ $<
$(BUILD)/scalar/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DCNID_NO_SIMD -c -o $@ $<
$(LIBCNID_SCALAR): $(LIB_OBJS_SCALAR)
	$(AR) rcs $@ $^

$(LIBCNID): $(LIB_OBJS)
	$(AR) rcs $@ $^
$(LIBCNID_SAN): $(LIB_OBJS_SAN)
	$(AR) rcs $@ $^
$(LIBCNID_FUZZ): $(LIB_OBJS_FUZZ)
	$(AR) rcs $@ $^

LIBCNID_SO_NAME := libcnid.so.0
LIBCNID_SO := $(BUILD)/$(LIBCNID_SO_NAME)
LIBCNID_SYM := helper/lib/libcnid.sym
LIBCNID_PC := $(BUILD)/libcnid.pc

$(LIBCNID_SO): $(LIB_OBJS) $(LIBCNID_SYM)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -shared -Wl,-soname,$(LIBCNID_SO_NAME) \
		-Wl,--version-script=$(LIBCNID_SYM) -Wl,--no-undefined -Wl,-z,relro,-z,now \
		-o $@ $(LIB_OBJS)
	ln -sf $(LIBCNID_SO_NAME) $(BUILD)/libcnid.so

ALL_TARGETS += $(LIBCNID) $(LIBCNID_SO) $(LIBCNID_PC)

# ---- install ----------------------------------------------------------

BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CNID_VERSION := $(shell sed -n 's/^\#define CNID_VERSION "\(.*\)"/\1/p' helper/lib/cnid/cnid.h)

$(LIBCNID_PC): helper/lib/libcnid.pc.in helper/lib/cnid/cnid.h
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(CNID_VERSION)|' $< > $@

# The pc file records PREFIX: rebuild it when PREFIX/LIBDIR/INCLUDEDIR change.
$(BUILD)/.install-dirs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' | cmp -s - $@ || echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' > $@
$(LIBCNID_PC): $(BUILD)/.install-dirs
.PHONY: FORCE uninstall
FORCE:

# Each fragment adds its install-*/uninstall-* targets to install/uninstall.
.PHONY: install-lib uninstall-lib
install: install-lib
uninstall: uninstall-lib
install-lib: $(LIBCNID_SO) $(LIBCNID) $(LIBCNID_PC)
	install -d '$(DESTDIR)$(LIBDIR)' '$(DESTDIR)$(INCLUDEDIR)/cnid' '$(DESTDIR)$(PKGCONFIGDIR)'
	install -m 0755 $(LIBCNID_SO) '$(DESTDIR)$(LIBDIR)/$(LIBCNID_SO_NAME)'
	ln -sf $(LIBCNID_SO_NAME) '$(DESTDIR)$(LIBDIR)/libcnid.so'
	install -m 0644 $(LIBCNID) '$(DESTDIR)$(LIBDIR)/libcnid.a'
	install -m 0644 helper/lib/cnid/cnid.h '$(DESTDIR)$(INCLUDEDIR)/cnid/cnid.h'
	install -m 0644 $(LIBCNID_PC) '$(DESTDIR)$(PKGCONFIGDIR)/libcnid.pc'

uninstall-lib:
	rm -f '$(DESTDIR)$(LIBDIR)/$(LIBCNID_SO_NAME)' '$(DESTDIR)$(LIBDIR)/libcnid.so' \
		'$(DESTDIR)$(LIBDIR)/libcnid.a' '$(DESTDIR)$(INCLUDEDIR)/cnid/cnid.h' \
		'$(DESTDIR)$(PKGCONFIGDIR)/libcnid.pc'
	-rmdir '$(DESTDIR)$(INCLUDEDIR)/cnid' 2>/dev/null

# ---- ABI and install checks ---------------------------------------------

DEPS_CHECK += abigail-tools
LIBCNID_ABI := helper/lib/libcnid.abi
LIBCNID_ABI_SUPPR := helper/lib/libcnid.abignore

.PHONY: check-abi check-abi-canary abi-baseline check-install
check-abi: $(LIBCNID_SO)
	@tools/check-abi.sh check $(LIBCNID_SO) helper/lib/cnid/cnid.h $(LIBCNID_ABI) $(LIBCNID_ABI_SUPPR)

abi-baseline: $(LIBCNID_SO)
	@tools/check-abi.sh baseline $(LIBCNID_SO) helper/lib/cnid/cnid.h $(LIBCNID_ABI) $(LIBCNID_ABI_SUPPR)

# Planted breaks, built in $(BUILD)/abi-canary: each must make check-abi.sh fail.
check-abi-canary: $(LIB_OBJS) $(LIBCNID_SYM)
	@BUILD='$(BUILD)' CC='$(CC)' CFLAGS_ALL='$(CFLAGS_ALL) $(LIB_CFLAGS)' \
		tools/check-abi.sh canary '$(LIB_OBJS)' helper/lib/cnid/cnid.h $(LIBCNID_ABI) $(LIBCNID_ABI_SUPPR)

CHECK_INSTALL_DESTDIR := $(BUILD)/destdir
check-install: $(LIBCNID_SO) $(LIBCNID_PC) $(LIBCNID)
	@rm -rf $(CHECK_INSTALL_DESTDIR)
	@$(MAKE) --no-print-directory -s install DESTDIR=$(abspath $(CHECK_INSTALL_DESTDIR)) >/dev/null
	@PYTHONDIR='$(PYTHONDIR)' tests/lib/check-install.sh $(abspath $(CHECK_INSTALL_DESTDIR)) \
		'$(PREFIX)' '$(LIBDIR)' '$(CC)'
	@$(MAKE) --no-print-directory -s uninstall DESTDIR=$(abspath $(CHECK_INSTALL_DESTDIR))
	@left=$$(find $(CHECK_INSTALL_DESTDIR) -type f -o -type l); \
		[ -z "$$left" ] || { echo "check-install: uninstall left: $$left" >&2; exit 1; }
	@echo "check-install: install, pkg-config build outside the tree, run, uninstall: ok"

# helper/lib/uapi-check.c ties the facts the uapi states too; planted: the
# library's largest frame off by one, two card types swapped.  Each copy of
# the header must fail to compile with uapi-check.c.
UAPI_CANARY := $(BUILD)/uapi-canary
.PHONY: check-uapi-canary
check-uapi-canary: helper/lib/uapi-check.c $(LIB_HDRS) kmod/uapi/cnid.h
	@set -e; for plant in 's/^#define CNID_FRAME_MAX 2321 /#define CNID_FRAME_MAX 2320 /' \
		'/^\tCNID_CARD_FOREIGN_2017,/{h;d};/^\tCNID_CARD_FOREIGN_2023,/G'; do \
		rm -rf $(UAPI_CANARY) && mkdir -p $(UAPI_CANARY)/cnid; \
		sed "$$plant" helper/lib/cnid/cnid.h > $(UAPI_CANARY)/cnid/cnid.h; \
		! cmp -s helper/lib/cnid/cnid.h $(UAPI_CANARY)/cnid/cnid.h || \
			{ echo "check-uapi-canary: plant '$$plant' did not apply" >&2; exit 1; }; \
		if $(CC) -I$(UAPI_CANARY) $(CFLAGS_ALL) -MF /dev/null -fsyntax-only helper/lib/uapi-check.c \
			2> $(UAPI_CANARY)/log; then \
			echo "check-uapi-canary: '$$plant' compiled: the library and the uapi may disagree" >&2; exit 1; fi; \
		grep -q 'static assertion failed' $(UAPI_CANARY)/log || { cat $(UAPI_CANARY)/log >&2; exit 1; }; \
		echo "check-uapi-canary: caught: $$(grep -m1 -o 'static assertion failed: .*' $(UAPI_CANARY)/log)"; \
	done

CHECK_TARGETS += check-abi check-abi-canary check-uapi-canary check-install
