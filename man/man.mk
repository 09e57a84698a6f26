# SPDX-License-Identifier: LGPL-2.1-or-later
# The man pages, one scdoc(5) source each (man/NAME.SECTION.scd):
#   cnid(1), cnid-notify(1), cnid(4) (the device and netlink interface),
#   cnidd.conf(5), cnidd(8).
#
#   make man              build them into $(BUILD)/man/manS/ (part of `make`)
#   make install-man      into MANDIR (PREFIX/share/man), part of make install

DEPS_BUILD += scdoc
# systemd-analyze verify (check-daemon-unit) looks the unit's pages up with man
DEPS_CHECK += man-db

MANDIR ?= $(PREFIX)/share/man
MAN_SRCS := $(sort $(wildcard man/*.scd))
# $(BUILD)/man/manS/NAME.S, a tree MANPATH can name (check-daemon-unit's
# systemd-analyze verify looks up the unit's Documentation= pages)
man_page = $(BUILD)/man/man$(subst .,,$(suffix $(basename $(1))))/$(notdir $(basename $(1)))
MAN_PAGES := $(foreach s,$(MAN_SRCS),$(call man_page,$(s)))
MAN_SECTIONS := 1 4 5 8
define man_rule
$(BUILD)/man/man$(1)/%.$(1): man/%.$(1).scd
	@mkdir -p $$(dir $$@)
	scdoc < $$< > $$@.tmp && mv $$@.tmp $$@
endef
$(foreach n,$(MAN_SECTIONS),$(eval $(call man_rule,$(n))))

.PHONY: man install-man uninstall-man
man: $(MAN_PAGES)
ALL_TARGETS += $(MAN_PAGES)

install: install-man
uninstall: uninstall-man
install-man: $(MAN_PAGES)
	@set -e; for p in $(notdir $(MAN_PAGES)); do \
		d=man$${p##*.}; \
		echo "install -m 0644 $(BUILD)/man/$$d/$$p '$(DESTDIR)$(MANDIR)/$$d/$$p'"; \
		install -d '$(DESTDIR)$(MANDIR)'/$$d; install -m 0644 $(BUILD)/man/$$d/$$p '$(DESTDIR)$(MANDIR)'/$$d/$$p; \
	done
uninstall-man:
	@for p in $(notdir $(MAN_PAGES)); do \
		rm -f '$(DESTDIR)$(MANDIR)'/man$${p##*.}/$$p; \
	done
check-install: $(MAN_PAGES)

# the unit's Documentation= pages, found by systemd-analyze verify
check-daemon-unit: export MANPATH := $(abspath $(BUILD)/man)
check-daemon-unit: $(MAN_PAGES)
