/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User-space stand-in for the kernel's <linux/kernel.h>: what kmod/rx.c uses. */
#ifndef CNID_KSHIM_KERNEL_H
#define CNID_KSHIM_KERNEL_H

#include <linux/types.h>

/* like the kernel's min(): both operands of one type, each evaluated once */
#define min(a, b) ({ \
	__typeof__(a) _a = (a); \
	__typeof__(b) _b = (b); \
	_Static_assert(__builtin_types_compatible_p(__typeof__(a), __typeof__(b)), \
		       "min() of different types"); \
	_a < _b ? _a : _b; })

#endif
