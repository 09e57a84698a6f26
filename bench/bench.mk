# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmarks: `make bench` prints decode+validate cost per card
# (instructions under callgrind, and cards/s).

BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

$(BUILD)/bench/%: bench/%.c $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBCNID)

.PHONY: bench
bench: $(BENCH_BINS)
	@bench/run-bench.sh $(BENCH_BINS)
