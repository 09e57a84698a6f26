/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User-space stand-in for the kernel's <linux/types.h>, enough to compile
 * kmod/rx.c unchanged in the fuzzers (tests/fuzz/fuzz_rx.c).  The uapi
 * part (__u8, __u32 ...) comes from the system's header.
 */
#ifndef CNID_KSHIM_TYPES_H
#define CNID_KSHIM_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#endif
