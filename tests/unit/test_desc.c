/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readable card descriptions: syntax, errors with line numbers, number =
 * auto for every card type, synthetic photo and fingerprints, and complete
 * read reply frames built from a description.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/cards.h"

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct cnid_card_desc));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void expect_error(void **state, const char *text, int err, unsigned line)
{
	struct cnid_card_desc *d = *state;
	unsigned got_line = 12345;

	d->card.type = CNID_CARD_FOREIGN_2017;  /* sentinel: untouched on failure */
	assert_int_equal(cnid_card_desc_parse(text, d, &got_line), err);
	assert_int_equal(got_line, line);
	assert_int_equal(d->card.type, CNID_CARD_FOREIGN_2017);
}

static void syntax(void **state)
{
	struct cnid_card_desc *d = *state;
	unsigned line = 99;

	assert_int_equal(cnid_card_desc_parse("# a comment\n"
					      "\n"
					      "   type=resident   \r\n"
					      "\tname =  张 三  \n"
					      "  # indented comment\n"
					      "address = 某路 # 1 号\n"
					      "nation_code = 01",          /* no final newline */
					      d, &line),
			 0);
	assert_int_equal(line, 0);
	assert_int_equal(d->card.type, CNID_CARD_RESIDENT);
	assert_string_equal(d->card.field[CNID_F_NAME], "张 三");      /* inner space kept */
	assert_string_equal(d->card.field[CNID_F_ADDRESS], "某路 # 1 号"); /* only whole-line comments */
	assert_string_equal(d->card.field[CNID_F_NATION], "01");
	assert_string_equal(d->card.field[CNID_F_NUMBER], "");
}

static void readable_values(void **state)
{
	struct cnid_card_desc *d = *state;

	t_desc_with(t_desc_resident, "sex = female\nvalid_until = long-term\n", d);
	assert_string_equal(d->card.field[CNID_F_SEX], "2");
	assert_string_equal(d->card.field[CNID_F_VALID_UNTIL], "长期");
	assert_string_equal(d->card.field[CNID_F_BIRTH], "19800101");   /* from 1980-01-01 */
	/* the JSON key works too */
	assert_int_equal(cnid_card_desc_parse("type = resident\nsex_code = 9\n", d, NULL), 0);
	assert_string_equal(d->card.field[CNID_F_SEX], "9");
	t_desc_with(t_desc_resident, "sex = unspecified\nvalid_from = 20150601\n", d);
	assert_string_equal(d->card.field[CNID_F_SEX], "9");
	assert_string_equal(d->card.field[CNID_F_VALID_FROM], "20150601");
	/* the ISO form works for dates that do not exist too: tests need them */
	t_desc_with(t_desc_resident, "valid_from = 2015-02-30\n", d);
	assert_string_equal(d->card.field[CNID_F_VALID_FROM], "20150230");
	t_desc_with(t_desc_resident, "sex = male\n", d);
	assert_string_equal(d->card.field[CNID_F_SEX], "1");
	t_desc_with(t_desc_resident, "sex = unknown\n", d);
	assert_string_equal(d->card.field[CNID_F_SEX], "0");
}

static void errors_carry_line_numbers(void **state)
{
	expect_error(state, "type = resident\nname = x\ncolour = blue\n", -EINVAL, 3);
	expect_error(state, "type = resident\nno equals sign\n", -EINVAL, 2);
	expect_error(state, "type = resident\nname = a\nname = b\n", -EINVAL, 3);  /* repeated */
	expect_error(state, "type = resident\nsex = 1\nsex_code = 1\n", -EINVAL, 3); /* alias too */
	expect_error(state, "type = passport\n", -EINVAL, 1);
	expect_error(state, "type = unknown\n", -EINVAL, 1);
	expect_error(state, "name = x\n", -EINVAL, 0);                     /* no type at all */
	/* a field the card type does not have */
	expect_error(state, "type = foreign_permanent_2017\n\naddress = x\n", -EINVAL, 3);
	expect_error(state, "type = resident\nnationality = PAK\n", -EINVAL, 2);
	/* does not fit: 16 characters in the 15-character name */
	expect_error(state, "type = resident\nname = 一二三四五六七八九十一二三四五六\n", -EMSGSIZE, 2);
	expect_error(state, "type = resident\nsex = 12\n", -EMSGSIZE, 2);
	/* a value longer than any field */
	char *big = malloc(400);
	strcpy(big, "type = resident\naddress = ");
	memset(big + strlen(big), 'a', 300);
	strcpy(big + 26 + 300, "\n");
	expect_error(state, big, -EMSGSIZE, 2);
	free(big);
	/* invalid UTF-8 */
	expect_error(state, "type = resident\nname = \xff\n", -EILSEQ, 2);
	/* number-generation keys on the wrong card type */
	expect_error(state, "type = resident\nprovince = 11\n", -EINVAL, 2);
	expect_error(state, "type = foreign_permanent_2023\ncity = 01\n", -EINVAL, 2);
	expect_error(state, "type = foreign_permanent_2017\nregion = 110101\n", -EINVAL, 2);
}

static void number_auto_errors(void **state)
{
	/* the number embeds the birth date: it must be a real one */
	expect_error(state, "type = resident\nnumber = auto\nbirth_date = 19800230\n", -EINVAL, 2);
	expect_error(state, "type = resident\nnumber = auto\n", -EINVAL, 2);
	expect_error(state, "type = resident\nbirth_date = 19800101\nnumber = auto\nregion = 1101\n",
		     -EINVAL, 4);
	expect_error(state, "type = resident\nbirth_date = 19800101\nnumber = auto\nsequence = 01\n",
		     -EINVAL, 4);
	/* 2023: the number needs the numeric code of a known nationality */
	expect_error(state, "type = foreign_permanent_2023\nbirth_date = 19800101\n"
			    "nationality = XXA\nnumber = auto\n", -EINVAL, 3);
	expect_error(state, "type = foreign_permanent_2023\nbirth_date = 19800101\n"
			    "number = auto\n", -EINVAL, 3);
	/* 2017: an alpha-3 prefix */
	expect_error(state, "type = foreign_permanent_2017\nbirth_date = 19800101\n"
			    "nationality = ca\nnumber = auto\n", -EINVAL, 3);
	expect_error(state, "type = foreign_permanent_2017\nbirth_date = 19800101\n"
			    "nationality = CAN\nnumber = auto\nsequence = 12\n", -EINVAL, 5);
}

static void number_auto_every_type(void **state)
{
	struct cnid_card_desc *d = *state;
	char expect[19];

	t_desc_with(t_desc_resident, "region = 440305\nsequence = 123\n", d);
	t_number18("44030519800101123", expect);
	assert_string_equal(d->card.field[CNID_F_NUMBER], expect);

	/* default sequence follows the sex: odd for men, even for women */
	t_desc_with(t_desc_resident, NULL, d);
	assert_true((d->card.field[CNID_F_NUMBER][16] - '0') % 2 == 1);
	t_desc_with(t_desc_resident, "sex = 2\n", d);
	assert_true((d->card.field[CNID_F_NUMBER][16] - '0') % 2 == 0);

	t_desc_with(t_desc_permit, "region = 830000\n", d);
	t_number18("83000019920229002", expect);
	assert_string_equal(d->card.field[CNID_F_NUMBER], expect);

	/* 2023: 9 + province + ISO numeric + birth + sequence + MOD 11-2 */
	t_desc_with(t_desc_foreign_2023, "nationality = AFG\nprovince = 44\nsequence = 017\n", d);
	t_number18("94400419800101017", expect);                   /* AFG = 004 */
	assert_string_equal(d->card.field[CNID_F_NUMBER], expect);

	/* 2017: alpha-3 + province + city + YYMMDD + sequence + 7-3-1 */
	t_desc_with(t_desc_foreign_2017, "province = 31\ncity = 07\nsequence = 5\n", d);
	assert_memory_equal(d->card.field[CNID_F_NUMBER], "CAN31078108035", 14);
	assert_int_equal(d->card.field[CNID_F_NUMBER][14],
			 cnid_icao_731_check("CAN31078108035", 14));
	assert_int_equal(strlen(d->card.field[CNID_F_NUMBER]), 15);

	/* an explicit number is kept as given */
	t_desc_with(t_desc_foreign_2017, "number = CAN110081080319\n", d);
	assert_string_equal(d->card.field[CNID_F_NUMBER], "CAN110081080319");
}

static void synthetic_photo(void **state)
{
	struct cnid_card_desc *d = *state, *e = malloc(sizeof(*e));
	size_t same = 0;

	assert_non_null(e);
	t_desc_with(t_desc_resident, "photo_seed = 7\n", d);
	t_desc_with(t_desc_resident, "photo_seed = 7\n", e);
	assert_true(d->has_photo);
	assert_memory_equal(d->photo, e->photo, CNID_PHOTO_LEN);       /* deterministic */
	t_desc_with(t_desc_resident, "photo_seed = 8\n", e);
	for (size_t i = 0; i < CNID_PHOTO_LEN; i++)
		same += d->photo[i] == e->photo[i];
	assert_true(same < CNID_PHOTO_LEN / 8);                        /* and seed-dependent */

	t_desc_with(t_desc_resident, NULL, e);                          /* default: a photo */
	assert_true(e->has_photo);
	t_desc_with(t_desc_resident, "photo_seed = none\n", e);
	assert_false(e->has_photo);
	expect_error(state, "type = resident\nphoto_seed = -1\n", -EINVAL, 2);
	expect_error(state, "type = resident\nphoto_seed = seven\n", -EINVAL, 2);
	free(e);
}

static void synthetic_fingerprints(void **state)
{
	struct cnid_card_desc *d = *state;
	struct cnid_fp_header h;

	t_desc_with(t_desc_resident, NULL, d);
	assert_int_equal(d->n_fingerprints, 0);

	t_desc_with(t_desc_resident, "fingerprints = 2\nfp_finger_1 = 0x0B\nfp_quality_1 = 93\n"
				     "fp_finger_2 = left_little\n", d);
	assert_int_equal(d->n_fingerprints, 2);
	assert_int_equal(cnid_fp_header_decode(d->fp, CNID_FP_TEMPLATE_LEN, &h), 0);
	assert_int_equal(h.magic, 'C');
	assert_int_equal(h.enrolment, 0x01);
	assert_int_equal(h.finger, 0x0B);
	assert_string_equal(cnid_fp_finger_name(h.finger), "right_thumb");
	assert_int_equal(h.quality, 93);
	assert_int_equal(cnid_fp_header_decode(d->fp + CNID_FP_TEMPLATE_LEN, CNID_FP_TEMPLATE_LEN,
					       &h), 0);
	assert_string_equal(cnid_fp_finger_name(h.finger), "left_little");
	assert_true(h.quality >= 1 && h.quality <= 100);
	/* the two templates differ beyond their headers */
	assert_memory_not_equal(d->fp + 7, d->fp + CNID_FP_TEMPLATE_LEN + 7,
				CNID_FP_TEMPLATE_LEN - 7);

	expect_error(state, "type = resident\nfingerprints = 3\n", -EINVAL, 2);
	expect_error(state, "type = resident\nfingerprints = 1\nfp_finger_2 = 0x0C\n", -EINVAL, 3);
	expect_error(state, "type = resident\nfingerprints = 1\nfp_quality_1 = 101\n", -EINVAL, 3);
	expect_error(state, "type = resident\nfingerprints = 1\nfp_finger_1 = thumb\n", -EINVAL, 3);
	expect_error(state, "type = resident\nfingerprints = 1\nfp_finger_1 = 256\n", -EINVAL, 3);
}

/* Review item 5: numbers are decimal ("010" is ten, "090" ninety), never
 * octal; only finger codes take 0x; reasons name what is wrong. */
static void numbers_are_decimal(void **state)
{
	struct cnid_card_desc *d = *state;
	struct cnid_fp_header h;
	uint8_t a[CNID_PHOTO_LEN];
	const char *why = NULL;
	unsigned line = 0;

	t_desc_with(t_desc_resident, "fingerprints = 2\nfp_quality_1 = 010\nfp_quality_2 = 090\n"
				     "fp_finger_1 = 011\nphoto_seed = 010\n", d);
	assert_int_equal(cnid_fp_header_decode(d->fp, CNID_FP_TEMPLATE_LEN, &h), 0);
	assert_int_equal(h.quality, 10);
	assert_int_equal(h.finger, 11);
	assert_int_equal(cnid_fp_header_decode(d->fp + CNID_FP_TEMPLATE_LEN, CNID_FP_TEMPLATE_LEN,
					       &h), 0);
	assert_int_equal(h.quality, 90);
	memcpy(a, d->photo, sizeof(a));
	t_desc_with(t_desc_resident, "photo_seed = 10\n", d);
	assert_memory_equal(a, d->photo, sizeof(a));
	t_desc_with(t_desc_resident, "photo_seed = 8\n", d);
	assert_memory_not_equal(a, d->photo, sizeof(a));
	expect_error(state, "type = resident\nphoto_seed = 0x10\n", -EINVAL, 2);
	assert_int_equal(cnid_card_desc_parse_verbose("type = resident\nshoe_size = 4\n", d, &line,
						      &why), -EINVAL);
	assert_int_equal(line, 2);
	assert_string_equal(why, "unknown key");
}

/* Parse a reply frame the way a reader's caller would. */
static void parse_reply(const uint8_t *frame, int len, bool with_fp, struct cnid_read *ret)
{
	struct cnid_response r;

	assert_true(len > 0);
	assert_int_equal(cnid_response_parse(frame, (size_t)len, &r), 0);
	assert_int_equal(r.sw3, CNID_SW3_OK);
	assert_int_equal(cnid_decode_read(&r, with_fp, ret), 0);
}

static void reply_frames(void **state)
{
	struct cnid_card_desc *d = *state;
	struct cnid_card *c = malloc(sizeof(*c));
	uint8_t frame[CNID_FRAME_MAX];
	struct cnid_read rd;
	int len;

	assert_non_null(c);
	for (int t = CNID_CARD_RESIDENT; t < _CNID_CARD_TYPE_MAX; t++) {
		t_desc_with(t_desc_by_type[t], "fingerprints = 2\n", d);

		/* 30 01: text + photo, 1295 bytes (sam-protocol.md) */
		len = cnid_card_desc_frame(d, false, frame, sizeof(frame));
		assert_int_equal(len, 1295);
		parse_reply(frame, len, false, &rd);
		assert_int_equal(rd.text_len, CNID_TEXT_LEN);
		assert_int_equal(rd.photo_len, CNID_PHOTO_LEN);
		assert_memory_equal(rd.photo, d->photo, CNID_PHOTO_LEN);
		assert_int_equal(cnid_card_decode(rd.text, rd.text_len, c), 0);
		assert_int_equal(c->type, t);
		for (int f = 0; f < _CNID_F_MAX; f++)
			assert_string_equal(c->field[f], d->card.field[f]);

		/* 30 10 with two templates: 2321 bytes */
		len = cnid_card_desc_frame(d, true, frame, sizeof(frame));
		assert_int_equal(len, CNID_FRAME_MAX);
		parse_reply(frame, len, true, &rd);
		assert_int_equal(rd.fp_len, 2 * CNID_FP_TEMPLATE_LEN);
		assert_memory_equal(rd.fp, d->fp, 2 * CNID_FP_TEMPLATE_LEN);
	}

	/* 1 and 0 templates: 1809 and 1297 bytes */
	t_desc_with(t_desc_resident, "fingerprints = 1\n", d);
	assert_int_equal(cnid_card_desc_frame(d, true, frame, sizeof(frame)), 1809);
	t_desc_with(t_desc_resident, NULL, d);
	assert_int_equal(cnid_card_desc_frame(d, true, frame, sizeof(frame)), 1297);
	/* too small a buffer is an error, not an overflow */
	assert_true(cnid_card_desc_frame(d, false, frame, 1000) < 0);
	free(c);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(syntax),
		T(readable_values),
		T(errors_carry_line_numbers),
		T(number_auto_errors),
		T(number_auto_every_type),
		T(synthetic_photo),
		T(synthetic_fingerprints),
		T(reply_frames),
		T(numbers_are_decimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
