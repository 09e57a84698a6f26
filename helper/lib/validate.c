/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of a decoded card: numbers and their check characters, dates,
 * code tables, and consistency between the number and the other fields.
 * The rules and what is UNCONFIRMED about them are in card-data.md; what
 * is unconfirmed only ever warns.
 *
 * Hot path (issue 2 budget: decode+validate <= 2,000 instructions): no
 * allocation, no formatted output, table lookups by index or binary search.
 */
#include <errno.h>
#include <string.h>

#include "card-internal.h"

static const char *const issue_names[_CNID_ISSUE_MAX] = {
	[CNID_ISSUE_NUMBER_FORMAT]        = "number_format",
	[CNID_ISSUE_NUMBER_CHECK_DIGIT]   = "number_check_digit",
	[CNID_ISSUE_NUMBER_BIRTH_MISMATCH] = "number_birth_mismatch",
	[CNID_ISSUE_NUMBER_SEX_MISMATCH]  = "number_sex_mismatch",
	[CNID_ISSUE_NATIONALITY_MISMATCH] = "nationality_mismatch",
	[CNID_ISSUE_BAD_DATE]             = "bad_date",
	[CNID_ISSUE_DATE_ORDER]           = "date_order",
	[CNID_ISSUE_BAD_SEX]              = "bad_sex",
	[CNID_ISSUE_UNKNOWN_NATION]       = "unknown_nation",
	[CNID_ISSUE_UNKNOWN_NATIONALITY]  = "unknown_nationality",
	[CNID_ISSUE_BAD_TEXT]             = "bad_text",
	[CNID_ISSUE_UNKNOWN_CARD_TYPE]    = "unknown_card_type",
	[CNID_ISSUE_UNKNOWN_PROVINCE]     = "unknown_province",
};

const char *cnid_issue_name(enum cnid_issue_code c)
{
	return (unsigned)c < _CNID_ISSUE_MAX ? issue_names[c] : "unknown";
}

bool cnid_validation_has(const struct cnid_validation *v, enum cnid_issue_code c, bool warning)
{
	const struct cnid_issue *list = warning ? v->warnings : v->errors;
	size_t n = warning ? v->n_warnings : v->n_errors;

	for (size_t i = 0; i < n; i++)
		if (list[i].code == c)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Check characters                                                    */

char cnid_mod11_2_check(const char *digits17)
{
	static const uint8_t weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	unsigned sum = 0;

	for (int i = 0; i < 17; i++) {
		if (!cnid_is_digit(digits17[i]))
			return 0;
		sum += weight[i] * (unsigned)(digits17[i] - '0');
	}
	return "10X98765432"[sum % 11];
}

/* ICAO 9303: digits as-is, A=10 .. Z=35, the filler '<' = 0; weights 7 3 1. */
int cnid_icao_731_check(const char *s, size_t n)
{
	static const uint8_t weight[3] = { 7, 3, 1 };
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned v;

		if (cnid_is_digit(c))
			v = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'Z')
			v = (unsigned)(c - 'A') + 10;
		else if (c == '<')
			v = 0;
		else
			return -EINVAL;
		sum += weight[i % 3] * v;
	}
	return '0' + (int)(sum % 10);
}

/* ------------------------------------------------------------------ */

struct check {
	const struct cnid_card *card;
	struct cnid_validation *v;
	struct cnid_date birth;
	bool birth_ok;          /* birth_date is a real date */
	const struct cnid_country *nationality;
};

static void issue(struct check *c, bool warning, enum cnid_issue_code code, enum cnid_field f)
{
	struct cnid_issue *list = warning ? c->v->warnings : c->v->errors;
	size_t *n = warning ? &c->v->n_warnings : &c->v->n_errors;

	if (*n < CNID_MAX_ISSUES)
		list[(*n)++] = (struct cnid_issue){ .code = code, .field = f };
}

static inline void issue_error(struct check *c, enum cnid_issue_code code, enum cnid_field f)
{
	issue(c, false, code, f);
}

static inline void issue_warning(struct check *c, enum cnid_issue_code code, enum cnid_field f)
{
	issue(c, true, code, f);
}


/* The field exists on this card type and decoded cleanly. */
static inline bool usable(const struct check *c, enum cnid_field f)
{
	return c->card->present[f] && !(c->card->bad_text & (1u << f));
}

static inline const char *fld(const struct check *c, enum cnid_field f)
{
	return c->card->field[f];
}

static void check_sex(struct check *c)
{
	const char *s = fld(c, CNID_F_SEX);

	if (!usable(c, CNID_F_SEX))
		return;
	if (s[1] != '\0' || (s[0] != '0' && s[0] != '1' && s[0] != '2' && s[0] != '9'))
		issue_error(c, CNID_ISSUE_BAD_SEX, CNID_F_SEX);
}

/* Sequence digit parity: odd = male (1), even = female (2); other sex
 * codes say nothing. */
static void check_parity(struct check *c, char seq, bool firm)
{
	char sex = fld(c, CNID_F_SEX)[0];
	bool odd = (seq - '0') & 1;

	if (!usable(c, CNID_F_SEX) || fld(c, CNID_F_SEX)[1] != '\0')
		return;
	if ((sex == '1' && !odd) || (sex == '2' && odd))
		issue(c, !firm, CNID_ISSUE_NUMBER_SEX_MISMATCH, CNID_F_NUMBER);
}

static void check_province(struct check *c, const char *digits2)
{
	char code[3] = { digits2[0], digits2[1], '\0' };

	if (!cnid_province_lookup(code))
		issue_warning(c, CNID_ISSUE_UNKNOWN_PROVINCE, CNID_F_NUMBER);
}

static void check_birth_in_number(struct check *c, const char *in_number, size_t skip)
{
	/* skip = 2: the number holds YYMMDD (2017 foreign) */
	if (c->birth_ok && memcmp(in_number, fld(c, CNID_F_BIRTH) + skip, 8 - skip) != 0)
		issue_error(c, CNID_ISSUE_NUMBER_BIRTH_MISMATCH, CNID_F_NUMBER);
}

static bool is_18_format(const char *n)
{
	return cnid_all_digits(n, 17) && (cnid_is_digit(n[17]) || n[17] == 'X') && n[18] == '\0';
}

/* Resident (GB 11643) and residence-permit numbers. */
static void check_citizen_number(struct check *c, bool permit)
{
	const char *n = fld(c, CNID_F_NUMBER);

	if (!is_18_format(n) ||
	    (permit && !(n[0] == '8' && n[1] >= '1' && n[1] <= '3' && memcmp(n + 2, "0000", 4) == 0))) {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER);
		return;
	}
	if (cnid_mod11_2_check(n) != n[17])
		issue_error(c, CNID_ISSUE_NUMBER_CHECK_DIGIT, CNID_F_NUMBER);
	check_province(c, n);
	check_birth_in_number(c, n + 6, 0);
	check_parity(c, n[16], true);
}

/* 2023 foreign: 9, province (2), ISO numeric nationality (3), YYYYMMDD,
 * sequence (3), MOD 11-2. */
static void check_foreign_2023_number(struct check *c)
{
	const char *n = fld(c, CNID_F_NUMBER);
	unsigned numeric;

	if (!is_18_format(n) || n[0] != '9') {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER);
		return;
	}
	if (cnid_mod11_2_check(n) != n[17])
		issue_error(c, CNID_ISSUE_NUMBER_CHECK_DIGIT, CNID_F_NUMBER);
	check_province(c, n + 1);
	numeric = (unsigned)(n[3] - '0') * 100 + (unsigned)(n[4] - '0') * 10 + (unsigned)(n[5] - '0');
	if (c->nationality && c->nationality->numeric != numeric)
		issue_error(c, CNID_ISSUE_NATIONALITY_MISMATCH, CNID_F_NATIONALITY);
	check_birth_in_number(c, n + 6, 0);
	check_parity(c, n[16], false);
}

static bool is_upper3(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

/* 2017 foreign: alpha-3, province (2), city (2), YYMMDD, sequence (1),
 * check (1), the check believed to be ICAO 7-3-1: UNCONFIRMED, warns. */
static void check_foreign_2017_number(struct check *c)
{
	const char *n = fld(c, CNID_F_NUMBER);
	const char *nat = fld(c, CNID_F_NATIONALITY);

	if (!is_upper3(n) || !cnid_all_digits(n + 3, 12) || n[15] != '\0') {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER);
		return;
	}
	if (usable(c, CNID_F_NATIONALITY) && memcmp(n, nat, 3) != 0)
		issue_error(c, CNID_ISSUE_NATIONALITY_MISMATCH, CNID_F_NATIONALITY);
	check_province(c, n + 3);
	check_birth_in_number(c, n + 7, 2);
	if (cnid_icao_731_check(n, 14) != n[14])
		issue_warning(c, CNID_ISSUE_NUMBER_CHECK_DIGIT, CNID_F_NUMBER);
	check_parity(c, n[13], false);
}

/* The previous 15-character (2017-style) number of a 2023 card with a
 * link: alpha-3 + number[1..2] + link[0..1] + number[8..13] + link[2] +
 * 7-3-1 check. */
static void check_link(struct check *c)
{
	const char *link = fld(c, CNID_F_LINK);
	const char *n = fld(c, CNID_F_NUMBER);
	const char *nat = fld(c, CNID_F_NATIONALITY);
	char *p = c->v->previous_number;

	if (!usable(c, CNID_F_LINK) || link[0] == '\0')
		return;
	if (!cnid_all_digits(link, 3) || link[3] != '\0') {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_LINK);
		return;
	}
	if (!usable(c, CNID_F_NUMBER) || !is_18_format(n) || n[0] != '9' ||
	    !usable(c, CNID_F_NATIONALITY) || !is_upper3(nat) || nat[3] != '\0')
		return;
	memcpy(p, nat, 3);
	memcpy(p + 3, n + 1, 2);
	memcpy(p + 5, link, 2);
	memcpy(p + 7, n + 8, 6);
	p[13] = link[2];
	p[14] = (char)cnid_icao_731_check(p, 14);
	p[15] = '\0';
}

static void check_dates(struct check *c, const struct cnid_date *today)
{
	struct cnid_date from, until;
	bool from_ok = false, until_ok = false, long_term = false;

	if (usable(c, CNID_F_BIRTH)) {
		c->birth_ok = cnid_date_parse8(fld(c, CNID_F_BIRTH), &c->birth) == 0;
		if (!c->birth_ok)
			issue_error(c, CNID_ISSUE_BAD_DATE, CNID_F_BIRTH);
	}
	if (usable(c, CNID_F_VALID_FROM)) {
		from_ok = cnid_date_parse8(fld(c, CNID_F_VALID_FROM), &from) == 0;
		if (!from_ok)
			issue_error(c, CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM);
	}
	if (usable(c, CNID_F_VALID_UNTIL)) {
		long_term = strcmp(fld(c, CNID_F_VALID_UNTIL), CNID_LONG_TERM) == 0;
		until_ok = !long_term && cnid_date_parse8(fld(c, CNID_F_VALID_UNTIL), &until) == 0;
		if (!long_term && !until_ok)
			issue_error(c, CNID_ISSUE_BAD_DATE, CNID_F_VALID_UNTIL);
	}
	if (c->birth_ok && from_ok && cnid_date_cmp(&c->birth, &from) > 0)
		issue_error(c, CNID_ISSUE_DATE_ORDER, CNID_F_BIRTH);
	if (from_ok && until_ok && cnid_date_cmp(&from, &until) > 0)
		issue_error(c, CNID_ISSUE_DATE_ORDER, CNID_F_VALID_UNTIL);
	c->v->expired = today && until_ok && cnid_date_cmp(&until, today) < 0;
}

static void check_codes(struct check *c)
{
	enum cnid_card_type t = c->card->type;
	const char *nation = fld(c, CNID_F_NATION);

	/* the permit's nation field is probably blank (UNCONFIRMED): a blank
	 * one is accepted, anything else must be a real code */
	if (usable(c, CNID_F_NATION) && !(t == CNID_CARD_HKMOTW_PERMIT && nation[0] == '\0') &&
	    !cnid_nation_lookup(nation))
		issue_error(c, CNID_ISSUE_UNKNOWN_NATION, CNID_F_NATION);
	if (usable(c, CNID_F_NATIONALITY)) {
		c->nationality = cnid_country_by_alpha3(fld(c, CNID_F_NATIONALITY));
		if (!c->nationality)
			issue_error(c, CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY);
	}
}

int cnid_card_validate(const struct cnid_card *card, const struct cnid_date *today,
		       struct cnid_validation *ret)
{
	struct check c = { .card = card, .v = ret };

	ret->n_errors = 0;
	ret->n_warnings = 0;
	ret->expired = false;
	ret->previous_number[0] = '\0';

	if (card->type == CNID_CARD_UNKNOWN || (unsigned)card->type >= _CNID_CARD_TYPE_MAX) {
		issue_error(&c, CNID_ISSUE_UNKNOWN_CARD_TYPE, _CNID_F_MAX);
		goto out;
	}
	for (uint32_t bad = card->bad_text; bad; bad &= bad - 1)
		issue_error(&c, CNID_ISSUE_BAD_TEXT, (enum cnid_field)__builtin_ctz(bad));

	check_sex(&c);
	check_dates(&c, today);
	check_codes(&c);
	if (usable(&c, CNID_F_NUMBER)) {
		switch (card->type) {
		case CNID_CARD_RESIDENT:
			check_citizen_number(&c, false);
			break;
		case CNID_CARD_HKMOTW_PERMIT:
			check_citizen_number(&c, true);
			break;
		case CNID_CARD_FOREIGN_2017:
			check_foreign_2017_number(&c);
			break;
		case CNID_CARD_FOREIGN_2023:
			check_foreign_2023_number(&c);
			break;
		default:
			break;
		}
	}
	if (card->type == CNID_CARD_FOREIGN_2023)
		check_link(&c);
out:
	ret->valid = ret->n_errors == 0;
	return 0;
}
