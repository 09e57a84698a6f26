/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared helpers for the card tests: synthetic sample descriptions of
 * every card type, building cards from descriptions with overrides, and
 * assertions about validation results.  Every .c in tests/unit/helpers/
 * is linked into every unit test.
 */
#ifndef TESTS_HELPERS_CARDS_H
#define TESTS_HELPERS_CARDS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cnid-private.h"

/* Valid, consistent, unexpired (against t_today) synthetic cards. */
extern const char t_desc_resident[];
extern const char t_desc_permit[];
extern const char t_desc_foreign_2017[];
extern const char t_desc_foreign_2023[];
/* The four above, indexed by enum cnid_card_type (UNKNOWN: NULL). */
extern const char *const t_desc_by_type[_CNID_CARD_TYPE_MAX];

/* 2026-01-01: the fixed "today" of the card tests. */
extern const struct cnid_date t_today;

/*
 * Parse base with the "key = value" lines of overrides replacing the lines
 * of base with the same key (overrides may be NULL or add new keys).
 * Asserts success.
 */
void t_desc_with(const char *base, const char *overrides, struct cnid_card_desc *ret);
/* Same, returning the parse result and the error line instead of asserting. */
int t_desc_try(const char *base, const char *overrides, struct cnid_card_desc *ret,
	       unsigned *ret_line);

/* Card from base + overrides, through a real encode -> 256-byte block ->
 * decode, as a reader would deliver it. */
void t_card_with(const char *base, const char *overrides, struct cnid_card *ret);
/* Encode a card and decode the block again; asserts both succeed. */
void t_reencode(const struct cnid_card *in, struct cnid_card *out);

/* Validate against t_today. */
void t_validate(const struct cnid_card *card, struct cnid_validation *ret);

/* Assert v holds nothing at all. */
void t_assert_clean(const struct cnid_validation *v);
/* Assert v holds exactly one issue, code/field, as an error or a warning. */
void t_assert_only(const struct cnid_validation *v, enum cnid_issue_code code,
		   enum cnid_field field, bool warning);

/* Raw UTF-16 unit access to a block. */
uint16_t t_unit(const uint8_t *block, size_t byte_offset);
void t_set_unit(uint8_t *block, size_t byte_offset, uint16_t unit);

/* An 18-character citizen-style number from 17 digits plus its MOD 11-2
 * check character, computed here independently of the library. */
void t_number18(const char *digits17, char out[19]);

#endif
