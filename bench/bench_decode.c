/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decode+validate cost per card, for each card type.
 *
 *   bench_decode list
 *   bench_decode count SCOPE TYPE N [REPEAT]
 *                                     run N cards inside a callgrind collection
 *                                     window (run under valgrind --tool=callgrind
 *                                     --collect-atstart=no; run-bench.sh takes
 *                                     the difference between N and 0); REPEAT
 *                                     (default 1) decodes each card that many
 *                                     times: the planted budget overrun of
 *                                     `make check-bench-budget`
 *   bench_decode rate SCOPE TYPE      cards per second, natively
 *
 * SCOPE "block": cnid_card_decode() + cnid_card_validate() of a 256-byte block
 * (the figure the 2,000-instruction target is for).  SCOPE "frame": the whole
 * read reply (1295 bytes) through the frame parser, the read splitter, then
 * decode + validate: what the daemon pays per card.
 *
 * The cards are built by the library from the readable descriptions below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "cnid-private.h"

static const struct {
	const char *type;
	const char *desc;
} cards[] = {
	{ "resident",
	  "type = resident\nname = 测试甲\nsex = female\nnation_code = 01\n"
	  "birth_date = 1990-03-07\naddress = 北京市东城区测试路1号\nnumber = auto\n"
	  "issuer = 测试市公安局\nvalid_from = 2020-01-01\nvalid_until = 2040-01-01\n" },
	{ "hkmotw_permit",
	  "type = hkmotw_permit\nname = 测试丙\nsex = male\nbirth_date = 1985-06-15\n"
	  "address = 广东省深圳市测试区测试大道100号\nnumber = auto\nissuer = 测试市公安局\n"
	  "valid_from = 2021-09-01\nvalid_until = 2031-09-01\npermit_number = H00000000\n"
	  "issue_count = 01\n" },
	{ "foreign_permanent_2017",
	  "type = foreign_permanent_2017\nname_en = SAMPLE,ALICE\nname = 测试丁\nsex = female\n"
	  "nationality = CAN\nbirth_date = 1975-11-02\nnumber = auto\nvalid_from = 2018-04-01\n"
	  "valid_until = 2028-04-01\ncard_version = 01\nissuer = 1500\n" },
	{ "foreign_permanent_2023",
	  "type = foreign_permanent_2023\nname = 测试己\nname_en = SAMPLE,CAROL\nsex = female\n"
	  "nationality = DEU\nbirth_date = 1970-07-21\nnumber = auto\nrenewal_count = 01\n"
	  "link = 013\nvalid_from = 2024-02-01\nvalid_until = 2034-02-01\n" },
};

#define N_CARDS (sizeof(cards) / sizeof(cards[0]))

static const struct cnid_date today = { 2025, 6, 1 };

struct input {
	uint8_t frame[CNID_FRAME_MAX];
	size_t frame_len;
	const uint8_t *block;   /* the text block inside frame */
};

static volatile unsigned sink;  /* keeps the work observable */

static int decode_block(const uint8_t *block)
{
	static struct cnid_card card;
	static struct cnid_validation v;
	int r;

	r = cnid_card_decode(block, CNID_TEXT_LEN, &card);
	if (r == 0)
		r = cnid_card_validate(&card, &today, &v);
	sink += v.valid + v.n_warnings;
	return r;
}

static int decode_frame(const uint8_t *frame, size_t len)
{
	static struct cnid_parser p;
	struct cnid_response resp;
	struct cnid_read rd;
	size_t used;
	int r;

	cnid_parser_init(&p);
	r = cnid_parser_feed(&p, frame, len, &used);
	if (r != 1)
		return r < 0 ? r : -ENODATA;
	r = cnid_response_parse(p.buf, p.need, &resp);
	if (r == 0)
		r = cnid_decode_read(&resp, false, &rd);
	return r < 0 ? r : decode_block(rd.text);
}

static int one(const struct input *in, bool frame)
{
	return frame ? decode_frame(in->frame, in->frame_len) : decode_block(in->block);
}

static int build(const char *type, struct input *in)
{
	static struct cnid_card_desc d;
	struct cnid_response resp;
	struct cnid_read rd;
	unsigned line;
	int r;

	for (size_t i = 0; i < N_CARDS; i++) {
		if (strcmp(cards[i].type, type) != 0)
			continue;
		r = cnid_card_desc_parse(cards[i].desc, &d, &line);
		if (r < 0)
			return r;
		r = cnid_card_desc_frame(&d, false, in->frame, sizeof(in->frame));
		if (r < 0)
			return r;
		in->frame_len = (size_t)r;
		r = cnid_response_parse(in->frame, in->frame_len, &resp);
		if (r == 0)
			r = cnid_decode_read(&resp, false, &rd);
		if (r < 0)
			return r;
		in->block = rd.text;
		return 0;
	}
	return -ENOENT;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int count(const struct input *in, bool frame, unsigned long n, unsigned long repeat)
{
	int r = one(in, frame);   /* warm up outside the window */

	if (r < 0)
		return r;
	CALLGRIND_TOGGLE_COLLECT;
	for (unsigned long i = 0; i < n; i++)
		for (unsigned long k = 0; k < repeat; k++)
			one(in, frame);
	CALLGRIND_TOGGLE_COLLECT;
	return 0;
}

static int rate(const struct input *in, bool frame)
{
	unsigned long done = 0, batch = 10000;
	double start = now(), elapsed;
	int r = one(in, frame);

	if (r < 0)
		return r;
	do {
		for (unsigned long i = 0; i < batch; i++)
			one(in, frame);
		done += batch;
		elapsed = now() - start;
	} while (elapsed < 0.5);
	printf("%.0f\n", (double)done / elapsed);
	return 0;
}

static int usage(void)
{
	fputs("usage: bench_decode list | count block|frame TYPE N [REPEAT] | rate block|frame TYPE\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static struct input in;
	bool frame;
	int r;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < N_CARDS; i++)
			puts(cards[i].type);
		return 0;
	}
	if (argc < 4 || (strcmp(argv[2], "block") != 0 && strcmp(argv[2], "frame") != 0))
		return usage();
	frame = strcmp(argv[2], "frame") == 0;
	r = build(argv[3], &in);
	if (r < 0) {
		fprintf(stderr, "bench_decode: cannot build a %s card: %s\n", argv[3], strerror(-r));
		return 1;
	}
	if (strcmp(argv[1], "count") == 0 && (argc == 5 || argc == 6))
		r = count(&in, frame, strtoul(argv[4], NULL, 10),
			  argc == 6 ? strtoul(argv[5], NULL, 10) : 1);
	else if (strcmp(argv[1], "rate") == 0 && argc == 4)
		r = rate(&in, frame);
	else
		return usage();
	if (r < 0) {
		fprintf(stderr, "bench_decode: decoding failed: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
