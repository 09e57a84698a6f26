# SPDX-License-Identifier: LGPL-2.1-or-later
# libFuzzer targets: every tests/fuzz/fuzz_*.c (see tests/fuzz/README.md).
#   make check-fuzz    replay every committed regression input, then fuzz each
#                      target for FUZZ_SECONDS from its committed seed corpus
#                      (part of make check)
#   make fuzz-canary   planted faults the fuzzers must find (part of make check)
#   make fuzz-long     fuzz each target for FUZZ_LONG_SECONDS
#   make fuzz-seeds    regenerate tests/fuzz/corpus/ from tests/cards/*.card
#
# Corpora: tests/fuzz/corpus/NAME/ (committed seeds, generated) is copied into
# $(BUILD)/fuzz/corpus/NAME/, where the runs add what they find; the committed
# one is never written.  Sanitizer findings are fatal: the fuzz build uses
# -fno-sanitize-recover=all (FUZZ_CFLAGS) and the runs halt_on_error=1.
#
# A crash: its input is saved as $(BUILD)/fuzz/artifacts/NAME-crash-*.  Fix
# the bug, then commit the input as a regression case,
#     cp build/fuzz/artifacts/NAME-crash-HASH tests/fuzz/regress/NAME/SHORT-DESCRIPTION
# check-fuzz replays every file of tests/fuzz/regress/NAME/ before fuzzing.

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 20
FUZZ_LONG_SECONDS ?= 1800
FUZZ_CANARY_SECONDS ?= 60
FUZZ_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBCNID_FUZZ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBCNID_FUZZ)

# fuzz_rx: the kernel module's own reassembler (kmod/rx.c, unchanged) with
# the stand-in kernel headers of tests/fuzz/kshim/, against libcnid.
FUZZ_RX_SRCS := tests/fuzz/fuzz_rx.c kmod/rx.c
FUZZ_RX_DEPS := $(FUZZ_RX_SRCS) kmod/rx.h kmod/uapi/cnid.h $(wildcard tests/fuzz/kshim/linux/*.h)
FUZZ_RX_FLAGS := -Itests/fuzz/kshim -Ikmod
$(BUILD)/fuzz/fuzz_rx: $(FUZZ_RX_DEPS) $(LIBCNID_FUZZ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_RX_FLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_RX_SRCS) $(LIBCNID_FUZZ)

# fuzz_rx's garbage limit needs streams longer than 4096 bytes.
FUZZ_MAX_LEN := 4096
FUZZ_MAX_LEN_fuzz_rx := 8192

# $(call run_fuzz,SECONDS): replay the regression inputs, then fuzz.
define run_fuzz
	@set -e; mkdir -p $(BUILD)/fuzz/artifacts; for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); c=$(BUILD)/fuzz/corpus/$$n; mkdir -p $$c; \
		case $$n in fuzz_rx) ml=$(FUZZ_MAX_LEN_fuzz_rx);; *) ml=$(FUZZ_MAX_LEN);; esac; \
		r=$$(find tests/fuzz/regress/$$n -type f 2>/dev/null | sort); \
		if [ -n "$$r" ]; then \
			echo "== $$n: $$(echo "$$r" | wc -l) regression inputs"; \
			$(FUZZ_ENV) $$f -artifact_prefix=$(BUILD)/fuzz/artifacts/$$n-regress- $$r \
				> $(BUILD)/fuzz/$$n.regress.log 2>&1 || \
				{ tail -n 60 $(BUILD)/fuzz/$$n.regress.log; exit 1; }; \
		fi; \
		[ -d tests/fuzz/corpus/$$n ] && cp -r tests/fuzz/corpus/$$n/. $$c/; \
		echo "== $$n for $(1) s"; \
		$(FUZZ_ENV) $$f -max_total_time=$(1) -max_len=$$ml -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/artifacts/$$n- $$c \
			> $(BUILD)/fuzz/$$n.log 2>&1 || { tail -n 60 $(BUILD)/fuzz/$$n.log; \
			echo "$$n: crash input in $(BUILD)/fuzz/artifacts/ (see tests/fuzz/fuzz.mk)"; exit 1; }; \
		grep -E 'stat::number_of_executed_units|stat::new_units_added' $(BUILD)/fuzz/$$n.log; \
	done
endef

.PHONY: check-fuzz fuzz-long fuzz-seeds fuzz-canary
check-fuzz: $(FUZZ_BINS)
	$(call run_fuzz,$(FUZZ_SECONDS))
fuzz-long: $(FUZZ_BINS)
	$(call run_fuzz,$(FUZZ_LONG_SECONDS))

# Seeds: real frames and blocks from the test cards (tests/fuzz/mkseeds.c).
FUZZ_MKSEEDS := $(BUILD)/fuzz/mkseeds
$(FUZZ_MKSEEDS): tests/fuzz/mkseeds.c $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBCNID)
fuzz-seeds: $(FUZZ_MKSEEDS)
	rm -rf tests/fuzz/corpus && mkdir -p tests/fuzz/corpus/fuzz_frame \
		tests/fuzz/corpus/fuzz_block tests/fuzz/corpus/fuzz_rx
	$(FUZZ_MKSEEDS) tests/fuzz/corpus tests/cards/*.card

# Canaries: a fuzzer that cannot find a planted fault proves nothing.
#   plant:    kmod/rx.c built with CNID_FUZZ_PLANT takes LEN one too long when
#             the header ends a transfer; fuzz_rx must report the reassemblers
#             disagree.
#   plant-ub: fuzz_rx built with CNID_FUZZ_PLANT_UB shifts into the sign bit
#             when LEN_H >= 0x80 (harmless but undefined); UBSan must stop the
#             run (-fno-sanitize-recover, halt_on_error).
# Each starts from the committed single-mode, one-transfer seeds
# (corpus/fuzz_rx/whole-*), which must pass as they are (the faults need
# another chunking, split mode or a LEN_H >= 0x80), and must be found by
# fuzzing within FUZZ_CANARY_SECONDS.
FUZZ_CANARIES := $(BUILD)/fuzz/canary/fuzz_rx-plant $(BUILD)/fuzz/canary/fuzz_rx-plant-ub
$(BUILD)/fuzz/canary/fuzz_rx-plant: $(FUZZ_RX_DEPS) $(LIBCNID_FUZZ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_RX_FLAGS) -DCNID_FUZZ_PLANT -fsanitize=fuzzer -o $@ \
		$(FUZZ_RX_SRCS) $(LIBCNID_FUZZ)
$(BUILD)/fuzz/canary/fuzz_rx-plant-ub: $(FUZZ_RX_DEPS) $(LIBCNID_FUZZ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_RX_FLAGS) -DCNID_FUZZ_PLANT_UB -fsanitize=fuzzer -o $@ \
		$(FUZZ_RX_SRCS) $(LIBCNID_FUZZ)

# $(1) binary, $(2) what its log must show
define fuzz_canary
	d=$(BUILD)/fuzz/canary/$$(basename $(1)).run; rm -rf $$d; mkdir -p $$d/corpus; \
	cp tests/fuzz/corpus/fuzz_rx/whole-* $$d/corpus/; \
	$(FUZZ_ENV) $(1) -runs=0 $$d/corpus > $$d/seeds.log 2>&1 || { tail -n 20 $$d/seeds.log; \
		echo "fuzz-canary: FAIL: $$(basename $(1)) fails on the seeds alone"; exit 1; }; \
	t0=$$(date +%s%N); \
	if $(FUZZ_ENV) $(1) -max_total_time=$(FUZZ_CANARY_SECONDS) -max_len=$(FUZZ_MAX_LEN_fuzz_rx) \
		-artifact_prefix=$$d/ $$d/corpus > $$d/log 2>&1; then \
		echo "fuzz-canary: FAIL: $$(basename $(1)) ran $(FUZZ_CANARY_SECONDS) s without finding its planted fault"; \
		exit 1; fi; \
	ms=$$(( ($$(date +%s%N) - t0) / 1000000 )); \
	if ! grep -q -e '$(2)' $$d/log || ! ls $$d/crash-* >/dev/null 2>&1; then \
		tail -n 40 $$d/log; \
		echo "fuzz-canary: FAIL: $$(basename $(1)) stopped, but not on its planted fault ($(2))"; \
		exit 1; fi; \
	echo "fuzz-canary: $$(basename $(1)): seeds pass; fuzzing found it in $$ms ms, after $$(grep -o '^#[0-9]*' $$d/log | tail -n 1 | tr -d '#') runs:"; \
	echo "    $$(grep -m1 -e '$(2)' $$d/log | cut -c1-150)"
endef

fuzz-canary: $(FUZZ_CANARIES)
	@set -e; \
	$(call fuzz_canary,$(BUILD)/fuzz/canary/fuzz_rx-plant,reassemblers disagree); \
	$(call fuzz_canary,$(BUILD)/fuzz/canary/fuzz_rx-plant-ub,runtime error: left shift)

CHECK_TARGETS += check-fuzz fuzz-canary
