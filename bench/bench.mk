# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmarks: `make bench` prints decode+validate cost per card for each
# card type (instructions under callgrind, and cards/s); see
# bench/run-bench.sh for BENCH_N and BENCH_PROFILE.  check-bench (part of
# make check) only runs each benchmark briefly so it cannot rot.
# check-bench-budget (part of make check, ~4 s) fails when decode+validate of
# a 256-byte block costs any card type more than 2,000 instructions under
# callgrind, and proves the gate can fail: the same check with every card
# decoded twice (a planted overrun, BENCH_REPEAT=2) must report OVER.

DEPS_CHECK += valgrind

BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

$(BUILD)/bench/%: bench/%.c $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBCNID)

.PHONY: bench check-bench check-bench-budget
bench: $(BENCH_BINS)
	@bench/run-bench.sh $(BENCH_BINS)

check-bench: $(BUILD)/bench/bench_decode
	@set -e; for t in $$($< list); do for s in block frame; do \
		$< count $$s $$t 100 || { echo "bench_decode: $$s $$t failed" >&2; exit 1; }; \
	done; done; echo "== bench_decode: every card type decodes"

check-bench-budget: $(BUILD)/bench/bench_decode
	@bench/run-bench.sh --check $<
	@rc=0; BENCH_REPEAT=2 BENCH_TYPES=resident bench/run-bench.sh --check $< \
		>$(BUILD)/bench/planted-overrun.log 2>&1 || rc=$$?; \
	if [ $$rc = 1 ] && grep -q '^bench budget: resident [0-9]* instructions per card (block) > 2000 OVER$$' \
		$(BUILD)/bench/planted-overrun.log; then \
		echo "== bench budget: the planted overrun (each card decoded twice) fails the gate, as it must"; \
	else \
		cat $(BUILD)/bench/planted-overrun.log; \
		echo "bench budget: the planted overrun passed the gate (exit $$rc): the gate is blind" >&2; exit 1; \
	fi

CHECK_TARGETS += check-bench check-bench-budget
