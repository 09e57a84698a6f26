/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The four layouts checked independently of the library's own table
 * (helper/lib/card.c): layout-ref.h is written by tests/unit/gen-layout.py
 * from docs/card-data.md itself, and the blocks here are built byte by byte,
 * never by cnid_card_encode().
 *
 * every_offset_and_width: per card type, every field of the reference is
 * filled to its full width with a text that is unique to it and to each
 * position in it, every reserved unit with '#'; the decoded card must hold
 * exactly those fields, each exactly its text.  A wrong offset shifts the
 * text, a narrower width cuts it, a wider one swallows a neighbour or a '#'.
 *
 * hand_made_blocks: one realistic block per card type, with offsets written
 * out by hand from the reference, that decodes and validates cleanly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/cards.h"
#include "layout-ref.h"

#define N_REF (sizeof(layout_ref) / sizeof(layout_ref[0]))

/* ASCII into consecutive UTF-16LE units at byte offset off */
static void put(uint8_t *block, size_t off, const char *ascii)
{
	for (size_t i = 0; ascii[i]; i++)
		t_set_unit(block, off + 2 * i, (uint8_t)ascii[i]);
}

/* UTF-8 text into units at off, through the library's converter (units
 * counted by the caller: only where the text is CJK) */
static void put_utf8(uint8_t *block, size_t off, const char *utf8, size_t units)
{
	assert_int_equal(cnid_utf8_to_utf16le(utf8, block + off, units), 0);
}

static void blank(uint8_t *block, uint16_t unit)
{
	for (size_t off = 0; off < CNID_TEXT_LEN; off += 2)
		t_set_unit(block, off, unit);
}

/* The text of unit i of a field: a letter that depends on the field's row
 * and on i, so that no two positions of a block hold the same pattern. */
static char marker(size_t row, size_t i)
{
	return (char)("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[(row * 7 + i) % 62]);
}

static void every_offset_and_width(void **state)
{
	static const char *const types[] = { "resident", "hkmotw_permit", "foreign_permanent_2017",
					     "foreign_permanent_2023" };
	struct cnid_card *card = calloc(1, sizeof(*card));

	(void)state;
	assert_non_null(card);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		char expect[_CNID_F_MAX][128] = { { 0 } };
		uint8_t block[CNID_TEXT_LEN];
		uint16_t type_char = 0;
		int type = cnid_card_type_from_name(types[t]);
		size_t rows = 0;

		assert_true(type > CNID_CARD_UNKNOWN);
		blank(block, '#');
		for (size_t r = 0; r < N_REF; r++) {
			const struct layout_ref *l = &layout_ref[r];
			int f;

			if (strcmp(l->type, types[t]) != 0)
				continue;
			rows++;
			type_char = l->type_char;
			if (!l->field)
				continue;       /* reserved: stays '#' */
			f = cnid_field_from_name(l->field);
			assert_true(f >= 0);
			for (size_t i = 0; i < l->units; i++) {
				size_t n = strlen(expect[f]);

				t_set_unit(block, l->offset + 2 * i, (uint8_t)marker(r, i));
				expect[f][n] = marker(r, i);  /* a second part joins the first */
			}
		}
		assert_true(rows > 0);
		t_set_unit(block, 248, type_char);
		assert_int_equal(cnid_card_decode(block, sizeof(block), card), 0);
		assert_int_equal(cnid_card_get_type(card), type);
		for (int f = 0; f < _CNID_F_MAX; f++) {
			const char *got = cnid_card_get_field(card, f);

			if (!expect[f][0]) {
				if (got)
					fail_msg("%s: the library has a field %s the reference lacks",
						 types[t], cnid_field_name(f));
				continue;
			}
			if (!got)
				fail_msg("%s: the library lacks the field %s", types[t], cnid_field_name(f));
			if (strcmp(got, expect[f]) != 0)
				fail_msg("%s: field %s is '%s', the reference's offset and width give '%s'",
					 types[t], cnid_field_name(f), got, expect[f]);
		}
	}
	free(card);
}

/* A block decodes to the given fields and validates without errors. */
static void expect_clean(const uint8_t *block, enum cnid_card_type type,
			 const char *const want[_CNID_F_MAX])
{
	struct cnid_card *card = calloc(1, sizeof(*card));
	struct cnid_validation *v = calloc(1, sizeof(*v));
	const struct cnid_date today = { 2026, 11, 30 };

	assert_non_null(card);
	assert_non_null(v);
	assert_int_equal(cnid_card_decode(block, CNID_TEXT_LEN, card), 0);
	assert_int_equal(cnid_card_get_type(card), type);
	for (int f = 0; f < _CNID_F_MAX; f++)
		if (want[f])
			assert_string_equal(cnid_card_get_field(card, f), want[f]);
	assert_int_equal(cnid_card_validate(card, &today, v), 0);
	if (cnid_validation_count(v, false)) {
		enum cnid_issue_code code;
		enum cnid_field field;

		cnid_validation_get(v, false, 0, &code, &field);
		fail_msg("%s: %s on %s", cnid_card_type_name(type), cnid_issue_name(code),
			 cnid_field_name(field));
	}
	assert_true(cnid_validation_is_valid(v));
	free(card);
	free(v);
}

static void hand_made_blocks(void **state)
{
	uint8_t b[CNID_TEXT_LEN];

	(void)state;
	/* resident: GB 11643's example number (female, 1949-12-31) */
	blank(b, ' ');
	put_utf8(b, 0, "测试甲", 3);
	put(b, 30, "2");
	put(b, 32, "01");
	put(b, 36, "19491231");
	put_utf8(b, 52, "北京市测试区测试路1号", 11);
	put(b, 122, "11010519491231002X");
	put_utf8(b, 158, "测试分局", 4);
	put(b, 188, "20200101");
	put_utf8(b, 204, CNID_LONG_TERM, 2);
	expect_clean(b, CNID_CARD_RESIDENT, (const char *const[_CNID_F_MAX]){
		[CNID_F_NAME] = "测试甲", [CNID_F_SEX] = "2", [CNID_F_NATION] = "01",
		[CNID_F_BIRTH] = "19491231", [CNID_F_ADDRESS] = "北京市测试区测试路1号",
		[CNID_F_NUMBER] = "11010519491231002X", [CNID_F_ISSUER] = "测试分局",
		[CNID_F_VALID_FROM] = "20200101", [CNID_F_VALID_UNTIL] = CNID_LONG_TERM });

	/* residence permit ('J'): Hong Kong number, blank nation */
	blank(b, ' ');
	put_utf8(b, 0, "测试乙", 3);
	put(b, 30, "1");
	put(b, 36, "19850615");
	put_utf8(b, 52, "广东省测试市", 6);
	put(b, 122, "810000198506150178");
	put_utf8(b, 158, "测试局", 3);
	put(b, 188, "20210901");
	put(b, 204, "20310901");
	put(b, 220, "H00000000");
	put(b, 238, "01");
	put(b, 248, "J");
	expect_clean(b, CNID_CARD_HKMOTW_PERMIT, (const char *const[_CNID_F_MAX]){
		[CNID_F_NAME] = "测试乙", [CNID_F_NATION] = "", [CNID_F_BIRTH] = "19850615",
		[CNID_F_NUMBER] = "810000198506150178", [CNID_F_PERMIT_NUMBER] = "H00000000",
		[CNID_F_ISSUE_COUNT] = "01", [CNID_F_VALID_UNTIL] = "20310901" });

	/* foreign permanent 2017 ('I'): 15-character number, 7-3-1 check */
	blank(b, ' ');
	put(b, 0, "SAMPLE,ALICE");
	put(b, 120, "1");
	put(b, 122, "CAN110081080310");
	put(b, 152, "CAN");
	put(b, 188, "20170101");
	put(b, 204, "20270101");
	put(b, 220, "19810803");
	put(b, 236, "01");
	put(b, 240, "1500");
	put(b, 248, "I");
	expect_clean(b, CNID_CARD_FOREIGN_2017, (const char *const[_CNID_F_MAX]){
		[CNID_F_NAME_EN] = "SAMPLE,ALICE", [CNID_F_NAME] = "", [CNID_F_SEX] = "1",
		[CNID_F_NUMBER] = "CAN110081080310", [CNID_F_NATIONALITY] = "CAN",
		[CNID_F_BIRTH] = "19810803", [CNID_F_CARD_VERSION] = "01", [CNID_F_ISSUER] = "1500" });

	/* foreign permanent 2023 ('Y'): the reference's sample number; a
	 * 46-character English name over both halves (35 at 52, 11 at 220) */
	blank(b, ' ');
	put_utf8(b, 0, "测试丁", 3);
	put(b, 30, "2");
	put(b, 32, "00");
	put(b, 36, "19800101");
	put(b, 52, "SAMPLE-LONGSURNAME,CAROLINE ELIZABE");
	put(b, 122, "931586198001010028");
	put(b, 188, "20240201");
	put(b, 204, "20340201");
	put(b, 220, "TH MARGARET");
	put(b, 242, "PAK");
	put(b, 248, "Y");
	expect_clean(b, CNID_CARD_FOREIGN_2023, (const char *const[_CNID_F_MAX]){
		[CNID_F_NAME] = "测试丁", [CNID_F_RENEWAL_COUNT] = "00",
		[CNID_F_NAME_EN] = "SAMPLE-LONGSURNAME,CAROLINE ELIZABETH MARGARET",
		[CNID_F_NUMBER] = "931586198001010028", [CNID_F_NATIONALITY] = "PAK",
		[CNID_F_LINK] = "" });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_offset_and_width),
		cmocka_unit_test(hand_made_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
