/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cnid: the API differences between the kernels cnid.ko is built and tested
 * for (Debian's 6.1, 6.12 and unstable's newest; kmod/README.md), in one
 * place.  Code uses the newest names; older kernels get them here.
 */
#ifndef CNID_COMPAT_H
#define CNID_COMPAT_H

#include <linux/timer.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* Early 6.1.y has only the old names (later 6.1.y has both). */
#define timer_delete_sync del_timer_sync
#define timer_delete del_timer
#endif

#ifndef timer_container_of
/* 6.16 renamed from_timer() (gone in 7.x) to timer_container_of(). */
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

#endif /* CNID_COMPAT_H */
