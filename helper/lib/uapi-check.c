/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Facts the library and the kernel module's uapi (kmod/uapi/cnid.h) both
 * state, tied together at compile time: the installed <cnid/cnid.h> cannot
 * include the uapi header, so the two copies stay and must agree.
 * This file has no code.
 */
#include <cnid/cnid.h>

#include "../../kmod/uapi/cnid.h"

_Static_assert(CNID_HDR_LEN == CNID_WIRE_HDR_LEN, "frame header length");
_Static_assert(CNID_FRAME_MAX == CNID_WIRE_FRAME_MAX, "largest frame");
_Static_assert(CNID_REQ_LEN_MIN == CNID_WIRE_REQ_LEN_MIN, "shortest request LEN");
_Static_assert(CNID_RESP_LEN_MIN == CNID_WIRE_RESP_LEN_MIN, "shortest response LEN");

/* the netlink card type is the library's enum, value for value */
_Static_assert((int)CNID_CARD_UNKNOWN == (int)CNID_NL_CARD_UNKNOWN, "card type");
_Static_assert((int)CNID_CARD_RESIDENT == (int)CNID_NL_CARD_RESIDENT, "card type");
_Static_assert((int)CNID_CARD_HKMOTW_PERMIT == (int)CNID_NL_CARD_HKMOTW_PERMIT, "card type");
_Static_assert((int)CNID_CARD_FOREIGN_2017 == (int)CNID_NL_CARD_FOREIGN_2017, "card type");
_Static_assert((int)CNID_CARD_FOREIGN_2023 == (int)CNID_NL_CARD_FOREIGN_2023, "card type");
_Static_assert((int)_CNID_CARD_TYPE_MAX == (int)__CNID_NL_CARD_MAX, "number of card types");
