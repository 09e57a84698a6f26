/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The four card layouts of the 256-byte text block (card-data.md), in one
 * table, and the decoder/encoder built on it.
 */
#include <errno.h>
#include <string.h>

#include "card-internal.h"
#include "utf16.h"

#define AT(o, u) { (o), (u), 0, 0 }

/* byte offset and UTF-16 unit count of every (card type, field) */
static const struct cnid_field_loc layout[_CNID_CARD_TYPE_MAX][_CNID_F_MAX] = {
	[CNID_CARD_RESIDENT] = {
		[CNID_F_NAME]          = AT(0, 15),
		[CNID_F_SEX]           = AT(30, 1),
		[CNID_F_NATION]        = AT(32, 2),
		[CNID_F_BIRTH]         = AT(36, 8),
		[CNID_F_ADDRESS]       = AT(52, 35),
		[CNID_F_NUMBER]        = AT(122, 18),
		[CNID_F_ISSUER]        = AT(158, 15),
		[CNID_F_VALID_FROM]    = AT(188, 8),
		[CNID_F_VALID_UNTIL]   = AT(204, 8),
	},
	[CNID_CARD_HKMOTW_PERMIT] = {
		[CNID_F_NAME]          = AT(0, 15),
		[CNID_F_SEX]           = AT(30, 1),
		[CNID_F_NATION]        = AT(32, 2),  /* probably blank (UNCONFIRMED) */
		[CNID_F_BIRTH]         = AT(36, 8),
		[CNID_F_ADDRESS]       = AT(52, 35),
		[CNID_F_NUMBER]        = AT(122, 18),
		[CNID_F_ISSUER]        = AT(158, 15),
		[CNID_F_VALID_FROM]    = AT(188, 8),
		[CNID_F_VALID_UNTIL]   = AT(204, 8),
		[CNID_F_PERMIT_NUMBER] = AT(220, 9),
		[CNID_F_ISSUE_COUNT]   = AT(238, 2),
	},
	[CNID_CARD_FOREIGN_2017] = {
		[CNID_F_NAME_EN]       = AT(0, 60),
		[CNID_F_SEX]           = AT(120, 1),
		[CNID_F_NUMBER]        = AT(122, 15),
		[CNID_F_NATIONALITY]   = AT(152, 3),
		[CNID_F_NAME]          = AT(158, 15),
		[CNID_F_VALID_FROM]    = AT(188, 8),
		[CNID_F_VALID_UNTIL]   = AT(204, 8),
		[CNID_F_BIRTH]         = AT(220, 8),
		[CNID_F_CARD_VERSION]  = AT(236, 2),
		[CNID_F_ISSUER]        = AT(240, 4),  /* authority code */
	},
	[CNID_CARD_FOREIGN_2023] = {
		[CNID_F_NAME]          = AT(0, 15),
		[CNID_F_SEX]           = AT(30, 1),
		[CNID_F_RENEWAL_COUNT] = AT(32, 2),
		[CNID_F_BIRTH]         = AT(36, 8),
		[CNID_F_NAME_EN]       = { 52, 35, 220, 11 },  /* characters 1-35, 36-46 */
		[CNID_F_NUMBER]        = AT(122, 18),
		[CNID_F_VALID_FROM]    = AT(188, 8),
		[CNID_F_VALID_UNTIL]   = AT(204, 8),
		[CNID_F_NATIONALITY]   = AT(242, 3),
		[CNID_F_LINK]          = AT(250, 3),
	},
};

#define TYPE_OFFSET 248   /* the type character */

static const struct {
	uint16_t unit;
	const char *name;
} types[_CNID_CARD_TYPE_MAX] = {
	[CNID_CARD_UNKNOWN]       = { 0, "unknown" },
	[CNID_CARD_RESIDENT]      = { ' ', "resident" },
	[CNID_CARD_HKMOTW_PERMIT] = { 'J', "hkmotw_permit" },
	[CNID_CARD_FOREIGN_2017]  = { 'I', "foreign_permanent_2017" },
	[CNID_CARD_FOREIGN_2023]  = { 'Y', "foreign_permanent_2023" },
};

static const char *const field_names[_CNID_F_MAX] = {
	[CNID_F_NAME]          = "name",
	[CNID_F_NAME_EN]       = "name_en",
	[CNID_F_SEX]           = "sex_code",
	[CNID_F_NATION]        = "nation_code",
	[CNID_F_BIRTH]         = "birth_date",
	[CNID_F_ADDRESS]       = "address",
	[CNID_F_NUMBER]        = "number",
	[CNID_F_ISSUER]        = "issuer",
	[CNID_F_VALID_FROM]    = "valid_from",
	[CNID_F_VALID_UNTIL]   = "valid_until",
	[CNID_F_NATIONALITY]   = "nationality",
	[CNID_F_CARD_VERSION]  = "card_version",
	[CNID_F_RENEWAL_COUNT] = "renewal_count",
	[CNID_F_LINK]          = "link",
	[CNID_F_PERMIT_NUMBER] = "permit_number",
	[CNID_F_ISSUE_COUNT]   = "issue_count",
};

static inline bool type_ok(enum cnid_card_type t)
{
	return (unsigned)t < _CNID_CARD_TYPE_MAX;
}

const struct cnid_field_loc *cnid_field_loc(enum cnid_card_type t, enum cnid_field f)
{
	if (!type_ok(t) || (unsigned)f >= _CNID_F_MAX)
		return NULL;
	return &layout[t][f];
}

size_t cnid_field_units(enum cnid_card_type t, enum cnid_field f)
{
	const struct cnid_field_loc *l = cnid_field_loc(t, f);

	return l ? (size_t)l->units + l->units2 : 0;
}

const char *cnid_card_type_name(enum cnid_card_type t)
{
	return types[type_ok(t) ? t : CNID_CARD_UNKNOWN].name;
}

int cnid_card_type_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int t = 0; t < _CNID_CARD_TYPE_MAX; t++)
		if (strcmp(name, types[t].name) == 0)
			return t;
	return -EINVAL;
}

const char *cnid_field_name(enum cnid_field f)
{
	return (unsigned)f < _CNID_F_MAX ? field_names[f] : "unknown";
}

int cnid_field_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int f = 0; f < _CNID_F_MAX; f++)
		if (strcmp(name, field_names[f]) == 0)
			return f;
	return -EINVAL;
}

enum cnid_card_type cnid_card_type_from_unit(uint16_t unit)
{
	for (int t = CNID_CARD_UNKNOWN + 1; t < _CNID_CARD_TYPE_MAX; t++)
		if (types[t].unit == unit)
			return t;
	return CNID_CARD_UNKNOWN;
}

void cnid_card_init(struct cnid_card *card, enum cnid_card_type type)
{
	memset(card, 0, sizeof(*card));
	if (!type_ok(type))
		type = CNID_CARD_UNKNOWN;
	card->type = type;
	card->type_unit = types[type].unit;
	for (int f = 0; f < _CNID_F_MAX; f++)
		card->present[f] = layout[type][f].units != 0;
}

#define FIELD_UNITS_MAX 64   /* more than any field; 3 * 64 + 1 <= CNID_FIELD_MAX */
_Static_assert(3 * FIELD_UNITS_MAX + 1 <= CNID_FIELD_MAX, "field buffers too small");

static inline void decode_field(struct cnid_card *card, enum cnid_field f,
				const struct cnid_field_loc *l)
{
	const uint8_t *src = card->raw + l->offset;
	uint8_t joined[2 * FIELD_UNITS_MAX];
	size_t n = l->units;

	if (l->units2 && cnid_utf16_trimmed_len(card->raw + l->offset2, l->units2)) {
		/* join before trimming: a space at the seam belongs to the name */
		memcpy(joined, src, 2 * n);
		memcpy(joined + 2 * n, card->raw + l->offset2, 2 * l->units2);
		src = joined;
		n += l->units2;
	}
	n = cnid_utf16_trimmed_len(src, n);
	/* unchecked conversion: the buffer holds 3 bytes per unit + 1 */
	if (cnid_utf16_convert(src, n, card->field[f], CNID_FIELD_MAX, false) < 0) {
		card->field[f][0] = '\0';
		card->bad_text |= 1u << f;
	}
}

int cnid_card_decode(const uint8_t *block, size_t len, struct cnid_card *ret)
{
	const struct cnid_field_loc *row;

	if (len != CNID_TEXT_LEN)
		return -EINVAL;
	if (block != ret->raw) /* decoding a card's own raw block again is fine */
		memcpy(ret->raw, block, CNID_TEXT_LEN);
	ret->type_unit = (uint16_t)(block[TYPE_OFFSET] | block[TYPE_OFFSET + 1] << 8);
	ret->type = cnid_card_type_from_unit(ret->type_unit);
	ret->bad_text = 0;
	row = layout[ret->type];
	for (int f = 0; f < _CNID_F_MAX; f++) {
		ret->present[f] = row[f].units != 0;
		if (ret->present[f])
			decode_field(ret, f, &row[f]);
		else
			ret->field[f][0] = '\0';
	}
	return 0;
}

int cnid_card_encode(const struct cnid_card *card, uint8_t block[CNID_TEXT_LEN])
{
	uint8_t out[CNID_TEXT_LEN], units[2 * FIELD_UNITS_MAX];
	const struct cnid_field_loc *row;
	uint16_t unit;

	if (!type_ok(card->type))
		return -EINVAL;
	/* an unknown type: a blank block carrying a character no type has */
	if (card->type == CNID_CARD_UNKNOWN &&
	    (!card->type_unit || cnid_card_type_from_unit(card->type_unit) != CNID_CARD_UNKNOWN))
		return -EINVAL;
	for (size_t i = 0; i < CNID_TEXT_LEN; i += 2) {
		out[i] = ' ';
		out[i + 1] = 0;
	}
	unit = card->type == CNID_CARD_UNKNOWN ? card->type_unit : types[card->type].unit;
	out[TYPE_OFFSET] = (uint8_t)unit;
	out[TYPE_OFFSET + 1] = (uint8_t)(unit >> 8);

	row = layout[card->type];
	for (int f = 0; f < _CNID_F_MAX; f++) {
		const struct cnid_field_loc *l = &row[f];
		int r;

		if (!l->units)
			continue;
		/* a caller-filled field need not end in a NUL: never read past it */
		if (strnlen(card->field[f], CNID_FIELD_MAX) == CNID_FIELD_MAX)
			return -EINVAL;
		r = cnid_utf8_to_utf16le(card->field[f], units, (size_t)l->units + l->units2);
		if (r < 0)
			return r;
		memcpy(out + l->offset, units, 2 * l->units);
		if (l->units2)
			memcpy(out + l->offset2, units + 2 * l->units, 2 * l->units2);
	}
	memcpy(block, out, CNID_TEXT_LEN);
	return 0;
}
