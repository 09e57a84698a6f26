# SPDX-License-Identifier: LGPL-2.1-or-later
# libcnid: every helper/lib/*.c plus the generated country table.
#   $(LIBCNID)      normal build (-O2), linked by the CLI, daemon, emulator, bench
#   $(LIBCNID_SAN)  ASan+UBSan build, linked by the unit tests
#   $(LIBCNID_FUZZ) clang build with fuzzer instrumentation

# iso-codes and python3 generate the country table; clang, its runtime and
# llvm build the fuzzing variant (tests/fuzz).
DEPS_BUILD += python3 iso-codes
DEPS_CHECK += clang libclang-rt-14-dev llvm

LIB_SRCS := $(wildcard helper/lib/*.c)
LIB_GEN := $(BUILD)/gen/countries.c
LIBCNID := $(BUILD)/libcnid.a
LIBCNID_SAN := $(BUILD)/san/libcnid.a
LIBCNID_FUZZ := $(BUILD)/fuzz/libcnid.a

LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS) $(LIB_GEN))
LIB_OBJS_SAN := $(patsubst %.c,$(BUILD)/san/obj/%.o,$(LIB_SRCS) $(LIB_GEN))
LIB_OBJS_FUZZ := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS) $(LIB_GEN))

ISO_JSON ?= /usr/share/iso-codes/json/iso_3166-1.json
ISO_ZH_MO ?= /usr/share/locale/zh_CN/LC_MESSAGES/iso_3166-1.mo

$(LIB_GEN): tools/gen-countries.py $(ISO_JSON)
	@mkdir -p $(dir $@)
	python3 tools/gen-countries.py $(ISO_JSON) $(ISO_ZH_MO) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c helper/lib/cnid.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<
$(BUILD)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/san/obj/%.o: %.c helper/lib/cnid.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -c -o $@ $<
$(BUILD)/san/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -c -o $@ $<

# Sanitizer findings are fatal in the fuzzers as everywhere else (a UBSan
# report that only logs lets the run pass).
FUZZ_CFLAGS := $(CFLAGS_BASE) -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/fuzz/obj/%.o: %.c helper/lib/cnid.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<
$(BUILD)/fuzz/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

$(LIBCNID): $(LIB_OBJS)
	$(AR) rcs $@ $^
$(LIBCNID_SAN): $(LIB_OBJS_SAN)
	$(AR) rcs $@ $^
$(LIBCNID_FUZZ): $(LIB_OBJS_FUZZ)
	$(AR) rcs $@ $^

ALL_TARGETS += $(LIBCNID)
