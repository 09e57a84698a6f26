# SPDX-License-Identifier: LGPL-2.1-or-later
# The command-line tool `cnid`: one file per subcommand, dispatch in main.c.
#
#   make demo-host  decode the bundled sample cards (tests/cards/*.card),
#                   built into reply frames by `cnid encode`
#   make check-cli  the CLI tests (tests/cli/), part of `make check`
#   make check-cli-canary  planted faults (tests/cli/plants) must fail them

DEPS_BUILD += pkg-config libjson-c-dev nettle-dev libnl-genl-3-dev libnl-3-dev

CLI_SRCS := $(wildcard helper/cli/*.c)
CLI_LIBS := -ljson-c -lnettle -lnl-genl-3 -lnl-3
# cnid list / watch: the module's uapi header and libnl-genl-3
CLI_CFLAGS := -Ikmod -I/usr/include/libnl3
CNID_CLI := $(BUILD)/cnid
CNID_CLI_SAN := $(BUILD)/san/cnid
# Objects: lib.mk's generic flags plus CLI_CFLAGS.
CLI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRCS))
CLI_OBJS_SAN := $(patsubst %.c,$(BUILD)/san/obj/%.o,$(CLI_SRCS))

$(BUILD)/obj/helper/cli/%.o: helper/cli/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CLI_CFLAGS) -c -o $@ $<
$(BUILD)/san/obj/helper/cli/%.o: helper/cli/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CLI_CFLAGS) -O1 $(SAN_FLAGS) -c -o $@ $<

$(CNID_CLI): $(CLI_OBJS) $(LIBCNID)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBCNID) $(CLI_LIBS)

# ASan+UBSan build: check-cli runs the CLI tests against it too.
$(CNID_CLI_SAN): $(CLI_OBJS_SAN) $(LIBCNID_SAN)
	$(CC) $(CFLAGS_ALL) -O1 $(SAN_FLAGS) -o $@ $(CLI_OBJS_SAN) $(LIBCNID_SAN) $(CLI_LIBS)

ALL_TARGETS += $(CNID_CLI)

.PHONY: install-cli uninstall-cli
install: install-cli
uninstall: uninstall-cli
install-cli: $(CNID_CLI)
	install -d '$(DESTDIR)$(BINDIR)'
	install -m 0755 $(CNID_CLI) '$(DESTDIR)$(BINDIR)/cnid'
uninstall-cli:
	rm -f '$(DESTDIR)$(BINDIR)/cnid'
# lib.mk's check-install runs `make install`: build what it installs first
check-install: $(CNID_CLI)

# Sample cards: readable descriptions -> reply frames.  A description with
# fingerprints is encoded as a reply to read-with-fingerprint (30 10).
SAMPLE_CARDS := $(sort $(wildcard tests/cards/*.card))
SAMPLE_FRAMES := $(patsubst tests/cards/%.card,$(BUILD)/samples/%.frame,$(SAMPLE_CARDS))

$(BUILD)/samples/%.frame: tests/cards/%.card $(CNID_CLI)
	@mkdir -p $(dir $@)
	@fp=$$(grep -Eq '^[[:space:]]*fingerprints[[:space:]]*=[[:space:]]*[1-9]' $< && echo --fingerprint); \
		$(CNID_CLI) encode $$fp $< > $@.tmp && mv $@.tmp $@

.PHONY: samples demo-host check-cli
samples: $(SAMPLE_FRAMES)

# Exit 1 (a card with validation errors) is part of the show; 2 is a failure.
demo-host: $(CNID_CLI) $(SAMPLE_FRAMES)
	@for f in $(SAMPLE_FRAMES); do \
		echo "== $$(basename $$f .frame)  ($$f)"; \
		$(CNID_CLI) decode "$$f"; rc=$$?; \
		[ $$rc -le 1 ] || { echo "cnid decode failed on $$f (exit $$rc)" >&2; exit 1; }; \
		echo "   exit status $$rc"; echo; \
	done

check-cli: $(CNID_CLI) $(CNID_CLI_SAN)
	@set -e; for c in $(CNID_CLI) $(CNID_CLI_SAN); do \
		echo "== CLI tests (tests/cli/test_cli.py) on $$c"; \
		python3 tests/cli/test_cli.py --cnid $$c --cards tests/cards; \
	done

# Planted faults (tests/cli/plants): JSON without link or a blank
# nation_code, no option reordering, an expired card accepted with
# --require-current, encode errors without the key; each must fail its test.
.PHONY: check-cli-canary
check-cli-canary: tests/cli/plants tests/cli/plant.sh tests/cli/test_cli.py $(CLI_OBJS) $(LIBCNID)
	@CC='$(CC)' CFLAGS_ALL='$(CFLAGS_ALL)' CLI_OBJS='$(CLI_OBJS)' LIBCNID='$(LIBCNID)' \
		CLI_LIBS='$(CLI_LIBS)' tests/cli/plant.sh tests/cli/plants $(BUILD)/cli-canary

CHECK_TARGETS += check-cli check-cli-canary
