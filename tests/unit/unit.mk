# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit tests: every tests/unit/test_*.c is one cmocka program, built twice:
# plain (-O2) and with ASan+UBSan.  check-unit runs both.
# check-unit-scalar runs them a third time against the library built with
# CNID_NO_SIMD (the scalar fallbacks of the SSE2 paths, as on aarch64), and
# checks that build holds no SSE2 text/validation code and the normal one does.

DEPS_CHECK += libcmocka-dev

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_BINS_SAN := $(patsubst tests/unit/%.c,$(BUILD)/san/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(wildcard tests/unit/helpers/*.c)

# test_layout.c's table, written from the reference itself (not card.c)
UNIT_GEN := $(BUILD)/gen/layout-ref.h
$(UNIT_GEN): tests/unit/gen-layout.py docs/card-data.md
	@mkdir -p $(dir $@)
	python3 tests/unit/gen-layout.py docs/card-data.md > $@.tmp && mv $@.tmp $@
$(UNIT_BINS) $(UNIT_BINS_SAN): $(UNIT_GEN)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCNID) -lcmocka
$(BUILD)/san/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCNID_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCNID_SAN) -lcmocka

.PHONY: check-unit
check-unit: $(UNIT_BINS) $(UNIT_BINS_SAN)
	@set -e; for t in $(UNIT_BINS) $(UNIT_BINS_SAN); do echo "== $$t"; $$t; done

UNIT_BINS_SCALAR := $(patsubst tests/unit/%.c,$(BUILD)/scalar/tests/%,$(UNIT_SRCS))
$(UNIT_BINS_SCALAR): $(UNIT_GEN)
$(BUILD)/scalar/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCNID_SCALAR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCNID_SCALAR) -lcmocka

# pmovmskb/pmaddwd: the SSE2 intrinsics of utf16.h and validate.c
SIMD_INSNS := pmovmskb|pmaddwd
.PHONY: check-unit-scalar
check-unit-scalar: $(UNIT_BINS_SCALAR) $(LIB_OBJS) $(LIB_OBJS_SCALAR)
	@for o in card text validate; do \
		n=$$(objdump -d $(BUILD)/scalar/obj/helper/lib/$$o.o | grep -cE '$(SIMD_INSNS)'); \
		s=$$(objdump -d $(BUILD)/obj/helper/lib/$$o.o | grep -cE '$(SIMD_INSNS)'); \
		[ "$$n" = 0 ] || { echo "check-unit-scalar: $$o.o built with CNID_NO_SIMD holds $$n SSE2 instructions" >&2; exit 1; }; \
		[ "$$s" -gt 0 ] || { echo "check-unit-scalar: $$o.o (normal build) has no SSE2 path: nothing to compare" >&2; exit 1; }; \
	done; echo "check-unit-scalar: card.o text.o validate.o: SSE2 in the normal build, none with CNID_NO_SIMD"
	@set -e; for t in $(UNIT_BINS_SCALAR); do echo "== $$t (scalar)"; $$t; done

# Planted faults (tests/unit/plants): the layout (review item 4's example,
# an address of 34 units), the encoder's over-read, NULL lookups, fingerprint part lengths, octal numbers, reserved
# nationality codes; each must fail its unit test (tests/unit/plant.sh).
.PHONY: check-unit-canary
check-unit-canary: tests/unit/plants tests/unit/plant.sh $(UNIT_SRCS) $(UNIT_GEN) $(UNIT_HELPERS) \
		$(LIB_OBJS) $(LIB_OBJS_SAN)
	@CC='$(CC)' CFLAGS_PLAIN='$(CFLAGS_ALL) $(LIB_CFLAGS)' \
		CFLAGS_SAN='$(CFLAGS_ALL) -O1 $(SAN_FLAGS)' OBJS_PLAIN='$(LIB_OBJS)' \
		OBJS_SAN='$(LIB_OBJS_SAN)' UNIT_HELPERS='$(UNIT_HELPERS)' \
		tests/unit/plant.sh tests/unit/plants $(BUILD)/unit-canary

CHECK_TARGETS += check-unit check-unit-scalar check-unit-canary
