/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readable card descriptions: "key = value" text to a card, a synthetic
 * photo and synthetic fingerprint templates, and from there to a complete
 * read reply.  Used by the tests, the sample cards and the virtual reader,
 * so that no fixture is pasted hex.
 *
 * Everything synthetic here is deterministic and is NOT real data: the
 * photo is pseudo-random bytes, not a WLT image; the fingerprint templates
 * have a well-formed header and pseudo-random minutiae.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "card-internal.h"

/* Keys beyond the card fields (which use cnid_field_name()). */
enum desc_key {
	K_TYPE = _CNID_F_MAX,
	K_PHOTO_SEED,
	K_FINGERPRINTS,
	K_FP_FINGER_1,
	K_FP_FINGER_2,
	K_FP_QUALITY_1,
	K_FP_QUALITY_2,
	K_REGION,       /* number = auto, resident/permit: 6-digit address code */
	K_PROVINCE,     /* number = auto, foreign: 2-digit province of the office */
	K_CITY,         /* number = auto, 2017 foreign: 2-digit city */
	K_SEQUENCE,     /* number = auto: sequence digits (3, or 1 on 2017) */
	K_TYPE_CHAR,    /* type = unknown: the type character */
	_K_MAX,
};

static const char *const extra_keys[_K_MAX - _CNID_F_MAX] = {
	[K_TYPE - _CNID_F_MAX]         = "type",
	[K_PHOTO_SEED - _CNID_F_MAX]   = "photo_seed",
	[K_FINGERPRINTS - _CNID_F_MAX] = "fingerprints",
	[K_FP_FINGER_1 - _CNID_F_MAX]  = "fp_finger_1",
	[K_FP_FINGER_2 - _CNID_F_MAX]  = "fp_finger_2",
	[K_FP_QUALITY_1 - _CNID_F_MAX] = "fp_quality_1",
	[K_FP_QUALITY_2 - _CNID_F_MAX] = "fp_quality_2",
	[K_REGION - _CNID_F_MAX]       = "region",
	[K_PROVINCE - _CNID_F_MAX]     = "province",
	[K_CITY - _CNID_F_MAX]         = "city",
	[K_SEQUENCE - _CNID_F_MAX]     = "sequence",
	[K_TYPE_CHAR - _CNID_F_MAX]    = "type_char",
};

#define VALUE_MAX CNID_FIELD_MAX

struct desc_parse {
	char value[_K_MAX][VALUE_MAX];
	unsigned line[_K_MAX];          /* 0: key not given */
	unsigned error_line;
	const char *why;                /* reason of the error, for people */
};

/* Fail with a reason: the line is p->error_line. */
static int fail(struct desc_parse *p, int err, const char *why)
{
	p->why = why;
	return err;
}

static int key_lookup(const char *key, size_t len)
{
	for (int k = 0; k < _K_MAX; k++) {
		const char *name = k < _CNID_F_MAX ? cnid_field_name(k) : extra_keys[k - _CNID_F_MAX];

		if (strlen(name) == len && memcmp(name, key, len) == 0)
			return k;
	}
	if (len == 3 && memcmp(key, "sex", 3) == 0)     /* the readable alias */
		return CNID_F_SEX;
	return -EINVAL;
}

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split the text into lines, store each key's value and line number. */
static int split_lines(const char *text, struct desc_parse *p)
{
	unsigned lineno = 0;

	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;      /* a UTF-8 byte order mark, as some editors write */
	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		const char *k = line, *ke, *v, *ve;
		int key;

		p->error_line = ++lineno;
		while (k < end && is_space(*k))
			k++;
		if (k == end || *k == '#')
			goto next;
		ke = memchr(k, '=', (size_t)(end - k));
		if (!ke)
			return fail(p, -EINVAL, "not a 'key = value' line");
		v = ke + 1;
		while (ke > k && is_space(ke[-1]))
			ke--;
		key = key_lookup(k, (size_t)(ke - k));
		if (key < 0)
			return fail(p, -EINVAL, "unknown key");
		if (p->line[key])
			return fail(p, -EINVAL, "key given twice");
		while (v < end && is_space(*v))
			v++;
		ve = end;
		while (ve > v && is_space(ve[-1]))
			ve--;
		if ((size_t)(ve - v) >= VALUE_MAX)
			return fail(p, -EMSGSIZE, "value too long");
		memcpy(p->value[key], v, (size_t)(ve - v));
		p->value[key][ve - v] = '\0';
		p->line[key] = lineno;
next:
		line = *end ? end + 1 : end;
	}
	return 0;
}

/* Readable spellings of values, normalised to what the chip holds. */
static void normalise(struct desc_parse *p)
{
	static const enum cnid_field dates[] = { CNID_F_BIRTH, CNID_F_VALID_FROM, CNID_F_VALID_UNTIL };
	char *s = p->value[CNID_F_SEX];

	/* male, female, unknown, unspecified: the names of the sex table,
	 * found by asking it about every one-digit code (no second list) */
	for (char code[2] = "0"; code[0] <= '9'; code[0]++) {
		const struct cnid_sex *sex = cnid_sex_lookup(code);

		if (sex && strcmp(s, sex->name) == 0) {
			strcpy(s, sex->code);
			break;
		}
	}
	/* YYYY-MM-DD to YYYYMMDD, real date or not (bad dates are for tests) */
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		char *d = p->value[dates[i]];

		if (cnid_all_digits(d, 4) && d[4] == '-' && cnid_all_digits(d + 5, 2) && d[7] == '-' &&
		    cnid_all_digits(d + 8, 2) && d[10] == '\0') {
			memmove(d + 4, d + 5, 2);
			memmove(d + 6, d + 8, 3);
		}
	}
	if (strcmp(p->value[CNID_F_VALID_UNTIL], "long-term") == 0)
		strcpy(p->value[CNID_F_VALID_UNTIL], CNID_LONG_TERM);
}

/* Decimal, or hexadecimal with 0x when hex_ok (finger codes); never octal:
 * a leading zero is a decimal zero ("010" is ten). */
static int parse_uint(const char *s, unsigned long max, bool hex_ok, unsigned long *ret)
{
	int base = 10;
	char *end;
	unsigned long v;

	if (hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
		if (!isxdigit((unsigned char)s[0]))
			return -EINVAL;
	} else if (!cnid_is_digit(s[0])) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* s has exactly n digits */
static bool digits_n(const char *s, size_t n)
{
	return cnid_all_digits(s, n) && s[n] == '\0';
}

/* Value of an optional digits key, or its default. */
static int digits_key(struct desc_parse *p, int key, size_t n, const char *def, const char **ret)
{
	if (!p->line[key]) {
		*ret = def;
		return 0;
	}
	if (!digits_n(p->value[key], n)) {
		p->error_line = p->line[key];
		return fail(p, -EINVAL, n == 1 ? "not 1 digit" : n == 2 ? "not 2 digits"
					: n == 3 ? "not 3 digits" : "not 6 digits");
	}
	*ret = p->value[key];
	return 0;
}


/* Default sequence digits: parity matching the sex (odd male, even female). */
static const char *default_sequence(const struct cnid_card *card, bool one_digit)
{
	switch (card->field[CNID_F_SEX][0]) {
	case '1':
		return one_digit ? "1" : "001";
	case '2':
		return one_digit ? "2" : "002";
	default:
		return one_digit ? "0" : "000";
	}
}

/* number = auto: a number consistent with the other fields, check included. */
static int auto_number(struct desc_parse *p, struct cnid_card *card)
{
	const char *birth = card->field[CNID_F_BIRTH];
	const char *nat = card->field[CNID_F_NATIONALITY];
	char *n = card->field[CNID_F_NUMBER];
	const char *region, *province, *city, *seq;
	const struct cnid_country *country;
	bool is2017 = card->type == CNID_CARD_FOREIGN_2017;
	struct cnid_date date;
	int r;

	p->error_line = p->line[CNID_F_NUMBER];
	if (cnid_date_parse8(birth, &date) < 0)  /* the number embeds the birth date */
		return fail(p, -EINVAL, "number = auto needs a real birth_date");
	r = digits_key(p, K_SEQUENCE, is2017 ? 1 : 3, default_sequence(card, is2017), &seq);
	if (r < 0)
		return r;

	switch (card->type) {
	case CNID_CARD_RESIDENT:
	case CNID_CARD_HKMOTW_PERMIT:
		r = digits_key(p, K_REGION, 6,
			       card->type == CNID_CARD_RESIDENT ? "110101" : "810000", &region);
		if (r < 0)
			return r;
		memcpy(n, region, 6);
		memcpy(n + 6, birth, 8);
		memcpy(n + 14, seq, 3);
		n[17] = (char)cnid_mod11_2_check(n); /* n[0..17) are digits */
		n[18] = '\0';
		return 0;
	case CNID_CARD_FOREIGN_2023:
		country = cnid_country_by_alpha3(nat);
		r = digits_key(p, K_PROVINCE, 2, "11", &province);
		if (r < 0)
			return r;
		if (!country) {
			p->error_line = p->line[CNID_F_NATIONALITY] ?: p->line[CNID_F_NUMBER];
			return fail(p, -EINVAL, "number = auto needs a known nationality");
		}
		n[0] = '9';
		memcpy(n + 1, province, 2);
		n[3] = (char)('0' + country->numeric / 100);
		n[4] = (char)('0' + country->numeric / 10 % 10);
		n[5] = (char)('0' + country->numeric % 10);
		memcpy(n + 6, birth, 8);
		memcpy(n + 14, seq, 3);
		n[17] = (char)cnid_mod11_2_check(n);
		n[18] = '\0';
		return 0;
	case CNID_CARD_FOREIGN_2017:
		r = digits_key(p, K_PROVINCE, 2, "11", &province);
		if (r == 0)
			r = digits_key(p, K_CITY, 2, "00", &city);
		if (r < 0)
			return r;
		if (!cnid_is_upper3(nat) || nat[3] != '\0') {
			p->error_line = p->line[CNID_F_NATIONALITY] ?: p->line[CNID_F_NUMBER];
			return fail(p, -EINVAL, "number = auto needs a 3-letter nationality");
		}
		memcpy(n, nat, 3);
		memcpy(n + 3, province, 2);
		memcpy(n + 5, city, 2);
		memcpy(n + 7, birth + 2, 6);
		n[13] = seq[0];
		n[14] = (char)cnid_icao_731_check(n, 14);
		n[15] = '\0';
		return 0;
	default:
		return -EINVAL;
	}
}

/* Deterministic pseudo-random bytes (splitmix64). */
static void synth_bytes(uint64_t seed, uint8_t *out, size_t n)
{
	uint64_t x = seed, z = 0;

	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0) {
			x += 0x9e3779b97f4a7c15ull;
			z = x;
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			z ^= z >> 31;
		}
		out[i] = (uint8_t)(z >> (8 * (i % 8)));
	}
}

#define FP_DEFAULT_FINGER_1 0x0C   /* right index */
#define FP_DEFAULT_FINGER_2 0x11   /* left index */
#define FP_DEFAULT_QUALITY 80

static int fp_key(struct desc_parse *p, int key, unsigned long max, unsigned long def,
		  unsigned n_fp, unsigned index, unsigned long *ret)
{
	if (!p->line[key]) {
		*ret = def;
		return 0;
	}
	p->error_line = p->line[key];
	if (index >= n_fp)              /* describes a template that is not there */
		return fail(p, -EINVAL, "no such fingerprint (see fingerprints)");
	if (max == 0xff && !cnid_is_digit(p->value[key][0])) {
		/* a finger by name, e.g. right_index */
		for (unsigned code = 0; code <= 0xff; code++) {
			if (strcmp(cnid_fp_finger_name((uint8_t)code), "unknown") != 0 &&
			    strcmp(cnid_fp_finger_name((uint8_t)code), p->value[key]) == 0) {
				*ret = code;
				return 0;
			}
		}
		return fail(p, -EINVAL, "not a finger name or code");
	}
	if (parse_uint(p->value[key], max, max == 0xff, ret) < 0)
		return fail(p, -EINVAL, max == 0xff ? "not a finger name or code"
						   : "not a number from 0 to 100");
	return 0;
}

static int build_media(struct desc_parse *p, struct cnid_card_desc *d)
{
	static const int finger_key[2] = { K_FP_FINGER_1, K_FP_FINGER_2 };
	static const int quality_key[2] = { K_FP_QUALITY_1, K_FP_QUALITY_2 };
	static const unsigned long finger_def[2] = { FP_DEFAULT_FINGER_1, FP_DEFAULT_FINGER_2 };
	unsigned long seed = 0, n_fp = 0;
	int r;

	d->has_photo = true;
	if (p->line[K_PHOTO_SEED]) {
		p->error_line = p->line[K_PHOTO_SEED];
		if (strcmp(p->value[K_PHOTO_SEED], "none") == 0)
			d->has_photo = false;
		else if (parse_uint(p->value[K_PHOTO_SEED], UINT32_MAX, false, &seed) < 0)
			return fail(p, -EINVAL, "not a decimal number or none");
	}
	if (d->has_photo)
		synth_bytes(seed, d->photo, CNID_PHOTO_LEN);

	if (p->line[K_FINGERPRINTS]) {
		p->error_line = p->line[K_FINGERPRINTS];
		if (parse_uint(p->value[K_FINGERPRINTS], 2, false, &n_fp) < 0)
			return fail(p, -EINVAL, "not 0, 1 or 2");
	}
	d->n_fingerprints = (unsigned)n_fp;
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *t = d->fp + i * CNID_FP_TEMPLATE_LEN;
		unsigned long finger, quality;

		r = fp_key(p, finger_key[i], 0xff, finger_def[i], d->n_fingerprints, i, &finger);
		if (r == 0)
			r = fp_key(p, quality_key[i], 100, FP_DEFAULT_QUALITY, d->n_fingerprints, i,
				   &quality);
		if (r < 0)
			return r;
		if (i >= d->n_fingerprints)
			continue;
		synth_bytes(seed * 2 + 1 + i, t, CNID_FP_TEMPLATE_LEN);
		cnid_fp_header_encode(&(struct cnid_fp_header){
					      .algorithm_version = 0x01,
					      .device_code = 0x01,
					      .developer_code = 0x01,
					      .enrolment = 0x01, /* ok */
					      .finger = (uint8_t)finger,
					      .quality = (uint8_t)quality,
				      }, t);
	}
	return 0;
}

/* type = unknown with type_char = C: a blank block carrying C, which must
 * not be the character of a known type; no card field applies. */
static int unknown_card(struct desc_parse *p, struct cnid_card *card)
{
	uint8_t unit[2];
	uint16_t u;

	for (int k = 0; k < _K_MAX; k++) {
		if ((k < _CNID_F_MAX || k == K_REGION || k == K_PROVINCE || k == K_CITY ||
		     k == K_SEQUENCE) && p->line[k]) {
			p->error_line = p->line[k];
			return fail(p, -EINVAL, "type = unknown has no fields");
		}
	}
	if (!p->line[K_TYPE_CHAR])
		return fail(p, -EINVAL, "unknown needs type_char = C (one character)");
	p->error_line = p->line[K_TYPE_CHAR];
	if (!p->value[K_TYPE_CHAR][0] || cnid_utf8_to_utf16le(p->value[K_TYPE_CHAR], unit, 1) < 0)
		return fail(p, -EINVAL, "not one character");
	u = (uint16_t)(unit[0] | unit[1] << 8);
	if (cnid_card_type_from_unit(u) != CNID_CARD_UNKNOWN)
		return fail(p, -EINVAL, "the character of a known card type");
	cnid_card_init(card, CNID_CARD_UNKNOWN);
	card->type_unit = u;
	return 0;
}

static int build_card(struct desc_parse *p, struct cnid_card *card)
{
	bool auto_num = false;
	int type;

	p->error_line = p->line[K_TYPE];
	if (!p->line[K_TYPE])
		return fail(p, -EINVAL, "no type (type = resident, ...)");
	type = cnid_card_type_from_name(p->value[K_TYPE]);
	if (type < 0)
		return fail(p, -EINVAL, "not a card type");
	if (type == CNID_CARD_UNKNOWN)
		return unknown_card(p, card);
	p->error_line = p->line[K_TYPE_CHAR];
	if (p->line[K_TYPE_CHAR])
		return fail(p, -EINVAL, "only for type = unknown");
	cnid_card_init(card, type);

	for (int f = 0; f < _CNID_F_MAX; f++) {
		uint8_t units[2 * 64];
		int r;

		if (!p->line[f])
			continue;
		p->error_line = p->line[f];
		if (!card->present[f])
			return fail(p, -EINVAL, "no such field on this card type");
		if (f == CNID_F_NUMBER && strcmp(p->value[f], "auto") == 0) {
			auto_num = true;
			continue;
		}
		r = cnid_utf8_to_utf16le(p->value[f], units, cnid_field_units(type, f));
		if (r < 0)
			return fail(p, r, r == -EMSGSIZE ? "value does not fit the field"
							 : "not valid UTF-8");
		strcpy(card->field[f], p->value[f]);
	}
	/* keys that only make sense for some card types */
	p->error_line = p->line[K_REGION];
	if (p->line[K_REGION] && type != CNID_CARD_RESIDENT && type != CNID_CARD_HKMOTW_PERMIT)
		return fail(p, -EINVAL, "only for resident and permit numbers");
	p->error_line = p->line[K_PROVINCE];
	if (p->line[K_PROVINCE] && type != CNID_CARD_FOREIGN_2017 && type != CNID_CARD_FOREIGN_2023)
		return fail(p, -EINVAL, "only for foreign card numbers");
	p->error_line = p->line[K_CITY];
	if (p->line[K_CITY] && type != CNID_CARD_FOREIGN_2017)
		return fail(p, -EINVAL, "only for 2017 foreign card numbers");
	return auto_num ? auto_number(p, card) : 0;
}

int cnid_card_desc_parse(const char *text, struct cnid_card_desc *ret, unsigned *ret_line)
{
	return cnid_card_desc_parse_verbose(text, ret, ret_line, NULL);
}

int cnid_card_desc_parse_verbose(const char *text, struct cnid_card_desc *ret, unsigned *ret_line,
				 const char **ret_reason)
{
	struct desc_parse *p;
	struct cnid_card_desc *d;
	int r;

	p = calloc(1, sizeof(*p));
	d = calloc(1, sizeof(*d));
	if (!p || !d) {
		r = -ENOMEM;
		goto out;
	}
	r = split_lines(text, p);
	if (r < 0)
		goto out;
	normalise(p);
	r = build_card(p, &d->card);
	if (r == 0)
		r = build_media(p, d);
	if (r == 0)
		*ret = *d;
out:
	if (ret_line)
		*ret_line = r < 0 && p ? p->error_line : 0;
	if (ret_reason)
		*ret_reason = r == 0 ? NULL : p && p->why ? p->why : strerror(-r);
	free(p);
	free(d);
	return r;
}

int cnid_card_desc_frame(const struct cnid_card_desc *d, bool with_fp, uint8_t *out, size_t out_size)
{
	uint8_t text[CNID_TEXT_LEN];
	uint8_t data[CNID_FRAME_MAX];
	size_t fp_len;
	int r, n;

	r = cnid_card_encode(&d->card, text);
	if (r < 0)
		return r;
	/* a 30 01 reply carries no fingerprints, whatever the card holds */
	fp_len = with_fp ? (size_t)d->n_fingerprints * CNID_FP_TEMPLATE_LEN : 0;
	n = cnid_read_encode(text, sizeof(text), d->photo, d->has_photo ? CNID_PHOTO_LEN : 0, d->fp,
			     fp_len, with_fp, data, sizeof(data));
	if (n < 0)
		return n;
	return cnid_response_build(0x00, 0x00, CNID_SW3_OK, data, (size_t)n, out, out_size);
}
