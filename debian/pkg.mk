# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages (debian/: cnid-dkms, cnid, libcnid0, libcnid-dev) and
# the installed file set.
#
#   make check-pkg  tests/pkg/check-pkg.sh: make install DESTDIR against
#                   tests/pkg/install-files.txt (make uninstall: nothing
#                   left), the packages' contents
#                   against tests/pkg/deb-files.txt, lintian with no error
#                   or warning, and two canaries (a file dropped from the
#                   expected list, a package without its copyright file)
#                   that must fail; ~1.5 min, part of make check.  The
#                   .debs stay in $(BUILD)/pkg/src/ (dpkg-buildpackage ran
#                   in a copy of the tree's files, $(BUILD)/pkg/src/cnid).
#   make check-pkg-install  tests/pkg/install-test.sh: those packages
#                   installed with apt in a new minimal Debian 12 root
#                   (mmdebstrap, PKG_INSTALL_ROOT), DKMS building cnid.ko
#                   for its kernel headers, the cnid group and cnidd user,
#                   the files; purged, nothing left but what the script
#                   allows; four canaries.  ~2.5 min, not in make check.
#   make check-pkg-install-here  the same in the root make runs in, which
#                   must be a chroot (make check-fresh's last step).

# DEPS_PKG: what building and checking the packages adds to DEPS_BUILD
# (make deps-pkg installs both; check-pkg-install* call it first)
DEPS_PKG := debhelper dh-dkms lintian dpkg-dev git scdoc mmdebstrap
DEPS_CHECK += $(DEPS_PKG) \
	libjson-c-dev libnl-3-dev libnl-genl-3-dev libudev-dev nettle-dev pkg-config python3

.PHONY: check-pkg
check-pkg: $(ALL_TARGETS)
	@MAKE='$(MAKE)' tests/pkg/check-pkg.sh $(BUILD)/pkg
CHECK_TARGETS += check-pkg

PKG_INSTALL_ROOT ?= /var/tmp/cnid-pkg-root
PKG_INSTALL_TIMEOUT ?= 1800
.PHONY: deps-pkg check-pkg-install check-pkg-install-here pkg-install-root pkg-install-here
deps-pkg:
	@tools/install-deps.sh $(call deps_words,$(DEPS_BUILD) $(DEPS_PKG))
check-pkg-install: deps-pkg
	@$(MAKE) --no-print-directory pkg-install-root
check-pkg-install-here: deps-pkg
	@$(MAKE) --no-print-directory pkg-install-here
pkg-install-root: check-pkg
	@timeout $(PKG_INSTALL_TIMEOUT) tests/pkg/install-test.sh --root $(PKG_INSTALL_ROOT) $(BUILD)/pkg/src $(BUILD)/pkg-install
pkg-install-here: check-pkg
	@timeout $(PKG_INSTALL_TIMEOUT) tests/pkg/install-test.sh --here $(BUILD)/pkg/src $(BUILD)/pkg-install
