/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User-space stand-in for the kernel's <linux/string.h>. */
#ifndef CNID_KSHIM_STRING_H
#define CNID_KSHIM_STRING_H

#include <string.h>

#endif
