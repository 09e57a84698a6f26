/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON form of a decoded card, shared by the cnid tool and cnidd. */
#ifndef CNID_CARD_JSON_H
#define CNID_CARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cnid-private.h"

/*
 * The object `cnid decode --json` prints: type, every field of the card
 * type, previous_number, raw (unknown type), photo (format, bytes, sha256;
 * when photo_len), fingerprints (headers; when fp_len), valid, expired,
 * errors, warnings.  NULL when out of memory.  The caller puts it.
 */
json_object *cli_card_json(const struct cnid_card *card, const struct cnid_validation *v,
			   const uint8_t *photo, size_t photo_len, const uint8_t *fp, size_t fp_len);

/* "YYYYMMDD" -> "YYYY-MM-DD"; 长期 -> long_term; anything else unchanged. */
const char *cli_format_date(const char *s, const char *long_term, char out[11]);
bool cli_is_date_field(enum cnid_field f);

#endif
