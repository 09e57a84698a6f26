/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnid: frames, commands, card decoding/encoding and validation for the
 * MPS "SAM" ID-card readers.  Installed as <cnid/cnid.h>; link with
 * `pkg-config --cflags --libs libcnid`.
 *
 * This header is the library's whole public API and ABI (libcnid.so.0,
 * version script helper/lib/libcnid.sym).  Its rules:
 * - Objects that may grow (parser, card, validation, card description) are
 *   opaque: get them from cnid_*_new(), free them with cnid_*_free(), read
 *   and write them through accessors.  Structs declared here are either
 *   returned by const pointer into the library's own tables (a program never
 *   allocates or copies one; members are only ever appended), or fixed by a
 *   standard (struct cnid_date, struct cnid_fp_header).
 * - Enumerations only gain enumerators before their _MAX sentinel; the
 *   sentinels are not part of the ABI (never size an array with them).
 * - Functions return 0 (or a non-negative count) on success and -errno on
 *   failure; output parameters are named ret_* and come last and are left
 *   untouched on failure.  The library never logs; it has no global state.
 */
#ifndef CNID_CNID_H
#define CNID_CNID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNID_VERSION_MAJOR 0
#define CNID_VERSION_MINOR 1
#define CNID_VERSION_PATCH 0
#define CNID_VERSION "0.1.0"
/* 0xMMmmpp, for #if CNID_VERSION_NUMBER >= 0x000100 */
#define CNID_VERSION_NUMBER \
	((CNID_VERSION_MAJOR << 16) | (CNID_VERSION_MINOR << 8) | CNID_VERSION_PATCH)

#if defined(CNID_BUILDING_LIBRARY) && defined(__GNUC__)
#define CNID_EXPORT __attribute__((visibility("default")))
#else
#define CNID_EXPORT
#endif

/* The version of the library actually loaded, e.g. "0.1.0". */
CNID_EXPORT const char *cnid_version(void);

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

#define CNID_PREAMBLE_LEN 5          /* AA AA AA 96 69 */
#define CNID_HDR_LEN 7               /* preamble + LEN_H LEN_L */
#define CNID_FRAME_MAX 2321          /* largest legitimate reply */
#define CNID_LEN_MAX (CNID_FRAME_MAX - CNID_HDR_LEN)
#define CNID_REQ_LEN_MIN 3           /* CMD PARA CHK */
#define CNID_RESP_LEN_MIN 4          /* SW1 SW2 SW3 CHK */

/* XOR of every byte in [p, p+n). */
CNID_EXPORT uint8_t cnid_xor(const uint8_t *p, size_t n);

/* Distinct ways a byte stream can fail to be a frame. */
enum cnid_frame_error {
	CNID_FRAME_OK = 0,
	CNID_FRAME_CHECKSUM,     /* -EBADMSG:  CHK differs from computed XOR */
	CNID_FRAME_TOO_LONG,     /* -EMSGSIZE: LEN above the maximum */
	CNID_FRAME_TOO_SHORT,    /* -EPROTO:   LEN below the minimum */
	CNID_FRAME_TRUNCATED,    /* -ENODATA:  input ended inside a frame */
	CNID_FRAME_NO_PREAMBLE,  /* -ENOMSG:   input held no preamble at all */
	_CNID_FRAME_ERROR_MAX,
};
CNID_EXPORT int cnid_frame_error_to_errno(enum cnid_frame_error e);

/*
 * Incremental response/request parser for serial and USB byte streams
 * (opaque).  Skips garbage before a preamble, bounds the frame size,
 * verifies LEN and the checksum.  Allocates only in cnid_parser_new().
 */
struct cnid_parser;
CNID_EXPORT struct cnid_parser *cnid_parser_new(void);         /* response framing; NULL: ENOMEM */
CNID_EXPORT struct cnid_parser *cnid_parser_new_request(void); /* request framing (min LEN 3) */
CNID_EXPORT void cnid_parser_free(struct cnid_parser *p);      /* NULL is fine */
/*
 * Feed bytes.  Returns:
 *   1  a complete, verified frame is available (cnid_parser_frame());
 *      *ret_used says how many input bytes were consumed (the rest belong
 *      to what follows); the next feed starts a new frame.
 *   0  all input consumed, more is needed.
 *  <0  -errno from enum cnid_frame_error above; *ret_used bytes consumed;
 *      the parser has reset itself and can be fed again.
 * After a rejected frame the parser re-examines the bytes it held from the
 * first one after that frame's start (a good frame may hide there, e.g.
 * when a byte was lost on the wire), so call it until it returns 0, with
 * len 0 once the input is used up: it may return 1 or <0 with *ret_used 0.
 */
CNID_EXPORT int cnid_parser_feed(struct cnid_parser *p, const uint8_t *data, size_t len,
				 size_t *ret_used);
/* End of input: -ENODATA if inside a frame, -ENOMSG if only garbage was seen, else 0. */
CNID_EXPORT int cnid_parser_finish(struct cnid_parser *p);
/* The frame of the last feed that returned 1 (valid until the next feed). */
CNID_EXPORT const uint8_t *cnid_parser_frame(const struct cnid_parser *p, size_t *ret_len);
/* The last error, CNID_FRAME_OK if none. */
CNID_EXPORT enum cnid_frame_error cnid_parser_error(const struct cnid_parser *p);
/* Human-readable description of the last error, e.g.
 * "checksum mismatch: got 0x21, computed 0x22".  Returns buf. */
CNID_EXPORT const char *cnid_parser_strerror(const struct cnid_parser *p, char *buf, size_t size);

/* Build frames.  Return the frame length, or -ENOBUFS / -EMSGSIZE. */
CNID_EXPORT int cnid_request_build(uint8_t cmd, uint8_t para, const uint8_t *data,
				   size_t data_len, uint8_t *out, size_t out_size);
CNID_EXPORT int cnid_response_build(uint8_t sw1, uint8_t sw2, uint8_t sw3, const uint8_t *data,
				    size_t data_len, uint8_t *out, size_t out_size);

/* ------------------------------------------------------------------ */
/* Commands and status codes (the protocol tables)                     */
/* ------------------------------------------------------------------ */

enum cnid_cmd_id {
	CNID_CMD_RESET,        /* 10 FF */
	CNID_CMD_SAM_STATUS,   /* 11 FF */
	CNID_CMD_SAM_ID,       /* 12 FF */
	CNID_CMD_FIND,         /* 20 01 */
	CNID_CMD_SELECT,       /* 20 02 */
	CNID_CMD_READ,         /* 30 01 text + photo */
	CNID_CMD_READ_FP,      /* 30 10 text + photo + fingerprint */
	CNID_CMD_READ_ADDR,    /* 30 03 appended address (PARA UNCONFIRMED) */
	CNID_CMD_SET_RF_MAX,   /* 61 FF + 1 byte */
	_CNID_CMD_MAX,
};

/* A row of the library's command table: only ever returned by pointer. */
struct cnid_command {
	enum cnid_cmd_id id;
	uint8_t cmd, para;
	uint8_t data_len;      /* request data bytes after PARA */
	const char *name;      /* machine name, e.g. "find" */
	const char *description;
};

CNID_EXPORT const struct cnid_command *cnid_command_get(enum cnid_cmd_id id);
CNID_EXPORT const struct cnid_command *cnid_command_lookup(uint8_t cmd, uint8_t para);
CNID_EXPORT const struct cnid_command *cnid_command_by_name(const char *name);
/* Build the request frame of a table command (data may be NULL if data_len 0). */
CNID_EXPORT int cnid_command_build(enum cnid_cmd_id id, const uint8_t *data, uint8_t *out,
				   size_t out_size);

#define CNID_SW3_OK 0x90
#define CNID_SW3_FIND_OK 0x9F
#define CNID_SW3_NO_CARD 0x80

/* A row of the status table: only ever returned by pointer. */
struct cnid_status {
	uint8_t sw3;
	const char *name;      /* machine name, e.g. "no_card" */
	const char *message;   /* e.g. "no card found" */
};
/* NULL for a code not in the table. */
CNID_EXPORT const struct cnid_status *cnid_status_lookup(uint8_t sw3);
/* Table iteration: index 0..n-1, NULL past the end. */
CNID_EXPORT const struct cnid_status *cnid_status_at(size_t i);
/* Never NULL: the table message, or "unknown status" for a code outside the table. */
CNID_EXPORT const char *cnid_status_message(uint8_t sw3);

#define CNID_TEXT_LEN 256
#define CNID_PHOTO_LEN 1024
#define CNID_FP_TEMPLATE_LEN 512
#define CNID_FP_MAX_LEN 1024

/* The parts of a read reply. */
enum cnid_read_part {
	CNID_PART_TEXT,
	CNID_PART_PHOTO,
	CNID_PART_FP,          /* length 0 in a 30 01 reply */
	_CNID_PART_MAX,
};
/*
 * Locate one part of a complete read reply frame (to 30 01 or 30 10, told
 * apart by its length fields), as an offset into frame and a length.
 * Errors: those of a malformed frame (enum cnid_frame_error), -EREMOTEIO
 * for a reply whose status is not success, -EBADMSG when the length
 * fields do not match (including a fingerprint part of a length other than
 * 0, 512 or 1024), -EINVAL for an unknown part.
 */
CNID_EXPORT int cnid_read_reply_part(const uint8_t *frame, size_t len, enum cnid_read_part part,
				     size_t *ret_offset, size_t *ret_len);

/* The 7-byte header of a fingerprint template, fixed by the standard. */
struct cnid_fp_header {
	uint8_t magic;         /* 'C' */
	uint8_t algorithm_version;
	uint8_t device_code;
	uint8_t developer_code;
	uint8_t enrolment;     /* 01 ok, 02 failed, 03 not enrolled, 09 unknown */
	uint8_t finger;        /* 0x0B..0x14, 0x61..0x63 */
	uint8_t quality;       /* 1..100, 0 unknown */
};
#define CNID_FP_HEADER_LEN 7
/* Decode the 7-byte header at the start of one template (len bytes from tmpl);
 * -ENOENT if absent (NULL or len 0), -EBADMSG if shorter than 7 bytes or not 'C'. */
CNID_EXPORT int cnid_fp_header_decode(const uint8_t *tmpl, size_t len,
				      struct cnid_fp_header *ret);
/* Inverse: the 7 header bytes (magic included). */
CNID_EXPORT void cnid_fp_header_encode(const struct cnid_fp_header *h,
				       uint8_t out[CNID_FP_HEADER_LEN]);
CNID_EXPORT const char *cnid_fp_finger_name(uint8_t finger);      /* "right_thumb", ..., "unknown" */
CNID_EXPORT const char *cnid_fp_enrolment_name(uint8_t enrolment); /* "ok", "failed", ... */

/* ------------------------------------------------------------------ */
/* Text and dates                                                      */
/* ------------------------------------------------------------------ */

/*
 * UTF-16LE (nunits code units) to NUL-terminated UTF-8, trailing spaces and
 * NULs trimmed.  -EILSEQ on an unpaired surrogate or a control character,
 * -ENOBUFS if out is too small.  Returns the UTF-8 byte length.
 * Worst case output: 3 bytes per unit + 1.  The exception to the rule
 * above: on failure out holds "" (when out_size > 0), never a partial text.
 */
CNID_EXPORT int cnid_utf16le_to_utf8(const uint8_t *in, size_t nunits, char *out,
				     size_t out_size);
/* UTF-8 to UTF-16LE in exactly nunits units, right-padded with spaces;
 * -EMSGSIZE if it does not fit, -EILSEQ on invalid UTF-8. */
CNID_EXPORT int cnid_utf8_to_utf16le(const char *in, uint8_t *out, size_t nunits);

/* A calendar date (fixed: a date has no more to it). */
struct cnid_date {
	int year, month, day;
};
/* "YYYYMMDD" (exactly 8 digits) to a date; -EINVAL if not a real calendar date. */
CNID_EXPORT int cnid_date_parse8(const char *s, struct cnid_date *ret);
/* "YYYY-MM-DD" */
CNID_EXPORT int cnid_date_parse_iso(const char *s, struct cnid_date *ret);
CNID_EXPORT int cnid_date_cmp(const struct cnid_date *a, const struct cnid_date *b);
CNID_EXPORT bool cnid_date_valid(int year, int month, int day);

/* ------------------------------------------------------------------ */
/* Code tables (rows returned by pointer; NULL for NULL or unknown)    */
/* ------------------------------------------------------------------ */

/* GB/T 2261.1 sex codes (sex.c): "0" unknown, "1" male, "2" female, "9" unspecified. */
struct cnid_sex {
	const char *code;      /* "1" */
	const char *name;      /* "male": the name `cnid decode --json` prints */
	const char *name_zh;   /* "男" */
};
/* NULL for anything that is not exactly one of the codes. */
CNID_EXPORT const struct cnid_sex *cnid_sex_lookup(const char *code);

struct cnid_nation {
	const char *code;      /* "01" */
	const char *name_zh;   /* "汉" */
};
CNID_EXPORT const struct cnid_nation *cnid_nation_lookup(const char *code);

struct cnid_country {
	const char *alpha3;    /* "PAK" */
	uint16_t numeric;      /* 586 */
	const char *name_en;
	const char *name_zh;   /* from iso-codes' zh_CN translation; may equal name_en */
};
CNID_EXPORT const struct cnid_country *cnid_country_by_alpha3(const char *alpha3);
CNID_EXPORT const struct cnid_country *cnid_country_by_numeric(unsigned numeric);
CNID_EXPORT size_t cnid_country_count(void);

struct cnid_province {
	const char *code;      /* "11" */
	const char *name_zh;
	const char *name_en;
};
CNID_EXPORT const struct cnid_province *cnid_province_lookup(const char *code2);

/* ------------------------------------------------------------------ */
/* Cards                                                               */
/* ------------------------------------------------------------------ */

enum cnid_card_type {
	CNID_CARD_UNKNOWN,
	CNID_CARD_RESIDENT,          /* ' ' */
	CNID_CARD_HKMOTW_PERMIT,     /* 'J' */
	CNID_CARD_FOREIGN_2017,      /* 'I' */
	CNID_CARD_FOREIGN_2023,      /* 'Y' */
	_CNID_CARD_TYPE_MAX,
};
/* "resident", "hkmotw_permit", "foreign_permanent_2017", "foreign_permanent_2023", "unknown" */
CNID_EXPORT const char *cnid_card_type_name(enum cnid_card_type t);
CNID_EXPORT int cnid_card_type_from_name(const char *name); /* -EINVAL if unknown or NULL */

/* valid_until of a card that never expires, as written on the card: "长期" */
#define CNID_LONG_TERM "\xe9\x95\xbf\xe6\x9c\x9f"

/* Fields, each decoded to UTF-8.  One table in card.c maps each
 * (card type, field) to its offset and length. */
enum cnid_field {
	CNID_F_NAME,           /* Chinese name */
	CNID_F_NAME_EN,        /* foreign cards (2023: both halves joined) */
	CNID_F_SEX,            /* one char: 0 1 2 9 */
	CNID_F_NATION,         /* two digits (resident, permit) */
	CNID_F_BIRTH,          /* YYYYMMDD */
	CNID_F_ADDRESS,
	CNID_F_NUMBER,
	CNID_F_ISSUER,         /* authority text; authority code on 2017 foreign */
	CNID_F_VALID_FROM,
	CNID_F_VALID_UNTIL,    /* YYYYMMDD or 长期 */
	CNID_F_NATIONALITY,    /* alpha-3 */
	CNID_F_CARD_VERSION,   /* 2017 foreign */
	CNID_F_RENEWAL_COUNT,  /* 2023 foreign */
	CNID_F_LINK,           /* 2023 foreign: 3 chars, blank if none */
	CNID_F_PERMIT_NUMBER,  /* permit */
	CNID_F_ISSUE_COUNT,    /* permit */
	_CNID_F_MAX,
};
CNID_EXPORT const char *cnid_field_name(enum cnid_field f); /* JSON key, e.g. "birth_date" */
CNID_EXPORT int cnid_field_from_name(const char *name);     /* -EINVAL if unknown or NULL */

/* A decoded card (opaque). */
struct cnid_card;
/* An empty card of a type (fields empty); NULL if out of memory. */
CNID_EXPORT struct cnid_card *cnid_card_new(enum cnid_card_type type);
CNID_EXPORT void cnid_card_free(struct cnid_card *card); /* NULL is fine */
/* Make card an empty card of a type. */
CNID_EXPORT void cnid_card_init(struct cnid_card *card, enum cnid_card_type type);
/* Decode a 256-byte block.  Always succeeds on a 256-byte block (unknown
 * types and bad text are reported by validation); -EINVAL if len != 256. */
CNID_EXPORT int cnid_card_decode(const uint8_t *block, size_t len, struct cnid_card *card);
/* Inverse: build the 256-byte block from the card's type and fields.
 * -EMSGSIZE if a field does not fit, -EINVAL for an unknown type. */
CNID_EXPORT int cnid_card_encode(const struct cnid_card *card, uint8_t block[CNID_TEXT_LEN]);

CNID_EXPORT enum cnid_card_type cnid_card_get_type(const struct cnid_card *card);
/* The raw UTF-16 unit at offset 248 (the type character). */
CNID_EXPORT uint16_t cnid_card_get_type_unit(const struct cnid_card *card);
/* The field exists on this card's type. */
CNID_EXPORT bool cnid_card_has_field(const struct cnid_card *card, enum cnid_field f);
/* The field's UTF-8 text ("" if blank or bad text); NULL if the card type
 * has no such field. */
CNID_EXPORT const char *cnid_card_get_field(const struct cnid_card *card, enum cnid_field f);
/* The field failed UTF-16 decoding. */
CNID_EXPORT bool cnid_card_field_bad_text(const struct cnid_card *card, enum cnid_field f);
/* Set a field from len bytes of UTF-8 (no NUL needed).  -EINVAL if the card
 * type has no such field or value holds a NUL, -EMSGSIZE if it is longer
 * than any field.  Whether it fits its field is decided by encode. */
CNID_EXPORT int cnid_card_set_field(struct cnid_card *card, enum cnid_field f, const char *value,
				    size_t len);
/* The 256-byte block the card was decoded from (blank before a decode). */
CNID_EXPORT const uint8_t *cnid_card_get_raw(const struct cnid_card *card);

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

enum cnid_issue_code {
	CNID_ISSUE_NUMBER_FORMAT,
	CNID_ISSUE_NUMBER_CHECK_DIGIT,
	CNID_ISSUE_NUMBER_BIRTH_MISMATCH,
	CNID_ISSUE_NUMBER_SEX_MISMATCH,
	CNID_ISSUE_NATIONALITY_MISMATCH,
	CNID_ISSUE_BAD_DATE,
	CNID_ISSUE_DATE_ORDER,
	CNID_ISSUE_BAD_SEX,
	CNID_ISSUE_UNKNOWN_NATION,
	CNID_ISSUE_UNKNOWN_NATIONALITY,
	CNID_ISSUE_BAD_TEXT,
	CNID_ISSUE_UNKNOWN_CARD_TYPE,
	CNID_ISSUE_UNKNOWN_PROVINCE,
	_CNID_ISSUE_MAX,
};
/* Exactly the machine names of the issue text: "number_format", ... */
CNID_EXPORT const char *cnid_issue_name(enum cnid_issue_code c);

/* The result of validating a card (opaque). */
struct cnid_validation;
CNID_EXPORT struct cnid_validation *cnid_validation_new(void);
CNID_EXPORT void cnid_validation_free(struct cnid_validation *v); /* NULL is fine */

/* Validate a decoded card against today's date. */
CNID_EXPORT int cnid_card_validate(const struct cnid_card *card, const struct cnid_date *today,
				   struct cnid_validation *ret);
CNID_EXPORT bool cnid_validation_is_valid(const struct cnid_validation *v);   /* no errors */
CNID_EXPORT bool cnid_validation_is_expired(const struct cnid_validation *v); /* valid_until < today */
/* Number of errors (warning false) or warnings (warning true). */
CNID_EXPORT size_t cnid_validation_count(const struct cnid_validation *v, bool warning);
/* The i-th error or warning; ret_field is _CNID_F_MAX (or above) when the
 * issue is about no single field.  -ERANGE past the end. */
CNID_EXPORT int cnid_validation_get(const struct cnid_validation *v, bool warning, size_t i,
				    enum cnid_issue_code *ret_code, enum cnid_field *ret_field);
CNID_EXPORT bool cnid_validation_has(const struct cnid_validation *v, enum cnid_issue_code c,
				     bool warning);
/* 2023 card with a link: the rebuilt 15-character previous number, else "". */
CNID_EXPORT const char *cnid_validation_previous_number(const struct cnid_validation *v);

/* Check characters: the character, or -EINVAL for input that has none. */
/* GB 11643 MOD 11-2 of the first 17 characters (a whole 18-character number
 * is fine): '0'..'9' or 'X'; -EINVAL if they are not 17 digits. */
CNID_EXPORT int cnid_mod11_2_check(const char *digits17);
/* ICAO 9303 7-3-1 of s[0..n): '0'..'9'; -EINVAL on a character outside 0-9 A-Z <. */
CNID_EXPORT int cnid_icao_731_check(const char *s, size_t n);

/* ------------------------------------------------------------------ */
/* Readable card descriptions (tests, samples, the virtual reader)     */
/* ------------------------------------------------------------------ */

/*
 * A card description is UTF-8 text, one "key = value" per line, '#' comments:
 *   type = foreign_permanent_2023
 *   name = 张三
 *   name_en = SMITH,JOHN
 *   sex = 1
 *   birth_date = 19800101
 *   ...
 *   photo_seed = 7          (synthetic 1024-byte photo, deterministic; "none" for no photo)
 *   fingerprints = 2        (0, 1 or 2 synthetic templates)
 *   number = auto           (compute a number consistent with the other fields,
 *                            including the check digit)
 * Keys are cnid_field_name() names plus photo_seed, fingerprints,
 * fp_finger_1/2, fp_quality_1/2.  Unknown keys: -EINVAL, line number in *ret_line.
 * Details:
 * - '#' starts a comment only at the start of a line (values keep any '#');
 *   spaces around keys and values are dropped; a key may appear once.
 * - "sex" is an alias of "sex_code" and also takes male/female/unknown/
 *   unspecified; dates take YYYYMMDD or YYYY-MM-DD; valid_until takes
 *   长期 or "long-term".
 * - Numbers (photo_seed, fingerprints, fp_quality_N, sequence) are decimal;
 *   fp_finger_N takes a decimal code, a 0x hexadecimal code or a name.
 * - number = auto uses: resident/permit "region" (6-digit address code,
 *   default 110101 / 810000) + birth_date + "sequence" (3 digits, default
 *   001 for men, 002 for women, 000 otherwise) + MOD 11-2; 2023 foreign
 *   '9' + "province" (default 11) + ISO numeric of nationality + birth_date
 *   + sequence + MOD 11-2; 2017 foreign nationality + province + "city"
 *   (default 00) + YYMMDD + sequence (1 digit) + 7-3-1.
 * - type = unknown with type_char = C (one character that is not a known
 *   type's) describes a card of unknown type: a blank block carrying C; it
 *   takes no card fields.  A UTF-8 byte order mark at the start is skipped.
 * - Default: a photo with seed 0 (photo_seed = none for none), no
 *   fingerprints; fp_finger_N takes a code (0x0C) or a name (right_index).
 * Errors: -EINVAL (syntax, unknown or repeated key, a field the card type
 * lacks, a bad value), -EMSGSIZE (a value does not fit its field),
 * -EILSEQ (invalid UTF-8); *ret_line is the offending line, 0 when the
 * whole description is at fault (no type) or on success.  The description
 * is left untouched on failure.
 */
struct cnid_card_desc;
CNID_EXPORT struct cnid_card_desc *cnid_card_desc_new(void);
CNID_EXPORT void cnid_card_desc_free(struct cnid_card_desc *d); /* NULL is fine */
CNID_EXPORT int cnid_card_desc_parse(const char *text, struct cnid_card_desc *ret,
				     unsigned *ret_line);
/* The same, and on failure *ret_reason (if not NULL) says what is wrong with
 * the line, e.g. "unknown key" (a static string; NULL on success). */
CNID_EXPORT int cnid_card_desc_parse_verbose(const char *text, struct cnid_card_desc *ret,
					     unsigned *ret_line, const char **ret_reason);
/* The card the description holds (owned by d). */
CNID_EXPORT const struct cnid_card *cnid_card_desc_get_card(const struct cnid_card_desc *d);
/* Build a complete read reply frame (30 01, or 30 10 when with_fp) from a
 * description; returns the frame length or -errno. */
CNID_EXPORT int cnid_card_desc_frame(const struct cnid_card_desc *d, bool with_fp, uint8_t *out,
				     size_t out_size);

#ifdef __cplusplus
}
#endif
#endif
