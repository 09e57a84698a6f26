# SPDX-License-Identifier: LGPL-2.1-or-later
# The man pages, one scdoc(5) source each (man/NAME.SECTION.scd):
#   cnid(1), cnid-notify(1), cnid(4) (the device and netlink interface),
#   cnidd.conf(5), cnidd(8).
#
#   make man              build them into $(BUILD)/man/ (part of `make`)
#   make install-man      into MANDIR (PREFIX/share/man), part of make install

DEPS_BUILD += scdoc

MANDIR ?= $(PREFIX)/share/man
MAN_SRCS := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@.tmp && mv $@.tmp $@

.PHONY: man install-man uninstall-man
man: $(MAN_PAGES)
ALL_TARGETS += $(MAN_PAGES)

install: install-man
uninstall: uninstall-man
install-man: $(MAN_PAGES)
	@set -e; for p in $(notdir $(MAN_PAGES)); do \
		d='$(DESTDIR)$(MANDIR)'/man$${p##*.}; \
		echo "install -m 0644 $(BUILD)/man/$$p $$d/$$p"; \
		install -d "$$d"; install -m 0644 $(BUILD)/man/$$p "$$d/$$p"; \
	done
uninstall-man:
	@for p in $(notdir $(MAN_PAGES)); do \
		rm -f '$(DESTDIR)$(MANDIR)'/man$${p##*.}/$$p; \
	done
check-install: $(MAN_PAGES)
