# SPDX-License-Identifier: LGPL-2.1-or-later
# The Python module helper/python/cnid.py (ctypes on libcnid.so.0).
#
#   make check-python         every sample card, as a frame and as a block,
#                             decodes in Python to exactly `cnid decode --json`
#   make check-python-canary  a planted presentation fault in a copy of the
#                             module (long-term spelt long_term) must fail it

DEPS_CHECK += python3

# make install puts the module where Debian's python3 looks for it:
# /usr/lib/python3/dist-packages for PREFIX=/usr, else
# PREFIX/lib/python3.N/dist-packages (/usr/local/lib/python3.11/... on Debian 12)
PYTHON_VERSION = $(shell python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYTHONDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYTHON_VERSION)/dist-packages)
.PHONY: install-python uninstall-python
install: install-python
uninstall: uninstall-python
install-python:
	install -d '$(DESTDIR)$(PYTHONDIR)'
	install -m 0644 helper/python/cnid.py '$(DESTDIR)$(PYTHONDIR)/cnid.py'
uninstall-python:
	rm -f '$(DESTDIR)$(PYTHONDIR)/cnid.py'

PY_TEST := python3 -B tests/python/test_cnid_py.py --cnid $(CNID_CLI) --lib $(LIBCNID_SO) \
	--cards tests/cards

.PHONY: check-python check-python-canary
check-python: $(CNID_CLI) $(LIBCNID_SO)
	@echo "== Python module (tests/python/test_cnid_py.py) on $(LIBCNID_SO)"
	@$(PY_TEST) --module-dir helper/python

check-python-canary: $(CNID_CLI) $(LIBCNID_SO)
	@rm -rf $(BUILD)/py-canary && mkdir -p $(BUILD)/py-canary/python $(BUILD)/py-canary/lib/cnid
	@cp helper/lib/cnid/cnid.h $(BUILD)/py-canary/lib/cnid/
	@sed 's/return "long-term"/return "long_term"/' helper/python/cnid.py > $(BUILD)/py-canary/python/cnid.py
	@! cmp -s helper/python/cnid.py $(BUILD)/py-canary/python/cnid.py || \
		{ echo "check-python-canary: the plant did not apply" >&2; exit 1; }
	@if $(PY_TEST) --module-dir $(BUILD)/py-canary/python > $(BUILD)/py-canary/log 2>&1; then \
		echo "check-python-canary: a planted fault PASSED the Python test" >&2; exit 1; fi
	@grep -q "'valid_until': 'long_term'" $(BUILD)/py-canary/log || \
		{ echo "check-python-canary: failed, but not on the plant:" >&2; cat $(BUILD)/py-canary/log >&2; exit 1; }
	@echo "check-python-canary: planted 'long_term' caught: $$(grep -c '^FAIL:' $(BUILD)/py-canary/log) failing test(s)"

CHECK_TARGETS += check-python check-python-canary
