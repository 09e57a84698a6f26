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
#define SCAN_MAX_SECRETS 64
#define SCAN_SECRET_MAX 256	/* bytes of one encoded secret */

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

/* A capture prepared once for any number of scans. */
struct scan_prep {
	const char *buf;
	size_t len;
	char *norm;		/* lines without blanks, ':' or '-', lower case, '\n' after each */
	size_t nn;
	uint8_t *stream;	/* the bytes of every hex token, in order */
	size_t slen;
};

static inline int scan_prepare(struct scan_prep *p, const char *buf, size_t len)
{
	p->buf = buf;
	p->len = len;
	p->nn = p->slen = 0;
	p->norm = malloc(len + 1);
	p->stream = malloc(len / 2 + 1);
	if (!p->norm || !p->stream) {
		free(p->norm);
		free(p->stream);
		return -1;
	}
	for (size_t at = 0; at < len;) {
		const char *l = buf + at, *nl = memchr(l, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - l) : len - at;

		at += ll + 1;
		for (size_t i = 0; i < ll; i++)
			if (!isspace((unsigned char)l[i]) && l[i] != ':' && l[i] != '-')
				p->norm[p->nn++] = (char)tolower((unsigned char)l[i]);
		p->norm[p->nn++] = '\n';
		p->slen += scan_line_bytes(l, ll, p->stream + p->slen);
	}
	return 0;
}

static inline void scan_release(struct scan_prep *p)
{
	free(p->norm);
	free(p->stream);
}

/* a hex needle: nib hex digits of value v (one window of a secret's encoding) */
struct scan_needle {
	uint64_t v;
	int nib, secret;
	enum scan_enc enc;
};

static inline int scan_needle_cmp(const void *a, const void *b)
{
	const struct scan_needle *x = a, *y = b;

	if (x->nib != y->nib)
		return x->nib < y->nib ? -1 : 1;
	return x->v < y->v ? -1 : x->v > y->v;
}

/*
 * Scan a prepared capture for the nsecrets (at most SCAN_MAX_SECRETS)
 * secrets; returns the number of findings (-1 on error), each also reported
 * through report (may be NULL).
 */
static inline int scan_secrets(const struct scan_prep *p, const char *const *secrets, int nsecrets,
			       scan_report_fn report, void *ctx)
{
	struct scan_enc_buf {
		uint8_t b[SCAN_SECRET_MAX];
		int len;
		size_t hexline;
	} *enc = calloc((size_t)nsecrets * SCAN_NENC + 1, sizeof(*enc));
	struct scan_needle *needles = malloc(((size_t)nsecrets * SCAN_NENC * SCAN_SECRET_MAX + 1) *
					     sizeof(*needles));
	/* needles grouped by length (at most SCAN_WINDOW groups), each with a filter */
	struct {
		int nib, start, end;
		uint64_t filter[1024];	/* bit (v & 0xffff) set for some needle */
	} *groups = calloc(SCAN_WINDOW, sizeof(*groups));
	int found = 0, nneedles = 0, ngroups = 0;

	if (!enc || !needles || !groups || nsecrets > SCAN_MAX_SECRETS) {
		found = -1;
		goto out;
	}
#define E(s, e) (enc[(s) * SCAN_NENC + (e)])
	for (int s = 0; s < nsecrets; s++)
		for (int e = 0; e < SCAN_NENC; e++)
			E(s, e).len = scan_encode(secrets[s], (enum scan_enc)e, E(s, e).b,
						  sizeof(E(s, e).b));
#define SCAN_FOUND(s, e, form, line)                                          \
	do {                                                                  \
		found++;                                                      \
		if (report)                                                   \
			report(ctx, s, (enum scan_enc)(e), form, line);      \
	} while (0)
	/* raw bytes */
	for (int s = 0; s < nsecrets; s++)
		for (int e = 0; e < SCAN_NENC; e++)
			if (E(s, e).len > 0 && memmem(p->buf, p->len, E(s, e).b, (size_t)E(s, e).len))
				SCAN_FOUND(s, e, "raw", 0);
	/*
	 * hex on one line: every window of SCAN_WINDOW bytes (the whole
	 * encoding if shorter) as a number of up to 2 * SCAN_WINDOW hex digits;
	 * one pass over the normalised lines keeps the value of the last hex
	 * digits (a non-hex character or a line end starts again) and looks it
	 * up
	 */
	for (int s = 0; s < nsecrets; s++) {
		for (int e = 0; e < SCAN_NENC; e++) {
			int len = E(s, e).len, w = len < SCAN_WINDOW ? len : SCAN_WINDOW;

			for (int k = 0; w > 0 && k + w <= len; k++) {
				struct scan_needle *n = &needles[nneedles++];

				n->v = 0;
				for (int i = 0; i < w; i++)
					n->v = n->v << 8 | E(s, e).b[k + i];
				n->nib = 2 * w;
				n->secret = s;
				n->enc = (enum scan_enc)e;
			}
		}
	}
	qsort(needles, (size_t)nneedles, sizeof(needles[0]), scan_needle_cmp);
	for (int j = 0; j < nneedles; ngroups++) {
		groups[ngroups].nib = needles[j].nib;
		groups[ngroups].start = j;
		for (; j < nneedles && needles[j].nib == groups[ngroups].nib; j++)
			groups[ngroups].filter[(needles[j].v & 0xffff) / 64] |=
				1ull << (needles[j].v & 63);
		groups[ngroups].end = j;
	}
	{
		uint64_t v = 0;
		size_t run = 0, line = 1;

		for (size_t i = 0; i < p->nn; i++) {
			int h = scan_hexval(p->norm[i]);

			if (h < 0) {
				line += p->norm[i] == '\n';
				run = 0;
				continue;
			}
			v = v << 4 | (uint64_t)h;
			run++;
			for (int g = 0; g < ngroups; g++) {
				int nib = groups[g].nib;
				struct scan_needle key, *hit;

				if (run < (size_t)nib)
					continue;
				key.nib = nib;
				key.v = nib >= 16 ? v : v & ((1ull << (4 * nib)) - 1);
				if (!(groups[g].filter[(key.v & 0xffff) / 64] & 1ull << (key.v & 63)))
					continue;
				hit = bsearch(&key, needles + groups[g].start,
					      (size_t)(groups[g].end - groups[g].start), sizeof(key),
					      scan_needle_cmp);
				if (!hit)
					continue;
				/* every secret with this window (two cards may share a number) */
				while (hit > needles + groups[g].start &&
				       !scan_needle_cmp(hit - 1, &key))
					hit--;
				for (; hit < needles + groups[g].end && !scan_needle_cmp(hit, &key); hit++)
					if (!E(hit->secret, hit->enc).hexline)
						E(hit->secret, hit->enc).hexline = line;
			}
		}
	}
	for (int s = 0; s < nsecrets; s++)
		for (int e = 0; e < SCAN_NENC; e++)
			if (E(s, e).hexline)
				SCAN_FOUND(s, e, "hex", E(s, e).hexline);
	/* hex across lines */
	for (int s = 0; s < nsecrets; s++)
		for (int e = 0; e < SCAN_NENC; e++)
			if (E(s, e).len > 0 &&
			    memmem(p->stream, p->slen, E(s, e).b, (size_t)E(s, e).len))
				SCAN_FOUND(s, e, "hex across lines", 0);
#undef SCAN_FOUND
#undef E
out:
	free(enc);
	free(needles);
	free(groups);
	return found;
}

/* scan_prepare + scan_secrets + scan_release */
static inline int scan_buffer(const char *const *secrets, int nsecrets, const char *buf,
			      size_t len, scan_report_fn report, void *ctx)
{
	struct scan_prep p;
	int r;

	if (scan_prepare(&p, buf, len) < 0)
		return -1;
	r = scan_secrets(&p, secrets, nsecrets, report, ctx);
	scan_release(&p);
	return r;
}

#endif /* CNID_SECRET_SCAN_H */
