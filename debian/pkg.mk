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

DEPS_CHECK += debhelper dh-dkms lintian dpkg-dev git scdoc \
	libjson-c-dev libnl-3-dev libnl-genl-3-dev libudev-dev nettle-dev pkg-config python3

.PHONY: check-pkg
check-pkg: $(ALL_TARGETS)
	@MAKE='$(MAKE)' tests/pkg/check-pkg.sh $(BUILD)/pkg
CHECK_TARGETS += check-pkg
