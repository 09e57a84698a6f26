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

/* CNID_NO_SIMD builds the scalar path on x86 too (make check-scalar). */
#if defined(__SSE2__) && !defined(CNID_NO_SIMD)
#include <emmintrin.h>
#define VALIDATE_SIMD 1
#endif

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

/* GB 11643 MOD 11-2: the weights 2^(17-i) mod 11 and the check characters
 * (the only copy: the SSE2 path loads the same table). */
static const uint8_t mod11_weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
static const char mod11_chars[] = "10X98765432";

/* MOD 11-2 check character of the first 17 characters, 0 if one of them
 * is not a digit (reads no further than that one). */
static char mod11_2(const char *s)
{
	unsigned sum = 0;

	for (int i = 0; i < 17; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return 0;
		sum += mod11_weight[i] * d;
	}
	return mod11_chars[sum % 11];
}

int cnid_mod11_2_check(const char *digits17)
{
	char c = digits17 ? mod11_2(digits17) : 0;

	return c ? c : -EINVAL;
}

/*
 * The hot-path versions below read card fields, whose buffers are
 * CNID_FIELD_MAX bytes: they load 8 or 16 bytes at once, past the NUL,
 * without reading outside the buffer.
 */
static inline uint64_t load8(const char *s)
{
	uint64_t x;

	memcpy(&x, s, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);       /* first character in the low byte */
#endif
	return x;
}

/* A YYYYMMDD field to a date, eight digits at a time. */
static bool field_date(const char field[CNID_FIELD_MAX], struct cnid_date *ret)
{
	const uint64_t high = 0xf0f0f0f0f0f0f0f0ull, zeros = 0x3030303030303030ull;
	uint64_t x = load8(field), t;

	/* every byte 0x30..0x39; a carry out of a byte >= 0xfa only happens
	 * when that byte already fails the first test */
	if ((x & high) != zeros || ((x + 0x0606060606060606ull) & high) != zeros || field[8])
		return false;
	x -= zeros;
	t = x * 10 + (x >> 8);          /* byte 2k: 10 * digit 2k + digit 2k+1 */
	ret->year = (int)(t & 0xff) * 100 + (int)(t >> 16 & 0xff);
	ret->month = (int)(t >> 32 & 0xff);
	ret->day = (int)(t >> 48 & 0xff);
	return cnid_date_valid_inline(ret->year, ret->month, ret->day);
}

/* An 18-character number field: 17 digits and a check character.  Returns
 * the check character the digits call for, or 0 if n is not of that form. */
static char number18_field(const char n[CNID_FIELD_MAX])
{
	char check;

	if (!(cnid_is_digit(n[17]) || n[17] == 'X') || n[18] != '\0')
		return 0;
#ifdef VALIDATE_SIMD
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)mod11_weight);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)n), zero = _mm_setzero_si128();
	__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
				   _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	__m128i d, sum;
	unsigned d16 = (unsigned)(unsigned char)n[16] - '0';

	if (_mm_movemask_epi8(ok) != 0xffff || d16 > 9)
		return 0;
	d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	/* weights 0..15 widened to 16 bits; weight 16 is applied below */
	sum = _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi8(d, zero), _mm_unpacklo_epi8(w, zero)),
			    _mm_madd_epi16(_mm_unpackhi_epi8(d, zero), _mm_unpackhi_epi8(w, zero)));
	sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4e));
	sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xb1));
	check = mod11_chars[((unsigned)_mm_cvtsi128_si32(sum) + mod11_weight[16] * d16) % 11];
#else
	check = mod11_2(n);
#endif
	return check;
}

/* ICAO 9303 character values: digits as-is, A=10 .. Z=35, the filler
 * '<' = 0; -1 for anything else. */
static inline int icao_value(unsigned char c)
{
	if ((unsigned)c - '0' <= 9)
		return c - '0';
	if ((unsigned)c - 'A' <= 'Z' - 'A')
		return c - 'A' + 10;
	return c == '<' ? 0 : -1;
}

/* Weights 7 3 1 repeating, three characters per step. */
int cnid_icao_731_check(const char *s, size_t n)
{
	static const uint8_t weight[3] = { 7, 3, 1 };
	unsigned sum = 0;
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		int a = icao_value((unsigned char)s[i]), b, c;

		if (a < 0 || (b = icao_value((unsigned char)s[i + 1])) < 0 ||
		    (c = icao_value((unsigned char)s[i + 2])) < 0)
			return -EINVAL;
		sum += 7 * (unsigned)a + 3 * (unsigned)b + (unsigned)c;
	}
	for (size_t k = 0; i < n; i++, k++) {
		int v = icao_value((unsigned char)s[i]);

		if (v < 0)
			return -EINVAL;
		sum += weight[k] * (unsigned)v;
	}
	return '0' + (int)(sum % 10);
}

/* ------------------------------------------------------------------ */

struct check {
	const struct cnid_card *card;
	struct cnid_validation *v;
	struct cnid_date birth;
	bool birth_ok;          /* birth_date is a real date */
	bool number_ok;         /* the number is well-formed for its card type */
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

/* ICAO 9303 part 3 codes that are not countries (stateless persons,
 * refugees, unspecified, the United Nations and its agencies, the EU):
 * legitimate on a permanent residence card, absent from ISO 3166-1. */
static bool icao_reserved(const char *alpha3)
{
	static const char reserved[][4] = { "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK",
					    "EUE" };

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(alpha3, reserved[i]) == 0)
			return true;
	return false;
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
	if (!cnid_sex_lookup(s))
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

/* The number holds YYYYMMDD, or YYMMDD on 2017 foreign cards. */
static void check_birth_in_number(struct check *c, const char *in_number, bool yymmdd)
{
	const char *birth = fld(c, CNID_F_BIRTH);

	if (c->birth_ok && (yymmdd ? memcmp(in_number, birth + 2, 6) : memcmp(in_number, birth, 8)))
		issue_error(c, CNID_ISSUE_NUMBER_BIRTH_MISMATCH, CNID_F_NUMBER);
}

/* Resident (GB 11643) and residence-permit numbers. */
static void check_citizen_number(struct check *c, bool permit)
{
	const char *n = fld(c, CNID_F_NUMBER);
	char check = number18_field(n);

	if (!check ||
	    (permit && !(n[0] == '8' && n[1] >= '1' && n[1] <= '3' && memcmp(n + 2, "0000", 4) == 0))) {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER);
		return;
	}
	if (check != n[17])
		issue_error(c, CNID_ISSUE_NUMBER_CHECK_DIGIT, CNID_F_NUMBER);
	check_province(c, n);
	check_birth_in_number(c, n + 6, false);
	check_parity(c, n[16], true);
}

/* 2023 foreign: 9, province (2), ISO numeric nationality (3), YYYYMMDD,
 * sequence (3), MOD 11-2. */
static void check_foreign_2023_number(struct check *c)
{
	const char *n = fld(c, CNID_F_NUMBER);
	char check = number18_field(n);
	unsigned numeric;

	if (!check || n[0] != '9') {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER);
		return;
	}
	c->number_ok = true;
	if (check != n[17])
		issue_error(c, CNID_ISSUE_NUMBER_CHECK_DIGIT, CNID_F_NUMBER);
	check_province(c, n + 1);
	numeric = (unsigned)(n[3] - '0') * 100 + (unsigned)(n[4] - '0') * 10 + (unsigned)(n[5] - '0');
	if (c->nationality && c->nationality->numeric != numeric)
		issue_error(c, CNID_ISSUE_NATIONALITY_MISMATCH, CNID_F_NATIONALITY);
	check_birth_in_number(c, n + 6, false);
	check_parity(c, n[16], false);
}


/* 2017 foreign: alpha-3, province (2), city (2), YYMMDD, sequence (1),
 * check (1), the check believed to be ICAO 7-3-1: UNCONFIRMED, warns. */
static void check_foreign_2017_number(struct check *c)
{
	const char *n = fld(c, CNID_F_NUMBER);
	const char *nat = fld(c, CNID_F_NATIONALITY);

	if (!cnid_is_upper3(n) || !cnid_all_digits(n + 3, 12) || n[15] != '\0') {
		issue_error(c, CNID_ISSUE_NUMBER_FORMAT, CNID_F_NUMBER);
		return;
	}
	if (usable(c, CNID_F_NATIONALITY) && memcmp(n, nat, 3) != 0)
		issue_error(c, CNID_ISSUE_NATIONALITY_MISMATCH, CNID_F_NATIONALITY);
	check_province(c, n + 3);
	check_birth_in_number(c, n + 7, true);
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
	if (!c->number_ok || !usable(c, CNID_F_NATIONALITY) || !cnid_is_upper3(nat) || nat[3] != '\0')
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
		c->birth_ok = field_date(fld(c, CNID_F_BIRTH), &c->birth);
		if (!c->birth_ok)
			issue_error(c, CNID_ISSUE_BAD_DATE, CNID_F_BIRTH);
	}
	if (usable(c, CNID_F_VALID_FROM)) {
		from_ok = field_date(fld(c, CNID_F_VALID_FROM), &from);
		if (!from_ok)
			issue_error(c, CNID_ISSUE_BAD_DATE, CNID_F_VALID_FROM);
	}
	if (usable(c, CNID_F_VALID_UNTIL)) {
		/* field buffers are CNID_FIELD_MAX bytes: compare with the NUL */
		long_term = memcmp(fld(c, CNID_F_VALID_UNTIL), CNID_LONG_TERM,
				   sizeof(CNID_LONG_TERM)) == 0;
		until_ok = !long_term && field_date(fld(c, CNID_F_VALID_UNTIL), &until);
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
		const char *nat = fld(c, CNID_F_NATIONALITY);

		c->nationality = cnid_country_by_alpha3(nat);
		/* a reserved code is no country, but a real status: a warning */
		if (!c->nationality && icao_reserved(nat))
			issue_warning(c, CNID_ISSUE_UNKNOWN_NATIONALITY, CNID_F_NATIONALITY);
		else if (!c->nationality)
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
