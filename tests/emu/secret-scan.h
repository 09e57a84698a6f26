/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * secret-scan.h: look for a card's name and number in a capture (a log, a
 * netlink dump, dmesg, sysfs contents), in every form a leak could take.
 * Header only, shared by the guest's cnid-nl ("scan") and the emulator's
 * host tests.
 *
 * Each secret (UTF-8 text) is searched in three encodings, UTF-8, UCS-2LE
 * (its form inside a reply frame) and UCS-2BE (what a 16-bit grouped hex
 * dump of UCS-2LE shows on a little-endian machine), each
 *   - as raw bytes anywhere in the capture;
 *   - as hex on one line, either case, with or without blanks, ':' or '-'
 *     between the digits; an encoding longer than SCAN_WINDOW bytes is
 *     found from any SCAN_WINDOW consecutive bytes of it, so a hex dump
 *     that breaks it over several lines is still caught;
 *   - as hex across lines: the bytes of every two-digit hex token (a
 *     print_hex_dump() row, the emulator log's "rx"/"tx" hex field) are
 *     joined in order over the whole capture and searched as one stream.
 * Findings are reported by secret index and form, never with the secret.
 */
#ifndef CNID_SECRET_SCAN_H
#define CNID_SECRET_SCAN_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_WINDOW 8

enum scan_enc { SCAN_UTF8, SCAN_UCS2LE, SCAN_UCS2BE, SCAN_NENC };

static const char *const scan_enc_names[SCAN_NENC] = { "utf-8", "ucs-2le", "ucs-2be" };

/* Called for each finding: secret index, encoding, form ("raw", "hex", ...), line (1-based, 0 if none). */
typedef void (*scan_report_fn)(void *ctx, int secret, enum scan_enc enc, const char *form,
			       size_t line);

/* UTF-8 to UTF-16 (LE or BE) code units; returns the byte count or -1. */
static inline int scan_utf16(const char *s, uint8_t *out, size_t size, int big_endian)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		uint32_t c;
		int k;

		if (*p < 0x80) {
			c = *p;
			k = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f;
			k = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f;
			k = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			c = *p & 0x07;
			k = 3;
		} else {
			return -1;
		}
		p++;
		for (; k > 0; k--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (*p & 0x3f);
		}
		uint16_t u[2];
		int nu = 1;

		if (c >= 0x10000) {
			c -= 0x10000;
			u[0] = (uint16_t)(0xd800 | c >> 10);
			u[1] = (uint16_t)(0xdc00 | (c & 0x3ff));
			nu = 2;
		} else {
			u[0] = (uint16_t)c;
		}
		for (int i = 0; i < nu; i++) {
			if (n + 2 > size)
				return -1;
			out[n++] = (uint8_t)(big_endian ? u[i] >> 8 : u[i]);
			out[n++] = (uint8_t)(big_endian ? u[i] : u[i] >> 8);
		}
	}
	return (int)n;
}

static inline int scan_encode(const char *s, enum scan_enc enc, uint8_t *out, size_t size)
{
	size_t n = strlen(s);

	if (enc != SCAN_UTF8)
		return scan_utf16(s, out, size, enc == SCAN_UCS2BE);
	if (n > size)
		return -1;
	memcpy(out, s, n);
	return (int)n;
}

static inline void scan_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static inline int scan_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The bytes of the line's two-digit hex tokens.  A line of the emulator's
 * log ("<µs> rx|tx <n> <hex>[...+m]") contributes its hex field only.
 */
static inline size_t scan_line_bytes(const char *l, size_t len, uint8_t *out)
{
	size_t i = 0, n = 0;
	unsigned long long ts;
	char dir[4], head[64];
	size_t hl = len < sizeof(head) - 1 ? len : sizeof(head) - 1;
	int off = 0;

	memcpy(head, l, hl);
	head[hl] = '\0';
	if (sscanf(head, "%llu %3s %*u %n", &ts, dir, &off) == 2 && off > 0 &&
	    (strcmp(dir, "rx") == 0 || strcmp(dir, "tx") == 0)) {
		for (i = (size_t)off; i + 1 < len && scan_hexval(l[i]) >= 0 &&
		     scan_hexval(l[i + 1]) >= 0; i += 2)
			out[n++] = (uint8_t)(scan_hexval(l[i]) << 4 | scan_hexval(l[i + 1]));
		return n;
	}
	while (i < len) {
		size_t s;

		while (i < len && isspace((unsigned char)l[i]))
			i++;
		s = i;
		while (i < len && !isspace((unsigned char)l[i]))
			i++;
		if (i - s == 2 && scan_hexval(l[s]) >= 0 && scan_hexval(l[s + 1]) >= 0)
			out[n++] = (uint8_t)(scan_hexval(l[s]) << 4 | scan_hexval(l[s + 1]));
	}
	return n;
}

/*
 * Scan buf (len bytes) for the nsecrets secrets; returns the number of
 * findings, each also reported through report (may be NULL).
 */
static inline int scan_buffer(const char *const *secrets, int nsecrets, const char *buf,
			      size_t len, scan_report_fn report, void *ctx)
{
	uint8_t enc[SCAN_NENC][4][256];	/* [enc][secret] (at most 4 secrets) */
	int elen[SCAN_NENC][4];
	char *norm = malloc(len + 1);
	uint8_t *stream = malloc(len / 2 + 1);
	size_t slen = 0, lineno = 0;
	int found = 0;

	if (!norm || !stream || nsecrets > 4) {
		free(norm);
		free(stream);
		return -1;
	}
	for (int e = 0; e < SCAN_NENC; e++)
		for (int s = 0; s < nsecrets; s++)
			elen[e][s] = scan_encode(secrets[s], (enum scan_enc)e, enc[e][s],
						 sizeof(enc[e][s]));
#define SCAN_FOUND(s, e, form, line)                                          \
	do {                                                                  \
		found++;                                                      \
		if (report)                                                   \
			report(ctx, s, (enum scan_enc)(e), form, line);      \
	} while (0)
	/* raw bytes */
	for (int e = 0; e < SCAN_NENC; e++)
		for (int s = 0; s < nsecrets; s++)
			if (elen[e][s] > 0 && memmem(buf, len, enc[e][s], (size_t)elen[e][s]))
				SCAN_FOUND(s, e, "raw", 0);
	/* hex, line by line; and the stream of hex tokens */
	for (size_t at = 0; at < len;) {
		const char *l = buf + at, *nl = memchr(l, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - l) : len - at, nn = 0;
		int hit[SCAN_NENC][4] = { { 0 } };

		lineno++;
		at += ll + 1;
		for (size_t i = 0; i < ll; i++)
			if (!isspace((unsigned char)l[i]) && l[i] != ':' && l[i] != '-')
				norm[nn++] = (char)tolower((unsigned char)l[i]);
		norm[nn] = '\0';
		for (int e = 0; e < SCAN_NENC; e++) {
			for (int s = 0; s < nsecrets; s++) {
				int w = elen[e][s] < SCAN_WINDOW ? elen[e][s] : SCAN_WINDOW;
				char hex[2 * SCAN_WINDOW + 1];

				for (int k = 0; w > 0 && k + w <= elen[e][s] && !hit[e][s]; k++) {
					scan_hex(enc[e][s] + k, (size_t)w, hex);
					if (memmem(norm, nn, hex, 2 * (size_t)w)) {
						hit[e][s] = 1;
						SCAN_FOUND(s, e, "hex", lineno);
					}
				}
			}
		}
		slen += scan_line_bytes(l, ll, stream + slen);
	}
	for (int e = 0; e < SCAN_NENC; e++)
		for (int s = 0; s < nsecrets; s++)
			if (elen[e][s] > 0 && memmem(stream, slen, enc[e][s], (size_t)elen[e][s]))
				SCAN_FOUND(s, e, "hex across lines", 0);
#undef SCAN_FOUND
	free(norm);
	free(stream);
	return found;
}

#endif /* CNID_SECRET_SCAN_H */
