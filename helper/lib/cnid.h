/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnid: frames, commands, card decoding/encoding and validation for the
 * MPS "SAM" ID-card readers.  See docs/ and ../shared/reference/ for the
 * protocol facts; every fact lives in exactly one table in this library.
 *
 * Conventions: functions return 0 (or a non-negative count) on success and
 * -errno on failure; output parameters are named ret_* and come last; they
 * are left untouched on failure.  The library never logs.
 */
#ifndef CNID_H
#define CNID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

#define CNID_PREAMBLE_LEN 5          /* AA AA AA 96 69 */
#define CNID_HDR_LEN 7               /* preamble + LEN_H LEN_L */
#define CNID_FRAME_MAX 2321          /* largest legitimate reply */
#define CNID_LEN_MAX (CNID_FRAME_MAX - CNID_HDR_LEN)
#define CNID_REQ_LEN_MIN 3           /* CMD PARA CHK */
#define CNID_RESP_LEN_MIN 4          /* SW1 SW2 SW3 CHK */

extern const uint8_t cnid_preamble[CNID_PREAMBLE_LEN];

/* XOR of every byte in [p, p+n). */
uint8_t cnid_xor(const uint8_t *p, size_t n);

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

/*
 * Incremental response/request parser for serial and USB byte streams.
 * Skips garbage before a preamble, bounds the frame size, verifies LEN
 * and the checksum.  Allocation-free; the struct may live on the stack.
 */
struct cnid_parser {
	uint8_t buf[CNID_FRAME_MAX];
	size_t have;            /* bytes of the current frame in buf */
	size_t need;            /* total frame size once LEN is known, else 0 */
	size_t min_len;         /* minimum LEN accepted (CNID_RESP_LEN_MIN default) */
	uint64_t garbage;       /* bytes discarded before preambles, cumulative */
	uint64_t resyncs;       /* times the parser had to hunt for a preamble */
	size_t skipped;         /* garbage bytes since the last frame, error or finish */
	size_t replay_off, replay_len; /* buf bytes of a rejected frame still to re-examine */
	enum cnid_frame_error error;  /* details of the last error */
	uint16_t err_len;       /* LEN seen, for TOO_LONG/TOO_SHORT */
	uint8_t err_got;        /* CHK received, for CHECKSUM */
	uint8_t err_computed;   /* CHK computed, for CHECKSUM */
};

void cnid_parser_init(struct cnid_parser *p);       /* response framing */
void cnid_parser_init_request(struct cnid_parser *p); /* request framing (min LEN 3) */
/*
 * Feed bytes.  Returns:
 *   1  a complete, verified frame is in p->buf (length p->need); *ret_used
 *      says how many input bytes were consumed (the rest belong to what
 *      follows); the next feed starts a new frame.
 *   0  all input consumed, more is needed.
 *  <0  -errno from enum cnid_frame_error above; *ret_used bytes consumed;
 *      the parser has reset itself and can be fed again.
 * After a rejected frame the parser re-examines the bytes it held from the
 * first one after that frame's start (a good frame may hide there, e.g.
 * when a byte was lost on the wire), so call it until it returns 0, with
 * len 0 once the input is used up: it may return 1 or <0 with *ret_used 0.
 */
int cnid_parser_feed(struct cnid_parser *p, const uint8_t *data, size_t len, size_t *ret_used);
/* End of input: -ENODATA if inside a frame, -ENOMSG if only garbage was seen, else 0. */
int cnid_parser_finish(struct cnid_parser *p);
/* Human-readable description of the last error, e.g.
 * "checksum mismatch: got 0x21, computed 0x22".  Returns buf. */
const char *cnid_parser_strerror(const struct cnid_parser *p, char *buf, size_t size);
int cnid_frame_error_to_errno(enum cnid_frame_error e);

/* Parse one complete, buffer-exact frame (no garbage allowed): the errors
 * of enum cnid_frame_error, plus -EBADMSG for bytes after the frame. */
struct cnid_request {
	uint8_t cmd, para;
	const uint8_t *data;   /* points into the frame */
	size_t data_len;
};
struct cnid_response {
	uint8_t sw1, sw2, sw3;
	const uint8_t *data;   /* points into the frame */
	size_t data_len;
};
int cnid_request_parse(const uint8_t *frame, size_t len, struct cnid_request *ret);
int cnid_response_parse(const uint8_t *frame, size_t len, struct cnid_response *ret);

/* Build frames.  Return the frame length, or -ENOBUFS / -EMSGSIZE. */
int cnid_request_build(uint8_t cmd, uint8_t para, const uint8_t *data, size_t data_len,
		       uint8_t *out, size_t out_size);
int cnid_response_build(uint8_t sw1, uint8_t sw2, uint8_t sw3, const uint8_t *data,
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

struct cnid_command {
	enum cnid_cmd_id id;
	uint8_t cmd, para;
	uint8_t data_len;      /* request data bytes after PARA */
	const char *name;      /* machine name, e.g. "find" */
	const char *description;
};

const struct cnid_command *cnid_command_get(enum cnid_cmd_id id);
const struct cnid_command *cnid_command_lookup(uint8_t cmd, uint8_t para);
const struct cnid_command *cnid_command_by_name(const char *name);
/* Build the request frame of a table command (data may be NULL if data_len 0). */
int cnid_command_build(enum cnid_cmd_id id, const uint8_t *data, uint8_t *out, size_t out_size);

#define CNID_SW3_OK 0x90
#define CNID_SW3_FIND_OK 0x9F
#define CNID_SW3_NO_CARD 0x80

struct cnid_status {
	uint8_t sw3;
	const char *name;      /* machine name, e.g. "no_card" */
	const char *message;   /* e.g. "no card found" */
};
/* NULL for a code not in the table. */
const struct cnid_status *cnid_status_lookup(uint8_t sw3);
/* Table iteration: index 0..n-1, NULL past the end. */
const struct cnid_status *cnid_status_at(size_t i);
/* Never NULL: the table message, or "unknown status" for a code outside the table. */
const char *cnid_status_message(uint8_t sw3);

/*
 * Reply decoders.  A reply whose SW3 is not the success code for that
 * command returns -EREMOTEIO (the caller reports cnid_status_message(sw3)),
 * except find with 0x80 which returns -ENOENT (no card).  A success reply
 * with the wrong data size returns -EBADMSG.
 */
int cnid_decode_sam_status(const struct cnid_response *r);

struct cnid_sam_id {
	uint16_t part1, part2;
	uint32_t part3, part4, part5;
};
#define CNID_SAM_ID_STRLEN 48 /* longest: "65535.65535-4294967295-4294967295-4294967295" */
int cnid_decode_sam_id(const struct cnid_response *r, struct cnid_sam_id *ret);
/* "05.01-20101129-0001228293-0296863149"; returns buf. */
const char *cnid_sam_id_format(const struct cnid_sam_id *id, char *buf, size_t size);
/* Inverse, for the emulator and tests: 16 data bytes. */
void cnid_sam_id_encode(const struct cnid_sam_id *id, uint8_t out[16]);

int cnid_decode_find(const struct cnid_response *r, uint8_t ret_data[4]);
int cnid_decode_select(const struct cnid_response *r, uint8_t ret_serial[8]);

#define CNID_TEXT_LEN 256
#define CNID_PHOTO_LEN 1024
#define CNID_FP_TEMPLATE_LEN 512
#define CNID_FP_MAX_LEN 1024

struct cnid_read {
	const uint8_t *text;   /* points into the response */
	size_t text_len;
	const uint8_t *photo;
	size_t photo_len;
	const uint8_t *fp;     /* NULL when the reply had no fingerprint part */
	size_t fp_len;
	bool with_fp;          /* reply was to 30 10 */
};
/* Split a read reply by its length fields; with_fp selects the 30 10 layout. */
int cnid_decode_read(const struct cnid_response *r, bool with_fp, struct cnid_read *ret);
/* Inverse: build the data part of a read reply; returns data length or -errno. */
int cnid_read_encode(const uint8_t *text, size_t text_len, const uint8_t *photo, size_t photo_len,
		     const uint8_t *fp, size_t fp_len, bool with_fp, uint8_t *out, size_t out_size);

struct cnid_fp_header {
	uint8_t magic;         /* 'C' */
	uint8_t algorithm_version;
	uint8_t device_code;
	uint8_t developer_code;
	uint8_t enrolment;     /* 01 ok, 02 failed, 03 not enrolled, 09 unknown */
	uint8_t finger;        /* 0x0B..0x14, 0x61..0x63 */
	uint8_t quality;       /* 1..100, 0 unknown */
};
/* Decode the 7-byte header at the start of one template (len bytes from tmpl);
 * -ENOENT if absent (NULL or len 0), -EBADMSG if shorter than 7 bytes or not 'C'. */
int cnid_fp_header_decode(const uint8_t *tmpl, size_t len, struct cnid_fp_header *ret);
const char *cnid_fp_finger_name(uint8_t finger);      /* "right_thumb", ..., "unknown" */
const char *cnid_fp_enrolment_name(uint8_t enrolment); /* "ok", "failed", ... */

/* ------------------------------------------------------------------ */
/* Text and dates                                                      */
/* ------------------------------------------------------------------ */

/*
 * UTF-16LE (nunits code units) to NUL-terminated UTF-8, trailing spaces and
 * NULs trimmed.  -EILSEQ on an unpaired surrogate or a control character,
 * -ENOBUFS if out is too small.  Returns the UTF-8 byte length.
 * Worst case output: 3 bytes per unit + 1.
 */
int cnid_utf16le_to_utf8(const uint8_t *in, size_t nunits, char *out, size_t out_size);
/* UTF-8 to UTF-16LE in exactly nunits units, right-padded with spaces;
 * -EMSGSIZE if it does not fit, -EILSEQ on invalid UTF-8. */
int cnid_utf8_to_utf16le(const char *in, uint8_t *out, size_t nunits);

struct cnid_date {
	int year, month, day;
};
/* "YYYYMMDD" (exactly 8 digits) to a date; -EINVAL if not a real calendar date. */
int cnid_date_parse8(const char *s, struct cnid_date *ret);
/* "YYYY-MM-DD" */
int cnid_date_parse_iso(const char *s, struct cnid_date *ret);
int cnid_date_cmp(const struct cnid_date *a, const struct cnid_date *b);
bool cnid_date_valid(int year, int month, int day);

/* ------------------------------------------------------------------ */
/* Code tables                                                         */
/* ------------------------------------------------------------------ */

/* GB/T 2261.1 sex codes (sex.c): "0" unknown, "1" male, "2" female, "9" unspecified. */
struct cnid_sex {
	const char *code;      /* "1" */
	const char *name;      /* "male": the name `cnid decode --json` prints */
	const char *name_zh;   /* "男" */
};
/* NULL for anything that is not exactly one of the codes. */
const struct cnid_sex *cnid_sex_lookup(const char *code);

struct cnid_nation {
	const char *code;      /* "01" */
	const char *name_zh;   /* "汉" */
};
const struct cnid_nation *cnid_nation_lookup(const char *code);

struct cnid_country {
	const char *alpha3;    /* "PAK" */
	uint16_t numeric;      /* 586 */
	const char *name_en;
	const char *name_zh;   /* from iso-codes' zh_CN translation; may equal name_en */
};
const struct cnid_country *cnid_country_by_alpha3(const char *alpha3);
const struct cnid_country *cnid_country_by_numeric(unsigned numeric);
size_t cnid_country_count(void);

struct cnid_province {
	const char *code;      /* "11" */
	const char *name_zh;
	const char *name_en;
};
const struct cnid_province *cnid_province_lookup(const char *code2);

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
const char *cnid_card_type_name(enum cnid_card_type t);
int cnid_card_type_from_name(const char *name); /* -EINVAL if unknown name */

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
const char *cnid_field_name(enum cnid_field f); /* JSON key, e.g. "birth_date" */

#define CNID_FIELD_MAX 200 /* bytes, enough for 46 units * 3 + NUL and more */

struct cnid_card {
	enum cnid_card_type type;
	uint16_t type_unit;               /* raw UTF-16 unit at offset 248 */
	bool present[_CNID_F_MAX];        /* field exists on this card type */
	uint32_t bad_text;                /* bit f set: field f failed UTF-16 decoding */
	char field[_CNID_F_MAX][CNID_FIELD_MAX];
	uint8_t raw[CNID_TEXT_LEN];       /* the block as read */
};

/* Decode a 256-byte block.  Always succeeds on a 256-byte block (unknown
 * types and bad text are reported by validation); -EINVAL if len != 256. */
int cnid_card_decode(const uint8_t *block, size_t len, struct cnid_card *ret);
/* Inverse: build the 256-byte block from card->type and card->field[].
 * -EMSGSIZE if a field does not fit, -EINVAL for an unknown type. */
int cnid_card_encode(const struct cnid_card *card, uint8_t block[CNID_TEXT_LEN]);
/* Start an empty card of a type (present[] set, fields empty). */
void cnid_card_init(struct cnid_card *card, enum cnid_card_type type);

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
const char *cnid_issue_name(enum cnid_issue_code c);

struct cnid_issue {
	enum cnid_issue_code code;
	enum cnid_field field;  /* _CNID_F_MAX when about no single field (unknown_card_type) */
};

#define CNID_MAX_ISSUES 24

struct cnid_validation {
	struct cnid_issue errors[CNID_MAX_ISSUES];
	size_t n_errors;
	struct cnid_issue warnings[CNID_MAX_ISSUES];
	size_t n_warnings;
	bool valid;             /* n_errors == 0 */
	bool expired;           /* valid_until < today (never for long-term) */
	char previous_number[16]; /* 2023 with link: rebuilt 15-char number, else "" */
};

/* Validate a decoded card against today's date. */
int cnid_card_validate(const struct cnid_card *card, const struct cnid_date *today,
		       struct cnid_validation *ret);
bool cnid_validation_has(const struct cnid_validation *v, enum cnid_issue_code c, bool warning);

/* Check characters (exposed for tests and the encoder of sample cards). */
/* Reads the first 17 characters (a whole 18-character number is fine). */
char cnid_mod11_2_check(const char *digits17);  /* '0'..'9' or 'X'; 0 if not 17 digits */
int cnid_icao_731_check(const char *s, size_t n); /* '0'..'9', or -EINVAL on a bad char */

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
 * - number = auto uses: resident/permit "region" (6-digit address code,
 *   default 110101 / 810000) + birth_date + "sequence" (3 digits, default
 *   001 for men, 002 for women, 000 otherwise) + MOD 11-2; 2023 foreign
 *   '9' + "province" (default 11) + ISO numeric of nationality + birth_date
 *   + sequence + MOD 11-2; 2017 foreign nationality + province + "city"
 *   (default 00) + YYMMDD + sequence (1 digit) + 7-3-1.
 * - Default: a photo with seed 0 (photo_seed = none for none), no
 *   fingerprints; fp_finger_N takes a code (0x0C) or a name (right_index).
 * Errors: -EINVAL (syntax, unknown or repeated key, a field the card type
 * lacks, a bad value), -EMSGSIZE (a value does not fit its field),
 * -EILSEQ (invalid UTF-8); *ret_line is the offending line, 0 when the
 * whole description is at fault (no type) or on success.  *ret is untouched
 * on failure.
 */
struct cnid_card_desc {
	struct cnid_card card;
	bool has_photo;
	uint8_t photo[CNID_PHOTO_LEN];
	unsigned n_fingerprints;   /* 0..2 */
	uint8_t fp[CNID_FP_MAX_LEN];
};
int cnid_card_desc_parse(const char *text, struct cnid_card_desc *ret, unsigned *ret_line);
/* Build a complete read reply frame (30 01, or 30 10 when with_fp) from a description. */
int cnid_card_desc_frame(const struct cnid_card_desc *d, bool with_fp, uint8_t *out, size_t out_size);

#ifdef __cplusplus
}
#endif
#endif
