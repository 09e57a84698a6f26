# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit tests: every tests/unit/test_*.c is one cmocka program, built twice:
# plain (-O2) and with ASan+UBSan.  check-unit runs both.

DEPS_CHECK += libcmocka-dev

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_BINS_SAN := $(patsubst tests/unit/%.c,$(BUILD)/san/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(wildcard tests/unit/helpers/*.c)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCNID) -lcmocka
$(BUILD)/san/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIBCNID_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCNID_SAN) -lcmocka

.PHONY: check-unit
check-unit: $(UNIT_BINS) $(UNIT_BINS_SAN)
	@set -e; for t in $(UNIT_BINS) $(UNIT_BINS_SAN); do echo "== $$t"; $$t; done

CHECK_TARGETS += check-unit
