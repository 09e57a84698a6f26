/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnid for the programs of this tree (the CLI, the virtual reader, the
 * tests, fuzzers and benchmarks), which link the static libcnid.a: the
 * public API of <cnid/cnid.h> plus the definitions of its opaque structs
 * and the functions that take caller-allocated structs.  Not installed,
 * not exported from libcnid.so.0 (the version script lists only the public
 * API), not part of any ABI: everything here may change in any commit.
 */
#ifndef CNID_PRIVATE_H
#define CNID_PRIVATE_H

#include <cnid/cnid.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const uint8_t cnid_preamble[CNID_PREAMBLE_LEN];

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

struct cnid_read {
	const uint8_t *text;   /* points into the response */
	size_t text_len;
	const uint8_t *photo;
	size_t photo_len;
	const uint8_t *fp;     /* NULL when the reply had no fingerprint part */
	size_t fp_len;
	bool with_fp;          /* reply was to 30 10 */
};
/* Split a read reply by its length fields; with_fp selects the 30 10 layout.
 * -EBADMSG also for a fingerprint part of a length other than 0, 512, 1024. */
int cnid_decode_read(const struct cnid_response *r, bool with_fp, struct cnid_read *ret);
/* Inverse: build the data part of a read reply; returns data length or -errno. */
int cnid_read_encode(const uint8_t *text, size_t text_len, const uint8_t *photo, size_t photo_len,
		     const uint8_t *fp, size_t fp_len, bool with_fp, uint8_t *out, size_t out_size);

#define CNID_FIELD_MAX 200 /* bytes, enough for 46 units * 3 + NUL and more */

struct cnid_card {
	enum cnid_card_type type;
	uint16_t type_unit;               /* raw UTF-16 unit at offset 248 */
	bool present[_CNID_F_MAX];        /* field exists on this card type */
	uint32_t bad_text;                /* bit f set: field f failed UTF-16 decoding */
	char field[_CNID_F_MAX][CNID_FIELD_MAX];
	uint8_t raw[CNID_TEXT_LEN];       /* the block as read */
};

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

struct cnid_card_desc {
	struct cnid_card card;
	bool has_photo;
	uint8_t photo[CNID_PHOTO_LEN];
	unsigned n_fingerprints;   /* 0..2 */
	uint8_t fp[CNID_FP_MAX_LEN];
};

#ifdef __cplusplus
}
#endif
#endif
