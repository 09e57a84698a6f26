// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed corpora for the fuzzers, from the synthetic test cards:
 *
 *   mkseeds OUTDIR CARD...
 *
 * writes OUTDIR/fuzz_frame/, OUTDIR/fuzz_block/ and OUTDIR/fuzz_rx/ with
 * real frames and blocks built by libcnid's own encoder (the card
 * description API that `cnid encode` uses), each prefixed with the mode
 * bytes its fuzz target reads first (see the targets' comments).
 * `make fuzz-seeds` regenerates tests/fuzz/corpus/ with it.  A card the
 * library cannot describe (unknown-type.card is built by the CLI alone) is
 * skipped with a note.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnid-private.h"

static const char *outdir;

static void put(const char *target, const char *name, const uint8_t *head, size_t head_len,
		const uint8_t *a, size_t a_len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(head, 1, head_len, f) != head_len || fwrite(a, 1, a_len, f) != a_len ||
	    fclose(f)) {
		perror(path);
		exit(1);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = malloc(65536);
	size_t n;

	if (!f || !s) {
		perror(path);
		exit(1);
	}
	n = fread(s, 1, 65535, f);
	fclose(f);
	s[n] = '\0';
	*len = n;
	return s;
}

/* Frames that are not cards: every table request, short replies. */
static void protocol_seeds(void)
{
	static const uint8_t sw3s[] = { CNID_SW3_OK, CNID_SW3_FIND_OK, CNID_SW3_NO_CARD };
	uint8_t frame[CNID_FRAME_MAX], zero[16] = { 0 }, mode;
	char name[64];
	int n;

	for (int id = 0; id < _CNID_CMD_MAX; id++) {
		const struct cnid_command *c = cnid_command_get((enum cnid_cmd_id)id);

		n = cnid_command_build((enum cnid_cmd_id)id, zero, frame, sizeof(frame));
		if (n < 0) {
			fprintf(stderr, "mkseeds: command %d: %s\n", id, strerror(-n));
			exit(1);
		}
		snprintf(name, sizeof(name), "request-%s", c->name);
		mode = 0x01; /* requests, raw */
		put("fuzz_frame", name, &mode, 1, frame, (size_t)n);
	}
	for (size_t i = 0; i < sizeof(sw3s); i++) {
		static const uint8_t rx_mode[3] = { 0x01, 0x00, 0x00 };

		n = cnid_response_build(0x00, 0x00, sw3s[i], zero, sw3s[i] == CNID_SW3_FIND_OK ? 4 : 0,
					frame, sizeof(frame));
		snprintf(name, sizeof(name), "reply-sw3-%02x", sw3s[i]);
		mode = 0x00;
		put("fuzz_frame", name, &mode, 1, frame, (size_t)n);
		put("fuzz_rx", name, rx_mode, 3, frame, (size_t)n);
	}
}

static void card_seeds(const char *path)
{
	/* garbage with partial preambles, and a partial preamble after the frame */
	static const uint8_t junk[] = { 0x00, 0xAA, 0xAA, 0x96, 0xAA, 0xAA, 0xAA, 0xAA, 0x96 };
	static struct cnid_card_desc d;
	static uint8_t frame[CNID_FRAME_MAX], fp[CNID_FRAME_MAX], stream[3 * CNID_FRAME_MAX];
	uint8_t block[CNID_TEXT_LEN], mode;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char stem[256], name[300];
	size_t text_len, s = 0;
	unsigned line;
	char *text = slurp(path, &text_len);
	int n, nfp, r;

	snprintf(stem, sizeof(stem), "%.*s", (int)strcspn(base, "."), base);
	/* the description itself is a fuzz_block seed (its parser runs on every input) */
	mode = 0;
	put("fuzz_block", strcat(strcpy(name, stem), ".card"), (const uint8_t *)text, text_len,
	    &mode, 0);
	r = cnid_card_desc_parse(text, &d, &line);
	free(text);
	if (r < 0) {
		fprintf(stderr, "mkseeds: %s:%u: not a library description (%s), skipped\n", path,
			line, strerror(-r));
		return;
	}
	n = cnid_card_desc_frame(&d, false, frame, sizeof(frame));
	nfp = cnid_card_desc_frame(&d, true, fp, sizeof(fp));
	r = cnid_card_encode(&d.card, block);
	if (n < 0 || nfp < 0 || r < 0) {
		fprintf(stderr, "mkseeds: %s: cannot encode\n", path);
		exit(1);
	}
	put("fuzz_block", strcat(strcpy(name, stem), ".block"), block, sizeof(block), block, 0);

	/* fuzz_frame: byte 0 is the mode (0: responses, raw, big chunks; 4: chunks <= 7) */
	mode = 0x00;
	put("fuzz_frame", strcat(strcpy(name, "read-"), stem), &mode, 1, frame, (size_t)n);
	mode = 0x04;
	put("fuzz_frame", strcat(strcpy(name, "read-fp-"), stem), &mode, 1, fp, (size_t)nfp);
	memcpy(stream, junk, sizeof(junk));
	s = sizeof(junk);
	memcpy(stream + s, frame, (size_t)n);
	s += (size_t)n;
	memcpy(stream + s, junk + 1, 4);
	s += 4;
	mode = 0x00;
	put("fuzz_frame", strcat(strcpy(name, "stream-"), stem), &mode, 1, stream, s);

	/* fuzz_rx: mode, seed, filler length; then the device output */
	{
		static const struct {
			const char *prefix;
			uint8_t head[3];
			bool with_fp, junk;
		} rx[] = {
			{ "whole-", { 0x00, 0x00, 0x00 }, false, false },
			{ "c7-", { 0x01, 0x11, 0x00 }, false, true },
			{ "c64-fp-", { 0x02, 0x22, 0x00 }, true, false },
			{ "split7-", { 0x05, 0x33, 0x00 }, false, false },
			{ "split600-fp-", { 0x07, 0x44, 0x00 }, true, true },
			{ "filler-under-limit-", { 0x0a, 0x55, 200 }, false, false },
			{ "filler-over-limit-", { 0x0e, 0x66, 210 }, false, false },
		};

		for (size_t i = 0; i < sizeof(rx) / sizeof(rx[0]); i++) {
			snprintf(name, sizeof(name), "%s%s", rx[i].prefix, stem);
			put("fuzz_rx", name, rx[i].head, 3, rx[i].junk ? stream : rx[i].with_fp ? fp : frame,
			    rx[i].junk ? s : rx[i].with_fp ? (size_t)nfp : (size_t)n);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds OUTDIR CARD...\n");
		return 2;
	}
	outdir = argv[1];
	protocol_seeds();
	for (int i = 2; i < argc; i++)
		card_seeds(argv[i]);
	return 0;
}
