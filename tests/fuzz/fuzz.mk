# SPDX-License-Identifier: LGPL-2.1-or-later
# libFuzzer targets: every tests/fuzz/fuzz_*.c.  check-fuzz runs each for
# FUZZ_SECONDS (short, part of make check); fuzz-long runs each for
# FUZZ_LONG_SECONDS.  Corpora seed from tests/fuzz/corpus/NAME/ and grow in
# $(BUILD)/fuzz/corpus/NAME/.

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 20
FUZZ_LONG_SECONDS ?= 1800

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBCNID_FUZZ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBCNID_FUZZ)

define run_fuzz
	@set -e; for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); c=$(BUILD)/fuzz/corpus/$$n; mkdir -p $$c; \
		seed=$$( [ -d tests/fuzz/corpus/$$n ] && echo tests/fuzz/corpus/$$n || true); \
		echo "== $$n for $(1) s"; \
		$$f -max_total_time=$(1) -max_len=4096 -print_final_stats=1 $$c $$seed \
			> $(BUILD)/fuzz/$$n.log 2>&1 || { tail -n 60 $(BUILD)/fuzz/$$n.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units|stat::new_units_added' $(BUILD)/fuzz/$$n.log; \
	done
endef

.PHONY: check-fuzz fuzz-long
check-fuzz: $(FUZZ_BINS)
	$(call run_fuzz,$(FUZZ_SECONDS))
fuzz-long: $(FUZZ_BINS)
	$(call run_fuzz,$(FUZZ_LONG_SECONDS))

CHECK_TARGETS += check-fuzz
