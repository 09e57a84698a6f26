/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation: every error and warning code, each triggered by a card
 * crafted to trigger exactly it; check characters; expiry; the previous
 * number of a 2023 card.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/cards.h"

struct fixture {
	struct cnid_card card;
	struct cnid_validation v;
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Build base + overrides through a real block, validate against t_today. */
static const struct cnid_validation *check(void **state, const char *base, const char *overrides)
{
	struct fixture *fx = *state;

	t_card_with(base, overrides, &fx->card);
	t_validate(&fx->card, &fx->v);
	return &fx->v;
}

/* "number = <18 chars>" from 17 digits, with the right check character */
static const char *number_line(const char *digits17)
{
	static char line[64];
	char n[19];

	t_number18(digits17, n);
	snprintf(line, sizeof(line), "number = %s\n", n);
	return line;
}

/* "number = <15 chars>" for a 2017 card from its first 14 characters and
 * the 7-3-1 check (checked against the ICAO specimen in check_characters) */
static const char *number_line_2017(const char *first14)
{
	static char line[64];

	unsigned sum = 0;

	/* ICAO 9303 7-3-1 computed here, not by the library (review) */
	assert_int_equal(strlen(first14), 14);
	for (int i = 0; i < 14; i++) {
		char ch = first14[i];
		unsigned v = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') : (unsigned)(ch - 'A' + 10);

		sum += v * (unsigned)"\7\3\1"[i % 3];
	}
	snprintf(line, sizeof(line), "number = %s%c\n", first14, (char)('0' + sum % 10));
	return line;
}

/* ------------------------------------------------------------------ */

static void check_characters(void **state)
{
	(void)state;
	/* the worked example of GB 11643-1999 */
	assert_int_equal(cnid_mod11_2_check("11010519491231002"), 'X');
	/* card-data.md: the 2023 sample passes */
	assert_int_equal(cnid_mod11_2_check("93158619800101002"), '8');
	/* like cnid_icao_731_check: -EINVAL when there is no check character */
	assert_int_equal(cnid_mod11_2_check("1101051949123100"), -EINVAL);    /* 16 digits */
	assert_int_equal(cnid_mod11_2_check("1101051949123100A"), -EINVAL);
	assert_int_equal(cnid_mod11_2_check(NULL), -EINVAL);
	/* ICAO 9303's specimen passport number L898902C3, check digit 6 */
	assert_int_equal(cnid_icao_731_check("L898902C3", 9), '6');
	assert_int_equal(cnid_icao_731_check("L898902C<", 9), cnid_icao_731_check("L898902C0", 9));
	assert_int_equal(cnid_icao_731_check("abc", 3), -EINVAL);
	/* card-data.md: the published vendor sample CAN110081080319 fails 7-3-1 */
	assert_int_not_equal(cnid_icao_731_check("CAN110081080319", 14), '9');
}

static void all_samples_are_clean(void **state)
{
	for (int t = CNID_CARD_RESIDENT; t < _CNID_CARD_TYPE_MAX; t++) {
		const struct cnid_validation *v = check(state, t_desc_by_type[t], NULL);

		t_assert_clean(v);
		assert_false(v->expired);
		assert_string_equal(v->previous_number, "");
	}
}

static void published_2023_sample_passes(void **state)
{
	/* 931586198001010028: PAK, born 1980-01-01; sequence 002 is even */
	const struct cnid_validation *v = check(state, t_desc_foreign_2023,
						"number = 931586198001010028\n");

	t_assert_clean(v);
}

/* ---- number_format ---- */

static void number_format(void **state)
{
	t_assert_only(check(state, t_desc_resident, "number = 11010119800101001\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_resident, "number = 11010119800101001x\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_resident, "number = 11010119800101:012\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_resident, "number = 1101011980010/0012\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_resident, "number = 110101198001010X12\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_resident, "number = 1101011980010100:2\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);     /* 17th character */
	/* a permit number must start 810000, 820000 or 830000 */
	t_assert_only(check(state, t_desc_permit, "region = 110101\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_permit, "region = 840000\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_permit, "region = 810101\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_clean(check(state, t_desc_permit, "region = 820000\n"));
	t_assert_clean(check(state, t_desc_permit, "region = 830000\n"));
	/* 2023: must start with 9 */
	t_assert_only(check(state, t_desc_foreign_2023, number_line("83158619800101002")),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	/* 2017: [A-Z]{3}[0-9]{12} */
	t_assert_only(check(state, t_desc_foreign_2017, "number = CAN11008108031\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_foreign_2017, "number = can110081080319\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER, false);
	/* 2023 link: 3 digits or blank */
	t_assert_only(check(state, t_desc_foreign_2023, "link = 0A1\n"),
		      CNID_ISSUE_NUMBER_FORMAT, CNID_F_LINK, false);
}

/* ---- number_check_digit ---- */

static void number_check_digit_error(void **state)
{
	struct fixture *fx = *state;
	char over[CNID_FIELD_MAX + 16];

	for (int t = CNID_CARD_RESIDENT; t <= CNID_CARD_FOREIGN_2023; t++) {
		if (t == CNID_CARD_FOREIGN_2017)
			continue;
		t_card_with(t_desc_by_type[t], NULL, &fx->card);
		char *n = fx->card.field[CNID_F_NUMBER];
		n[17] = n[17] == '0' ? '1' : '0';
		snprintf(over, sizeof(over), "number = %s\n", n);
		t_assert_only(check(state, t_desc_by_type[t], over), CNID_ISSUE_NUMBER_CHECK_DIGIT,
			      CNID_F_NUMBER, false);
	}
}

static void number_check_digit_2017_only_warns(void **state)
{
	/* the published vendor sample: consistent with its fields, 7-3-1 fails */
	const struct cnid_validation *v =
		check(state, t_desc_foreign_2017, "number = CAN110081080319\n");

	t_assert_only(v, CNID_ISSUE_NUMBER_CHECK_DIGIT, CNID_F_NUMBER, true);
	assert_true(v->valid);
}

/* ---- number_birth_mismatch ---- */

static void number_birth_mismatch(void **state)
{
	/* numbers computed for one birth date, the card states another */
	t_assert_only(check(state, t_desc_resident, number_line("11010119800102001")),
		      CNID_ISSUE_NUMBER_BIRTH_MISMATCH, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_permit, number_line("81000019920228002")),
		      CNID_ISSUE_NUMBER_BIRTH_MISMATCH, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_foreign_2023, number_line("93158619810101002")),
		      CNID_ISSUE_NUMBER_BIRTH_MISMATCH, CNID_F_NUMBER, false);
	/* 2017 holds YYMMDD */
	t_assert_only(check(state, t_desc_foreign_2017, number_line_2017("CAN11008108041")),
		      CNID_ISSUE_NUMBER_BIRTH_MISMATCH, CNID_F_NUMBER, false);
	/* ... so the century is not compared */
	t_assert_clean(check(state, t_desc_foreign_2017, "birth_date = 18810803\n"));
}

/* ---- number_sex_mismatch ---- */

static void number_sex_mismatch_error(void **state)
{
	/* resident and permit: odd sequence = male; the sample sexes are 1 and 2 */
	t_assert_only(check(state, t_desc_resident, "sequence = 002\n"),
		      CNID_ISSUE_NUMBER_SEX_MISMATCH, CNID_F_NUMBER, false);
	t_assert_only(check(state, t_desc_permit, "sequence = 003\n"),
		      CNID_ISSUE_NUMBER_SEX_MISMATCH, CNID_F_NUMBER, false);
	/* the sex codes 0 and 9 say nothing about parity */
	t_assert_clean(check(state, t_desc_resident, "sequence = 002\nsex = 9\n"));
	t_assert_clean(check(state, t_desc_resident, "sequence = 003\nsex = 0\n"));
}

static void number_sex_mismatch_foreign_only_warns(void **state)
{
	/* the published 2023 sample has an even sequence: for a man it warns */
	t_assert_only(check(state, t_desc_foreign_2023, "number = 931586198001010028\nsex = 1\n"),
		      CNID_ISSUE_NUMBER_SEX_MISMATCH, CNID_F_NUMBER, true);
	t_assert_only(check(state, t_desc_foreign_2017, "sequence = 2\n"),
		      CNID_ISSUE_NUMBER_SEX_MISMATCH, CNID_F_NUMBER, true);
}

/* ---- nationality_mismatch ---- */

static void nationality_mismatch(void **state)
{
	/* 2023: the numeric code in the number (586, PAK) against the field */
	t_assert_only(check(state, t_desc_foreign_2023,
			    "number = 931586198001010028\nnationality = USA\n"),
		      CNID_ISSUE_NATIONALITY_MISMATCH, CNID_F_NATIONALITY, false);
	/* 2017: the alpha-3 prefix against the field */
	t_assert_only(check(state, t_desc_foreign_2017, number_line_2017("USA11008108031")),
		      CNID_ISSUE_NATIONALITY_MISMATCH, CNID_F_NATIONALITY, false);
}

/* ---- bad_date ---- */

static void bad_date(void **state)
{
	/* 1980-02-30 does not exist; the number is consistent with it */
	char over[128];

	snprintf(over, sizeof(over), "birth_date = 19800230\n%s", number_line("11010119800230001"));
	t_assert_only(check(state, t_desc_resident, over),
		      CNID_ISSUE_BAD_DATE, CNID_F_BIRTH, false);
	t_assert_only(check(state, t_desc_resident, "valid_from = 20151301\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);
	t_assert_only(check(state, t_desc_resident, "valid_until = 20350229\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_UNTIL, false);
	t_assert_only(check(state, t_desc_foreign_2023, "valid_until = 2033120\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_UNTIL, false);
	t_assert_only(check(state, t_desc_foreign_2017, "valid_from = \n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);
	t_assert_only(check(state, t_desc_permit, "valid_from = 20200230\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);
	/* characters next to the digits, a short date */
	t_assert_only(check(state, t_desc_resident, "valid_from = 2015/601\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);
	t_assert_only(check(state, t_desc_resident, "valid_from = 201506:1\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);
	/* ':' is 0x3a, one past '9': as a digit it would read 2105-06-01 */
	t_assert_only(check(state, t_desc_resident, "valid_until = 20:50601\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_UNTIL, false);
	t_assert_only(check(state, t_desc_resident, "valid_from = 2015060\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);
	t_assert_only(check(state, t_desc_resident, "valid_from = 2015060\xef\xbc\x91\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);     /* fullwidth 1 */
	t_assert_only(check(state, t_desc_resident, "valid_from = 00000101\n"),
		      CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM, false);     /* year 0 */
	/* leap days */
	t_assert_clean(check(state, t_desc_resident, "valid_until = 20360229\n"));
	t_assert_clean(check(state, t_desc_permit, NULL));      /* born 1992-02-29 */
	/* 长期 is a valid end of validity */
	t_assert_clean(check(state, t_desc_resident, "valid_until = 长期\n"));
}

/* ---- date_order ---- */

static void date_order(void **state)
{
	t_assert_only(check(state, t_desc_resident, "birth_date = 20160101\n"),
		      CNID_ISSUE_DATE_ORDER, CNID_F_BIRTH, false);
	t_assert_only(check(state, t_desc_foreign_2023, "valid_until = 20231130\n"),
		      CNID_ISSUE_DATE_ORDER, CNID_F_VALID_UNTIL, false);
	/* 2017 cards, whose birth date sits after the validity (review) */
	t_assert_only(check(state, t_desc_foreign_2017, "valid_until = 20170101\n"
			    "valid_from = 20180101\n"),
		      CNID_ISSUE_DATE_ORDER, CNID_F_VALID_UNTIL, false);
	/* issued on the day of birth, valid for one day: in order */
	const struct cnid_validation *v = check(state, t_desc_resident,
		"birth_date = 20150601\nvalid_until = 20150601\n");
	assert_true(v->valid);
	assert_int_equal(v->n_errors, 0);
}

/* ---- bad_sex ---- */

static void bad_sex(void **state)
{
	t_assert_only(check(state, t_desc_resident, "sex = 3\n"), CNID_ISSUE_BAD_SEX, CNID_F_SEX,
		      false);
	t_assert_only(check(state, t_desc_foreign_2017, "sex = M\n"), CNID_ISSUE_BAD_SEX,
		      CNID_F_SEX, false);
	t_assert_only(check(state, t_desc_foreign_2023, "sex = \n"), CNID_ISSUE_BAD_SEX,
		      CNID_F_SEX, false);
	/* permits too (the review found them untested) */
	t_assert_only(check(state, t_desc_permit, "sex = 3\n"), CNID_ISSUE_BAD_SEX, CNID_F_SEX,
		      false);
}

/* ---- unknown_nation ---- */

static void unknown_nation(void **state)
{
	t_assert_only(check(state, t_desc_resident, "nation_code = 57\n"),
		      CNID_ISSUE_UNKNOWN_NATION, CNID_F_NATION, false);
	t_assert_only(check(state, t_desc_resident, "nation_code = \n"),
		      CNID_ISSUE_UNKNOWN_NATION, CNID_F_NATION, false);
	t_assert_only(check(state, t_desc_permit, "nation_code = 00\n"),
		      CNID_ISSUE_UNKNOWN_NATION, CNID_F_NATION, false);
	/* a permit's nation may be blank (the sample) or a real code */
	t_assert_clean(check(state, t_desc_permit, "nation_code = 98\n"));
	t_assert_clean(check(state, t_desc_resident, "nation_code = 97\n"));
}

/* ---- unknown_nationality ---- */

static void unknown_nationality(void **state)
{
	/* a code that is no country and no ICAO 9303 reserved code: an error */
	t_assert_only(check(state, t_desc_foreign_2017,
			    "nationality = QQQ\n" "number = auto\n"),
		      CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY, false);
	t_assert_only(check(state, t_desc_foreign_2023, "nationality = QQQ\n"
			    "number = 931586198001010028\n"),
		      CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY, false);
	/* stateless (XXA), refugee (XXB), United Nations (UNO): a warning only */
	t_assert_only(check(state, t_desc_foreign_2017,
			    "nationality = XXA\n" "number = auto\n"),
		      CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY, true);
	t_assert_only(check(state, t_desc_foreign_2023, "nationality = XXB\n"
			    "number = 931586198001010028\n"),
		      CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY, true);
	t_assert_only(check(state, t_desc_foreign_2017,
			    "nationality = UNO\n" "number = auto\n"),
		      CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY, true);
}

/* ---- bad_text ---- */

static void bad_text(void **state)
{
	struct fixture *fx = *state;
	uint8_t block[CNID_TEXT_LEN];

	t_card_with(t_desc_resident, NULL, &fx->card);
	memcpy(block, fx->card.raw, sizeof(block));
	t_set_unit(block, 52 + 4, 0xd800);      /* unpaired surrogate in the address */
	assert_int_equal(cnid_card_decode(block, sizeof(block), &fx->card), 0);
	t_validate(&fx->card, &fx->v);
	t_assert_only(&fx->v, CNID_ISSUE_BAD_TEXT, CNID_F_ADDRESS, false);

	/* bad text in the number: reported once, not as a format error too */
	t_card_with(t_desc_foreign_2023, NULL, &fx->card);
	memcpy(block, fx->card.raw, sizeof(block));
	t_set_unit(block, 122, 0x0001);
	assert_int_equal(cnid_card_decode(block, sizeof(block), &fx->card), 0);
	t_validate(&fx->card, &fx->v);
	t_assert_only(&fx->v, CNID_ISSUE_BAD_TEXT, CNID_F_NUMBER, false);
}

/* ---- unknown_card_type ---- */

static void unknown_card_type(void **state)
{
	struct fixture *fx = *state;
	uint8_t block[CNID_TEXT_LEN];

	t_card_with(t_desc_resident, NULL, &fx->card);
	memcpy(block, fx->card.raw, sizeof(block));
	t_set_unit(block, 248, 'Q');
	assert_int_equal(cnid_card_decode(block, sizeof(block), &fx->card), 0);
	t_validate(&fx->card, &fx->v);
	t_assert_only(&fx->v, CNID_ISSUE_UNKNOWN_CARD_TYPE, _CNID_F_MAX, false);
	assert_false(fx->v.expired);
}

/* ---- unknown_province (warning) ---- */

static void unknown_province(void **state)
{
	t_assert_only(check(state, t_desc_resident, "region = 990101\n"),
		      CNID_ISSUE_UNKNOWN_PROVINCE, CNID_F_NUMBER, true);
	/* 2023: digits 2-3 are the province of the accepting office */
	t_assert_only(check(state, t_desc_foreign_2023, "province = 99\n"),
		      CNID_ISSUE_UNKNOWN_PROVINCE, CNID_F_NUMBER, true);
	/* 2017: digits 4-5 */
	t_assert_only(check(state, t_desc_foreign_2017, "province = 20\n"),
		      CNID_ISSUE_UNKNOWN_PROVINCE, CNID_F_NUMBER, true);
	t_assert_clean(check(state, t_desc_foreign_2017, "province = 44\ncity = 03\n"));
}

/* ---- expiry is not validity ---- */

static void expired(void **state)
{
	struct fixture *fx = *state;
	struct cnid_date day_after = { 2035, 6, 2 }, last_day = { 2035, 6, 1 };
	const struct cnid_validation *v;

	v = check(state, t_desc_resident, "valid_until = 20251231\n");
	assert_true(v->expired);
	assert_true(v->valid);
	assert_int_equal(v->n_errors, 0);

	t_card_with(t_desc_resident, NULL, &fx->card);
	assert_int_equal(cnid_card_validate(&fx->card, &last_day, &fx->v), 0);
	assert_false(fx->v.expired);
	assert_int_equal(cnid_card_validate(&fx->card, &day_after, &fx->v), 0);
	assert_true(fx->v.expired);
	assert_int_equal(cnid_card_validate(&fx->card, NULL, &fx->v), 0);   /* no today */
	assert_false(fx->v.expired);

	t_card_with(t_desc_resident, "valid_until = 长期\n", &fx->card);
	struct cnid_date far = { 9999, 12, 31 };
	assert_int_equal(cnid_card_validate(&fx->card, &far, &fx->v), 0);
	assert_false(fx->v.expired);
	t_assert_clean(&fx->v);
}

/* ---- previous number of a 2023 card ---- */

static void previous_number(void **state)
{
	/* alpha-3 + number[1..2] + link[0..1] + number[8..13] + link[2] + 7-3-1:
	 * PAK 31 00 800101 1, check: P25*7 + A10*3 + K20*1 + 3*7 + 1*3 + 0 + 0
	 * + 8*3 + 0 + 0 + 1*3 + 0 + 1*7 + 1*3 = 286 -> 6 */
	const struct cnid_validation *v = check(state, t_desc_foreign_2023, "link = 001\n");

	t_assert_clean(v);
	assert_string_equal(v->previous_number, "PAK310080010116");
	/* the rebuilt number is a well-formed 2017 number of the same person */
	assert_int_equal(cnid_icao_731_check(v->previous_number, 14), v->previous_number[14]);

	v = check(state, t_desc_foreign_2023, "link = \n");
	assert_string_equal(v->previous_number, "");
}

static void issue_names(void **state)
{
	static const char *const names[_CNID_ISSUE_MAX] = {
		"number_format", "number_check_digit", "number_birth_mismatch",
		"number_sex_mismatch", "nationality_mismatch", "bad_date", "date_order",
		"bad_sex", "unknown_nation", "unknown_nationality", "bad_text",
		"unknown_card_type", "unknown_province",
	};

	(void)state;
	for (int c = 0; c < _CNID_ISSUE_MAX; c++)
		assert_string_equal(cnid_issue_name(c), names[c]);
}

static void many_issues_do_not_overflow(void **state)
{
	struct fixture *fx = *state;

	/* everything wrong at once: bounded lists, all reported */
	t_card_with(t_desc_foreign_2023,
		    "sex = 7\nbirth_date = 20250231\nvalid_from = 2020\nvalid_until = x\n"
		    "nationality = ZZZ\nnumber = 8\nlink = abc\n", &fx->card);
	t_validate(&fx->card, &fx->v);
	assert_false(fx->v.valid);
	assert_true(fx->v.n_errors <= CNID_MAX_ISSUES);
	assert_true(cnid_validation_has(&fx->v, CNID_ISSUE_BAD_SEX, false));
	assert_true(cnid_validation_has(&fx->v, CNID_ISSUE_BAD_DATE, false));
	assert_true(cnid_validation_has(&fx->v, CNID_ISSUE_UNKNOWN_NATIONALITY, false));
	assert_true(cnid_validation_has(&fx->v, CNID_ISSUE_NUMBER_FORMAT, false));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(check_characters),
		T(all_samples_are_clean),
		T(published_2023_sample_passes),
		T(number_format),
		T(number_check_digit_error),
		T(number_check_digit_2017_only_warns),
		T(number_birth_mismatch),
		T(number_sex_mismatch_error),
		T(number_sex_mismatch_foreign_only_warns),
		T(nationality_mismatch),
		T(bad_date),
		T(date_order),
		T(bad_sex),
		T(unknown_nation),
		T(unknown_nationality),
		T(bad_text),
		T(unknown_card_type),
		T(unknown_province),
		T(expired),
		T(previous_number),
		T(issue_names),
		T(many_issues_do_not_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
