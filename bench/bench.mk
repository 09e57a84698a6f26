# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmarks: `make bench` prints decode+validate cost per card for each
# card type (instructions under callgrind, and cards/s); see
# bench/run-bench.sh for BENCH_N and BENCH_PROFILE.  check-bench (part of
# make check) only runs each benchmark briefly so it cannot rot.

DEPS_CHECK += valgrind

BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

$(BUILD)/bench/%: bench/%.c $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBCNID)

.PHONY: bench check-bench
bench: $(BENCH_BINS)
	@bench/run-bench.sh $(BENCH_BINS)

check-bench: $(BUILD)/bench/bench_decode
	@set -e; for t in $$($< list); do for s in block frame; do \
		$< count $$s $$t 100 || { echo "bench_decode: $$s $$t failed" >&2; exit 1; }; \
	done; done; echo "== bench_decode: every card type decodes"

CHECK_TARGETS += check-bench
